// The scale role: a weight in grams and what the scale says about it.
// Only a Stable reading is a weight the station may record.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "drivers/Device.h"

namespace drivers {

enum class ScaleStatus {
    Stable,
    InMotion,
    AtZero,
    UnderZero,
    Overload,
    Fault,
    NeedsCalibration,
    Disconnected
};
std::string_view toString(ScaleStatus status);  // "stable", "in_motion", "at_zero", ...

struct ScaleReading {
    ScaleStatus status = ScaleStatus::Disconnected;
    int64_t grams = 0;
    bool operator==(const ScaleReading&) const = default;
};

using ScaleHandler = std::function<void(const ScaleReading&)>;

class Scale {
  public:
    virtual ~Scale() = default;
    virtual const std::string& name() const = 0;
    // Every new reading goes to `onReading`, on the io_context the scale was built with.
    virtual void start(ScaleHandler onReading) = 0;
    virtual void stop() = 0;
    virtual ScaleReading last() const = 0;
    virtual DeviceStatus status() const = 0;
    // Sets the scale's zero where it has a command for it. `done` gets an empty string when the
    // scale took it, else why not ("not supported", "in motion"...); it runs on the io_context.
    virtual void zero(std::function<void(const std::string& error)> done) = 0;
};

}  // namespace drivers
