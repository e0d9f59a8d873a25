// A HID POS barcode scanner (usage page 0x8C) read through libusb: codes with their AIM
// symbology identifier, joined when they span several reports.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "drivers/PosScanAssembler.h"
#include "drivers/UsbScanner.h"

namespace drivers {

class UsbPosScanner : public UsbScanner {
  public:
    UsbPosScanner(boost::asio::io_context& io, std::shared_ptr<UsbContext> usb, std::string name,
                  UsbSelector selector);
    ~UsbPosScanner() override;
    // status(): kind "hid-pos".

  protected:
    std::vector<ScanEvent> decode(std::span<const std::uint8_t> report) override;
    void connected(const UsbInterfaceInfo& info) override;

  private:
    PosScanAssembler assembler_;
};

}  // namespace drivers
