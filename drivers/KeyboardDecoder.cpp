#include "drivers/KeyboardDecoder.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace drivers {

namespace {

// HID usage page 0x07 keycodes that are not characters.
constexpr std::uint8_t kKeyEnter = 0x28;
constexpr std::uint8_t kKeyTab = 0x2B;
constexpr std::uint8_t kKeypadEnter = 0x58;
constexpr std::uint8_t kErrorRollOver = 0x01;
constexpr std::uint8_t kGroupSeparator = 0x1D;

struct Symbol {
    std::string_view text;
    bool dead = false;  // a dead key types nothing until the next key (^ then e gives ê)
};

struct KeyLevels {
    Symbol plain;
    Symbol shifted;
    Symbol altGr;
};

constexpr std::size_t kTableSize = 0x68;
using LayoutTable = std::array<KeyLevels, kTableSize>;

constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kDigits = "1234567890";  // keycodes 0x1E..0x27 in this order

Symbol dead(std::string_view text) {
    return {text, true};
}

void set(LayoutTable& t, std::uint8_t key, Symbol plain, Symbol shifted = {}, Symbol altGr = {}) {
    t[key] = {plain, shifted, altGr};
}

// What the US layout and the others share: letters in QWERTY order, space and Tab.
LayoutTable latinBase() {
    LayoutTable t{};
    for (std::uint8_t i = 0; i < 26; ++i) {
        set(t, static_cast<std::uint8_t>(0x04 + i), {kLower.substr(i, 1)}, {kUpper.substr(i, 1)});
    }
    set(t, 0x2C, {" "}, {" "});
    set(t, kKeyTab, {"\t"}, {"\t"});
    return t;
}

void setDigitRow(LayoutTable& t, const std::array<std::string_view, 10>& plain,
                 const std::array<std::string_view, 10>& shifted) {
    for (std::uint8_t i = 0; i < 10; ++i) {
        t[0x1E + i].plain = {plain[i]};
        t[0x1E + i].shifted = {shifted[i]};
    }
}

std::array<std::string_view, 10> digitTexts() {
    std::array<std::string_view, 10> digits{};
    for (std::size_t i = 0; i < 10; ++i) {
        digits[i] = kDigits.substr(i, 1);
    }
    return digits;
}

LayoutTable usLayout() {
    LayoutTable t = latinBase();
    setDigitRow(t, digitTexts(), {"!", "@", "#", "$", "%", "^", "&", "*", "(", ")"});
    set(t, 0x2D, {"-"}, {"_"});
    set(t, 0x2E, {"="}, {"+"});
    set(t, 0x2F, {"["}, {"{"});
    set(t, 0x30, {"]"}, {"}"});
    set(t, 0x31, {"\\"}, {"|"});
    set(t, 0x32, {"\\"}, {"|"});
    set(t, 0x33, {";"}, {":"});
    set(t, 0x34, {"'"}, {"\""});
    set(t, 0x35, {"`"}, {"~"});
    set(t, 0x36, {","}, {"<"});
    set(t, 0x37, {"."}, {">"});
    set(t, 0x38, {"/"}, {"?"});
    set(t, 0x64, {"<"}, {">"});
    return t;
}

LayoutTable ukLayout() {
    LayoutTable t = usLayout();
    setDigitRow(t, digitTexts(), {"!", "\"", "£", "$", "%", "^", "&", "*", "(", ")"});
    t[0x21].altGr = {"€"};
    set(t, 0x31, {"#"}, {"~"});
    set(t, 0x32, {"#"}, {"~"});
    set(t, 0x34, {"'"}, {"@"});
    set(t, 0x35, {"`"}, {"¬"});
    set(t, 0x64, {"\\"}, {"|"});
    return t;
}

LayoutTable deLayout() {
    LayoutTable t = latinBase();
    set(t, 0x1C, {"z"}, {"Z"});
    set(t, 0x1D, {"y"}, {"Y"});
    setDigitRow(t, digitTexts(), {"!", "\"", "§", "$", "%", "&", "/", "(", ")", "="});
    t[0x1F].altGr = {"²"};
    t[0x20].altGr = {"³"};
    t[0x24].altGr = {"{"};
    t[0x25].altGr = {"["};
    t[0x26].altGr = {"]"};
    t[0x27].altGr = {"}"};
    t[0x14].altGr = {"@"};
    t[0x08].altGr = {"€"};
    t[0x10].altGr = {"µ"};
    set(t, 0x2D, {"ß"}, {"?"}, {"\\"});
    set(t, 0x2E, dead("´"), dead("`"));
    set(t, 0x2F, {"ü"}, {"Ü"});
    set(t, 0x30, {"+"}, {"*"}, {"~"});
    set(t, 0x31, {"#"}, {"'"});
    set(t, 0x32, {"#"}, {"'"});
    set(t, 0x33, {"ö"}, {"Ö"});
    set(t, 0x34, {"ä"}, {"Ä"});
    set(t, 0x35, dead("^"), {"°"});
    set(t, 0x36, {","}, {";"});
    set(t, 0x37, {"."}, {":"});
    set(t, 0x38, {"-"}, {"_"});
    set(t, 0x64, {"<"}, {">"}, {"|"});
    return t;
}

LayoutTable frLayout() {
    LayoutTable t = latinBase();
    set(t, 0x04, {"q"}, {"Q"});
    set(t, 0x14, {"a"}, {"A"});
    set(t, 0x1A, {"z"}, {"Z"});
    set(t, 0x1D, {"w"}, {"W"});
    set(t, 0x33, {"m"}, {"M"});
    set(t, 0x10, {","}, {"?"});
    // The digit row types symbols; the digits need Shift.
    setDigitRow(t, {"&", "é", "\"", "'", "(", "-", "è", "_", "ç", "à"}, digitTexts());
    const std::array<std::string_view, 10> altGr = {"",  "~", "#",  "{", "[",
                                                    "|", "`", "\\", "^", "@"};
    for (std::uint8_t i = 0; i < 10; ++i) {
        t[0x1E + i].altGr = {altGr[i]};
    }
    t[0x08].altGr = {"€"};
    set(t, 0x2D, {")"}, {"°"}, {"]"});
    set(t, 0x2E, {"="}, {"+"}, {"}"});
    set(t, 0x2F, dead("^"), dead("¨"));
    set(t, 0x30, {"$"}, {"£"}, {"¤"});
    set(t, 0x31, {"*"}, {"µ"});
    set(t, 0x32, {"*"}, {"µ"});
    set(t, 0x34, {"ù"}, {"%"});
    set(t, 0x35, {"²"});
    set(t, 0x36, {";"}, {"."});
    set(t, 0x37, {":"}, {"/"});
    set(t, 0x38, {"!"}, {"§"});
    set(t, 0x64, {"<"}, {">"});
    return t;
}

const LayoutTable& tableFor(KeyboardLayout layout) {
    static const LayoutTable us = usLayout();
    static const LayoutTable uk = ukLayout();
    static const LayoutTable de = deLayout();
    static const LayoutTable fr = frLayout();
    switch (layout) {
        case KeyboardLayout::Uk:
            return uk;
        case KeyboardLayout::De:
            return de;
        case KeyboardLayout::Fr:
            return fr;
        case KeyboardLayout::Us:
            break;
    }
    return us;
}

// The keypad types the same under every layout (scanners that use it assume NumLock on).
std::string_view keypadText(std::uint8_t key) {
    static constexpr std::string_view kKeypad = "/*-+?1234567890.";  // 0x54..0x63, 0x58 is Enter
    if (key < 0x54 || key > 0x63 || key == kKeypadEnter) {
        return {};
    }
    return kKeypad.substr(key - 0x54, 1);
}

int keypadDigit(std::uint8_t key) {
    if (key >= 0x59 && key <= 0x61) {
        return key - 0x59 + 1;
    }
    return key == 0x62 ? 0 : -1;
}

void appendCodePoint(std::string& out, unsigned code) {
    if (code < 0x80) {
        out.push_back(static_cast<char>(code));
    } else {
        out.push_back(static_cast<char>(0xC0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
}

// Ctrl+key types a control character; GS (Ctrl+]) is how many scanners send the GS1 separator.
// On AZERTY and QWERTZ "]" needs AltGr, so the AltGr symbol of the key is tried as well.
int controlCharacter(const KeyLevels& levels) {
    auto controlOf = [](std::string_view text) -> int {
        if (text.size() != 1) {
            return -1;
        }
        const char c = text[0];
        if ((c >= '@' && c <= '_') || (c >= 'a' && c <= 'z')) {
            return c & 0x1F;
        }
        return -1;
    };
    if (int c = controlOf(levels.plain.text); c >= 0) {
        return c;
    }
    return controlOf(levels.altGr.text);
}

struct CharacterCounts {
    std::size_t impossible = 0;  // no barcode read through a keyboard contains these
    std::size_t alnum = 0;
    std::size_t symbols = 0;  // punctuation and space
    bool aimPrefix = false;   // starts like "]E0"
};

bool isAlpha(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// Barcodes typed by a wedge scanner are printable ASCII plus GS: anything else (an accented
// letter, a Tab, a key with no character) means the keys were decoded with the wrong layout.
CharacterCounts countCharacters(const DecodedKeys& decoded) {
    CharacterCounts counts;
    counts.impossible = decoded.unmapped;
    const std::string& text = decoded.text;
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x80) {
            if ((c & 0xC0) != 0x80) {
                ++counts.impossible;  // count each UTF-8 sequence once, by its lead byte
            }
        } else if (c == kGroupSeparator) {
            continue;
        } else if (c < 0x20 || c == 0x7F) {
            ++counts.impossible;
        } else if (isAlpha(ch) || isDigit(ch)) {
            ++counts.alnum;
        } else {
            ++counts.symbols;
        }
    }
    counts.aimPrefix = text.size() > 3 && text[0] == ']' && isAlpha(text[1]) &&
                       (isAlpha(text[2]) || isDigit(text[2]));
    return counts;
}

// Would `other` read the scan more sensibly than the configured layout did?
bool readsBetter(const CharacterCounts& other, const CharacterCounts& configured) {
    if (other.impossible > 0) {
        return false;
    }
    if (configured.impossible > 0) {
        return true;
    }
    if (other.aimPrefix && !configured.aimPrefix) {
        return true;
    }
    if (configured.alnum == 0 && other.alnum > 0) {
        return true;
    }
    // "A3B4" typed by a US scanner reads `Q"B'` on AZERTY: the other layout explains every
    // character as a letter or digit where ours needs symbols.
    return other.symbols == 0 && configured.symbols > 0 && other.alnum > configured.alnum;
}

// Orders candidate layouts: an AIM prefix first, then more letters and digits, then fewer symbols.
bool ranksAbove(const CharacterCounts& a, const CharacterCounts& b) {
    if (a.aimPrefix != b.aimPrefix) {
        return a.aimPrefix;
    }
    if (a.alnum != b.alnum) {
        return a.alnum > b.alnum;
    }
    return a.symbols < b.symbols;
}

bool ranksEqual(const CharacterCounts& a, const CharacterCounts& b) {
    return !ranksAbove(a, b) && !ranksAbove(b, a);
}

// Shows a code in a message: control characters as <GS>, <TAB> or \xNN.
std::string printable(std::string_view text) {
    std::string out;
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == kGroupSeparator) {
            out += "<GS>";
        } else if (c == '\t') {
            out += "<TAB>";
        } else if (c < 0x20 || c == 0x7F) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", c);
            out += hex;
        } else {
            out.push_back(ch);
        }
    }
    return out;
}

}  // namespace

std::string_view toString(KeyboardLayout layout) {
    switch (layout) {
        case KeyboardLayout::Us:
            return "us";
        case KeyboardLayout::Fr:
            return "fr";
        case KeyboardLayout::De:
            return "de";
        case KeyboardLayout::Uk:
            return "uk";
    }
    return "unknown";
}

std::optional<KeyboardLayout> keyboardLayoutFrom(std::string_view name) {
    for (KeyboardLayout layout : kAllKeyboardLayouts) {
        if (toString(layout) == name) {
            return layout;
        }
    }
    return std::nullopt;
}

DecodedKeys decodeKeyPresses(KeyboardLayout layout, std::span<const KeyPress> presses) {
    const LayoutTable& table = tableFor(layout);
    DecodedKeys out;
    Symbol pendingDead;
    int altCode = -1;  // digits typed on the keypad while Alt is held, -1 when none

    for (const KeyPress& press : presses) {
        const std::uint8_t key = press.keycode;
        if (key == 0) {  // Alt released: the Alt+keypad code is complete
            if (altCode > 0 && altCode <= 0xFF) {
                appendCodePoint(out.text, static_cast<unsigned>(altCode));
            } else if (altCode >= 0) {
                ++out.unmapped;
            }
            altCode = -1;
            continue;
        }
        const bool ctrl = (press.modifiers & (kLeftCtrl | kRightCtrl)) != 0;
        const bool shift = (press.modifiers & (kLeftShift | kRightShift)) != 0;
        const bool leftAlt = (press.modifiers & kLeftAlt) != 0;
        // Windows types AltGr as Ctrl+Alt, and some scanners copy that.
        const bool altGr = (press.modifiers & kRightAlt) != 0 || (ctrl && leftAlt);

        if (const int digit = keypadDigit(key); digit >= 0 && leftAlt && !ctrl) {
            altCode = std::max(altCode, 0);
            altCode = std::min(altCode * 10 + digit, 0x10000);
            continue;
        }
        if (ctrl && !altGr && !leftAlt) {
            const int control = key < kTableSize ? controlCharacter(table[key]) : -1;
            if (control >= 0) {
                out.text.push_back(static_cast<char>(control));
            } else {
                ++out.unmapped;
            }
            continue;
        }
        if (leftAlt && !altGr) {
            ++out.unmapped;  // a menu shortcut, not a character
            continue;
        }

        Symbol symbol;
        if (std::string_view keypad = keypadText(key); !keypad.empty()) {
            symbol = {keypad};
        } else if (key < kTableSize) {
            const KeyLevels& levels = table[key];
            symbol = altGr ? levels.altGr : (shift ? levels.shifted : levels.plain);
        }
        if (symbol.text.empty()) {
            ++out.unmapped;
            continue;
        }
        if (!pendingDead.text.empty()) {
            // Dead key then space types the accent itself; before anything else it would compose
            // an accented letter, which no barcode holds: keep both for the log, count it as
            // unmapped.
            out.text += pendingDead.text;
            const bool space = symbol.text == " ";
            pendingDead = {};
            if (space) {
                continue;
            }
            ++out.unmapped;
        }
        if (symbol.dead) {
            pendingDead = symbol;
            continue;
        }
        out.text += symbol.text;
    }
    if (!pendingDead.text.empty()) {
        out.text += pendingDead.text;
        ++out.unmapped;
    }
    return out;
}

KeyboardScan checkKeyboardScan(std::string_view scannerName, KeyboardLayout configured,
                               std::span<const KeyPress> presses) {
    KeyboardScan scan;
    const DecodedKeys mine = decodeKeyPresses(configured, presses);
    scan.code = mine.text;
    const CharacterCounts myCounts = countCharacters(mine);

    struct Candidate {
        KeyboardLayout layout;
        std::string text;
        CharacterCounts counts;
    };
    std::vector<Candidate> better;
    for (KeyboardLayout layout : kAllKeyboardLayouts) {
        if (layout == configured) {
            continue;
        }
        DecodedKeys decoded = decodeKeyPresses(layout, presses);
        const CharacterCounts counts = countCharacters(decoded);
        if (readsBetter(counts, myCounts)) {
            better.push_back({layout, std::move(decoded.text), counts});
        }
    }

    const std::string prefix = "scanner " + std::string(scannerName);
    const std::string configName(toString(configured));
    if (better.empty()) {
        if (myCounts.impossible == 0) {
            return scan;
        }
        if (mine.unmapped == 0 && mine.text.find('\t') != std::string::npos) {
            scan.problem = prefix + " sent a Tab inside a code (\"" + printable(mine.text) +
                           "\"): it seems to end codes with Tab, the configuration with Enter";
            return scan;
        }
        scan.problem = prefix + " sent keys that make no barcode under keyboard layout " +
                       configName + " nor any other known layout (read as \"" +
                       printable(mine.text) + "\")";
        return scan;
    }

    // kAllKeyboardLayouts lists us first, so among layouts that read alike us is named.
    std::stable_sort(better.begin(), better.end(), [](const Candidate& a, const Candidate& b) {
        return ranksAbove(a.counts, b.counts);
    });
    const Candidate& best = better.front();
    std::string alike;
    for (std::size_t i = 1; i < better.size(); ++i) {
        if (ranksEqual(better[i].counts, best.counts) && better[i].text == best.text) {
            alike += (alike.empty() ? "" : ", ") + std::string(toString(better[i].layout));
        }
    }
    scan.likelyLayout = best.layout;
    scan.likelyCode = best.text;
    scan.problem = prefix + " seems to use keyboard layout " + std::string(toString(best.layout)) +
                   (alike.empty() ? "" : " (or " + alike + ")") + ", config says " + configName +
                   ": read as \"" + printable(mine.text) + "\" with " + configName + ", \"" +
                   printable(best.text) + "\" with " + std::string(toString(best.layout));
    return scan;
}

KeyboardDecoder::KeyboardDecoder(std::string scannerName, KeyboardLayout layout,
                                 ScanTerminator terminator)
    : scannerName_(std::move(scannerName)), layout_(layout), terminator_(terminator) {}

void KeyboardDecoder::reset() {
    line_.clear();
    overlong_ = false;
    std::fill(std::begin(heldKeys_), std::end(heldKeys_), 0);
    heldModifiers_ = 0;
}

std::vector<KeyboardScan> KeyboardDecoder::feed(std::span<const std::uint8_t> report) {
    std::vector<KeyboardScan> scans;
    if (report.size() != 8) {
        ++malformedReports_;
        return scans;
    }
    const std::span<const std::uint8_t> keys = report.subspan(2, 6);
    // Too many keys at once: the keyboard cannot say which, and the held set is unchanged.
    if (std::all_of(keys.begin(), keys.end(), [](std::uint8_t k) { return k == kErrorRollOver; })) {
        return scans;
    }
    const std::uint8_t modifiers = report[0];
    if ((heldModifiers_ & kLeftAlt) != 0 && (modifiers & kLeftAlt) == 0) {
        line_.push_back({modifiers, 0});
    }
    heldModifiers_ = modifiers;

    for (std::uint8_t key : keys) {
        if (key == 0 || key == kErrorRollOver) {
            continue;
        }
        if (std::find(std::begin(heldKeys_), std::end(heldKeys_), key) != std::end(heldKeys_)) {
            continue;  // still held from the previous report: not a new press
        }
        const bool ends = key == kKeyEnter || key == kKeypadEnter ||
                          (key == kKeyTab && terminator_ == ScanTerminator::EnterOrTab);
        if (ends) {
            // An Enter with nothing before it (or only an Alt release) is no scan.
            if (KeyboardScan scan = finishLine(); !scan.code.empty() || !scan.problem.empty()) {
                scans.push_back(std::move(scan));
            }
            continue;
        }
        if (line_.size() >= kMaxKeysPerScan) {
            overlong_ = true;
            line_.clear();
        }
        if (!overlong_) {
            line_.push_back({modifiers, key});
        }
    }
    std::copy(keys.begin(), keys.end(), std::begin(heldKeys_));
    return scans;
}

KeyboardScan KeyboardDecoder::finishLine() {
    KeyboardScan scan;
    if (overlong_) {
        scan.problem = "scanner " + scannerName_ + " sent more than " +
                       std::to_string(kMaxKeysPerScan) +
                       " keys without Enter: dropped (does it end codes with Enter?)";
    } else {
        scan = checkKeyboardScan(scannerName_, layout_, line_);
    }
    line_.clear();
    overlong_ = false;
    return scan;
}

}  // namespace drivers
