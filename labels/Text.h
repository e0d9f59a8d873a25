// Text handling shared by every renderer: UTF-8 cleaning, widths from DejaVu Sans metrics,
// and fitting a value into a box by wrapping, then shrinking, then a visible ellipsis.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace labels {

// Points to millimetres: templates give font sizes in points, positions in millimetres.
constexpr double kMmPerPoint = 25.4 / 72.0;
// Distance between two lines of text, as a multiple of the font size.
constexpr double kLineSpacing = 1.2;

// Valid UTF-8 with no control characters: a control character (a newline inside a ZPL ^FD
// would print as data) becomes a space, an invalid byte becomes '?'. With `keepNewlines`,
// '\n' survives so that callers can separate the lines of an address.
std::string cleanText(std::string_view text, bool keepNewlines = false);

// The code points of valid UTF-8 (as returned by cleanText).
std::u32string toCodePoints(std::string_view utf8);
std::string toUtf8(char32_t codePoint);

// Width in millimetres of one line of text in DejaVu Sans (bold or book) at `sizePt`.
// Characters outside the table count as a wide letter, so an estimate errs towards fitting.
double textWidthMm(std::string_view utf8, double sizePt, bool bold);

struct FittedText {
    double sizePt = 0;
    std::vector<std::string> lines;
    bool cut = false;  // did not fit even at the minimum size: the last line ends with "…"
};

// Wraps `text` (paragraphs separated by '\n') into lines of at most `widthMm`, using the
// largest size from `sizePt` down to `minSizePt` at which it fits in `maxLines` lines. A
// word longer than a line is broken between characters. If nothing fits, the text is cut
// at the minimum size and the cut is marked with an ellipsis: never silently.
// With maxLines 0, a box `heightMm` high holds as many lines as fit at each size tried.
FittedText fitText(std::string_view text, double widthMm, int maxLines, double sizePt,
                   double minSizePt, bool bold, double heightMm = 0);

}  // namespace labels
