// A barcode scanner on a serial line or CDC-ACM (/dev/ttyACM0): one code per line, through
// Boost.Asio serial_port; reopened with backoff when it is unplugged.
#pragma once

#include <boost/asio/io_context.hpp>
#include <string>

#include "drivers/Scanner.h"
#include "drivers/SerialLink.h"

namespace drivers {

class SerialScanner : public Scanner {
  public:
    // Longer than any code a scanner sends; a longer line is delivered as a problem.
    static constexpr std::size_t kMaxLineBytes = 8192;

    SerialScanner(boost::asio::io_context& io, std::string name, SerialSettings settings);
    ~SerialScanner() override;

    const std::string& name() const override;
    // Each line ending in CR, LF or CR LF is a scan; empty lines are skipped.
    void start(ScanHandler onScan) override;
    void stop() override;
    DeviceStatus status() const override;  // kind "serial"

  private:
    void consume(std::string_view bytes);
    void deliver(ScanEvent event);

    std::string name_;
    ScanHandler onScan_;
    std::string line_;
    bool overlong_ = false;
    SerialLink link_;
};

}  // namespace drivers
