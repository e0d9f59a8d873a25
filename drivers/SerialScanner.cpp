#include "drivers/SerialScanner.h"

#include <utility>

namespace drivers {

SerialScanner::SerialScanner(boost::asio::io_context& io, std::string name, SerialSettings settings)
    : name_(std::move(name)),
      link_(io, std::move(settings),
            SerialLink::Events{
                .connected =
                    [this] {
                        line_.clear();
                        overlong_ = false;
                    },
                .data = [this](std::string_view bytes) { consume(bytes); },
                .disconnected = [](const std::string&) {},
            }) {}

SerialScanner::~SerialScanner() {
    link_.stop();
}

const std::string& SerialScanner::name() const {
    return name_;
}

void SerialScanner::start(ScanHandler onScan) {
    onScan_ = std::move(onScan);
    link_.start();
}

void SerialScanner::stop() {
    link_.stop();
    onScan_ = nullptr;
}

DeviceStatus SerialScanner::status() const {
    DeviceStatus status;
    status.name = name_;
    status.kind = "serial";
    status.role = "scanner";
    status.up = link_.connected();
    status.detail = link_.detail();
    return status;
}

void SerialScanner::consume(std::string_view bytes) {
    for (char c : bytes) {
        if (c != '\r' && c != '\n') {
            if (line_.size() < kMaxLineBytes) {
                line_.push_back(c);
            } else {
                overlong_ = true;
            }
            continue;
        }
        if (overlong_) {
            ScanEvent event;
            event.code = std::move(line_);
            event.problem = "scanner " + name_ + " sent a line longer than " +
                            std::to_string(kMaxLineBytes) +
                            " bytes: not a barcode (wrong baud rate?)";
            deliver(std::move(event));
        } else if (!line_.empty()) {
            ScanEvent event;
            event.code = std::move(line_);
            deliver(std::move(event));
        }
        line_.clear();
        overlong_ = false;
    }
}

void SerialScanner::deliver(ScanEvent event) {
    event.scanner = name_;
    if (const ScanHandler handler = onScan_) {
        handler(event, [](std::string_view) {});
    }
}

}  // namespace drivers
