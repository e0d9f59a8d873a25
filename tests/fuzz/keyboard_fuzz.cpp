// libFuzzer target: arbitrary bytes as a stream of HID boot keyboard reports.
// Property: a scan without a problem holds only what a barcode can (printable ASCII and GS).
#include <cstdint>
#include <cstdlib>
#include <span>

#include "drivers/KeyboardDecoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const auto layout = drivers::kAllKeyboardLayouts[data[0] % 4];
    const auto terminator = (data[0] & 0x10) != 0 ? drivers::ScanTerminator::EnterOrTab
                                                  : drivers::ScanTerminator::Enter;
    drivers::KeyboardDecoder decoder("fuzz", layout, terminator);
    std::span<const std::uint8_t> rest(data + 1, size - 1);
    while (!rest.empty()) {
        // Mostly 8-byte reports, with an occasional odd length to exercise the length check.
        const std::size_t length = rest.size() >= 8 ? 8 : rest.size();
        for (const drivers::KeyboardScan& scan : decoder.feed(rest.first(length))) {
            if (!scan.problem.empty()) {
                continue;
            }
            for (char ch : scan.code) {
                const auto c = static_cast<unsigned char>(ch);
                if (c != 0x1D && (c < 0x20 || c > 0x7E)) {
                    std::abort();
                }
            }
            if (scan.code.empty()) {
                std::abort();
            }
        }
        rest = rest.subspan(length);
    }
    return 0;
}
