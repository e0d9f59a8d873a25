#include "drivers/Scale.h"

namespace drivers {

std::string_view toString(ScaleStatus status) {
    switch (status) {
        case ScaleStatus::Stable:
            return "stable";
        case ScaleStatus::InMotion:
            return "in_motion";
        case ScaleStatus::AtZero:
            return "at_zero";
        case ScaleStatus::UnderZero:
            return "under_zero";
        case ScaleStatus::Overload:
            return "overload";
        case ScaleStatus::Fault:
            return "fault";
        case ScaleStatus::NeedsCalibration:
            return "needs_calibration";
        case ScaleStatus::Disconnected:
            return "disconnected";
    }
    // Only reachable with a value cast from outside the enum; say so instead of crashing.
    return "unknown";
}

}  // namespace drivers
