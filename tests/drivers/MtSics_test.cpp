#include "drivers/MtSics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using drivers::MtSicsReply;
using drivers::MtSicsStream;
using drivers::parseMtSicsReply;
using drivers::ScaleStatus;
using Kind = MtSicsReply::Kind;

TEST(MtSics, StableAndDynamicWeights) {
    auto r = parseMtSicsReply("S S     0.123 kg");
    EXPECT_EQ(r.kind, Kind::Weight);
    EXPECT_EQ(r.reading.status, ScaleStatus::Stable);
    EXPECT_EQ(r.reading.grams, 123);

    r = parseMtSicsReply("S D     1.500 kg");
    EXPECT_EQ(r.reading.status, ScaleStatus::InMotion);
    EXPECT_EQ(r.reading.grams, 1500);

    r = parseMtSicsReply("S S   100.00 g");
    EXPECT_EQ(r.reading.grams, 100);
    r = parseMtSicsReply("S S      2.5 lb");
    EXPECT_EQ(r.reading.grams, 1134);
    r = parseMtSicsReply("S S     0.000 kg");
    EXPECT_EQ(r.reading.status, ScaleStatus::AtZero);
    r = parseMtSicsReply("S S    -0.050 kg");
    EXPECT_EQ(r.reading.status, ScaleStatus::UnderZero);
    EXPECT_EQ(r.reading.grams, -50);
    r = parseMtSicsReply("SI S     0.250 kg");  // some firmware echoes SI
    EXPECT_EQ(r.reading.grams, 250);
}

TEST(MtSics, StatesErrorsAndTheZeroReply) {
    EXPECT_EQ(parseMtSicsReply("S I").kind, Kind::Busy);
    auto r = parseMtSicsReply("S +");
    EXPECT_EQ(r.kind, Kind::Overload);
    EXPECT_EQ(r.reading.status, ScaleStatus::Overload);
    r = parseMtSicsReply("S -");
    EXPECT_EQ(r.kind, Kind::Underload);
    EXPECT_EQ(r.reading.status, ScaleStatus::UnderZero);
    EXPECT_EQ(parseMtSicsReply("Z A").kind, Kind::Zeroed);
    EXPECT_EQ(parseMtSicsReply("Z I").kind, Kind::Busy);
    r = parseMtSicsReply("Z +");
    EXPECT_EQ(r.kind, Kind::ZeroRefused);
    EXPECT_NE(r.error, "");
    for (const char* e : {"ES", "ET", "EL"}) {
        r = parseMtSicsReply(e);
        EXPECT_EQ(r.kind, Kind::CommandError) << e;
        EXPECT_NE(r.error.find(e), std::string::npos) << r.error;
    }
}

TEST(MtSics, UnreadableLinesSayWhat) {
    for (const char* line : {"", "S S", "S S 1.2", "S S 1,2 kg", "S S 1.2 furlong", "S S 1e9 kg",
                             "S S 1.2.3 kg", "Q", "S X 1.0 kg"}) {
        const auto r = parseMtSicsReply(line);
        EXPECT_EQ(r.kind, Kind::Unreadable) << line;
        EXPECT_NE(r.error, "") << line;
    }
}

TEST(MtSics, StreamJoinsALineSplitAcrossReads) {
    MtSicsStream stream;
    EXPECT_TRUE(stream.feed("S S     0.1").empty());
    auto replies = stream.feed("23 kg\r\nS D   0");
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].reading.grams, 123);
    replies = stream.feed(".200 kg\r");
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].reading.status, ScaleStatus::InMotion);
    EXPECT_EQ(replies[0].reading.grams, 200);
    replies = stream.feed("\nZ A\r\n");  // the LF of the CR LF pair makes no empty reply
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].kind, Kind::Zeroed);
}

TEST(MtSics, StreamReportsNoiseOnceAndRecovers) {
    MtSicsStream stream;
    const std::string noise(MtSicsStream::kMaxLineBytes * 3, 'x');
    auto replies = stream.feed(noise);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].kind, Kind::Unreadable);
    replies = stream.feed("xxx\r\nS S 0.5 kg\r\n");
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].reading.grams, 500);
}

}  // namespace
