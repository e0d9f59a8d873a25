// A keyboard-wedge barcode scanner read through libusb: its HID boot keyboard interface is
// taken from the kernel, so no keystroke reaches another program, and decoded per layout.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "drivers/KeyboardDecoder.h"
#include "drivers/UsbScanner.h"

namespace drivers {

class UsbKeyboardScanner : public UsbScanner {
  public:
    // `layout` is the keyboard layout the scanner is set to emulate; `terminator` the suffix it
    // sends after each code.
    UsbKeyboardScanner(boost::asio::io_context& io, std::shared_ptr<UsbContext> usb,
                       std::string name, UsbSelector selector, KeyboardLayout layout,
                       ScanTerminator terminator = ScanTerminator::Enter);
    ~UsbKeyboardScanner() override;
    // status(): kind "usb-keyboard".

  protected:
    std::vector<ScanEvent> decode(std::span<const std::uint8_t> report) override;
    void connected(const UsbInterfaceInfo& info) override;
    std::string describeSettings() const override;

  private:
    KeyboardDecoder decoder_;
};

}  // namespace drivers
