#include "drivers/KeyboardDecoder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using drivers::KeyboardDecoder;
using drivers::KeyboardLayout;
using drivers::KeyboardScan;
using drivers::ScanTerminator;
using Report = std::vector<std::uint8_t>;

constexpr std::uint8_t kShift = drivers::kLeftShift;
constexpr std::uint8_t kAltGr = drivers::kRightAlt;
constexpr std::uint8_t kEnter = 0x28;
constexpr std::uint8_t kTab = 0x2B;

// A recorded trace of boot reports, built key by key: each press is a report with the key
// down, then an all-up report, as most wedge scanners send them.
class Trace {
  public:
    Trace& key(std::uint8_t modifiers, std::uint8_t keycode) {
        reports_.push_back({modifiers, 0, keycode, 0, 0, 0, 0, 0});
        reports_.push_back({0, 0, 0, 0, 0, 0, 0, 0});
        return *this;
    }
    Trace& raw(Report report) {
        reports_.push_back(std::move(report));
        return *this;
    }
    Trace& enter() { return key(0, kEnter); }
    // What a US-layout scanner presses for digits, capitals, '-' and ']'.
    Trace& us(std::string_view text) {
        for (char c : text) {
            if (c >= '1' && c <= '9') {
                key(0, static_cast<std::uint8_t>(0x1E + (c - '1')));
            } else if (c == '0') {
                key(0, 0x27);
            } else if (c >= 'A' && c <= 'Z') {
                key(kShift, static_cast<std::uint8_t>(0x04 + (c - 'A')));
            } else if (c == '-') {
                key(0, 0x2D);
            } else if (c == ']') {
                key(0, 0x30);
            } else {
                ADD_FAILURE() << "no US key for " << c;
            }
        }
        return *this;
    }
    // What an AZERTY scanner presses: Shift for digits, A/Q and Z/W swapped, AltGr for ']'.
    Trace& fr(std::string_view text) {
        for (char c : text) {
            if (c >= '1' && c <= '9') {
                key(kShift, static_cast<std::uint8_t>(0x1E + (c - '1')));
            } else if (c == '0') {
                key(kShift, 0x27);
            } else if (c == 'A') {
                key(kShift, 0x14);
            } else if (c == 'Q') {
                key(kShift, 0x04);
            } else if (c == 'Z') {
                key(kShift, 0x1A);
            } else if (c == 'W') {
                key(kShift, 0x1D);
            } else if (c == 'M') {
                key(kShift, 0x33);
            } else if (c >= 'A' && c <= 'Z') {
                key(kShift, static_cast<std::uint8_t>(0x04 + (c - 'A')));
            } else if (c == '-') {
                key(0, 0x23);
            } else if (c == ']') {
                key(kAltGr, 0x2D);
            } else {
                ADD_FAILURE() << "no AZERTY key for " << c;
            }
        }
        return *this;
    }
    const std::vector<Report>& reports() const { return reports_; }

  private:
    std::vector<Report> reports_;
};

std::vector<KeyboardScan> feed(KeyboardDecoder& decoder, const Trace& trace) {
    std::vector<KeyboardScan> scans;
    for (const Report& report : trace.reports()) {
        for (KeyboardScan& scan : decoder.feed(report)) {
            scans.push_back(std::move(scan));
        }
    }
    return scans;
}

KeyboardScan feedOne(KeyboardDecoder& decoder, const Trace& trace) {
    std::vector<KeyboardScan> scans = feed(decoder, trace);
    EXPECT_EQ(scans.size(), 1u);
    return scans.empty() ? KeyboardScan{} : scans.front();
}

TEST(KeyboardDecoder, UsScannerOnUsConfigGivesTheCodeWithItsAimPrefix) {
    KeyboardDecoder decoder("packing", KeyboardLayout::Us);
    const KeyboardScan scan = feedOne(decoder, Trace().us("]E04006381333931").enter());
    EXPECT_EQ(scan.code, "]E04006381333931");
    EXPECT_EQ(scan.problem, "");
}

TEST(KeyboardDecoder, AzertyScannerOnFrConfigGivesDigitsTypedWithShift) {
    KeyboardDecoder decoder("packing", KeyboardLayout::Fr);
    const KeyboardScan scan = feedOne(decoder, Trace().fr("]E04006381333931").enter());
    EXPECT_EQ(scan.code, "]E04006381333931");
    EXPECT_EQ(scan.problem, "");

    const KeyboardScan letters = feedOne(decoder, Trace().fr("AZQW-M12").enter());
    EXPECT_EQ(letters.code, "AZQW-M12");
    EXPECT_EQ(letters.problem, "");
}

TEST(KeyboardDecoder, FrLayoutReadsTheUnshiftedDigitRowAsAzertySymbols) {
    // The digit keys without Shift, as a US scanner types "1234567890".
    std::vector<drivers::KeyPress> presses;
    for (std::uint8_t k = 0x1E; k <= 0x27; ++k) {
        presses.push_back({0, k});
    }
    EXPECT_EQ(drivers::decodeKeyPresses(KeyboardLayout::Fr, presses).text, "&é\"'(-è_çà");
    EXPECT_EQ(drivers::decodeKeyPresses(KeyboardLayout::Us, presses).text, "1234567890");
}

TEST(KeyboardDecoder, UsScannerOnFrConfigIsReportedNotTurnedIntoSymbols) {
    KeyboardDecoder decoder("returns", KeyboardLayout::Fr);
    const KeyboardScan scan = feedOne(decoder, Trace().us("4006381333931").enter());
    EXPECT_EQ(scan.code, "'àà-\"_&\"\"\"ç\"&") << "the code as the configured layout reads it";
    EXPECT_NE(scan.problem.find("scanner returns seems to use keyboard layout us"),
              std::string::npos)
        << scan.problem;
    EXPECT_NE(scan.problem.find("config says fr"), std::string::npos) << scan.problem;
    ASSERT_TRUE(scan.likelyLayout.has_value());
    EXPECT_EQ(*scan.likelyLayout, KeyboardLayout::Us);
    EXPECT_EQ(scan.likelyCode, "4006381333931");
}

TEST(KeyboardDecoder, UsScannerOnFrConfigIsCaughtEvenWhenEveryCharacterIsAscii) {
    // 3, 4, 5, 6 and 8 read as " ' ( - _ on AZERTY: printable, but no barcode is only symbols.
    KeyboardDecoder decoder("packing", KeyboardLayout::Fr);
    const KeyboardScan digits = feedOne(decoder, Trace().us("34568").enter());
    EXPECT_EQ(digits.code, "\"'(-_");
    ASSERT_TRUE(digits.likelyLayout.has_value());
    EXPECT_EQ(*digits.likelyLayout, KeyboardLayout::Us);
    EXPECT_EQ(digits.likelyCode, "34568");

    // Letters and digits mixed: the digits become symbols and A turns into Q.
    const KeyboardScan mixed = feedOne(decoder, Trace().us("A3B4").enter());
    EXPECT_EQ(mixed.code, "Q\"B'");
    EXPECT_NE(mixed.problem, "");
    EXPECT_EQ(mixed.likelyCode, "A3B4");
}

TEST(KeyboardDecoder, AzertyScannerOnUsConfigIsReported) {
    KeyboardDecoder decoder("packing", KeyboardLayout::Us);
    const KeyboardScan scan = feedOne(decoder, Trace().fr("4006381333931").enter());
    EXPECT_EQ(scan.code, "$))^#*!###(#!");
    EXPECT_NE(scan.problem.find("seems to use keyboard layout fr, config says us"),
              std::string::npos)
        << scan.problem;
    EXPECT_EQ(scan.likelyCode, "4006381333931");
}

TEST(KeyboardDecoder, UsScannerOnDeConfigIsReportedWhenTheCodeHasADash) {
    KeyboardDecoder decoder("packing", KeyboardLayout::De);
    const KeyboardScan scan = feedOne(decoder, Trace().us("ABC-123").enter());
    EXPECT_EQ(scan.code, "ABCß123");
    // US and UK type these keys alike; both are named.
    EXPECT_NE(scan.problem.find("seems to use keyboard layout us (or uk), config says de"),
              std::string::npos)
        << scan.problem;
    EXPECT_EQ(scan.likelyCode, "ABC-123");
}

TEST(KeyboardDecoder, QwertzSwapsYAndZAndShiftsDigitsToItsOwnSymbols) {
    const std::vector<drivers::KeyPress> presses = {{kShift, 0x1C}, {kShift, 0x1D}, {0, 0x38},
                                                    {kShift, 0x1F}, {kShift, 0x24}, {kAltGr, 0x14}};
    EXPECT_EQ(drivers::decodeKeyPresses(KeyboardLayout::De, presses).text, "ZY-\"/@");
    EXPECT_EQ(drivers::decodeKeyPresses(KeyboardLayout::Us, presses).text, "YZ/@&");
}

TEST(KeyboardDecoder, UkLayoutShiftedDigitsAndHash) {
    const std::vector<drivers::KeyPress> presses = {
        {kShift, 0x1F}, {kShift, 0x34}, {0, 0x32}, {kShift, 0x20}};
    EXPECT_EQ(drivers::decodeKeyPresses(KeyboardLayout::Uk, presses).text, "\"@#£");
    EXPECT_EQ(drivers::decodeKeyPresses(KeyboardLayout::Us, presses).text, "@\"\\#");
}

TEST(KeyboardDecoder, AKeyCountsOnlyOnItsPressNotWhileHeld) {
    KeyboardDecoder decoder("packing", KeyboardLayout::Us);
    Trace trace;
    trace
        .raw({0, 0, 0x1E, 0, 0, 0, 0, 0})     // 1 down
        .raw({0, 0, 0x1E, 0, 0, 0, 0, 0})     // still held: no second 1
        .raw({0, 0, 0x1E, 0x1F, 0, 0, 0, 0})  // 2 down while 1 is held (rollover)
        .raw({0, 0, 0x1F, 0, 0, 0, 0, 0})     // 1 up
        .raw({0, 0, 0x1F, 0x1E, 0, 0, 0, 0})  // 1 down again while 2 is held
        .raw({0, 0, 0, 0, 0, 0, 0, 0})
        .raw({0, 0, 0x1E, 0, 0, 0, 0, 0})  // 1 again after a full release
        .raw({0, 0, 0, 0, 0, 0, 0, 0})
        .enter();
    const KeyboardScan scan = feedOne(decoder, trace);
    EXPECT_EQ(scan.code, "1211");
}

TEST(KeyboardDecoder, PhantomRolloverReportsAreIgnored) {
    KeyboardDecoder decoder("packing", KeyboardLayout::Us);
    Trace trace;
    trace.raw({0, 0, 0x1E, 0, 0, 0, 0, 0})
        .raw({0, 0, 1, 1, 1, 1, 1, 1})     // ErrorRollOver: which keys are down is unknown
        .raw({0, 0, 0x1E, 0, 0, 0, 0, 0})  // the 1 is still the same press
        .raw({0, 0, 0, 0, 0, 0, 0, 0})
        .us("2")
        .enter();
    EXPECT_EQ(feedOne(decoder, trace).code, "12");
}

TEST(KeyboardDecoder, EnterAndKeypadEnterEndAScanAndEmptyLinesAreNoScan) {
    KeyboardDecoder decoder("packing", KeyboardLayout::Us);
    Trace trace;
    trace.enter().us("12").enter().enter().us("34").key(0, 0x58);
    const std::vector<KeyboardScan> scans = feed(decoder, trace);
    ASSERT_EQ(scans.size(), 2u);
    EXPECT_EQ(scans[0].code, "12");
    EXPECT_EQ(scans[1].code, "34");
}

TEST(KeyboardDecoder, TabEndsAScanOnlyWhenConfigured) {
    KeyboardDecoder withTab("packing", KeyboardLayout::Us, ScanTerminator::EnterOrTab);
    const std::vector<KeyboardScan> scans =
        feed(withTab, Trace().us("12").key(0, kTab).us("34").enter());
    ASSERT_EQ(scans.size(), 2u);
    EXPECT_EQ(scans[0].code, "12");
    EXPECT_EQ(scans[1].code, "34");

    KeyboardDecoder enterOnly("packing", KeyboardLayout::Us);
    const KeyboardScan scan = feedOne(enterOnly, Trace().us("12").key(0, kTab).us("34").enter());
    EXPECT_EQ(scan.code, "12\t34");
    EXPECT_NE(scan.problem.find("Tab"), std::string::npos) << scan.problem;
}

TEST(KeyboardDecoder, GroupSeparatorFromCtrlBracketOrAltKeypadCode) {
    KeyboardDecoder us("packing", KeyboardLayout::Us);
    Trace usTrace;
    usTrace.us("]C10104006381333931").key(drivers::kLeftCtrl, 0x30).us("10AB12").enter();
    const KeyboardScan usScan = feedOne(us, usTrace);
    EXPECT_EQ(usScan.code,
              "]C10104006381333931\x1D"
              "10AB12");
    EXPECT_EQ(usScan.problem, "");

    // An AZERTY scanner typing GS as Alt + keypad 0 2 9, released after the digits.
    KeyboardDecoder fr("packing", KeyboardLayout::Fr);
    Trace frTrace;
    frTrace.fr("]C10104006381333931")
        .raw({drivers::kLeftAlt, 0, 0, 0, 0, 0, 0, 0})
        .raw({drivers::kLeftAlt, 0, 0x62, 0, 0, 0, 0, 0})
        .raw({drivers::kLeftAlt, 0, 0, 0, 0, 0, 0, 0})
        .raw({drivers::kLeftAlt, 0, 0x5A, 0, 0, 0, 0, 0})
        .raw({drivers::kLeftAlt, 0, 0, 0, 0, 0, 0, 0})
        .raw({drivers::kLeftAlt, 0, 0x61, 0, 0, 0, 0, 0})
        .raw({drivers::kLeftAlt, 0, 0, 0, 0, 0, 0, 0})
        .raw({0, 0, 0, 0, 0, 0, 0, 0})
        .fr("10AB12")
        .enter();
    const KeyboardScan frScan = feedOne(fr, frTrace);
    EXPECT_EQ(frScan.code,
              "]C10104006381333931\x1D"
              "10AB12");
    EXPECT_EQ(frScan.problem, "");
}

TEST(KeyboardDecoder, KeypadDigitsAreDigitsUnderEveryLayout) {
    for (KeyboardLayout layout : drivers::kAllKeyboardLayouts) {
        KeyboardDecoder decoder("packing", layout);
        const KeyboardScan scan =
            feedOne(decoder, Trace().key(0, 0x59).key(0, 0x62).key(0, 0x61).enter());
        EXPECT_EQ(scan.code, "109") << toString(layout);
        EXPECT_EQ(scan.problem, "") << toString(layout);
    }
}

TEST(KeyboardDecoder, KeysThatTypeNothingMakeTheScanUntrusted) {
    KeyboardDecoder decoder("packing", KeyboardLayout::Us);
    const KeyboardScan scan = feedOne(decoder, Trace().us("12").key(0, 0x3A).enter());  // F1
    EXPECT_EQ(scan.code, "12");
    EXPECT_NE(scan.problem.find("no barcode"), std::string::npos) << scan.problem;
}

TEST(KeyboardDecoder, ReportsOfTheWrongLengthAreCountedAndSkipped) {
    KeyboardDecoder decoder("packing", KeyboardLayout::Us);
    const std::vector<std::uint8_t> shortReport = {0, 0, 0x1E};
    const std::vector<std::uint8_t> longReport = {1, 0, 0, 0x1E, 0, 0, 0, 0, 0};
    EXPECT_TRUE(decoder.feed(shortReport).empty());
    EXPECT_TRUE(decoder.feed(longReport).empty());
    EXPECT_EQ(decoder.malformedReports(), 2u);
    EXPECT_EQ(feedOne(decoder, Trace().us("7").enter()).code, "7");
}

TEST(KeyboardDecoder, AnEndlessLineIsDroppedAndReported) {
    KeyboardDecoder decoder("packing", KeyboardLayout::Us);
    Trace trace;
    for (std::size_t i = 0; i < KeyboardDecoder::kMaxKeysPerScan + 10; ++i) {
        trace.us("1");
    }
    trace.enter().us("42").enter();
    const std::vector<KeyboardScan> scans = feed(decoder, trace);
    ASSERT_EQ(scans.size(), 2u);
    EXPECT_NE(scans[0].problem.find("without Enter"), std::string::npos) << scans[0].problem;
    EXPECT_EQ(scans[1].code, "42");
    EXPECT_EQ(scans[1].problem, "");
}

TEST(KeyboardDecoder, ResetForgetsAHalfTypedLine) {
    KeyboardDecoder decoder("packing", KeyboardLayout::Us);
    feed(decoder, Trace().us("999"));
    decoder.reset();
    EXPECT_EQ(feedOne(decoder, Trace().us("12").enter()).code, "12");
}

TEST(KeyboardDecoder, LayoutNamesRoundTrip) {
    for (KeyboardLayout layout : drivers::kAllKeyboardLayouts) {
        EXPECT_EQ(drivers::keyboardLayoutFrom(toString(layout)), layout);
    }
    EXPECT_FALSE(drivers::keyboardLayoutFrom("azerty").has_value());
}

}  // namespace
