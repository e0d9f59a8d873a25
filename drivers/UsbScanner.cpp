#include "drivers/UsbScanner.h"

#include <utility>

namespace drivers {

UsbScanner::UsbScanner(boost::asio::io_context& io, std::shared_ptr<UsbContext> usb,
                       std::string name, std::string kind, UsbSelector selector)
    : name_(std::move(name)),
      kind_(std::move(kind)),
      link_(io, std::move(usb), UsbLinkOptions{.selector = std::move(selector)},
            UsbLink::Events{
                .connected = [this](const UsbInterfaceInfo& info) { connected(info); },
                .report =
                    [this](std::span<const std::uint8_t> report) {
                        for (ScanEvent& event : decode(report)) {
                            event.scanner = name_;
                            // A copy, so that the handler may stop the scanner from inside.
                            if (const ScanHandler handler = onScan_) {
                                // Nothing to answer on a USB scanner: the reply does nothing.
                                handler(event, [](std::string_view) {});
                            }
                        }
                    },
                .disconnected = [](const std::string&) {},
            }) {}

UsbScanner::~UsbScanner() {
    link_.stop();
}

const std::string& UsbScanner::name() const {
    return name_;
}

void UsbScanner::start(ScanHandler onScan) {
    onScan_ = std::move(onScan);
    link_.start();
}

void UsbScanner::stop() {
    link_.stop();
    onScan_ = nullptr;
}

DeviceStatus UsbScanner::status() const {
    DeviceStatus status;
    status.name = name_;
    status.kind = kind_;
    status.role = "scanner";
    status.up = link_.connected();
    status.detail = link_.detail();
    if (const std::string settings = describeSettings(); !settings.empty()) {
        status.detail += ", " + settings;
    }
    return status;
}

}  // namespace drivers
