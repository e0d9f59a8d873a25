// What a scanned code says, before anything knows about orders: AIM symbology prefix,
// GTIN with its check digit, GS1 element strings (AI 00, 01, 10, 17, 21, ...), UPU S10.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace station {

struct Gs1Element {
    std::string ai;     // "01", "10", "3103", ...
    std::string value;  // without the AI and without the GS separator
};

struct ParsedScan {
    enum class Kind {
        Text,  // anything else: SKU, order number, badge, command, carrier label
        Gtin,  // 8, 12, 13 or 14 digits (valid unless `error` says otherwise)
        Gs1    // a GS1 element string (valid unless `error` says otherwise)
    };
    Kind kind = Kind::Text;
    std::string aim;                   // "]E0", "]C1", ... or empty when the scanner sent none
    std::string text;                  // the code without the AIM prefix and without trailing CR/LF
    std::vector<Gs1Element> elements;  // for Kind::Gs1, in order
    std::string gtin14;                // AI 01, or the GTIN itself, left-padded to 14 digits
    std::string sscc;                  // AI 00, 18 digits
    std::string batch;                 // AI 10
    std::string expiry;                // AI 17, YYMMDD
    std::string serial;                // AI 21
    // Set when the code looks like a GTIN or GS1 string but is not valid: the station refuses
    // it with this reason. One of "bad_check_digit", "malformed_gs1". When set, `elements`,
    // `gtin14`, `sscc`, `batch`, `expiry` and `serial` stay empty, so nothing half-read can
    // match an order.
    std::string error;
};

// Never throws; a code it cannot read as GTIN or GS1 comes back as Kind::Text.
// Rules:
//  - trailing CR/LF are dropped; an AIM prefix "]" + letter + letter/digit is removed and
//    kept in `aim`;
//  - ]C1, ]e0, ]d2, ]Q3, a leading GS (0x1D), a leading FNC1 placeholder (byte 0xE8, "FNC1",
//    "<FNC1>", "{FNC1}" or "[FNC1]", each followed by a digit or "("), or the bracketed human
//    form "(01)..." mean GS1; GS (or byte 0xE8) ends a variable-length value;
//  - without an AIM prefix, 16+ characters starting with "01" whose 14 digits after the AI
//    are a valid GTIN, or 20+ starting with "00" with a valid SSCC, are read as GS1 too, but
//    only if the whole string then parses; otherwise it stays Text;
//  - with no AIM prefix, ]E*, or ]I1, 8, 12, 13 or 14 digits alone are a GTIN (error
//    "bad_check_digit" when the check fails); 8 digits under ]E0 are a UPC-E and are
//    expanded to their UPC-A; under ]E3 the add-on digits are dropped. Digits under any other
//    AIM (]C0, ]Q1, ...) and digit strings of other lengths stay Text;
//  - GS1: unknown AI, value too short/long or outside its character set, an impossible date
//    in AI 11-17, or one AI with two different values gives "malformed_gs1"; a wrong check
//    digit in AI 00, 01, 02 or 03 gives "bad_check_digit".
ParsedScan parseScan(std::string_view raw);

// Weights 3,1,3,1... from the right over all digits but the last; for GTIN-8/12/13/14, SSCC.
bool hasValidGs1CheckDigit(std::string_view digits);
// '\0' when the input is empty or holds anything but digits.
char gs1CheckDigit(std::string_view digitsWithoutCheck);
// 8, 12, 13 or 14 digits with a valid check digit -> 14 digits; otherwise nullopt.
std::optional<std::string> toGtin14(std::string_view digits);

// A SKU compared as packers type and scanners send it: letters in any case.
bool equalsIgnoreCase(std::string_view a, std::string_view b);
// The order number in a scanned code: "#1001" (a packing slip) or "1001".
std::string orderNumberFrom(const std::string& code);

// SSCC-18: extension digit, company prefix, serial reference padded to fill 17 digits, check.
// nullopt when the extension is not 0-9, the prefix is not 4-12 digits, or the serial does not
// fit in the digits the prefix leaves.
std::optional<std::string> makeSscc(int extensionDigit, std::string_view companyPrefix,
                                    uint64_t serial);
// The largest serial reference that fits with this prefix (10^(16 - prefix length) - 1);
// 0 when the prefix is not 4-12 digits.
uint64_t maxSsccSerial(std::string_view companyPrefix);

// UPU S10 postal item id: 2 letters, 8 digits, check digit, 2 letters ("RR123456785FR");
// letters must be upper case, as printed.
bool isValidUpuS10(std::string_view code);

}  // namespace station
