#include "drivers/SimulatedScale.h"

#include <boost/asio/post.hpp>
#include <utility>

namespace drivers {

SimulatedScale::SimulatedScale(boost::asio::io_context& io, std::string name)
    : io_(io), name_(std::move(name)) {}

const std::string& SimulatedScale::name() const {
    return name_;
}

void SimulatedScale::start(ScaleHandler onReading) {
    onReading_ = std::move(onReading);
    running_ = true;
}

void SimulatedScale::stop() {
    running_ = false;
    onReading_ = nullptr;
}

ScaleReading SimulatedScale::last() const {
    return last_;
}

DeviceStatus SimulatedScale::status() const {
    DeviceStatus status;
    status.name = name_;
    status.kind = "simulated";
    status.role = "scale";
    status.up = last_.status != ScaleStatus::Disconnected;
    status.detail = std::string(toString(last_.status)) + " " + std::to_string(last_.grams) + " g";
    return status;
}

void SimulatedScale::set(const ScaleReading& reading) {
    last_ = reading;
    if (!running_ || !onReading_) {
        return;
    }
    // The handler is copied into the posted work so that a scale destroyed before the
    // io_context runs leaves nothing dangling. Like a read already completed on a real
    // device, a reading set just before stop() may still arrive.
    boost::asio::post(io_, [handler = onReading_, reading] { handler(reading); });
}

}  // namespace drivers
