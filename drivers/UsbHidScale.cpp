#include "drivers/UsbHidScale.h"

#include <chrono>
#include <utility>

#include "drivers/HidScaleReport.h"

namespace drivers {

namespace {

constexpr std::uint8_t kHidClassOut = 0x21;  // host to device, class, interface
constexpr std::uint8_t kSetReport = 0x09;
constexpr std::uint16_t kOutputReport = 0x02;  // report type in the high byte of wValue
constexpr auto kZeroTimeout = std::chrono::milliseconds(1000);

}  // namespace

UsbHidScale::UsbHidScale(boost::asio::io_context& io, std::shared_ptr<UsbContext> usb,
                         std::string name, UsbSelector selector)
    : name_(std::move(name)),
      link_(io, std::move(usb), UsbLinkOptions{.selector = std::move(selector)},
            UsbLink::Events{
                .connected =
                    [this](const UsbInterfaceInfo&) {
                        dropNext_ = true;
                        reportError_.clear();
                    },
                .report = [this](std::span<const std::uint8_t> report) { onReport(report); },
                .disconnected =
                    [this](const std::string&) {
                        note_.clear();
                        publish({ScaleStatus::Disconnected, 0});
                    },
            }) {}

UsbHidScale::~UsbHidScale() {
    link_.stop();
}

const std::string& UsbHidScale::name() const {
    return name_;
}

void UsbHidScale::start(ScaleHandler onReading) {
    onReading_ = std::move(onReading);
    link_.start();
}

void UsbHidScale::stop() {
    link_.stop();
    onReading_ = nullptr;
    last_ = {ScaleStatus::Disconnected, 0};
}

ScaleReading UsbHidScale::last() const {
    return last_;
}

DeviceStatus UsbHidScale::status() const {
    DeviceStatus status;
    status.name = name_;
    status.kind = "hid-pos";
    status.role = "scale";
    status.up = link_.connected();
    status.detail = link_.detail();
    if (link_.connected()) {
        status.detail += last_.status == ScaleStatus::Disconnected
                             ? ": waiting for a fresh report"
                             : ": " + std::string(toString(last_.status));
        if (!note_.empty()) {
            status.detail += " (" + note_ + ")";
        }
        if (!reportError_.empty()) {
            status.detail += "; last unreadable report: " + reportError_;
        }
    }
    return status;
}

void UsbHidScale::onReport(std::span<const std::uint8_t> report) {
    const HidScaleReport parsed = parseHidScaleReport(report);
    if (!parsed.ok) {
        reportError_ = parsed.error;
        return;
    }
    if (dropNext_) {
        // The first report after opening may be what the scale measured before it was last
        // read, possibly the previous parcel: only the next one is current.
        dropNext_ = false;
        return;
    }
    note_ = parsed.note;
    publish(parsed.reading);
}

void UsbHidScale::publish(const ScaleReading& reading) {
    if (reading == last_) {
        return;
    }
    last_ = reading;
    if (const ScaleHandler handler = onReading_) {
        handler(reading);
    }
}

void UsbHidScale::zero(std::function<void(const std::string& error)> done) {
    const std::string command(reinterpret_cast<const char*>(kHidScaleZeroReport),
                              sizeof kHidScaleZeroReport);
    auto finish = [done = std::move(done), scale = name_](const UsbTransferResult& result) {
        done(result.ok ? std::string()
                       : "scale " + scale + " did not take the zero command: " + result.error);
    };
    if (link_.connected() && link_.info().interruptOut != 0) {
        link_.interruptOut(command, kZeroTimeout, std::move(finish));
        return;
    }
    const auto reportId = static_cast<std::uint16_t>(kHidScaleZeroReport[0]);
    link_.control(kHidClassOut, kSetReport,
                  static_cast<std::uint16_t>(kOutputReport << 8 | reportId),
                  static_cast<std::uint16_t>(link_.connected() ? link_.info().number : 0), command,
                  0, kZeroTimeout, std::move(finish));
}

}  // namespace drivers
