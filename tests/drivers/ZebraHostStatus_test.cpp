#include "drivers/ZebraHostStatus.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using drivers::parseHostStatus;

std::string reply(std::string_view one, std::string_view two, std::string_view three = "1234,0") {
    std::string r;
    for (std::string_view s : {one, two, three}) {
        r += '\x02';
        r += s;
        r += "\x03\r\n";
    }
    return r;
}

constexpr std::string_view kReady1 = "030,0,0,1245,000,0,0,0,000,0,0,0";
constexpr std::string_view kReady2 = "001,0,0,0,1,2,4,0,00000000,1,000";

TEST(ZebraHostStatus, AReadyPrinter) {
    const auto parsed = parseHostStatus(reply(kReady1, kReady2));
    ASSERT_TRUE(parsed.status.has_value()) << parsed.error;
    EXPECT_TRUE(parsed.status->canPrint());
    EXPECT_EQ(parsed.status->problems(), "");
    EXPECT_EQ(parsed.status->labelsRemaining, 0);
}

TEST(ZebraHostStatus, EachFlagFromItsField) {
    auto s = parseHostStatus(reply("030,1,1,1245,000,0,0,0,000,0,0,0", kReady2)).status;
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->paperOut);
    EXPECT_TRUE(s->paused);
    EXPECT_EQ(s->problems(), "paper out, paused");

    s = parseHostStatus(reply(kReady1, "001,0,1,0,1,2,4,0,00000000,1,000")).status;
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->headOpen);
    EXPECT_EQ(s->problems(), "head open");

    s = parseHostStatus(reply(kReady1, "001,0,0,1,1,2,4,0,00000000,1,000")).status;
    EXPECT_EQ(s->problems(), "ribbon out");

    s = parseHostStatus(reply("030,0,0,1245,003,1,0,0,000,0,0,1", kReady2)).status;
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->headTooHot);
    EXPECT_TRUE(s->bufferFull);
    EXPECT_EQ(s->formatsInBuffer, 3);
    EXPECT_EQ(s->problems(), "head too hot, receive buffer full");

    s = parseHostStatus(reply(kReady1, "001,0,0,0,1,2,4,1,00000012,1,000")).status;
    ASSERT_TRUE(s);
    EXPECT_EQ(s->labelsRemaining, 12);
    EXPECT_TRUE(s->labelWaiting);
    EXPECT_TRUE(s->canPrint());
}

TEST(ZebraHostStatus, OlderFirmwareWithoutTemperatureFields) {
    const auto parsed = parseHostStatus(reply("030,0,0,1245,000,0,0,0,000,0", kReady2));
    ASSERT_TRUE(parsed.status.has_value()) << parsed.error;
    EXPECT_FALSE(parsed.status->headTooHot);
}

TEST(ZebraHostStatus, PartialOrGarbledAnswersAreErrorsNeverReady) {
    const std::string full = reply(kReady1, kReady2);
    for (std::size_t cut :
         {std::size_t{0}, std::size_t{1}, std::size_t{20}, std::size_t{40}, full.size() - 12}) {
        const auto parsed = parseHostStatus(std::string_view(full).substr(0, cut));
        EXPECT_FALSE(parsed.status.has_value()) << "cut at " << cut;
        EXPECT_NE(parsed.error, "");
    }
    const std::string garbled[] = {
        "xx" + full,                                         // noise before
        full + "zz",                                         // noise after
        reply("030,0,X,1245,000,0,0,0,000,0,0,0", kReady2),  // flag not 0/1
        reply("030,0,0,1245,000,0,0,0,000,0,0,2", kReady2),  // temperature flag 2
        reply("030,0,0", kReady2),                           // too few fields
        reply(kReady1, "001,0,0"),                           // string 2 too short
        reply(kReady1, "001,0,0,0,1,2,4,0,0000A000,1,000"),  // count not a number
        reply(kReady1, kReady2, ""),                         // empty string 3
        "\x02" + std::string(kReady1) + "\x02" + std::string(kReady2) + "\x03\x02" + "1234,0\x03",
    };
    for (const std::string& g : garbled) {
        const auto parsed = parseHostStatus(g);
        EXPECT_FALSE(parsed.status.has_value()) << g;
        EXPECT_NE(parsed.error, "");
    }
}

TEST(ZebraHostStatus, ReplyLengthTellsWhenTheAnswerIsComplete) {
    const std::string full = reply(kReady1, kReady2);
    const std::size_t end = full.size() - 2;  // the third ETX, before its CR LF
    for (std::size_t n = 0; n < end; ++n) {
        EXPECT_EQ(drivers::hostStatusReplyLength(std::string_view(full).substr(0, n)), 0u) << n;
    }
    EXPECT_EQ(drivers::hostStatusReplyLength(full), end);
}

TEST(ZebraHostStatus, ReaderGathersAnAnswerArrivingInPieces) {
    const std::string full = reply("030,1,1,1245,000,0,0,0,000,0,0,0", kReady2);
    drivers::HostStatusReader reader;
    std::size_t fed = 0;
    while (fed < full.size() && !reader.add(std::string_view(full).substr(fed, 1))) {
        ++fed;
    }
    ASSERT_LT(fed, full.size()) << "never complete";
    const auto parsed = reader.result();
    ASSERT_TRUE(parsed.status.has_value()) << parsed.error;
    EXPECT_TRUE(parsed.status->paperOut);
}

TEST(ZebraHostStatus, ReaderSaysWhyWhenTheAnswerStopsOrNeverEnds) {
    drivers::HostStatusReader silent;
    EXPECT_EQ(silent.cutShort("no answer within 3 s"), "no answer to ~HS: no answer within 3 s");

    drivers::HostStatusReader cut;
    EXPECT_FALSE(cut.add(reply(kReady1, kReady2).substr(0, 20)));
    EXPECT_EQ(cut.cutShort("the printer closed the connection"),
              "incomplete answer to ~HS: the printer closed the connection");

    // Noise with no end is not an answer: the reader stops, and says so.
    drivers::HostStatusReader noise;
    bool done = false;
    for (int i = 0; i < 100 && !done; ++i) {
        done = noise.add(std::string(100, 'x'));
    }
    ASSERT_TRUE(done);
    EXPECT_FALSE(noise.result().status.has_value());
    EXPECT_NE(noise.result().error.find("garbled"), std::string::npos) << noise.result().error;
}

}  // namespace
