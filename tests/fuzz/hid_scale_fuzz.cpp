// libFuzzer target: arbitrary bytes as one HID POS scale report.
// Property: a report is either a reading or an error with a message, never both or neither.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "drivers/HidScaleReport.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const drivers::HidScaleReport report = drivers::parseHidScaleReport({data, size});
    if (report.ok == !report.error.empty()) {
        std::abort();
    }
    return 0;
}
