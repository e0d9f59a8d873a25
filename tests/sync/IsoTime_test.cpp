#include "sync/IsoTime.h"

#include <gtest/gtest.h>

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

TEST(IsoTime, ReadsWholeSecondsMillisecondsAndAZone) {
    const auto base = system_clock::from_time_t(1709629200);  // 2024-03-05T09:00:00Z
    EXPECT_EQ(shop::parseIsoTime("2024-03-05T09:00:00"), base);
    EXPECT_EQ(shop::parseIsoTime("2024-03-05T09:00:00Z"), base);
    EXPECT_EQ(shop::parseIsoTime("2024-03-05T09:00:00.123Z"), base + milliseconds(123));
    // A fraction that is not three digits is not taken for milliseconds.
    EXPECT_EQ(shop::parseIsoTime("2024-03-05T09:00:00.1Z"), base);
}

TEST(IsoTime, RefusesWhatIsNotATime) {
    EXPECT_FALSE(shop::parseIsoTime(""));
    EXPECT_FALSE(shop::parseIsoTime("2024-03-05"));
    EXPECT_FALSE(shop::parseIsoTime("yesterday at nine, more or less"));
}

TEST(IsoTime, WritesWholeSecondsInUtc) {
    const auto t = system_clock::from_time_t(1709629200) + milliseconds(999);
    EXPECT_EQ(shop::isoSeconds(t), "2024-03-05T09:00:00");
    EXPECT_EQ(shop::isoSeconds(*shop::parseIsoTime("2024-12-31T23:59:59Z") + seconds(1)),
              "2025-01-01T00:00:00");
}

}  // namespace
