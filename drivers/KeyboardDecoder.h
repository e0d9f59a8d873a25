// Turns HID boot keyboard reports from a keyboard-wedge scanner into scanned codes.
// Knows the us, fr (AZERTY), de (QWERTZ) and uk layouts and says when a scan reads wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace drivers {

// The keyboard layout a wedge scanner emulates: it decides which keys the scanner presses for
// each character, so it must match the one we decode with.
enum class KeyboardLayout { Us, Fr, De, Uk };

inline constexpr KeyboardLayout kAllKeyboardLayouts[] = {KeyboardLayout::Us, KeyboardLayout::Uk,
                                                         KeyboardLayout::De, KeyboardLayout::Fr};

std::string_view toString(KeyboardLayout layout);  // "us", "fr", "de", "uk"
std::optional<KeyboardLayout> keyboardLayoutFrom(std::string_view name);

// HID modifier bits of byte 0 of a boot report.
inline constexpr std::uint8_t kLeftCtrl = 0x01;
inline constexpr std::uint8_t kLeftShift = 0x02;
inline constexpr std::uint8_t kLeftAlt = 0x04;
inline constexpr std::uint8_t kRightCtrl = 0x10;
inline constexpr std::uint8_t kRightShift = 0x20;
inline constexpr std::uint8_t kRightAlt = 0x40;  // AltGr on the European layouts

// One key going down, with the modifiers held at that moment. A keycode of 0 records the
// release of Alt, which ends an Alt+keypad character code ("Alt 0 2 9" for GS).
struct KeyPress {
    std::uint8_t modifiers = 0;
    std::uint8_t keycode = 0;
};

// What a sequence of key presses reads as under one layout.
struct DecodedKeys {
    std::string text;          // UTF-8
    std::size_t unmapped = 0;  // keys that type nothing under this layout (F-keys, a lone dead key)
};
DecodedKeys decodeKeyPresses(KeyboardLayout layout, std::span<const KeyPress> presses);

struct KeyboardScan {
    std::string code;  // decoded with the configured layout, terminator excluded
    // Empty when the code can be trusted. Otherwise a sentence for the person at the bench:
    // the scan must not be used as it is ("scanner X seems to use keyboard layout us, config
    // says fr"). The code is still there for the log.
    std::string problem;
    std::optional<KeyboardLayout> likelyLayout;  // set when another layout reads it sensibly
    std::string likelyCode;                      // the code decoded with likelyLayout
};

enum class ScanTerminator { Enter, EnterOrTab };

// Accumulates key presses into a line until Enter (or Tab). A key counts once, when it first
// appears in a report; keys still held in the next report (rollover) are not typed again.
class KeyboardDecoder {
  public:
    KeyboardDecoder(std::string scannerName, KeyboardLayout layout,
                    ScanTerminator terminator = ScanTerminator::Enter);

    // Feeds one 8-byte boot report [modifiers, reserved, key1..key6]. Returns the scans it
    // completed: usually none, one when it held the terminator. A report of another length is
    // counted in malformedReports() and otherwise ignored.
    std::vector<KeyboardScan> feed(std::span<const std::uint8_t> report);
    // Forgets a half-typed line and the held keys (after a reconnect).
    void reset();

    KeyboardLayout layout() const { return layout_; }
    std::size_t malformedReports() const { return malformedReports_; }

    // Longer than any code a scanner produces (a QR code holds at most ~7000 digits, and a
    // wedge scanner types far less): past it, the line is dropped and reported.
    static constexpr std::size_t kMaxKeysPerScan = 8192;

  private:
    KeyboardScan finishLine();

    std::string scannerName_;
    KeyboardLayout layout_;
    ScanTerminator terminator_;
    std::vector<KeyPress> line_;
    bool overlong_ = false;
    std::uint8_t heldKeys_[6] = {};
    std::uint8_t heldModifiers_ = 0;
    std::size_t malformedReports_ = 0;
};

// The layout check on its own: given the key presses of one scan, decodes them under every
// layout and fills code, problem and likelyLayout as KeyboardDecoder does.
KeyboardScan checkKeyboardScan(std::string_view scannerName, KeyboardLayout configured,
                               std::span<const KeyPress> presses);

}  // namespace drivers
