#include "drivers/UsbPosScanner.h"

#include <utility>

namespace drivers {

UsbPosScanner::UsbPosScanner(boost::asio::io_context& io, std::shared_ptr<UsbContext> usb,
                             std::string name, UsbSelector selector)
    : UsbScanner(io, std::move(usb), std::move(name), "hid-pos", std::move(selector)) {}

UsbPosScanner::~UsbPosScanner() {
    link().stop();
}

std::vector<ScanEvent> UsbPosScanner::decode(std::span<const std::uint8_t> report) {
    std::vector<ScanEvent> events;
    if (auto scan = assembler_.feed(report)) {
        ScanEvent event;
        event.code = std::move(scan->code);
        if (!scan->error.empty()) {
            event.problem = "scanner " + name() + ": " + scan->error;
        }
        events.push_back(std::move(event));
    }
    return events;
}

void UsbPosScanner::connected(const UsbInterfaceInfo&) {
    assembler_.reset();
}

}  // namespace drivers
