// Talks to systemd when stationd runs as a Type=notify service: READY=1, STATUS= lines,
// WATCHDOG=1 from the event loop itself, STOPPING=1. Silent when not under systemd.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace station {

class ServiceNotifier {
  public:
    explicit ServiceNotifier(boost::asio::io_context& io);

    void ready(std::string_view status);
    void status(std::string_view status);
    void stopping();
    // When the unit sets WatchdogSec, pings at half that period from a timer on the io_context:
    // a hung loop stops the pings, and systemd restarts the service.
    void startWatchdog();
    void stopWatchdog();
    std::chrono::microseconds watchdogInterval() const { return interval_; }

  private:
    void schedule();

    boost::asio::steady_timer timer_;
    std::chrono::microseconds interval_{0};
    std::string lastStatus_;
    bool running_ = false;
};

}  // namespace station
