// libFuzzer target: arbitrary bytes as an MT-SICS serial stream.
// Property: cutting the stream into two reads anywhere gives the same replies as one read.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/MtSics.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t cut = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);

    drivers::MtSicsStream whole;
    const auto expected = whole.feed(bytes);
    drivers::MtSicsStream split;
    auto got = split.feed(bytes.substr(0, cut));
    auto tail = split.feed(bytes.substr(cut));
    got.insert(got.end(), tail.begin(), tail.end());

    if (got.size() != expected.size()) {
        std::abort();
    }
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (got[i].kind != expected[i].kind || !(got[i].reading == expected[i].reading) ||
            got[i].error != expected[i].error) {
            std::abort();
        }
    }
    return 0;
}
