#include "drivers/PosScanAssembler.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using drivers::PosScanAssembler;
using Report = std::vector<std::uint8_t>;

// A 64-byte report as the scanner sends it.
Report report(std::string_view aim, std::string_view data, bool more) {
    Report r(64, 0);
    r[0] = 0x02;
    r[1] = static_cast<std::uint8_t>(data.size());
    for (std::size_t i = 0; i < aim.size() && i < 3; ++i) {
        r[2 + i] = static_cast<std::uint8_t>(aim[i]);
    }
    for (std::size_t i = 0; i < data.size(); ++i) {
        r[5 + i] = static_cast<std::uint8_t>(data[i]);
    }
    r[63] = more ? 0x01 : 0x00;
    return r;
}

TEST(PosScanAssembler, OneReportMakesOneCodeWithItsAimPrefix) {
    PosScanAssembler assembler;
    const auto scan = assembler.feed(report("]E0", "4006381333931", false));
    ASSERT_TRUE(scan.has_value());
    EXPECT_EQ(scan->code, "]E04006381333931");
    EXPECT_EQ(scan->error, "");
    EXPECT_FALSE(assembler.inProgress());
}

TEST(PosScanAssembler, ACodeLongerThanOneReportIsJoinedFromItsFragments) {
    // A GS1 DataMatrix of 100 characters: 56 + 44 bytes, with a GS inside.
    std::string data = "010400638133393121ABCDEFGHIJKLMNOPQRST";
    data += '\x1D';
    data += "10BATCH";
    while (data.size() < 100) {
        data += 'X';
    }
    PosScanAssembler assembler;
    EXPECT_FALSE(assembler.feed(report("]d2", data.substr(0, 56), true)).has_value());
    EXPECT_TRUE(assembler.inProgress());
    const auto scan = assembler.feed(report("]d2", data.substr(56), false));
    ASSERT_TRUE(scan.has_value());
    EXPECT_EQ(scan->code, "]d2" + data);
}

TEST(PosScanAssembler, SymbologyWithoutBracketOrSwitchedOff) {
    PosScanAssembler assembler;
    Report bare = report("", "ABC-123", false);
    bare[2] = 'C';
    bare[3] = '0';
    EXPECT_EQ(assembler.feed(bare)->code, "]C0ABC-123");
    EXPECT_EQ(assembler.feed(report("", "ABC-123", false))->code, "ABC-123");
}

TEST(PosScanAssembler, MalformedReportsAreErrorsAndTheNextCodeIsClean) {
    PosScanAssembler assembler;
    Report tooLong = report("]E0", "123", false);
    tooLong[1] = 60;  // more than 56 data bytes cannot fit
    auto scan = assembler.feed(tooLong);
    ASSERT_TRUE(scan.has_value());
    EXPECT_EQ(scan->code, "");
    EXPECT_NE(scan->error, "");

    Report garbled = report("]E0", "123", false);
    garbled[2] = 0x07;
    garbled[3] = 0xFF;
    scan = assembler.feed(garbled);
    ASSERT_TRUE(scan.has_value());
    EXPECT_NE(scan->error.find("symbology"), std::string::npos);

    EXPECT_FALSE(assembler.feed(report("]E0", "4006", true)).has_value());
    const Report truncated = {0x02, 10, ']', 'E', '0', '1'};  // says 10 bytes, carries 1
    scan = assembler.feed(truncated);
    ASSERT_TRUE(scan.has_value());
    EXPECT_NE(scan->error, "");
    EXPECT_FALSE(assembler.inProgress()) << "a broken fragment drops the half code";

    EXPECT_EQ(assembler.feed(report("]E0", "4006381333931", false))->code, "]E04006381333931");
}

TEST(PosScanAssembler, OtherReportIdsAreNotScans) {
    PosScanAssembler assembler;
    Report status = report("]E0", "123", false);
    status[0] = 0x04;
    EXPECT_FALSE(assembler.feed(status).has_value());
    EXPECT_FALSE(assembler.feed(Report{}).has_value());
}

TEST(PosScanAssembler, EmptyAndOverlongCodesAreErrors) {
    PosScanAssembler assembler;
    auto scan = assembler.feed(report("]E0", "", false));
    ASSERT_TRUE(scan.has_value());
    EXPECT_NE(scan->error.find("empty"), std::string::npos);

    const std::string chunk(56, '7');
    std::optional<drivers::PosScan> last;
    for (std::size_t sent = 0; sent <= PosScanAssembler::kMaxCodeBytes; sent += chunk.size()) {
        EXPECT_FALSE(assembler.feed(report("]Q1", chunk, true)).has_value());
    }
    scan = assembler.feed(report("]Q1", chunk, false));
    ASSERT_TRUE(scan.has_value());
    EXPECT_NE(scan->error.find("longer"), std::string::npos);
    EXPECT_EQ(assembler.feed(report("]Q1", "OK", false))->code, "]Q1OK");
}

}  // namespace
