// Reassembles codes from a HID POS barcode scanner (usage page 0x8C): one code may span
// several 64-byte reports; the AIM symbology identifier leads the code as "]E0".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace drivers {

// A finished code, or why the reports could not make one. Exactly one of code/error is set.
struct PosScan {
    std::string code;   // AIM identifier (when the scanner sends one) followed by the data
    std::string error;  // for the log and the person at the bench
};

// Report layout: [0] report id 0x02, [1] data length (<= 56), [2..4] AIM symbology identifier,
// [5..] data, [63] bit 0 set when more data follows in the next report.
class PosScanAssembler {
  public:
    static constexpr std::uint8_t kReportId = 0x02;
    static constexpr std::size_t kMaxDataPerReport = 56;
    // More than any symbology holds (a QR code: ~7000 digits); past it the code is dropped.
    static constexpr std::size_t kMaxCodeBytes = 8192;

    // Feeds one input report (report id first). Returns a code when this report was the last
    // fragment, an error when it was malformed, and nothing while fragments are still expected
    // or the report is of another kind (another report id).
    std::optional<PosScan> feed(std::span<const std::uint8_t> report);
    // Drops a half-received code (after a reconnect).
    void reset();
    bool inProgress() const { return inProgress_; }

  private:
    std::string pending_;
    bool inProgress_ = false;
    bool overflowed_ = false;
    std::size_t dataBytes_ = 0;
};

}  // namespace drivers
