// libFuzzer target: arbitrary bytes as a Toledo continuous serial stream.
// Property: cutting the stream into two reads anywhere gives the same frames as one read.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/ToledoContinuous.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const auto checksum =
        (data[0] & 0x80) != 0 ? drivers::ToledoChecksum::Verify : drivers::ToledoChecksum::Ignore;
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t cut = bytes.empty() ? 0 : (data[0] & 0x7F) % (bytes.size() + 1);

    drivers::ToledoStream whole(checksum);
    const auto expected = whole.feed(bytes);
    drivers::ToledoStream split(checksum);
    auto got = split.feed(bytes.substr(0, cut));
    auto tail = split.feed(bytes.substr(cut));
    got.insert(got.end(), tail.begin(), tail.end());

    if (got.size() != expected.size() || whole.discardedBytes() != split.discardedBytes()) {
        std::abort();
    }
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (got[i].ok != expected[i].ok || !(got[i].reading == expected[i].reading) ||
            got[i].tareGrams != expected[i].tareGrams || got[i].error != expected[i].error) {
            std::abort();
        }
        if (got[i].ok == !got[i].error.empty()) {
            std::abort();
        }
    }
    return 0;
}
