#include "station/Barcode.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace station {
namespace {

using Kind = ParsedScan::Kind;

// Written apart from the implementation (left to right, weight chosen by distance from the
// check digit) so that a shared mistake is unlikely.
char referenceGs1Check(const std::string& digitsWithoutCheck) {
    int sum = 0;
    const std::size_t n = digitsWithoutCheck.size();
    for (std::size_t i = 0; i < n; ++i) {
        int weight = ((n - i) % 2 == 1) ? 3 : 1;
        sum += (digitsWithoutCheck[i] - '0') * weight;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

struct Sample {
    const char* name;
    std::string raw;
    Kind kind;
    std::string aim;
    std::string text;
    std::string gtin14;
    std::string sscc;
    std::string batch;
    std::string serial;
    std::string expiry;
    std::string error;
};

std::string kindName(Kind kind) {
    switch (kind) {
        case Kind::Text:
            return "Text";
        case Kind::Gtin:
            return "Gtin";
        case Kind::Gs1:
            return "Gs1";
    }
    return "?";
}

// Real-world shapes of what scanners send at a packing bench.
// clang-format off
const std::vector<Sample> kSamples = {
    // name, raw, kind, aim, text, gtin14, sscc, batch, serial, expiry, error
    {"EAN-13", "4006381333931", Kind::Gtin, "", "4006381333931", "04006381333931", "", "", "", "", ""},
    {"EAN-13 with CR LF", "4006381333931\r\n", Kind::Gtin, "", "4006381333931", "04006381333931", "", "", "", "", ""},
    {"EAN-13 with LF", "4006381333931\n", Kind::Gtin, "", "4006381333931", "04006381333931", "", "", "", "", ""},
    {"EAN-13 ]E0", "]E04006381333931", Kind::Gtin, "]E0", "4006381333931", "04006381333931", "", "", "", "", ""},
    {"UPC-A", "036000291452", Kind::Gtin, "", "036000291452", "00036000291452", "", "", "", "", ""},
    {"UPC-A as 13 digits ]E0", "]E00036000291452\r", Kind::Gtin, "]E0", "0036000291452", "00036000291452", "", "", "", "", ""},
    {"EAN-8", "96385074", Kind::Gtin, "", "96385074", "00000096385074", "", "", "", "", ""},
    {"EAN-8 ]E4", "]E496385074", Kind::Gtin, "]E4", "96385074", "00000096385074", "", "", "", "", ""},
    {"UPC-E ]E0 expands to UPC-A", "]E001234565", Kind::Gtin, "]E0", "01234565", "00012345000065", "", "", "", "", ""},
    {"EAN-13 with add-on ]E3", "]E3400638133393105", Kind::Gtin, "]E3", "400638133393105", "04006381333931", "", "", "", "", ""},
    {"GTIN-14 plain", "14006381333938", Kind::Gtin, "", "14006381333938", "14006381333938", "", "", "", "", ""},
    {"ITF-14 ]I1", "]I114006381333938", Kind::Gtin, "]I1", "14006381333938", "14006381333938", "", "", "", "", ""},
    {"EAN-13 bad check", "4006381333932", Kind::Gtin, "", "4006381333932", "", "", "", "", "", "bad_check_digit"},
    {"UPC-A bad check ]E0", "]E0036000291453", Kind::Gtin, "]E0", "036000291453", "", "", "", "", "", "bad_check_digit"},
    {"EAN-8 bad check", "96385075", Kind::Gtin, "", "96385075", "", "", "", "", "", "bad_check_digit"},
    {"GS1-128 ]C1", "]C10104006381333931" "17261231" "10ABC123" "\x1D" "21XYZ", Kind::Gs1, "]C1",
     "0104006381333931" "17261231" "10ABC123" "\x1D" "21XYZ", "04006381333931", "", "ABC123", "XYZ", "261231", ""},
    {"GS1-128 ]C1 with CR LF", "]C10104006381333931" "10ABC" "\x1D" "21XYZ\r\n", Kind::Gs1, "]C1",
     "0104006381333931" "10ABC" "\x1D" "21XYZ", "04006381333931", "", "ABC", "XYZ", "", ""},
    {"GS1 DataMatrix ]d2 pharma", "]d20109506000134352" "17260531" "10LOT42" "\x1D" "21SN123456", Kind::Gs1, "]d2",
     "0109506000134352" "17260531" "10LOT42" "\x1D" "21SN123456", "09506000134352", "", "LOT42", "SN123456", "260531", ""},
    {"GS1 DataMatrix serial first, expiry day 00", "]d20109506000134352" "21A1b2C3" "\x1D" "10L-7/9" "\x1D" "17270200",
     Kind::Gs1, "]d2", "0109506000134352" "21A1b2C3" "\x1D" "10L-7/9" "\x1D" "17270200", "09506000134352", "",
     "L-7/9", "A1b2C3", "270200", ""},
    {"GS1 DataBar ]e0", "]e00100012345678905", Kind::Gs1, "]e0", "0100012345678905", "00012345678905", "", "", "", "", ""},
    {"GS1 QR ]Q3", "]Q30104006381333931" "10B1", Kind::Gs1, "]Q3", "0104006381333931" "10B1", "04006381333931", "", "B1", "", "", ""},
    {"bracketed human form", "(01)04006381333931(10)ABC(21)XYZ", Kind::Gs1, "", "(01)04006381333931(10)ABC(21)XYZ",
     "04006381333931", "", "ABC", "XYZ", "", ""},
    {"bracketed with parenthesis in batch", "(01)04006381333931(10)A(1)B(17)251231", Kind::Gs1, "",
     "(01)04006381333931(10)A(1)B(17)251231", "04006381333931", "", "A(1)B", "", "251231", ""},
    {"no AIM: 01 + valid GTIN", "0104006381333931" "10ABC" "\x1D" "21XYZ", Kind::Gs1, "",
     "0104006381333931" "10ABC" "\x1D" "21XYZ", "04006381333931", "", "ABC", "XYZ", "", ""},
    {"no AIM: GTIN alone as GS1", "0104006381333931", Kind::Gs1, "", "0104006381333931", "04006381333931", "", "", "", "", ""},
    {"no AIM: 01 + bad GTIN stays text", "0104006381333932", Kind::Text, "", "0104006381333932", "", "", "", "", "", ""},
    {"no AIM: 01 + GTIN + junk stays text", "0104006381333931-XL", Kind::Text, "", "0104006381333931-XL", "", "", "", "", "", ""},
    {"leading GS", "\x1D" "0104006381333931" "3103001250", Kind::Gs1, "", "\x1D" "0104006381333931" "3103001250",
     "04006381333931", "", "", "", "", ""},
    {"]C1 then GS", "]C1\x1D" "0104006381333931" "10ABC", Kind::Gs1, "]C1", "\x1D" "0104006381333931" "10ABC",
     "04006381333931", "", "ABC", "", "", ""},
    {"FNC1 codeword byte", "\xE8" "0104006381333931" "10ABC" "\xE8" "21XYZ", Kind::Gs1, "",
     "\xE8" "0104006381333931" "10ABC" "\xE8" "21XYZ", "04006381333931", "", "ABC", "XYZ", "", ""},
    {"literal FNC1 placeholder", "FNC10104006381333931" "10ABC", Kind::Gs1, "", "FNC10104006381333931" "10ABC",
     "04006381333931", "", "ABC", "", "", ""},
    {"<FNC1> placeholder", "<FNC1>0104006381333931", Kind::Gs1, "", "<FNC1>0104006381333931",
     "04006381333931", "", "", "", "", ""},
    {"SSCC ]C1", "]C100106141411234567897", Kind::Gs1, "]C1", "00106141411234567897", "", "106141411234567897", "", "", "", ""},
    {"SSCC with count and GTIN of content", "]C100106141411234567897" "0204006381333931" "37" "12", Kind::Gs1, "]C1",
     "00106141411234567897" "0204006381333931" "3712", "", "106141411234567897", "", "", "", ""},
    {"SSCC without AIM", "00106141411234567897", Kind::Gs1, "", "00106141411234567897", "", "106141411234567897", "", "", "", ""},
    {"SSCC bad check", "]C100106141411234567898", Kind::Gs1, "]C1", "00106141411234567898", "", "", "", "", "", "bad_check_digit"},
    {"SSCC bad check without AIM stays text", "00106141411234567898", Kind::Text, "", "00106141411234567898", "", "", "", "", "", ""},
    {"AI 01 bad check", "]C10104006381333932" "10ABC", Kind::Gs1, "]C1", "0104006381333932" "10ABC", "", "", "", "", "", "bad_check_digit"},
    {"AI 02 bad check", "]C100106141411234567897" "0204006381333932" "3712", Kind::Gs1, "]C1",
     "00106141411234567897" "0204006381333932" "3712", "", "", "", "", "", "bad_check_digit"},
    {"bracketed bad check", "(01)04006381333932(10)ABC", Kind::Gs1, "", "(01)04006381333932(10)ABC", "", "", "", "", "", "bad_check_digit"},
    {"GTIN too short", "]C101040063813339", Kind::Gs1, "]C1", "01040063813339", "", "", "", "", "", "malformed_gs1"},
    {"GTIN with a letter", "]C10104006381333A31", Kind::Gs1, "]C1", "0104006381333A31", "", "", "", "", "", "malformed_gs1"},
    {"unknown AI 04", "]C10404006381333931", Kind::Gs1, "]C1", "0404006381333931", "", "", "", "", "", "malformed_gs1"},
    {"unknown measure AI 3106", "]C10104006381333931" "3106001250", Kind::Gs1, "]C1", "0104006381333931" "3106001250", "", "", "", "", "", "malformed_gs1"},
    {"batch longer than 20 (missing GS)", "]C10104006381333931" "10ABCDEFGHIJKLMNOPQRSTU", Kind::Gs1, "]C1",
     "0104006381333931" "10ABCDEFGHIJKLMNOPQRSTU", "", "", "", "", "", "malformed_gs1"},
    {"batch with a space", "]C10104006381333931" "10AB CD", Kind::Gs1, "]C1", "0104006381333931" "10AB CD", "", "", "", "", "", "malformed_gs1"},
    {"empty batch", "]C10104006381333931" "10" "\x1D" "21XYZ", Kind::Gs1, "]C1", "0104006381333931" "10" "\x1D" "21XYZ", "", "", "", "", "", "malformed_gs1"},
    {"AI at the very end", "]Q30104006381333931" "99", Kind::Gs1, "]Q3", "0104006381333931" "99", "", "", "", "", "", "malformed_gs1"},
    {"expiry month 13", "]C10104006381333931" "17261301", Kind::Gs1, "]C1", "0104006381333931" "17261301", "", "", "", "", "", "malformed_gs1"},
    {"expiry 30 February", "]C10104006381333931" "17260230", Kind::Gs1, "]C1", "0104006381333931" "17260230", "", "", "", "", "", "malformed_gs1"},
    {"expiry 29 February 2027", "]C10104006381333931" "17270229", Kind::Gs1, "]C1", "0104006381333931" "17270229", "", "", "", "", "", "malformed_gs1"},
    {"expiry 29 February 2028", "]C10104006381333931" "17280229", Kind::Gs1, "]C1", "0104006381333931" "17280229", "04006381333931", "", "", "", "280229", ""},
    {"expiry too short", "]C10104006381333931" "172612", Kind::Gs1, "]C1", "0104006381333931" "172612", "", "", "", "", "", "malformed_gs1"},
    {"two GS in a row", "]C10104006381333931" "10A" "\x1D\x1D" "21B", Kind::Gs1, "]C1", "0104006381333931" "10A" "\x1D\x1D" "21B", "", "", "", "", "", "malformed_gs1"},
    {"two different GTINs", "]d20104006381333931" "0109506000134352", Kind::Gs1, "]d2", "0104006381333931" "0109506000134352", "", "", "", "", "", "malformed_gs1"},
    {"empty ]C1", "]C1", Kind::Gs1, "]C1", "", "", "", "", "", "", "malformed_gs1"},
    {"]d2 with plain text", "]d2HELLO", Kind::Gs1, "]d2", "HELLO", "", "", "", "", "", "malformed_gs1"},
    {"bracketed GTIN of 13 digits", "(01)4006381333931(10)ABC", Kind::Gs1, "", "(01)4006381333931(10)ABC", "", "", "", "", "", "malformed_gs1"},
    {"bracketed GTIN too long", "(01)040063813339310(10)ABC", Kind::Gs1, "", "(01)040063813339310(10)ABC", "", "", "", "", "", "malformed_gs1"},
    {"lone GS", "\x1D", Kind::Gs1, "", "\x1D", "", "", "", "", "", "malformed_gs1"},
    {"SKU", "SKU-TSHIRT-M", Kind::Text, "", "SKU-TSHIRT-M", "", "", "", "", "", ""},
    {"SKU from Code 128 with CR LF", "]C0SKU-TSHIRT-M\r\n", Kind::Text, "]C0", "SKU-TSHIRT-M", "", "", "", "", "", ""},
    {"command", "CMD-CLOSE-PARCEL", Kind::Text, "", "CMD-CLOSE-PARCEL", "", "", "", "", "", ""},
    {"order number", "1001", Kind::Text, "", "1001", "", "", "", "", "", ""},
    {"order number 6 digits", "100234", Kind::Text, "", "100234", "", "", "", "", "", ""},
    {"order number 10 digits", "2024000123", Kind::Text, "", "2024000123", "", "", "", "", "", ""},
    {"13 digits in Code 128 are not a GTIN", "]C04006381333931", Kind::Text, "]C0", "4006381333931", "", "", "", "", "", ""},
    {"UPU S10 tracking number", "RR123456785FR", Kind::Text, "", "RR123456785FR", "", "", "", "", "", ""},
    {"QR with a URL", "]Q1https://example.com/o/1001", Kind::Text, "]Q1", "https://example.com/o/1001", "", "", "", "", "", ""},
    {"CJK text in a QR code", "]Q1\xE8\x8B\xB9\xE6\x9E\x9C", Kind::Text, "]Q1", "\xE8\x8B\xB9\xE6\x9E\x9C", "", "", "", "", "", ""},
    {"CJK text without AIM", "\xE8\x8B\xB9" "01", Kind::Text, "", "\xE8\x8B\xB9" "01", "", "", "", "", "", ""},
    {"SKU starting FNC1", "FNC1-CABLE", Kind::Text, "", "FNC1-CABLE", "", "", "", "", "", ""},
    {"parenthesis but no AI", "(5) BOXES", Kind::Text, "", "(5) BOXES", "", "", "", "", "", ""},
    {"empty", "", Kind::Text, "", "", "", "", "", "", "", ""},
    {"only CR LF", "\r\n", Kind::Text, "", "", "", "", "", "", "", ""},
    {"only ]", "]", Kind::Text, "", "]", "", "", "", "", "", ""},
    {"truncated AIM", "]E", Kind::Text, "", "]E", "", "", "", "", "", ""},
    {"AIM only", "]E0", Kind::Text, "]E0", "", "", "", "", "", "", ""},
};
// clang-format on

TEST(ParseScanTest, RealWorldSamples) {
    for (const Sample& sample : kSamples) {
        SCOPED_TRACE(sample.name);
        ParsedScan scan = parseScan(sample.raw);
        EXPECT_EQ(kindName(scan.kind), kindName(sample.kind));
        EXPECT_EQ(scan.aim, sample.aim);
        EXPECT_EQ(scan.text, sample.text);
        EXPECT_EQ(scan.gtin14, sample.gtin14);
        EXPECT_EQ(scan.sscc, sample.sscc);
        EXPECT_EQ(scan.batch, sample.batch);
        EXPECT_EQ(scan.serial, sample.serial);
        EXPECT_EQ(scan.expiry, sample.expiry);
        EXPECT_EQ(scan.error, sample.error);
        if (!scan.error.empty()) {
            EXPECT_TRUE(scan.elements.empty()) << "a refused code must not carry elements";
        }
    }
}

std::vector<std::pair<std::string, std::string>> elementsOf(const ParsedScan& scan) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Gs1Element& element : scan.elements) {
        out.emplace_back(element.ai, element.value);
    }
    return out;
}

using Elements = std::vector<std::pair<std::string, std::string>>;

TEST(ParseScanTest, KeepsEveryElementInOrder) {
    ParsedScan scan = parseScan(
        "]C10104006381333931"
        "3103001250"
        "11250101"
        "10B-7"
        "\x1D"
        "21S9");
    ASSERT_EQ(scan.error, "");
    EXPECT_EQ(elementsOf(scan), (Elements{{"01", "04006381333931"},
                                          {"3103", "001250"},
                                          {"11", "250101"},
                                          {"10", "B-7"},
                                          {"21", "S9"}}));
}

TEST(ParseScanTest, ReadsThreeAndFourDigitAis) {
    ParsedScan scan = parseScan(
        "]C10104006381333931"
        "240ADD-1"
        "\x1D"
        "4109501101020917"
        "7003"
        "2612311530"
        "\x1D"
        "8005000995"
        "\x1D"
        "92INTERNAL");
    ASSERT_EQ(scan.error, "");
    EXPECT_EQ(elementsOf(scan), (Elements{{"01", "04006381333931"},
                                          {"240", "ADD-1"},
                                          {"410", "9501101020917"},
                                          {"7003", "2612311530"},
                                          {"8005", "000995"},
                                          {"92", "INTERNAL"}}));
}

TEST(ParseScanTest, FixedLengthFieldFollowedByRedundantGsIsAccepted) {
    ParsedScan scan = parseScan(
        "]C10104006381333931"
        "\x1D"
        "17261231"
        "\x1D"
        "10ABC");
    EXPECT_EQ(scan.error, "");
    EXPECT_EQ(scan.gtin14, "04006381333931");
    EXPECT_EQ(scan.expiry, "261231");
    EXPECT_EQ(scan.batch, "ABC");
}

TEST(ParseScanTest, NonPredefinedFixedLengthAiNeedsItsExactLength) {
    // 8005 (price per unit) is n6 but not in the predefined table, so it is GS-terminated.
    EXPECT_EQ(parseScan("]C10104006381333931"
                        "800500099"
                        "\x1D"
                        "10A")
                  .error,
              "malformed_gs1");
    EXPECT_EQ(parseScan("]C10104006381333931"
                        "80050009951")
                  .error,
              "malformed_gs1");
    EXPECT_EQ(parseScan("]C10104006381333931"
                        "8005000995")
                  .error,
              "");
}

TEST(ParseScanTest, RepeatedIdenticalAiIsAccepted) {
    ParsedScan scan = parseScan(
        "]d20104006381333931"
        "0104006381333931");
    EXPECT_EQ(scan.error, "");
    EXPECT_EQ(scan.gtin14, "04006381333931");
}

TEST(ParseScanTest, GtinCarriersOfOneItemCompareEqual) {
    const std::string ean13 = parseScan("]E00036000291452").gtin14;
    EXPECT_EQ(parseScan("036000291452").gtin14, ean13);
    EXPECT_EQ(parseScan("00036000291452").gtin14, ean13);
    EXPECT_EQ(parseScan("]C10100036000291452").gtin14, ean13);
    EXPECT_EQ(parseScan("(01)00036000291452").gtin14, ean13);
    EXPECT_EQ(ean13, "00036000291452");
}

TEST(ParseScanTest, EveryUpcEShapeExpands) {
    // One UPC-E per last-digit rule, with its UPC-A written out by hand.
    struct Case {
        std::string upcEWithoutCheck;
        std::string upcAWithoutCheck;
    };
    const std::vector<Case> cases = {
        {"0123450", "01200000345"}, {"0123451", "01210000345"}, {"0123452", "01220000345"},
        {"0123453", "01230000045"}, {"0123454", "01234000005"}, {"0123455", "01234500005"},
        {"1123459", "11234500009"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.upcEWithoutCheck);
        char check = referenceGs1Check(c.upcAWithoutCheck);
        ParsedScan scan = parseScan("]E0" + c.upcEWithoutCheck + check);
        EXPECT_EQ(scan.error, "");
        EXPECT_EQ(scan.gtin14, "00" + c.upcAWithoutCheck + check);
    }
}

TEST(CheckDigitTest, KnownValidCodes) {
    for (const char* code : {"4006381333931", "036000291452", "96385074", "14006381333938",
                             "106141411234567897", "09506000134352", "00012345678905"}) {
        SCOPED_TRACE(code);
        EXPECT_TRUE(hasValidGs1CheckDigit(code));
    }
    EXPECT_EQ(gs1CheckDigit("400638133393"), '1');
    EXPECT_EQ(gs1CheckDigit("10614141123456789"), '7');
    EXPECT_EQ(gs1CheckDigit("9638507"), '4');
}

TEST(CheckDigitTest, EverySingleDigitErrorIsCaught) {
    const std::string valid = "4006381333931";
    for (std::size_t i = 0; i < valid.size(); ++i) {
        for (char d = '0'; d <= '9'; ++d) {
            if (d == valid[i]) {
                continue;
            }
            std::string wrong = valid;
            wrong[i] = d;
            EXPECT_FALSE(hasValidGs1CheckDigit(wrong)) << wrong;
        }
    }
}

TEST(CheckDigitTest, MatchesReferenceOnManyNumbers) {
    std::mt19937 random(7);
    std::uniform_int_distribution<int> digit(0, 9);
    std::uniform_int_distribution<int> length(1, 17);
    for (int i = 0; i < 2000; ++i) {
        std::string digits;
        for (int n = length(random); n > 0; --n) {
            digits += static_cast<char>('0' + digit(random));
        }
        ASSERT_EQ(gs1CheckDigit(digits), referenceGs1Check(digits)) << digits;
    }
}

TEST(CheckDigitTest, RejectsNonDigitsAndTooShort) {
    EXPECT_EQ(gs1CheckDigit(""), '\0');
    EXPECT_EQ(gs1CheckDigit("40063813339a"), '\0');
    EXPECT_FALSE(hasValidGs1CheckDigit(""));
    EXPECT_FALSE(hasValidGs1CheckDigit("0"));
    EXPECT_FALSE(hasValidGs1CheckDigit("400638133393 1"));
    EXPECT_FALSE(hasValidGs1CheckDigit("4006381333931\n"));
}

TEST(ToGtin14Test, PadsValidGtinsOnly) {
    EXPECT_EQ(toGtin14("4006381333931"), "04006381333931");
    EXPECT_EQ(toGtin14("036000291452"), "00036000291452");
    EXPECT_EQ(toGtin14("96385074"), "00000096385074");
    EXPECT_EQ(toGtin14("14006381333938"), "14006381333938");
    EXPECT_EQ(toGtin14("4006381333932"), std::nullopt);
    EXPECT_EQ(toGtin14("06381333931"), std::nullopt);         // 11 digits
    EXPECT_EQ(toGtin14("106141411234567897"), std::nullopt);  // an SSCC is not a GTIN
    EXPECT_EQ(toGtin14("40063813339X1"), std::nullopt);
    EXPECT_EQ(toGtin14(""), std::nullopt);
}

TEST(SsccTest, PublishedExample) {
    EXPECT_EQ(makeSscc(1, "0614141", 123456789), "106141411234567897");
}

TEST(SsccTest, SerialsWithPrefix3012345) {
    EXPECT_EQ(maxSsccSerial("3012345"), 999999999u);
    for (uint64_t serial : {uint64_t{0}, uint64_t{1}, uint64_t{42}, uint64_t{1000},
                            uint64_t{123456789}, uint64_t{999999999}}) {
        SCOPED_TRACE(serial);
        std::string serialDigits = std::to_string(serial);
        std::string body =
            "0"
            "3012345" +
            std::string(9 - serialDigits.size(), '0') + serialDigits;
        std::string expected = body + referenceGs1Check(body);
        auto sscc = makeSscc(0, "3012345", serial);
        ASSERT_TRUE(sscc.has_value());
        EXPECT_EQ(*sscc, expected);

        // What we print must scan back as the same SSCC.
        ParsedScan scan = parseScan("]C100" + *sscc);
        EXPECT_EQ(scan.error, "");
        EXPECT_EQ(scan.sscc, expected);
    }
    // By hand: 0 3012345 000000001, weights 3,1,3... from the right, sum 33, check 7.
    EXPECT_EQ(makeSscc(0, "3012345", 1), "030123450000000017");
    EXPECT_EQ(makeSscc(5, "3012345", 42).value_or("").substr(0, 1), "5");
}

TEST(SsccTest, RefusesWhatCannotBeValid) {
    EXPECT_EQ(makeSscc(0, "3012345", 1000000000), std::nullopt);  // 10 digits do not fit in 9
    EXPECT_EQ(makeSscc(10, "3012345", 1), std::nullopt);
    EXPECT_EQ(makeSscc(-1, "3012345", 1), std::nullopt);
    EXPECT_EQ(makeSscc(0, "30123A5", 1), std::nullopt);
    EXPECT_EQ(makeSscc(0, "301", 1), std::nullopt);
    EXPECT_EQ(makeSscc(0, "", 1), std::nullopt);
    EXPECT_EQ(makeSscc(0, "3012345678901", 1), std::nullopt);  // 13 digits: not a company prefix
}

TEST(SsccTest, MaxSerialFollowsPrefixLength) {
    EXPECT_EQ(maxSsccSerial("3012"), 999999999999u);
    EXPECT_EQ(maxSsccSerial("301234567890"), 9999u);
    EXPECT_EQ(maxSsccSerial("30123A"), 0u);
    EXPECT_EQ(maxSsccSerial(""), 0u);
    auto longest = makeSscc(9, "301234567890", 9999);
    ASSERT_TRUE(longest.has_value());
    EXPECT_EQ(longest->size(), 18u);
    EXPECT_TRUE(hasValidGs1CheckDigit(*longest));
    EXPECT_EQ(makeSscc(9, "301234567890", 10000), std::nullopt);
}

TEST(UpuS10Test, CheckDigitRule) {
    // 1..8 weighted 8,6,4,2,3,5,9,7 = 204; 204 mod 11 = 6; 11 - 6 = 5.
    EXPECT_TRUE(isValidUpuS10("RR123456785FR"));
    // Sum 0: 11 - 0 = 11, written as 5.
    EXPECT_TRUE(isValidUpuS10("RR000000005FR"));
    // 4 * 3 = 12; 12 mod 11 = 1; 11 - 1 = 10, written as 0.
    EXPECT_TRUE(isValidUpuS10("CP000040000DE"));
    // 8,7,6,5,4,3,2,1 weighted = 192; 192 mod 11 = 5; 11 - 5 = 6.
    EXPECT_TRUE(isValidUpuS10("EE876543216GB"));
    for (char wrong = '0'; wrong <= '9'; ++wrong) {
        if (wrong != '5') {
            std::string code = "RR12345678" + std::string(1, wrong) + "FR";
            EXPECT_FALSE(isValidUpuS10(code)) << code;
        }
    }
}

TEST(UpuS10Test, RejectsWrongShapes) {
    EXPECT_FALSE(isValidUpuS10(""));
    EXPECT_FALSE(isValidUpuS10("rr123456785fr"));
    EXPECT_FALSE(isValidUpuS10("RR123456785F"));
    EXPECT_FALSE(isValidUpuS10("RR123456785FRX"));
    EXPECT_FALSE(isValidUpuS10("R1123456785FR"));
    EXPECT_FALSE(isValidUpuS10("RR1234567X5FR"));
    EXPECT_FALSE(isValidUpuS10("RR123456785F1"));
    EXPECT_FALSE(isValidUpuS10("RR 23456785FR"));
}

// Whatever arrives from a misconfigured scanner, a damaged label or line noise must come back
// as a value that keeps the documented promises.
void expectConsistent(const std::string& raw, const ParsedScan& scan) {
    if (scan.kind == Kind::Text) {
        EXPECT_EQ(scan.error, "") << "text is never refused by the parser";
    }
    if (!scan.error.empty()) {
        EXPECT_TRUE(scan.error == "bad_check_digit" || scan.error == "malformed_gs1") << scan.error;
        EXPECT_TRUE(scan.gtin14.empty() && scan.sscc.empty() && scan.elements.empty());
    }
    if (!scan.gtin14.empty()) {
        EXPECT_EQ(scan.gtin14.size(), 14u);
        EXPECT_TRUE(hasValidGs1CheckDigit(scan.gtin14)) << scan.gtin14;
    }
    if (!scan.sscc.empty()) {
        EXPECT_EQ(scan.sscc.size(), 18u);
        EXPECT_TRUE(hasValidGs1CheckDigit(scan.sscc)) << scan.sscc;
    }
    EXPECT_LE(scan.batch.size(), 20u);
    EXPECT_LE(scan.serial.size(), 20u);
    EXPECT_TRUE(scan.expiry.empty() || scan.expiry.size() == 6u);
    EXPECT_LE(scan.aim.size() + scan.text.size(), raw.size());
    EXPECT_NE(raw.find(scan.text), std::string::npos);
}

TEST(ParseScanTest, SurvivesGarbledInput) {
    std::mt19937 random(20240611);
    // Biased towards the bytes that steer the parser, so that the deep paths are reached.
    const std::string interesting = "0123456789()]\x1D\xE8\r\nCEQdeI01FNC1<>";
    const std::vector<std::string> openings = {"",     "]C1",  "]d2", "]E0", "]e0",  "]Q3", "]E3",
                                               "\x1D", "(01)", "01",  "00",  "FNC1", "]"};
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> pick(0, interesting.size() - 1);
    std::uniform_int_distribution<std::size_t> opening(0, openings.size() - 1);
    std::uniform_int_distribution<int> length(0, 60);
    std::uniform_int_distribution<int> coin(0, 2);
    int gs1Seen = 0;
    for (int i = 0; i < 30000; ++i) {
        std::string raw = openings[opening(random)];
        for (int n = length(random); n > 0; --n) {
            raw += coin(random) == 0 ? static_cast<char>(byte(random)) : interesting[pick(random)];
        }
        ParsedScan scan;
        ASSERT_NO_THROW(scan = parseScan(raw));
        expectConsistent(raw, scan);
        if (scan.kind == Kind::Gs1 && scan.error.empty()) {
            ++gs1Seen;
        }
        if (::testing::Test::HasFailure()) {
            FAIL() << "input #" << i << " of size " << raw.size();
        }
    }
    EXPECT_GT(gs1Seen, 0) << "the generator never reached a valid GS1 parse";
}

TEST(ParseScanTest, SurvivesVeryLongInput) {
    const std::string longBatch =
        "]C10104006381333931"
        "10" +
        std::string(1 << 20, 'A');
    ParsedScan scan = parseScan(longBatch);
    EXPECT_EQ(scan.error, "malformed_gs1");

    std::string repeated = "]d2";
    for (int i = 0; i < 20000; ++i) {
        repeated += "0104006381333931";
    }
    scan = parseScan(repeated);
    EXPECT_EQ(scan.error, "");
    EXPECT_EQ(scan.gtin14, "04006381333931");

    std::string digits(1 << 20, '7');
    scan = parseScan(digits);
    EXPECT_EQ(kindName(scan.kind), "Text");
    EXPECT_EQ(scan.text.size(), digits.size());

    std::string parentheses;
    for (int i = 0; i < 100000; ++i) {
        parentheses += "(01";
    }
    EXPECT_NO_THROW(parseScan(parentheses));
    EXPECT_NO_THROW(parseScan("(01)" + parentheses));
}

}  // namespace
}  // namespace station
