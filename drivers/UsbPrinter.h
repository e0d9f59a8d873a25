// A label printer on USB (printer class 7) through libusb: GET_DEVICE_ID on connect,
// GET_PORT_STATUS and, for ZPL printers, ~HS on bulk IN before and after every job.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "drivers/Printer.h"
#include "drivers/UsbContext.h"
#include "drivers/ZebraHostStatus.h"

namespace drivers {

struct UsbPrinterOptions {
    // "zpl": ~HS is asked on bulk OUT and read on bulk IN around each job (a printer with no
    // bulk IN endpoint is judged by its port status alone). Any other language: port status.
    std::string language = "zpl";
    // For each status exchange (port status, or the whole ~HS answer). Silence is an error.
    std::chrono::milliseconds statusTimeout{3000};
    std::chrono::milliseconds writeTimeout{30000};
    // How often the status is asked while idle; zero turns it off.
    std::chrono::milliseconds pollInterval{5000};
    std::size_t rememberedJobs = 1000;  // see PrintedJobs
};

// GET_PORT_STATUS, one byte (USB printer class 1.1, 4.2.2).
struct UsbPortStatus {
    bool paperEmpty = false;  // 0x20
    bool selected = false;    // 0x10: online
    bool noError = false;     // 0x08
    // "paper out, offline" for what keeps it from printing; empty when it can print.
    std::string problems() const;
};
UsbPortStatus parseUsbPortStatus(unsigned char byte);

class UsbPrinter : public Printer {
  public:
    UsbPrinter(boost::asio::io_context& io, std::shared_ptr<UsbContext> usb, std::string name,
               UsbSelector selector, UsbPrinterOptions options = {});
    // Releases the interface; a job in flight completes with an error.
    ~UsbPrinter() override;

    const std::string& name() const override;
    const std::string& language() const override;
    // Jobs go out one at a time, in order; `done` once per job, on the io_context. The same
    // rules as TcpZplPrinter: refused (not printed) when the printer reports a problem before,
    // "may have printed" when something fails after the first byte went out, "duplicate" for
    // an id already printed, never resent by the driver.
    void submit(PrintJob job, PrintDone done) override;
    void stop() override;
    DeviceStatus status() const override;  // kind "usb-printer"

    // The IEEE 1284 device id read on connect ("MFG:Zebra;MDL:ZD420;CMD:ZPL;"), empty before.
    std::string deviceId() const;
    std::optional<ZebraHostStatus> lastHostStatus() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace drivers
