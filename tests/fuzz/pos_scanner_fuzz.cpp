// libFuzzer target: arbitrary bytes as HID POS scanner reports of varying lengths.
// Property: every result is either a code or an error, and never larger than the limit.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "drivers/PosScanAssembler.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    drivers::PosScanAssembler assembler;
    std::span<const std::uint8_t> rest(data, size);
    while (!rest.empty()) {
        // The first byte says how long the next report is (a real one is 64 bytes).
        const std::size_t wanted = rest[0] % 2 == 0 ? 64 : rest[0] % 70;
        rest = rest.subspan(1);
        const std::size_t length = wanted < rest.size() ? wanted : rest.size();
        if (auto scan = assembler.feed(rest.first(length))) {
            if (scan->code.empty() == scan->error.empty()) {
                std::abort();
            }
            if (scan->code.size() > drivers::PosScanAssembler::kMaxCodeBytes + 3) {
                std::abort();
            }
        }
        rest = rest.subspan(length);
    }
    return 0;
}
