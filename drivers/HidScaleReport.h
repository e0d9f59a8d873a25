// Decodes the input report of a USB HID POS scale (usage page 0x8D: DYMO, Stamps.com,
// Mettler PS60...) into a ScaleReading in grams. Pure code over bytes, no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "drivers/Scale.h"

namespace drivers {

struct HidScaleReport {
    bool ok = false;
    ScaleReading reading;  // status and grams (negative under zero) when ok
    // What the scale said beyond the status, for the device detail: "needs re-zeroing",
    // "weighing in lb". Empty for a plain reading.
    std::string note;
    std::string error;  // why the report could not be read, when !ok
};

// Report: [0] id 0x03 (some scales 0x04), [1] status, [2] unit, [3] signed exponent,
// [4..5] weight little endian; weight = raw x 10^exponent in the unit, rounded to the gram.
HidScaleReport parseHidScaleReport(std::span<const std::uint8_t> report);

// The output report that zeroes the scale, where it has an OUT endpoint.
inline constexpr std::uint8_t kHidScaleZeroReport[] = {0x02, 0x02};

}  // namespace drivers
