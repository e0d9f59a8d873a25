// A simulated scale whose reading is set from outside (the HTTP API, a test).
// Behaves like a real one towards the station: readings arrive as events.
#pragma once

#include <boost/asio/io_context.hpp>
#include <string>

#include "drivers/Scale.h"

namespace drivers {

class SimulatedScale : public Scale {
  public:
    SimulatedScale(boost::asio::io_context& io, std::string name);

    const std::string& name() const override;
    void start(ScaleHandler onReading) override;
    void stop() override;
    ScaleReading last() const override;
    DeviceStatus status() const override;

    // Posts the reading to the handler through the io_context, as a device would. The grams
    // are the load on the platter: after zero() they are shown less the load zeroed then.
    void set(const ScaleReading& reading);
    // As a real scale: refused while the load moves or the scale is disconnected; otherwise
    // what is on the platter now reads 0 from then on.
    void zero(std::function<void(const std::string& error)> done) override;

  private:
    boost::asio::io_context& io_;
    std::string name_;
    ScaleHandler onReading_;
    ScaleReading last_{ScaleStatus::AtZero, 0};
    ScaleReading load_{ScaleStatus::AtZero, 0};  // as set, before the zero offset
    int64_t zeroOffset_ = 0;
    bool running_ = false;
};

}  // namespace drivers
