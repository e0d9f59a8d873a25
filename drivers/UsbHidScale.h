// A USB HID POS scale (DYMO, Stamps.com, Mettler PS60...) read through libusb interrupt
// reports; drops the stale first report after each (re)connect and can send the zero command.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "drivers/Scale.h"
#include "drivers/UsbLink.h"

namespace drivers {

class UsbHidScale : public Scale {
  public:
    UsbHidScale(boost::asio::io_context& io, std::shared_ptr<UsbContext> usb, std::string name,
                UsbSelector selector);
    ~UsbHidScale() override;

    const std::string& name() const override;
    // Readings go to `onReading` when they change: status or grams. Unplugging gives a
    // Disconnected reading; after a replug the first report (often the weight from before) is
    // dropped and the next one counts.
    void start(ScaleHandler onReading) override;
    void stop() override;
    ScaleReading last() const override;
    DeviceStatus status() const override;  // kind "hid-pos"

    // Zeroes the scale: output report {0x02, 0x02} on the interrupt OUT endpoint, or as a HID
    // SET_REPORT (output) on the control pipe when the scale has none. `done` gets an empty
    // string when the scale took the command, else why not; it runs on the io_context.
    void zero(std::function<void(const std::string& error)> done) override;

  private:
    void onReport(std::span<const std::uint8_t> report);
    void publish(const ScaleReading& reading);

    std::string name_;
    ScaleHandler onReading_;
    ScaleReading last_;  // Disconnected until a fresh report arrives
    std::string note_;   // what the scale said beyond the status ("needs re-zeroing")
    std::string reportError_;
    bool dropNext_ = true;
    UsbLink link_;
};

}  // namespace drivers
