// What the two USB barcode scanner drivers share: a claimed HID interface whose interrupt
// reports are decoded into scans, each delivered with the scanner's name.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "drivers/Scanner.h"
#include "drivers/UsbLink.h"

namespace drivers {

class UsbScanner : public Scanner {
  public:
    ~UsbScanner() override;

    const std::string& name() const override;
    // Opens the device (now, or when it is plugged in) and delivers its scans to `onScan`.
    // A scan with a problem (keyboard layout mismatch, malformed report) is delivered too,
    // with ScanEvent::problem set, so the station can refuse it and say why.
    void start(ScanHandler onScan) override;
    // Releases the interface; the kernel driver gets the device back.
    void stop() override;
    DeviceStatus status() const override;

  protected:
    UsbScanner(boost::asio::io_context& io, std::shared_ptr<UsbContext> usb, std::string name,
               std::string kind, UsbSelector selector);

    // One interrupt report in; the scans it completed out (code, or problem, or both).
    virtual std::vector<ScanEvent> decode(std::span<const std::uint8_t> report) = 0;
    // A device was (re)opened: forget half a scan, set the device up.
    virtual void connected(const UsbInterfaceInfo& info) = 0;
    virtual std::string describeSettings() const { return {}; }

    UsbLink& link() { return link_; }

  private:
    std::string name_;
    std::string kind_;
    ScanHandler onScan_;
    UsbLink link_;
};

}  // namespace drivers
