// Reads the replies of a Mettler Toledo scale speaking MT-SICS over a serial line ("S S
// 0.123 kg", "S D ...", "Z A", "ES"...). Pure code over bytes: the serial adapter owns the port.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/Scale.h"

namespace drivers {

// The commands a driver sends, with their line ending.
inline constexpr std::string_view kMtSicsStableWeight = "S\r\n";
inline constexpr std::string_view kMtSicsImmediateWeight = "SI\r\n";
inline constexpr std::string_view kMtSicsZero = "Z\r\n";

struct MtSicsReply {
    enum class Kind {
        Weight,        // reading holds Stable/AtZero/UnderZero (S S) or InMotion (S D)
        Overload,      // S +  (reading.status Overload)
        Underload,     // S -  (reading.status UnderZero)
        Busy,          // S I or Z I: the scale cannot do it now (moving, busy)
        Zeroed,        // Z A
        ZeroRefused,   // Z + / Z -: outside the zero range
        CommandError,  // ES syntax, ET transmission, EL logic error
        Unreadable,    // anything else: error says what
    };
    Kind kind = Kind::Unreadable;
    ScaleReading reading;
    std::string error;  // for CommandError, ZeroRefused and Unreadable
};

// One line without its CR LF.
MtSicsReply parseMtSicsReply(std::string_view line);

// Splits the serial byte stream into lines (CR LF, or a lone LF or CR) and parses each; a line
// split across reads is kept until its end arrives.
class MtSicsStream {
  public:
    // Longer than any MT-SICS reply; a longer line is line noise and is reported once.
    static constexpr std::size_t kMaxLineBytes = 256;

    std::vector<MtSicsReply> feed(std::string_view bytes);
    void reset();

  private:
    std::string pending_;
    bool discarding_ = false;
};

}  // namespace drivers
