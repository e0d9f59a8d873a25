#include "drivers/HidScaleReport.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using drivers::parseHidScaleReport;
using drivers::ScaleStatus;
using Report = std::vector<std::uint8_t>;

constexpr std::uint8_t kGrams = 2;
constexpr std::uint8_t kKilograms = 3;
constexpr std::uint8_t kOunces = 11;
constexpr std::uint8_t kPounds = 12;

Report report(std::uint8_t status, std::uint8_t unit, std::int8_t exponent, unsigned raw) {
    return {0x03,
            status,
            unit,
            static_cast<std::uint8_t>(exponent),
            static_cast<std::uint8_t>(raw & 0xFF),
            static_cast<std::uint8_t>(raw >> 8)};
}

TEST(HidScaleReport, StableWeightsInEveryCommonUnitBecomeGrams) {
    auto r = parseHidScaleReport(report(4, kGrams, 0, 1250));
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.reading.status, ScaleStatus::Stable);
    EXPECT_EQ(r.reading.grams, 1250);
    EXPECT_EQ(r.note, "");

    r = parseHidScaleReport(report(4, kKilograms, -3, 1234));  // 1.234 kg
    EXPECT_EQ(r.reading.grams, 1234);
    // A DYMO M25 in ounces: 12.3 oz = 348.7 g
    r = parseHidScaleReport(Report{0x03, 0x04, 0x0B, 0xFF, 0x7B, 0x00});
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.reading.grams, 349);
    EXPECT_EQ(r.note, "weighing in oz");
    r = parseHidScaleReport(report(4, kPounds, -2, 250));  // 2.50 lb = 1134 g
    EXPECT_EQ(r.reading.grams, 1134);
    r = parseHidScaleReport(report(4, kGrams, 1, 65535));  // 655350 g, the largest raw value
    EXPECT_EQ(r.reading.grams, 655350);
}

TEST(HidScaleReport, EveryStatusTheScaleCanSend) {
    struct Case {
        std::uint8_t status;
        ScaleStatus expected;
    };
    const Case cases[] = {{1, ScaleStatus::Fault},
                          {2, ScaleStatus::AtZero},
                          {3, ScaleStatus::InMotion},
                          {4, ScaleStatus::Stable},
                          {5, ScaleStatus::UnderZero},
                          {6, ScaleStatus::Overload},
                          {7, ScaleStatus::NeedsCalibration},
                          {8, ScaleStatus::NeedsCalibration}};
    for (const Case& c : cases) {
        const auto r = parseHidScaleReport(report(c.status, kGrams, 0, 40));
        ASSERT_TRUE(r.ok) << int(c.status) << ": " << r.error;
        EXPECT_EQ(r.reading.status, c.expected) << int(c.status);
    }
    EXPECT_EQ(parseHidScaleReport(report(8, kGrams, 0, 0)).note, "needs re-zeroing");
    EXPECT_EQ(parseHidScaleReport(report(5, kGrams, 0, 40)).reading.grams, -40);
    EXPECT_EQ(parseHidScaleReport(report(3, kGrams, 0, 40)).reading.grams, 40);
    EXPECT_EQ(parseHidScaleReport(report(6, kGrams, 0, 0)).reading.grams, 0);
    // Stable at exactly zero is "at zero", whatever status byte said it.
    EXPECT_EQ(parseHidScaleReport(report(4, kGrams, 0, 0)).reading.status, ScaleStatus::AtZero);
}

TEST(HidScaleReport, ReportId4IsAcceptedAsSomeScalesSendIt) {
    const auto r = parseHidScaleReport(Report{0x04, 0x04, kGrams, 0x00, 0x10, 0x00});
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.reading.grams, 16);
}

TEST(HidScaleReport, BrokenReportsAreErrorsNotWeights) {
    EXPECT_FALSE(parseHidScaleReport(Report{0x03, 0x04, 0x02}).ok);
    EXPECT_FALSE(parseHidScaleReport(report(9, kGrams, 0, 10)).ok);
    EXPECT_FALSE(parseHidScaleReport(report(4, 0, 0, 10)).ok);
    EXPECT_FALSE(parseHidScaleReport(report(4, 13, 0, 10)).ok);
    EXPECT_FALSE(parseHidScaleReport(report(4, kGrams, 127, 10)).ok);
    Report other = report(4, kGrams, 0, 10);
    other[0] = 0x05;
    const auto r = parseHidScaleReport(other);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error, "");
}

}  // namespace
