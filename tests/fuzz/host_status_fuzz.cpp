// libFuzzer target: arbitrary bytes as a Zebra printer's answer to ~HS.
// Property: an answer is a status or an error; a status is only read from three whole strings.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/ZebraHostStatus.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view reply(reinterpret_cast<const char*>(data), size);
    const drivers::HostStatusParse parsed = drivers::parseHostStatus(reply);
    if (parsed.status.has_value() == !parsed.error.empty()) {
        std::abort();
    }
    const std::size_t length = drivers::hostStatusReplyLength(reply);
    if (length > size || (parsed.status.has_value() && length == 0)) {
        std::abort();
    }
    if (parsed.status) {
        (void)parsed.status->problems();
    }
    return 0;
}
