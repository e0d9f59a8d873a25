#include "drivers/HidScaleReport.h"

#include <cmath>
#include <limits>

namespace drivers {

namespace {

struct Unit {
    const char* name;
    double grams;
};

// Indexed by the unit byte. Tael is the Hong Kong tael (37.799 g), the one POS scales sold
// there use; a scale in ton or carat on a packing bench would be odd but is still converted.
constexpr Unit kUnits[] = {
    {nullptr, 0},      {"mg", 0.001},      {"g", 1.0},          {"kg", 1000.0},
    {"ct", 0.2},       {"tael", 37.799},   {"gr", 0.06479891},  {"dwt", 1.55517384},
    {"t", 1.0e6},      {"ton", 907184.74}, {"ozt", 31.1034768}, {"oz", 28.349523125},
    {"lb", 453.59237},
};

}  // namespace

HidScaleReport parseHidScaleReport(std::span<const std::uint8_t> report) {
    HidScaleReport out;
    if (report.size() < 6) {
        out.error = "scale report of " + std::to_string(report.size()) + " bytes, expected 6";
        return out;
    }
    if (report[0] != 0x03 && report[0] != 0x04) {
        out.error = "scale report id " + std::to_string(report[0]) + " is not a weight report";
        return out;
    }
    const std::uint8_t statusByte = report[1];
    const std::uint8_t unitByte = report[2];
    const int exponent = static_cast<std::int8_t>(report[3]);
    const unsigned raw = static_cast<unsigned>(report[4]) | (static_cast<unsigned>(report[5]) << 8);

    ScaleStatus status;
    switch (statusByte) {
        case 1:
            status = ScaleStatus::Fault;
            break;
        case 2:
            status = ScaleStatus::AtZero;
            break;
        case 3:
            status = ScaleStatus::InMotion;
            break;
        case 4:
            status = ScaleStatus::Stable;
            break;
        case 5:
            status = ScaleStatus::UnderZero;
            break;
        case 6:
            status = ScaleStatus::Overload;
            break;
        case 7:
            status = ScaleStatus::NeedsCalibration;
            break;
        case 8:
            // Not the same as calibration, but the bench does the same: no weight until the
            // scale is emptied and zeroed. The note tells a supervisor which it was.
            status = ScaleStatus::NeedsCalibration;
            out.note = "needs re-zeroing";
            break;
        default:
            out.error = "scale sent unknown status " + std::to_string(statusByte);
            return out;
    }

    const bool weighs = status == ScaleStatus::Stable || status == ScaleStatus::InMotion ||
                        status == ScaleStatus::UnderZero || status == ScaleStatus::AtZero;
    if (weighs) {
        if (unitByte == 0 || unitByte >= std::size(kUnits)) {
            out.error = "scale sent unknown unit " + std::to_string(unitByte);
            return out;
        }
        const double grams = raw * std::pow(10.0, exponent) * kUnits[unitByte].grams;
        if (!std::isfinite(grams) || grams > 1.0e15) {
            out.error = "scale weight out of range (raw " + std::to_string(raw) + ", exponent " +
                        std::to_string(exponent) + ")";
            return out;
        }
        const auto rounded = static_cast<std::int64_t>(std::llround(grams));
        // Under zero the raw value is the magnitude; the sign comes from the status.
        out.reading.grams = status == ScaleStatus::UnderZero ? -rounded : rounded;
        if (status == ScaleStatus::Stable && out.reading.grams == 0) {
            status = ScaleStatus::AtZero;
        }
        if (unitByte != 2 && out.note.empty()) {
            out.note = std::string("weighing in ") + kUnits[unitByte].name;
        }
    }
    out.reading.status = status;
    out.ok = true;
    return out;
}

}  // namespace drivers
