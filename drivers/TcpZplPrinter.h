// A ZPL label printer on the network (raw TCP, port 9100). Asks ~HS before each job and
// refuses to send when the printer cannot print; asks again after, and never resends on its own.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "drivers/Printer.h"
#include "drivers/ZebraHostStatus.h"

namespace drivers {

struct TcpZplPrinterOptions {
    std::chrono::milliseconds connectTimeout{3000};
    // For the whole ~HS exchange. A printer with its head open or out of paper may not answer
    // at all: silence past this is an error, not "fine".
    std::chrono::milliseconds statusTimeout{3000};
    std::chrono::milliseconds writeTimeout{30000};
    // How often ~HS is asked while idle, so that status() stays current; zero turns it off.
    std::chrono::milliseconds pollInterval{5000};
    // Job ids confirmed printed in this process; one of them submitted again is answered
    // "duplicate" without being sent.
    std::size_t rememberedJobs = 1000;
};

class TcpZplPrinter : public Printer {
  public:
    TcpZplPrinter(boost::asio::io_context& io, std::string name, std::string host,
                  unsigned short port = 9100, TcpZplPrinterOptions options = {});
    // Stops polling and closes any connection; a job in flight completes with an error.
    ~TcpZplPrinter() override;

    const std::string& name() const override;
    const std::string& language() const override;  // "zpl"
    // Jobs go out one at a time, in the order submitted. `done` is called once per job, on the
    // io_context, never from inside submit().
    void submit(PrintJob job, PrintDone done) override;
    void stop() override;
    DeviceStatus status() const override;  // kind "zpl-tcp"

    // The printer's last answer to ~HS, if it ever gave one.
    std::optional<ZebraHostStatus> lastHostStatus() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace drivers
