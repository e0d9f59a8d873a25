#include "station/Barcode.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <map>

namespace station {

namespace {

constexpr char kGroupSeparator = '\x1D';
// DataMatrix FNC1 codeword 232, which some readers pass through as a raw byte instead of
// translating it. It is outside CSET 82, so it can never be part of a valid value.
constexpr char kFnc1Codeword = static_cast<char>(0xE8);

constexpr std::string_view kBadCheckDigit = "bad_check_digit";
constexpr std::string_view kMalformedGs1 = "malformed_gs1";

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isUpper(char c) {
    return c >= 'A' && c <= 'Z';
}
bool isLower(char c) {
    return c >= 'a' && c <= 'z';
}
bool isAlnum(char c) {
    return isDigit(c) || isUpper(c) || isLower(c);
}

bool allDigits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), isDigit);
}

bool isSeparator(char c) {
    return c == kGroupSeparator || c == kFnc1Codeword;
}

// ---- The AI table --------------------------------------------------------------------------
// Transcribed from the GS1 Barcode Syntax Dictionary. Each format is a list of components:
// N numeric, X CSET 82, Y CSET 39, Z base64url; "N6" is exactly 6, "X..20" is 1 to 20,
// "[...]" may be left out at the end. `predefined` marks the AIs whose length is fixed by the
// GS1 predefined-length table, so no GS follows them.

enum class Charset { Numeric, Cset82, Cset39, Base64Url };

struct AiSpec {
    std::string_view first;
    std::string_view last;
    bool predefined;
    std::string_view format;
};

constexpr std::array kAiTable = {
    AiSpec{"00", "00", true, "N18"},
    AiSpec{"01", "03", true, "N14"},
    AiSpec{"10", "10", false, "X..20"},
    AiSpec{"11", "13", true, "N6"},
    AiSpec{"15", "17", true, "N6"},
    AiSpec{"20", "20", true, "N2"},
    AiSpec{"21", "22", false, "X..20"},
    AiSpec{"235", "235", false, "X..28"},
    AiSpec{"240", "241", false, "X..30"},
    AiSpec{"242", "242", false, "N..6"},
    AiSpec{"243", "243", false, "X..20"},
    AiSpec{"250", "251", false, "X..30"},
    AiSpec{"253", "253", false, "N13 [X..17]"},
    AiSpec{"254", "254", false, "X..20"},
    AiSpec{"255", "255", false, "N13 [N..12]"},
    AiSpec{"30", "30", false, "N..8"},
    AiSpec{"37", "37", false, "N..8"},
    AiSpec{"3900", "3909", false, "N..15"},
    AiSpec{"3910", "3919", false, "N3 N..15"},
    AiSpec{"3920", "3929", false, "N..15"},
    AiSpec{"3930", "3939", false, "N3 N..15"},
    AiSpec{"3940", "3943", false, "N4"},
    AiSpec{"3950", "3955", false, "N6"},
    AiSpec{"400", "401", false, "X..30"},
    AiSpec{"402", "402", false, "N17"},
    AiSpec{"403", "403", false, "X..30"},
    AiSpec{"410", "417", true, "N13"},
    AiSpec{"420", "420", false, "X..20"},
    AiSpec{"421", "421", false, "N3 X..9"},
    AiSpec{"422", "422", false, "N3"},
    AiSpec{"423", "423", false, "N3 [N3] [N3] [N3] [N3]"},
    AiSpec{"424", "424", false, "N3"},
    AiSpec{"425", "425", false, "N3 [N3] [N3] [N3] [N3]"},
    AiSpec{"426", "426", false, "N3"},
    AiSpec{"427", "427", false, "X..3"},
    AiSpec{"4300", "4301", false, "X..35"},
    AiSpec{"4302", "4306", false, "X..70"},
    AiSpec{"4307", "4307", false, "X2"},
    AiSpec{"4308", "4308", false, "X..30"},
    AiSpec{"4309", "4309", false, "N10 N10"},
    AiSpec{"4310", "4311", false, "X..35"},
    AiSpec{"4312", "4316", false, "X..70"},
    AiSpec{"4317", "4317", false, "X2"},
    AiSpec{"4318", "4318", false, "X..20"},
    AiSpec{"4319", "4319", false, "X..30"},
    AiSpec{"4320", "4320", false, "X..35"},
    AiSpec{"4321", "4323", false, "N1"},
    AiSpec{"4324", "4325", false, "N6 N4"},
    AiSpec{"4326", "4326", false, "N6"},
    AiSpec{"4330", "4333", false, "N6 [X1]"},
    AiSpec{"7001", "7001", false, "N13"},
    AiSpec{"7002", "7002", false, "X..30"},
    AiSpec{"7003", "7003", false, "N6 N4"},
    AiSpec{"7004", "7004", false, "N..4"},
    AiSpec{"7005", "7005", false, "X..12"},
    AiSpec{"7006", "7006", false, "N6"},
    AiSpec{"7007", "7007", false, "N6 [N6]"},
    AiSpec{"7008", "7008", false, "X..3"},
    AiSpec{"7009", "7009", false, "X..10"},
    AiSpec{"7010", "7010", false, "X..2"},
    AiSpec{"7011", "7011", false, "N6 [N4]"},
    AiSpec{"7020", "7022", false, "X..20"},
    AiSpec{"7023", "7023", false, "X..30"},
    AiSpec{"7030", "7039", false, "N3 X..27"},
    AiSpec{"7040", "7040", false, "N1 X1 X1 X1"},
    AiSpec{"7041", "7041", false, "X..4"},
    AiSpec{"710", "717", false, "X..20"},
    AiSpec{"7230", "7239", false, "X2 X..28"},
    AiSpec{"7240", "7240", false, "X..20"},
    AiSpec{"7241", "7241", false, "N2"},
    AiSpec{"7242", "7242", false, "X..25"},
    AiSpec{"7250", "7250", false, "N8"},
    AiSpec{"7251", "7251", false, "N8 N4"},
    AiSpec{"7252", "7252", false, "N1"},
    AiSpec{"7253", "7254", false, "X..40"},
    AiSpec{"7255", "7255", false, "X..10"},
    AiSpec{"7256", "7256", false, "X..90"},
    AiSpec{"7257", "7257", false, "X..70"},
    AiSpec{"7258", "7258", false, "X3"},
    AiSpec{"7259", "7259", false, "X..40"},
    AiSpec{"8001", "8001", false, "N4 N5 N3 N1 N1"},
    AiSpec{"8002", "8002", false, "X..20"},
    AiSpec{"8003", "8003", false, "N1 N13 [X..16]"},
    AiSpec{"8004", "8004", false, "X..30"},
    AiSpec{"8005", "8005", false, "N6"},
    AiSpec{"8006", "8006", false, "N14 N4"},
    AiSpec{"8007", "8007", false, "X..34"},
    AiSpec{"8008", "8008", false, "N6 N2 [N2] [N2]"},
    AiSpec{"8009", "8009", false, "X..50"},
    AiSpec{"8010", "8010", false, "Y..30"},
    AiSpec{"8011", "8011", false, "N..12"},
    AiSpec{"8012", "8012", false, "X..20"},
    AiSpec{"8013", "8014", false, "X..25"},
    AiSpec{"8017", "8018", false, "N18"},
    AiSpec{"8019", "8019", false, "N..10"},
    AiSpec{"8020", "8020", false, "X..25"},
    AiSpec{"8026", "8026", false, "N14 N4"},
    AiSpec{"8030", "8030", false, "Z..90"},
    AiSpec{"8040", "8041", false, "N15"},
    AiSpec{"8042", "8042", false, "N32"},
    AiSpec{"8043", "8043", false, "N18 [N..2]"},
    AiSpec{"8110", "8110", false, "X..70"},
    AiSpec{"8111", "8111", false, "N4"},
    AiSpec{"8112", "8112", false, "X..70"},
    AiSpec{"8200", "8200", false, "X..70"},
    AiSpec{"90", "90", false, "X..30"},
    AiSpec{"91", "99", false, "X..90"},
};

// The measures 31nn-36nn: the third digit names the unit, the fourth the decimal places
// (0-5). Listing all 360 of them in the table would hide the rule.
constexpr AiSpec kMeasureSpec{"3100", "3695", true, "N6"};

bool isMeasureAi(std::string_view ai) {
    if (ai.size() != 4 || ai[0] != '3' || ai[3] < '0' || ai[3] > '5') {
        return false;
    }
    switch (ai[1]) {
        case '1':
            return ai[2] >= '0' && ai[2] <= '6';
        case '3':
        case '5':
            return ai[2] >= '0' && ai[2] <= '7';
        case '2':
        case '4':
        case '6':
            return isDigit(ai[2]);
        default:
            return false;
    }
}

// GS1 AIs form a prefix-free code, so at most one entry can match whatever follows.
const AiSpec* findAi(std::string_view ai) {
    if (!allDigits(ai)) {
        return nullptr;
    }
    if (isMeasureAi(ai)) {
        return &kMeasureSpec;
    }
    for (const AiSpec& spec : kAiTable) {
        if (spec.first.size() == ai.size() && spec.first <= ai && ai <= spec.last) {
            return &spec;
        }
    }
    return nullptr;
}

struct Component {
    Charset charset = Charset::Numeric;
    std::size_t minLength = 1;
    std::size_t maxLength = 1;
    bool optional = false;
};

// Reads the next component of a format string; false at the end.
bool nextComponent(std::string_view& format, Component& out) {
    while (!format.empty() && format.front() == ' ') {
        format.remove_prefix(1);
    }
    if (format.empty()) {
        return false;
    }
    std::size_t end = format.find(' ');
    std::string_view token = format.substr(0, end);
    format.remove_prefix(end == std::string_view::npos ? format.size() : end);

    out = Component{};
    if (token.size() >= 2 && token.front() == '[' && token.back() == ']') {
        out.optional = true;
        token = token.substr(1, token.size() - 2);
    }
    switch (token.empty() ? 'N' : token.front()) {
        case 'X':
            out.charset = Charset::Cset82;
            break;
        case 'Y':
            out.charset = Charset::Cset39;
            break;
        case 'Z':
            out.charset = Charset::Base64Url;
            break;
        default:
            out.charset = Charset::Numeric;
            break;
    }
    token.remove_prefix(std::min<std::size_t>(1, token.size()));
    bool variable = token.starts_with("..");
    if (variable) {
        token.remove_prefix(2);
    }
    std::size_t length = 0;
    for (char c : token) {
        length = length * 10 + static_cast<std::size_t>(c - '0');
    }
    out.maxLength = length;
    out.minLength = variable ? 1 : length;
    return true;
}

std::size_t predefinedLength(const AiSpec& spec) {
    std::string_view format = spec.format;
    Component component;
    std::size_t total = 0;
    while (nextComponent(format, component)) {
        total += component.maxLength;
    }
    return total;
}

bool inCharset(char c, Charset charset) {
    switch (charset) {
        case Charset::Numeric:
            return isDigit(c);
        case Charset::Cset82:
            return isAlnum(c) ||
                   std::string_view("!\"%&'()*+,-./:;<=>?_").find(c) != std::string_view::npos;
        case Charset::Cset39:
            return isDigit(c) || isUpper(c) || c == '#' || c == '-' || c == '/';
        case Charset::Base64Url:
            return isAlnum(c) || c == '-' || c == '_' || c == '=';
    }
    return false;
}

// Variable-length components only ever come last (or are followed by optional ones), so
// taking as much as each component allows is the one reading there is.
bool valueMatchesFormat(std::string_view value, std::string_view format) {
    Component component;
    while (nextComponent(format, component)) {
        if (value.empty() && component.optional) {
            continue;
        }
        std::size_t take = std::min(value.size(), component.maxLength);
        if (take < component.minLength) {
            return false;
        }
        for (char c : value.substr(0, take)) {
            if (!inCharset(c, component.charset)) {
                return false;
            }
        }
        value.remove_prefix(take);
    }
    return value.empty();
}

// YYMMDD where DD 00 means "end of the month", as GS1 allows for the dates 11 to 17.
bool isValidGs1Date(std::string_view yymmdd) {
    if (yymmdd.size() != 6 || !allDigits(yymmdd)) {
        return false;
    }
    int year = (yymmdd[0] - '0') * 10 + (yymmdd[1] - '0');
    int month = (yymmdd[2] - '0') * 10 + (yymmdd[3] - '0');
    int day = (yymmdd[4] - '0') * 10 + (yymmdd[5] - '0');
    constexpr std::array<int, 12> kDaysInMonth = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) {
        return false;
    }
    int maxDay = kDaysInMonth[static_cast<std::size_t>(month - 1)];
    if (month == 2 && year % 4 != 0) {
        maxDay = 28;
    }
    return day <= maxDay;
}

bool isDateAi(std::string_view ai) {
    return ai == "11" || ai == "12" || ai == "13" || ai == "15" || ai == "16" || ai == "17";
}

// The keys the station acts on; a wrong check digit there means a misprint or a misread,
// and guessing would ship the wrong thing. Other keys are carried as read.
bool isCheckedKeyAi(std::string_view ai) {
    return ai == "00" || ai == "01" || ai == "02" || ai == "03";
}

struct Gs1Result {
    std::vector<Gs1Element> elements;
    std::string_view error;
};

// Identifies the AI at the start of `data`: the shortest run of 2 to 4 digits that is a
// known AI.
const AiSpec* identifyAi(std::string_view data, std::size_t& aiLength) {
    for (std::size_t length = 2; length <= 4 && length <= data.size(); ++length) {
        if (const AiSpec* spec = findAi(data.substr(0, length))) {
            aiLength = length;
            return spec;
        }
    }
    return nullptr;
}

// The raw form a scanner sends: AIs back to back, GS after each variable-length value.
Gs1Result parseElementString(std::string_view data) {
    Gs1Result result;
    if (data.empty()) {
        result.error = kMalformedGs1;
        return result;
    }
    while (!data.empty()) {
        std::size_t aiLength = 0;
        const AiSpec* spec = identifyAi(data, aiLength);
        if (spec == nullptr) {
            result.error = kMalformedGs1;
            return result;
        }
        std::string_view ai = data.substr(0, aiLength);
        data.remove_prefix(aiLength);

        std::string_view value;
        if (spec->predefined) {
            std::size_t length = predefinedLength(*spec);
            if (data.size() < length) {
                result.error = kMalformedGs1;
                return result;
            }
            value = data.substr(0, length);
            data.remove_prefix(length);
            // Some printers put a GS after fixed-length fields too; it is redundant, not wrong.
            if (!data.empty() && isSeparator(data.front())) {
                data.remove_prefix(1);
            }
        } else {
            auto separator = std::find_if(data.begin(), data.end(), isSeparator);
            auto length = static_cast<std::size_t>(separator - data.begin());
            value = data.substr(0, length);
            data.remove_prefix(separator == data.end() ? length : length + 1);
        }
        if (!valueMatchesFormat(value, spec->format)) {
            result.error = kMalformedGs1;
            return result;
        }
        result.elements.push_back(Gs1Element{std::string(ai), std::string(value)});
    }
    return result;
}

// "(01)" at `pos`: an opening parenthesis, a known AI, a closing one.
std::size_t bracketedAiLength(std::string_view data, std::size_t pos) {
    if (pos >= data.size() || data[pos] != '(') {
        return 0;
    }
    for (std::size_t length = 2; length <= 4; ++length) {
        std::size_t close = pos + 1 + length;
        if (close < data.size() && data[close] == ')' &&
            findAi(data.substr(pos + 1, length)) != nullptr) {
            return length;
        }
    }
    return 0;
}

// The human-readable form "(01)04006381333931(10)ABC": every length is explicit, so a
// predefined-length value must have exactly its length.
Gs1Result parseBracketed(std::string_view data) {
    Gs1Result result;
    std::size_t pos = 0;
    while (pos < data.size()) {
        std::size_t aiLength = bracketedAiLength(data, pos);
        if (aiLength == 0) {
            result.error = kMalformedGs1;
            return result;
        }
        std::string_view ai = data.substr(pos + 1, aiLength);
        std::size_t valueStart = pos + aiLength + 2;
        std::size_t valueEnd = valueStart;
        while (valueEnd < data.size() && bracketedAiLength(data, valueEnd) == 0) {
            ++valueEnd;
        }
        std::string_view value = data.substr(valueStart, valueEnd - valueStart);
        const AiSpec* spec = findAi(ai);
        if (spec == nullptr || !valueMatchesFormat(value, spec->format)) {
            result.error = kMalformedGs1;
            return result;
        }
        result.elements.push_back(Gs1Element{std::string(ai), std::string(value)});
        pos = valueEnd;
    }
    if (result.elements.empty()) {
        result.error = kMalformedGs1;
    }
    return result;
}

// Rules that need the whole message: dates, check digits of the keys, and one value per AI.
void checkElements(Gs1Result& result) {
    if (!result.error.empty()) {
        return;
    }
    bool badCheckDigit = false;
    std::map<std::string_view, std::string_view> seen;
    for (const Gs1Element& element : result.elements) {
        if (isDateAi(element.ai) && !isValidGs1Date(element.value)) {
            result.error = kMalformedGs1;
            return;
        }
        // Two different GTINs (or batches) in one scan: no way to tell which one is meant.
        auto [it, inserted] = seen.emplace(element.ai, element.value);
        if (!inserted && it->second != element.value) {
            result.error = kMalformedGs1;
            return;
        }
        if (isCheckedKeyAi(element.ai) && !hasValidGs1CheckDigit(element.value)) {
            badCheckDigit = true;
        }
    }
    if (badCheckDigit) {
        result.error = kBadCheckDigit;
    }
}

// Placeholders some scanners send for the leading FNC1 instead of nothing. The textual ones
// are only believed when an AI digit (or the bracketed form) follows, so that a SKU such as
// "FNC1-CABLE" stays text.
bool stripLeadingFnc1(std::string_view& data) {
    if (!data.empty() && data.front() == kGroupSeparator) {
        data.remove_prefix(1);
        return true;
    }
    // 0xE8 also opens many UTF-8 characters (CJK text in a QR code), which never go on with
    // an ASCII digit.
    if (data.size() > 1 && data.front() == kFnc1Codeword && (isDigit(data[1]) || data[1] == '(')) {
        data.remove_prefix(1);
        return true;
    }
    for (std::string_view placeholder : {"<FNC1>", "{FNC1}", "[FNC1]", "FNC1"}) {
        if (data.size() > placeholder.size() && data.starts_with(placeholder) &&
            (isDigit(data[placeholder.size()]) || data[placeholder.size()] == '(')) {
            data.remove_prefix(placeholder.size());
            return true;
        }
    }
    return false;
}

Gs1Result parseGs1(std::string_view data) {
    Gs1Result result =
        bracketedAiLength(data, 0) != 0 ? parseBracketed(data) : parseElementString(data);
    checkElements(result);
    return result;
}

bool aimMeansGs1(std::string_view aim) {
    return aim == "]C1" || aim == "]e0" || aim == "]d2" || aim == "]Q3";
}

// Without an AIM prefix nothing says the data is GS1, so only the two openings that a
// product code or order number practically never has are taken as such.
bool looksLikeUnmarkedGs1(std::string_view text) {
    if (text.size() >= 16 && text.starts_with("01") && allDigits(text.substr(2, 14))) {
        return hasValidGs1CheckDigit(text.substr(2, 14));
    }
    if (text.size() >= 20 && text.starts_with("00") && allDigits(text.substr(2, 18))) {
        return hasValidGs1CheckDigit(text.substr(2, 18));
    }
    return false;
}

void fillFromElements(ParsedScan& scan, Gs1Result&& result) {
    scan.kind = ParsedScan::Kind::Gs1;
    if (!result.error.empty()) {
        // Nothing half-read reaches the order logic.
        scan.error = std::string(result.error);
        return;
    }
    scan.elements = std::move(result.elements);
    for (const Gs1Element& element : scan.elements) {
        if (element.ai == "01") {
            scan.gtin14 = element.value;
        } else if (element.ai == "00") {
            scan.sscc = element.value;
        } else if (element.ai == "10") {
            scan.batch = element.value;
        } else if (element.ai == "17") {
            scan.expiry = element.value;
        } else if (element.ai == "21") {
            scan.serial = element.value;
        }
    }
}

// UPC-E "0ddddddc" to its UPC-A "0..........c"; the check digit is the UPC-A one.
std::string expandUpcE(std::string_view upcE) {
    std::string_view d = upcE.substr(1, 6);
    std::string body;
    switch (d[5]) {
        case '0':
        case '1':
        case '2':
            body = std::string(d.substr(0, 2)) + d[5] + "0000" + std::string(d.substr(2, 3));
            break;
        case '3':
            body = std::string(d.substr(0, 3)) + "00000" + std::string(d.substr(3, 2));
            break;
        case '4':
            body = std::string(d.substr(0, 4)) + "00000" + d[4];
            break;
        default:
            body = std::string(d.substr(0, 5)) + "0000" + d[5];
            break;
    }
    return upcE[0] + body + upcE[7];
}

// The GTIN part of what the scanner sent, or empty when it is not a GTIN symbol.
std::string_view gtinDigits(std::string_view aim, std::string_view text, std::string& storage) {
    if (!allDigits(text)) {
        return {};
    }
    if (aim == "]E3") {
        // EAN/UPC with its 2- or 5-digit add-on (price, issue): the item is the main symbol.
        switch (text.size()) {
            case 15:
            case 18:
                return text.substr(0, 13);
            case 10:
            case 13:
                return text.substr(0, 8);
            default:
                return {};
        }
    }
    if (!aim.empty() && !aim.starts_with("]E") && aim != "]I1") {
        return {};
    }
    if (aim == "]E0" && text.size() == 8 && (text[0] == '0' || text[0] == '1')) {
        // ]E4 is EAN-8, so 8 digits under ]E0 are a UPC-E.
        storage = expandUpcE(text);
        return storage;
    }
    switch (text.size()) {
        case 8:
        case 12:
        case 13:
        case 14:
            return text;
        default:
            return {};
    }
}

}  // namespace

ParsedScan parseScan(std::string_view raw) {
    ParsedScan scan;
    while (!raw.empty() && (raw.back() == '\r' || raw.back() == '\n')) {
        raw.remove_suffix(1);
    }
    if (raw.size() >= 3 && raw[0] == ']' && (isUpper(raw[1]) || isLower(raw[1])) &&
        isAlnum(raw[2])) {
        scan.aim = std::string(raw.substr(0, 3));
        raw.remove_prefix(3);
    }
    scan.text = std::string(raw);

    std::string_view body = raw;
    bool leadingFnc1 = stripLeadingFnc1(body);
    if (aimMeansGs1(scan.aim) || leadingFnc1 || bracketedAiLength(body, 0) != 0) {
        fillFromElements(scan, parseGs1(body));
        return scan;
    }
    if (scan.aim.empty() && looksLikeUnmarkedGs1(raw)) {
        Gs1Result result = parseGs1(raw);
        // A guess that does not hold up is ordinary text, not a refused GS1 code.
        if (result.error.empty()) {
            fillFromElements(scan, std::move(result));
            return scan;
        }
    }

    std::string storage;
    std::string_view gtin = gtinDigits(scan.aim, raw, storage);
    if (!gtin.empty()) {
        scan.kind = ParsedScan::Kind::Gtin;
        if (auto gtin14 = toGtin14(gtin)) {
            scan.gtin14 = std::move(*gtin14);
        } else {
            scan.error = std::string(kBadCheckDigit);
        }
    }
    return scan;
}

char gs1CheckDigit(std::string_view digitsWithoutCheck) {
    if (!allDigits(digitsWithoutCheck)) {
        return '\0';
    }
    int sum = 0;
    int weight = 3;
    for (auto it = digitsWithoutCheck.rbegin(); it != digitsWithoutCheck.rend(); ++it) {
        sum = (sum + (*it - '0') * weight) % 10;
        weight = 4 - weight;
    }
    return static_cast<char>('0' + (10 - sum) % 10);
}

bool hasValidGs1CheckDigit(std::string_view digits) {
    if (digits.size() < 2 || !allDigits(digits)) {
        return false;
    }
    return gs1CheckDigit(digits.substr(0, digits.size() - 1)) == digits.back();
}

std::optional<std::string> toGtin14(std::string_view digits) {
    switch (digits.size()) {
        case 8:
        case 12:
        case 13:
        case 14:
            break;
        default:
            return std::nullopt;
    }
    if (!hasValidGs1CheckDigit(digits)) {
        return std::nullopt;
    }
    return std::string(14 - digits.size(), '0') + std::string(digits);
}

namespace {

// A GS1 company prefix is 4 to 12 digits; anything else cannot make a valid SSCC.
bool isCompanyPrefix(std::string_view prefix) {
    return prefix.size() >= 4 && prefix.size() <= 12 && allDigits(prefix);
}

}  // namespace

uint64_t maxSsccSerial(std::string_view companyPrefix) {
    if (!isCompanyPrefix(companyPrefix)) {
        return 0;
    }
    uint64_t limit = 1;
    for (std::size_t i = companyPrefix.size(); i < 16; ++i) {
        limit *= 10;
    }
    return limit - 1;
}

std::optional<std::string> makeSscc(int extensionDigit, std::string_view companyPrefix,
                                    uint64_t serial) {
    if (extensionDigit < 0 || extensionDigit > 9 || !isCompanyPrefix(companyPrefix) ||
        serial > maxSsccSerial(companyPrefix)) {
        return std::nullopt;
    }
    std::string serialDigits = std::to_string(serial);
    std::size_t serialWidth = 16 - companyPrefix.size();
    std::string sscc;
    sscc.reserve(18);
    sscc += static_cast<char>('0' + extensionDigit);
    sscc += companyPrefix;
    sscc.append(serialWidth - serialDigits.size(), '0');
    sscc += serialDigits;
    sscc += gs1CheckDigit(sscc);
    return sscc;
}

bool isValidUpuS10(std::string_view code) {
    if (code.size() != 13 || !isUpper(code[0]) || !isUpper(code[1]) || !isUpper(code[11]) ||
        !isUpper(code[12]) || !allDigits(code.substr(2, 9))) {
        return false;
    }
    constexpr std::array<int, 8> kWeights = {8, 6, 4, 2, 3, 5, 9, 7};
    int sum = 0;
    for (std::size_t i = 0; i < kWeights.size(); ++i) {
        sum += (code[2 + i] - '0') * kWeights[i];
    }
    int check = 11 - sum % 11;
    if (check == 10) {
        check = 0;
    } else if (check == 11) {
        check = 5;
    }
    return code[10] == static_cast<char>('0' + check);
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

std::string orderNumberFrom(const std::string& code) {
    return !code.empty() && code[0] == '#' ? code.substr(1) : code;
}

}  // namespace station
