#include "drivers/UsbKeyboardScanner.h"

#include <chrono>
#include <utility>

namespace drivers {

namespace {

// HID class requests (HID 1.11, 7.2), sent to the interface.
constexpr std::uint8_t kHidClassOut = 0x21;  // host to device, class, interface
constexpr std::uint8_t kSetIdle = 0x0A;
constexpr std::uint8_t kSetProtocol = 0x0B;
constexpr std::uint16_t kBootProtocol = 0;
constexpr auto kSetupTimeout = std::chrono::milliseconds(1000);

}  // namespace

UsbKeyboardScanner::UsbKeyboardScanner(boost::asio::io_context& io, std::shared_ptr<UsbContext> usb,
                                       std::string name, UsbSelector selector,
                                       KeyboardLayout layout, ScanTerminator terminator)
    : UsbScanner(io, std::move(usb), name, "usb-keyboard", std::move(selector)),
      decoder_(name, layout, terminator) {}

UsbKeyboardScanner::~UsbKeyboardScanner() {
    link().stop();
}

std::vector<ScanEvent> UsbKeyboardScanner::decode(std::span<const std::uint8_t> report) {
    std::vector<ScanEvent> events;
    for (KeyboardScan& scan : decoder_.feed(report)) {
        ScanEvent event;
        event.code = std::move(scan.code);
        event.problem = std::move(scan.problem);
        events.push_back(std::move(event));
    }
    return events;
}

void UsbKeyboardScanner::connected(const UsbInterfaceInfo& info) {
    decoder_.reset();
    if (info.subclass != 1) {
        return;  // not a boot interface: its reports are already what it sends
    }
    // The boot protocol fixes the 8-byte report the decoder reads, whatever the report
    // descriptor says; an idle rate of 0 makes the scanner report only when a key changes, so a
    // quiet scanner costs no wakeups. Scanners that refuse either still work: nothing to do.
    const auto index = static_cast<std::uint16_t>(info.number);
    link().control(kHidClassOut, kSetProtocol, kBootProtocol, index, {}, 0, kSetupTimeout,
                   [](const UsbTransferResult&) {});
    link().control(kHidClassOut, kSetIdle, 0, index, {}, 0, kSetupTimeout,
                   [](const UsbTransferResult&) {});
}

std::string UsbKeyboardScanner::describeSettings() const {
    return "layout " + std::string(toString(decoder_.layout()));
}

}  // namespace drivers
