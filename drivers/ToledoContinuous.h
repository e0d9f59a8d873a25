// Reads the Toledo continuous output that many serial scales stream without being asked:
// STX, status words A/B/C, weight and tare digits, CR, optional checksum. No I/O here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/Scale.h"

namespace drivers {

struct ToledoFrame {
    bool ok = false;
    ScaleReading reading;  // Stable, AtZero, InMotion, UnderZero or Overload
    std::int64_t tareGrams = 0;
    bool net = false;   // the weight is net of the tare
    std::string error;  // when !ok: bad digits, bad checksum, unknown unit
};

enum class ToledoChecksum {
    // No checksum expected; one that is sent anyway is skipped like any byte before an STX.
    Ignore,
    // Every frame ends with a checksum byte after CR, and a frame whose checksum is wrong is an
    // error, not a reading.
    Verify,
};

// Parses one frame starting with STX: 17 bytes, 18 with a checksum.
ToledoFrame parseToledoFrame(std::string_view frame, ToledoChecksum checksum);

// Cuts the serial byte stream into frames: skips anything before an STX (garbage at start,
// the tail of a frame already missed), keeps a frame split across reads until it is whole.
class ToledoStream {
  public:
    explicit ToledoStream(ToledoChecksum checksum = ToledoChecksum::Ignore);

    std::vector<ToledoFrame> feed(std::string_view bytes);
    void reset();
    // Bytes skipped while looking for a frame start: a growing count means line noise or a
    // wrong serial setting.
    std::size_t discardedBytes() const { return discarded_; }

  private:
    ToledoChecksum checksum_;
    std::string buffer_;
    std::size_t discarded_ = 0;
};

}  // namespace drivers
