// A simulated scanner: reads one code per line from TCP connections on a loopback port.
// Lets the daemon, the demo and the end-to-end tests run with no hardware.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "drivers/Scanner.h"

namespace drivers {

class TcpLineScanner : public Scanner {
  public:
    // port 0 picks a free port; boundPort() tells which after start().
    TcpLineScanner(boost::asio::io_context& io, std::string name, std::string listenAddress,
                   unsigned short port);
    ~TcpLineScanner() override;

    const std::string& name() const override;
    void start(ScanHandler onScan) override;
    void stop() override;
    DeviceStatus status() const override;
    unsigned short boundPort() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace drivers
