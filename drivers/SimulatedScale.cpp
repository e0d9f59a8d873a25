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

void SimulatedScale::set(const ScaleReading& loaded) {
    load_ = loaded;
    ScaleReading reading = loaded;
    if (zeroOffset_ != 0 &&
        (reading.status == ScaleStatus::Stable || reading.status == ScaleStatus::InMotion ||
         reading.status == ScaleStatus::AtZero || reading.status == ScaleStatus::UnderZero)) {
        reading.grams -= zeroOffset_;
        if (reading.status != ScaleStatus::InMotion) {
            reading.status = reading.grams == 0  ? ScaleStatus::AtZero
                             : reading.grams < 0 ? ScaleStatus::UnderZero
                                                 : ScaleStatus::Stable;
        }
    }
    last_ = reading;
    if (!running_ || !onReading_) {
        return;
    }
    // The handler is copied into the posted work so that a scale destroyed before the
    // io_context runs leaves nothing dangling. Like a read already completed on a real
    // device, a reading set just before stop() may still arrive.
    boost::asio::post(io_, [handler = onReading_, reading] { handler(reading); });
}

void SimulatedScale::zero(std::function<void(const std::string& error)> done) {
    std::string error;
    if (load_.status == ScaleStatus::InMotion) {
        error = "the load is moving: not zeroed";
    } else if (load_.status == ScaleStatus::Disconnected) {
        error = "the scale is disconnected";
    } else if (load_.status != ScaleStatus::Stable && load_.status != ScaleStatus::AtZero &&
               load_.status != ScaleStatus::UnderZero) {
        error = "the scale reports " + std::string(toString(load_.status)) + ": not zeroed";
    } else {
        zeroOffset_ = load_.grams;
        set(load_);
    }
    boost::asio::post(io_, [done = std::move(done), error] { done(error); });
}

}  // namespace drivers
