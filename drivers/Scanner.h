// The scanner role: anything that turns a barcode into a string of characters.
// Each scan carries the scanner's name, so two scanners on one PC never mix.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "drivers/Device.h"

namespace drivers {

struct ScanEvent {
    std::string scanner;  // the configured name of the scanner that read it
    std::string code;     // as read, including any AIM prefix ("]E0...") and GS (0x1D) bytes
    // Empty for a good scan. Otherwise why the code must not be used as it is (a keyboard
    // layout mismatch, a malformed report), in a sentence for the person at the bench.
    std::string problem{};
};

// Some transports can answer the scanner side (the TCP scanner writes a line back);
// for the others the reply is empty and calling it is a no-op.
using ScanReply = std::function<void(std::string_view line)>;
using ScanHandler = std::function<void(const ScanEvent&, ScanReply)>;

class Scanner {
  public:
    virtual ~Scanner() = default;
    virtual const std::string& name() const = 0;
    // Begins delivering scans to `onScan` on the io_context the scanner was built with.
    virtual void start(ScanHandler onScan) = 0;
    virtual void stop() = 0;
    virtual DeviceStatus status() const = 0;
};

}  // namespace drivers
