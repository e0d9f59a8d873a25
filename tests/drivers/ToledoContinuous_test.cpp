#include "drivers/ToledoContinuous.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using drivers::ScaleStatus;
using drivers::ToledoChecksum;
using drivers::ToledoStream;

// Status words keep bit 5 set, as Toledo scales send them.
constexpr char kKg = 0x10;
constexpr char kMotion = 0x08;
constexpr char kNegative = 0x02;
constexpr char kOutOfRange = 0x04;
constexpr char kNet = 0x01;

std::string frame(int decimals, char swbFlags, char unit, std::string_view weight,
                  std::string_view tare, bool checksum = false) {
    // SWA decimal codes: 2 whole units, 3..7 one to five decimals.
    std::string f;
    f += '\x02';
    f += static_cast<char>(0x20 | (decimals + 2));
    f += static_cast<char>(0x20 | swbFlags);
    f += static_cast<char>(0x20 | unit);
    f += weight;
    f += tare;
    f += '\r';
    if (checksum) {
        unsigned sum = 0;
        for (char c : f) {
            sum += static_cast<unsigned char>(c);
        }
        f += static_cast<char>((0x80 - (sum & 0x7F)) & 0x7F);
    }
    return f;
}

TEST(ToledoContinuous, StableWeightInKilogramsWithTare) {
    const auto r = drivers::parseToledoFrame(frame(3, kKg | kNet, 0, "001234", "000500"),
                                             ToledoChecksum::Ignore);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.reading.status, ScaleStatus::Stable);
    EXPECT_EQ(r.reading.grams, 1234);
    EXPECT_EQ(r.tareGrams, 500);
    EXPECT_TRUE(r.net);
}

TEST(ToledoContinuous, StatusBitsGiveMotionNegativeAndOverload) {
    auto r = drivers::parseToledoFrame(frame(3, kKg | kMotion, 0, "000800", "000000"),
                                       ToledoChecksum::Ignore);
    EXPECT_EQ(r.reading.status, ScaleStatus::InMotion);
    EXPECT_EQ(r.reading.grams, 800);
    r = drivers::parseToledoFrame(frame(3, kKg | kNegative, 0, "000020", "000000"),
                                  ToledoChecksum::Ignore);
    EXPECT_EQ(r.reading.status, ScaleStatus::UnderZero);
    EXPECT_EQ(r.reading.grams, -20);
    r = drivers::parseToledoFrame(frame(3, kKg | kOutOfRange, 0, "999999", "000000"),
                                  ToledoChecksum::Ignore);
    EXPECT_EQ(r.reading.status, ScaleStatus::Overload);
    r = drivers::parseToledoFrame(frame(3, kKg, 0, "000000", "000000"), ToledoChecksum::Ignore);
    EXPECT_EQ(r.reading.status, ScaleStatus::AtZero);
}

TEST(ToledoContinuous, UnitsAndDecimalPositions) {
    // 2.50 lb
    auto r = drivers::parseToledoFrame(frame(2, 0, 0, "000250", "000000"), ToledoChecksum::Ignore);
    EXPECT_EQ(r.reading.grams, 1134);
    // 1500 g, whole grams, leading blanks
    r = drivers::parseToledoFrame(frame(0, 0, 1, "  1500", "000000"), ToledoChecksum::Ignore);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.reading.grams, 1500);
    // 16.0 oz
    r = drivers::parseToledoFrame(frame(1, 0, 3, "000160", "000000"), ToledoChecksum::Ignore);
    EXPECT_EQ(r.reading.grams, 454);
    r = drivers::parseToledoFrame(frame(1, 0, 5, "000160", "000000"), ToledoChecksum::Ignore);
    EXPECT_FALSE(r.ok);
    r = drivers::parseToledoFrame(frame(1, 0, 1, "00x160", "000000"), ToledoChecksum::Ignore);
    EXPECT_FALSE(r.ok);
}

TEST(ToledoContinuous, StreamSkipsGarbageAndJoinsSplitFrames) {
    ToledoStream stream;
    const std::string a = frame(3, kKg, 0, "001000", "000000");
    const std::string b = frame(3, kKg | kMotion, 0, "001100", "000000");
    // Connected mid-frame: the tail of one frame and noise come before the first STX.
    auto frames = stream.feed("01234\r\xff\x13noise" + a + b.substr(0, 7));
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].reading.grams, 1000);
    EXPECT_GT(stream.discardedBytes(), 0u);
    frames = stream.feed(b.substr(7, 5));
    EXPECT_TRUE(frames.empty());
    frames = stream.feed(b.substr(12));
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].reading.status, ScaleStatus::InMotion);
    EXPECT_EQ(frames[0].reading.grams, 1100);
}

TEST(ToledoContinuous, StreamFedByteByByte) {
    ToledoStream stream;
    const std::string bytes =
        frame(3, kKg, 0, "000250", "000000") + "\x02\x02" + frame(3, kKg, 0, "000260", "000000");
    std::vector<long long> grams;
    for (char c : bytes) {
        for (const auto& f : stream.feed(std::string(1, c))) {
            ASSERT_TRUE(f.ok) << f.error;
            grams.push_back(f.reading.grams);
        }
    }
    EXPECT_EQ(grams, (std::vector<long long>{250, 260}));
}

TEST(ToledoContinuous, ChecksumIsVerifiedWhenConfigured) {
    ToledoStream stream(ToledoChecksum::Verify);
    std::string bad = frame(3, kKg, 0, "000300", "000000", true);
    bad.back() = static_cast<char>(bad.back() ^ 0x01);
    const std::string good = frame(3, kKg, 0, "000400", "000000", true);
    auto frames = stream.feed(bad + good);
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_FALSE(frames[0].ok);
    EXPECT_NE(frames[0].error.find("checksum"), std::string::npos);
    EXPECT_TRUE(frames[1].ok);
    EXPECT_EQ(frames[1].reading.grams, 400);
}

TEST(ToledoContinuous, ChecksumsSentToAStreamNotVerifyingThemAreSkipped) {
    ToledoStream stream;
    const auto frames = stream.feed(frame(3, kKg, 0, "000300", "000000", true) +
                                    frame(3, kKg, 0, "000400", "000000", true));
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_EQ(frames[0].reading.grams, 300);
    EXPECT_EQ(frames[1].reading.grams, 400);
}

}  // namespace
