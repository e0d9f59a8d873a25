#include "station/ServiceNotifier.h"

#include <systemd/sd-daemon.h>

namespace station {

ServiceNotifier::ServiceNotifier(boost::asio::io_context& io) : timer_(io) {}

void ServiceNotifier::ready(std::string_view s) {
    lastStatus_ = s;
    sd_notify(0, ("READY=1\nSTATUS=" + lastStatus_).c_str());
}

void ServiceNotifier::status(std::string_view s) {
    if (s == lastStatus_) {
        return;
    }
    lastStatus_ = s;
    sd_notify(0, ("STATUS=" + lastStatus_).c_str());
}

void ServiceNotifier::stopping() {
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void ServiceNotifier::startWatchdog() {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
        return;
    }
    interval_ = std::chrono::microseconds(usec / 2);
    running_ = true;
    sd_notify(0, "WATCHDOG=1");
    schedule();
}

void ServiceNotifier::stopWatchdog() {
    running_ = false;
    timer_.cancel();
}

void ServiceNotifier::schedule() {
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || !running_) {
            return;
        }
        sd_notify(0, "WATCHDOG=1");
        schedule();
    });
}

}  // namespace station
