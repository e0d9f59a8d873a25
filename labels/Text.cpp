#include "labels/Text.h"

#include <algorithm>
#include <cstdint>
#include <span>

namespace labels {

namespace {

struct WidthEntry {
    char32_t codePoint;
    std::uint16_t width;
};

// Advance widths in thousandths of an em, U+0020 to U+024F, read from DejaVuSans.ttf and
// DejaVuSans-Bold.ttf (fonts-dejavu-core 2.37), the fonts of the PNG preview and the PDF
// fallback. A zero is a character the font lacks.
constexpr std::uint16_t kRegularWidths[] = {
    318,  401,  460, 838, 636, 950, 780,  275,  390,  390, 500, 838,  318,  361,  318,  337,  636,
    636,  636,  636, 636, 636, 636, 636,  636,  636,  337, 337, 838,  838,  838,  531,  1000, 684,
    686,  698,  770, 632, 575, 775, 752,  295,  295,  656, 557, 863,  748,  787,  603,  787,  695,
    635,  611,  732, 684, 989, 685, 611,  685,  390,  337, 390, 838,  500,  500,  613,  635,  550,
    635,  615,  352, 635, 634, 278, 278,  579,  278,  974, 634, 612,  635,  635,  411,  521,  392,
    634,  592,  818, 592, 592, 525, 636,  337,  636,  838, 0,   0,    0,    0,    0,    0,    0,
    0,    0,    0,   0,   0,   0,   0,    0,    0,    0,   0,   0,    0,    0,    0,    0,    0,
    0,    0,    0,   0,   0,   0,   0,    0,    0,    318, 401, 636,  636,  636,  636,  337,  500,
    500,  1000, 471, 612, 838, 361, 1000, 500,  500,  838, 401, 401,  500,  636,  636,  318,  500,
    401,  471,  612, 969, 969, 969, 531,  684,  684,  684, 684, 684,  684,  974,  698,  632,  632,
    632,  632,  295, 295, 295, 295, 775,  748,  787,  787, 787, 787,  787,  838,  787,  732,  732,
    732,  732,  611, 605, 630, 613, 613,  613,  613,  613, 613, 982,  550,  615,  615,  615,  615,
    278,  278,  278, 278, 612, 634, 612,  612,  612,  612, 612, 838,  612,  634,  634,  634,  634,
    592,  635,  592, 684, 613, 684, 613,  684,  613,  698, 550, 698,  550,  698,  550,  698,  550,
    770,  635,  775, 635, 632, 615, 632,  615,  632,  615, 632, 615,  632,  615,  775,  635,  775,
    635,  775,  635, 775, 635, 752, 634,  916,  695,  295, 278, 295,  278,  295,  278,  295,  278,
    295,  278,  590, 556, 295, 278, 656,  579,  579,  557, 278, 557,  278,  557,  375,  557,  342,
    562,  284,  748, 634, 748, 634, 748,  634,  813,  748, 634, 787,  612,  787,  612,  787,  612,
    1070, 1023, 695, 411, 695, 411, 695,  411,  635,  521, 635, 521,  635,  521,  635,  521,  611,
    392,  611,  392, 611, 392, 732, 634,  732,  634,  732, 634, 732,  634,  732,  634,  732,  634,
    989,  818,  611, 592, 611, 685, 525,  685,  525,  685, 525, 352,  635,  735,  686,  635,  686,
    635,  703,  698, 550, 775, 819, 686,  635,  612,  632, 787, 614,  575,  352,  775,  687,  984,
    354,  295,  746, 579, 278, 592, 974,  748,  634,  787, 913, 612,  949,  759,  652,  635,  695,
    635,  521,  632, 336, 392, 611, 392,  611,  858,  634, 764, 721,  744,  730,  685,  525,  666,
    666,  578,  525, 636, 666, 578, 510,  635,  295,  492, 459, 295,  1422, 1299, 1154, 835,  787,
    457,  931,  924, 797, 684, 613, 295,  278,  787,  612, 732, 634,  732,  634,  732,  634,  732,
    634,  732,  634, 615, 684, 613, 684,  613,  974,  982, 775, 635,  775,  635,  656,  579,  787,
    612,  787,  612, 666, 578, 278, 1422, 1299, 1154, 775, 635, 1113, 682,  748,  634,  684,  613,
    974,  982,  787, 612, 684, 613, 684,  613,  632,  615, 632, 615,  295,  278,  295,  278,  787,
    612,  787,  612, 695, 411, 695, 411,  732,  634,  732, 634, 635,  521,  611,  392,  627,  521,
    752,  634,  735, 838, 698, 610, 685,  525,  684,  613, 632, 615,  787,  612,  787,  612,  787,
    612,  787,  612, 611, 592, 475, 843,  477,  278,  998, 998, 684,  698,  550,  557,  611,  521,
    525,  603,  479, 686, 732, 684, 632,  615,  295,  278, 781, 635,  695,  411,  611,  592,
};
constexpr std::uint16_t kBoldWidths[] = {
    348,  456,  521,  838,  696,  1002, 872,  306,  457,  457,  523,  838,  380,  415,  380,  365,
    696,  696,  696,  696,  696,  696,  696,  696,  696,  696,  400,  400,  838,  838,  838,  580,
    1000, 774,  762,  734,  830,  683,  683,  821,  837,  372,  372,  775,  637,  995,  837,  850,
    733,  850,  770,  720,  682,  812,  774,  1103, 771,  724,  725,  457,  365,  457,  838,  500,
    500,  675,  716,  593,  716,  678,  435,  716,  712,  343,  343,  665,  343,  1042, 712,  687,
    716,  716,  493,  595,  478,  712,  652,  924,  645,  652,  582,  712,  365,  712,  838,  0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    348,  456,  696,  696,  636,  696,  365,  500,  500,  1000, 564,  646,  838,  415,  1000, 500,
    500,  838,  438,  438,  500,  736,  636,  380,  500,  438,  564,  646,  1035, 1035, 1035, 580,
    774,  774,  774,  774,  774,  774,  1085, 734,  683,  683,  683,  683,  372,  372,  372,  372,
    838,  837,  850,  850,  850,  850,  850,  838,  850,  812,  812,  812,  812,  724,  738,  719,
    675,  675,  675,  675,  675,  675,  1048, 593,  678,  678,  678,  678,  343,  343,  343,  343,
    687,  712,  687,  687,  687,  687,  687,  838,  687,  712,  712,  712,  712,  652,  716,  652,
    774,  675,  774,  675,  774,  675,  734,  593,  734,  593,  734,  593,  734,  593,  830,  716,
    838,  716,  683,  678,  683,  678,  683,  678,  683,  678,  683,  678,  821,  716,  821,  716,
    821,  716,  821,  716,  837,  712,  974,  790,  372,  343,  372,  343,  372,  343,  372,  343,
    372,  343,  744,  686,  372,  343,  775,  665,  665,  637,  343,  637,  343,  637,  479,  637,
    557,  642,  371,  837,  712,  837,  712,  837,  712,  983,  837,  712,  850,  687,  850,  687,
    850,  687,  1167, 1094, 770,  493,  770,  493,  770,  493,  720,  595,  720,  595,  720,  595,
    720,  595,  682,  478,  682,  478,  682,  478,  812,  712,  812,  712,  812,  712,  812,  712,
    812,  712,  812,  712,  1103, 924,  724,  652,  724,  725,  582,  725,  582,  725,  582,  435,
    716,  811,  762,  716,  762,  716,  734,  734,  593,  838,  879,  757,  716,  688,  683,  849,
    696,  683,  435,  821,  793,  1045, 436,  389,  775,  665,  360,  592,  1042, 837,  712,  850,
    874,  687,  1083, 912,  782,  716,  770,  720,  595,  683,  552,  478,  707,  478,  682,  835,
    712,  850,  813,  797,  778,  725,  582,  772,  772,  641,  582,  696,  772,  641,  573,  716,
    372,  659,  544,  372,  1555, 1412, 1298, 1009, 980,  686,  1209, 1180, 1055, 774,  675,  372,
    343,  850,  687,  812,  712,  812,  712,  812,  712,  812,  712,  812,  712,  678,  774,  675,
    774,  675,  1085, 1048, 821,  716,  821,  716,  775,  665,  850,  687,  850,  687,  772,  582,
    343,  1555, 1412, 1298, 821,  716,  1289, 787,  837,  712,  774,  675,  1085, 1048, 850,  687,
    774,  675,  774,  675,  683,  678,  683,  678,  372,  343,  372,  343,  850,  687,  850,  687,
    770,  493,  770,  493,  812,  712,  812,  712,  720,  595,  682,  478,  690,  607,  837,  712,
    837,  865,  809,  659,  725,  582,  774,  675,  683,  678,  850,  687,  850,  687,  850,  687,
    850,  687,  724,  652,  492,  867,  512,  343,  1088, 1088, 774,  734,  593,  637,  682,  595,
    582,  782,  614,  762,  812,  774,  683,  678,  372,  343,  860,  791,  770,  493,  724,  652,
};
constexpr WidthEntry kRegularExtra[] = {{0x2013, 500}, {0x2014, 1000}, {0x2018, 318},
                                        {0x2019, 318}, {0x201C, 518},  {0x201D, 518},
                                        {0x2022, 590}, {0x2026, 1000}, {0x20AC, 636}};
constexpr WidthEntry kBoldExtra[] = {{0x2013, 500}, {0x2014, 1000}, {0x2018, 380},
                                     {0x2019, 380}, {0x201C, 657},  {0x201D, 657},
                                     {0x2022, 639}, {0x2026, 1000}, {0x20AC, 696}};

constexpr std::uint16_t kUnknownWidth = 1000;  // wider than any Latin letter: errs on the safe side

std::uint16_t advance(char32_t c, bool bold) {
    if (c >= 0x20 && c < 0x250) {
        const std::uint16_t w = (bold ? kBoldWidths : kRegularWidths)[c - 0x20];
        return w != 0 ? w : kUnknownWidth;
    }
    for (const WidthEntry& e : bold ? std::span<const WidthEntry>(kBoldExtra)
                                    : std::span<const WidthEntry>(kRegularExtra)) {
        if (e.codePoint == c) {
            return e.width;
        }
    }
    return kUnknownWidth;
}

double widthMm(std::u32string_view text, double sizePt, bool bold) {
    long total = 0;
    for (char32_t c : text) {
        total += advance(c, bold);
    }
    return static_cast<double>(total) / 1000.0 * sizePt * kMmPerPoint;
}

void appendUtf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        const char bytes[] = {static_cast<char>(0xC0 | (c >> 6)),
                              static_cast<char>(0x80 | (c & 0x3F))};
        out.append(bytes, 2);
    } else if (c < 0x10000) {
        const char bytes[] = {static_cast<char>(0xE0 | (c >> 12)),
                              static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                              static_cast<char>(0x80 | (c & 0x3F))};
        out.append(bytes, 3);
    } else {
        const char bytes[] = {
            static_cast<char>(0xF0 | (c >> 18)), static_cast<char>(0x80 | ((c >> 12) & 0x3F)),
            static_cast<char>(0x80 | ((c >> 6) & 0x3F)), static_cast<char>(0x80 | (c & 0x3F))};
        out.append(bytes, 4);
    }
}

std::string joinUtf8(std::u32string_view text) {
    std::string out;
    for (char32_t c : text) {
        appendUtf8(out, c);
    }
    return out;
}

// Decodes the UTF-8 sequence at text[i]: its code point and length, or length 0 for a byte
// that starts no valid character (a stray continuation byte, a truncated or overlong
// sequence, a surrogate, a value past U+10FFFF).
struct Decoded {
    char32_t codePoint = 0;
    std::size_t length = 0;
};

Decoded decodeAt(std::string_view text, std::size_t i) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
        return {lead, 1};
    }
    std::size_t length = 0;
    char32_t codePoint = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        codePoint = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        codePoint = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        codePoint = lead & 0x07;
    } else {
        return {};
    }
    if (i + length > text.size()) {
        return {};
    }
    for (std::size_t k = 1; k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[i + k]);
        if ((next & 0xC0) != 0x80) {
            return {};
        }
        codePoint = (codePoint << 6) | (next & 0x3F);
    }
    constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (codePoint < kMinForLength[length] || codePoint > 0x10FFFF ||
        (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
        return {};
    }
    return {codePoint, length};
}

bool isControl(char32_t c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

// The text as fitText sees it: cleaned, decoded once, with each character's width in both
// weights and where its bytes start in `utf8`, so that lines are copied out as bytes.
struct Glyphs {
    std::string utf8;                   // cleaned, newlines kept
    std::vector<char32_t> codePoints;   // of utf8
    std::vector<std::uint32_t> offset;  // byte offset of each code point, plus the end
};

// A run of characters [begin, end) of one line; the runs of a line are joined by one space.
struct Run {
    std::uint32_t begin;
    std::uint32_t end;
};

struct Line {
    std::uint32_t firstRun;
    std::uint32_t runCount;
};

struct Wrapped {
    std::vector<Run> runs;
    std::vector<Line> lines;

    void clear() {
        runs.clear();
        lines.clear();
    }
};

// Greedy wrapping, paragraph by paragraph ('\n'); words are separated by spaces. Widths are
// summed in thousandths of an em, so the same words wrap at any size with one limit.
class Wrapper {
  public:
    Wrapper(const Glyphs& glyphs, bool bold, Wrapped& out)
        : glyphs_(glyphs), bold_(bold), out_(out) {}

    void wrap(double maxWidth, double sizePt) {
        const double emsPerMm = 1000.0 / (sizePt * kMmPerPoint);
        limit_ = static_cast<long>(maxWidth * emsPerMm);
        space_ = advance(U' ', bold_);
        out_.clear();
        const auto& text = glyphs_.codePoints;
        const auto size = static_cast<std::uint32_t>(text.size());
        std::uint32_t i = 0;
        lineOpen_ = false;
        while (i <= size) {
            // One paragraph: up to the next newline or the end.
            while (i < size && text[i] != U'\n') {
                if (text[i] == U' ') {
                    ++i;
                    continue;
                }
                std::uint32_t end = i;
                long wordWidth = 0;
                while (end < size && text[end] != U' ' && text[end] != U'\n') {
                    wordWidth += advance(text[end], bold_);
                    ++end;
                }
                word(i, end, wordWidth);
                i = end;
            }
            closeLine();
            ++i;
        }
    }

  private:
    void word(std::uint32_t begin, std::uint32_t end, long wordWidth) {
        if (lineOpen_ && lineWidth_ + space_ + wordWidth <= limit_) {
            addRun(begin, end);
            lineWidth_ += space_ + wordWidth;
            return;
        }
        if (!lineOpen_ && wordWidth <= limit_) {
            openLine();
            addRun(begin, end);
            lineWidth_ = wordWidth;
            return;
        }
        closeLine();
        // A word wider than the line: break it between characters.
        std::uint32_t pieceStart = begin;
        for (std::uint32_t k = begin; k < end; ++k) {
            const long w = advance(glyphs_.codePoints[k], bold_);
            if (lineOpen_ && lineWidth_ + w > limit_) {
                addRun(pieceStart, k);
                closeLine();
                pieceStart = k;
            }
            if (!lineOpen_) {
                openLine();
                lineWidth_ = 0;
                pieceStart = k;
            }
            lineWidth_ += w;
        }
        // The rest of the word stays on the open line; later words may join it.
        pendingBegin_ = pieceStart;
        pendingEnd_ = end;
        pending_ = true;
    }

    void openLine() {
        out_.lines.push_back({static_cast<std::uint32_t>(out_.runs.size()), 0});
        lineOpen_ = true;
        pending_ = false;
    }

    void addRun(std::uint32_t begin, std::uint32_t end) {
        flushPending();
        out_.runs.push_back({begin, end});
        ++out_.lines.back().runCount;
    }

    void flushPending() {
        if (pending_) {
            pending_ = false;
            out_.runs.push_back({pendingBegin_, pendingEnd_});
            ++out_.lines.back().runCount;
        }
    }

    void closeLine() {
        if (lineOpen_) {
            flushPending();
            lineOpen_ = false;
        }
    }

    const Glyphs& glyphs_;
    bool bold_;
    Wrapped& out_;
    long limit_ = 0;
    long space_ = 0;
    long lineWidth_ = 0;
    bool lineOpen_ = false;
    bool pending_ = false;
    std::uint32_t pendingBegin_ = 0;
    std::uint32_t pendingEnd_ = 0;
};

std::string lineText(const Glyphs& glyphs, const Wrapped& wrapped, const Line& line) {
    std::string out;
    for (std::uint32_t r = 0; r < line.runCount; ++r) {
        const Run& run = wrapped.runs[line.firstRun + r];
        if (r > 0) {
            out += ' ';
        }
        out.append(glyphs.utf8, glyphs.offset[run.begin],
                   glyphs.offset[run.end] - glyphs.offset[run.begin]);
    }
    return out;
}

std::u32string lineCodePoints(const Glyphs& glyphs, const Wrapped& wrapped, const Line& line) {
    std::u32string out;
    for (std::uint32_t r = 0; r < line.runCount; ++r) {
        const Run& run = wrapped.runs[line.firstRun + r];
        if (r > 0) {
            out += U' ';
        }
        out.append(glyphs.codePoints.begin() + run.begin, glyphs.codePoints.begin() + run.end);
    }
    return out;
}

}  // namespace

std::string toUtf8(char32_t c) {
    std::string out;
    appendUtf8(out, c);
    return out;
}

std::u32string toCodePoints(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const Decoded d = decodeAt(text, i);
        if (d.length == 0) {
            out += U'?';
            ++i;
            continue;
        }
        out += d.codePoint;
        i += d.length;
    }
    return out;
}

namespace {

void appendClean(std::string& out, std::string_view text, bool keepNewlines) {
    std::size_t i = 0;
    while (i < text.size()) {
        // Printable ASCII, the common case, is copied in runs.
        std::size_t run = i;
        while (run < text.size() && text[run] >= 0x20 && text[run] < 0x7F) {
            ++run;
        }
        out.append(text, i, run - i);
        i = run;
        if (i >= text.size()) {
            break;
        }
        const Decoded d = decodeAt(text, i);
        if (d.length == 0) {
            out += '?';
            ++i;
        } else if (d.codePoint == U'\n' && keepNewlines) {
            out += '\n';
            ++i;
        } else if (isControl(d.codePoint)) {
            out += ' ';
            i += d.length;
        } else {
            out.append(text, i, d.length);
            i += d.length;
        }
    }
}

}  // namespace

std::string cleanText(std::string_view text, bool keepNewlines) {
    std::string out;
    out.reserve(text.size());
    appendClean(out, text, keepNewlines);
    return out;
}

double textWidthMm(std::string_view utf8, double sizePt, bool bold) {
    return widthMm(toCodePoints(utf8), sizePt, bold);
}

FittedText fitText(std::string_view text, double widthMm_, int maxLines, double sizePt,
                   double minSizePt, bool bold, double heightMm) {
    FittedText fitted;
    // Scratch space kept from call to call: a label fits a dozen texts, and allocating these
    // each time cost a fifth of the render.
    thread_local Glyphs glyphs;
    thread_local Wrapped wrapped;
    // Control characters other than newlines become spaces, invalid bytes '?'.
    glyphs.utf8.clear();
    appendClean(glyphs.utf8, text, true);
    glyphs.codePoints.clear();
    glyphs.offset.clear();
    for (std::size_t i = 0; i < glyphs.utf8.size();) {
        const Decoded d = decodeAt(glyphs.utf8, i);
        glyphs.codePoints.push_back(d.codePoint);
        glyphs.offset.push_back(static_cast<std::uint32_t>(i));
        i += d.length;
    }
    glyphs.offset.push_back(static_cast<std::uint32_t>(glyphs.utf8.size()));

    minSizePt = std::min(minSizePt, sizePt);
    auto linesAt = [&](double size) {
        if (maxLines > 0) {
            return maxLines;
        }
        const double line = size * kLineSpacing * kMmPerPoint;
        return std::max(1, static_cast<int>((heightMm + 0.01) / line));
    };
    Wrapper wrapper(glyphs, bold, wrapped);
    double size = sizePt;
    for (;;) {
        wrapper.wrap(widthMm_, size);
        if (static_cast<int>(wrapped.lines.size()) <= linesAt(size) || size <= minSizePt) {
            break;
        }
        size = std::max(minSizePt, size - 0.5);
    }
    fitted.sizePt = size;
    const auto most = static_cast<std::size_t>(linesAt(size));
    const bool cut = wrapped.lines.size() > most;
    const std::size_t kept = cut ? most : wrapped.lines.size();
    fitted.lines.reserve(kept);
    for (std::size_t i = 0; i < kept; ++i) {
        if (cut && i + 1 == kept) {
            break;
        }
        fitted.lines.push_back(lineText(glyphs, wrapped, wrapped.lines[i]));
    }
    if (cut) {
        std::u32string last = lineCodePoints(glyphs, wrapped, wrapped.lines[kept - 1]);
        const std::u32string ellipsis = U"\u2026";
        while (!last.empty() && widthMm(last + ellipsis, size, bold) > widthMm_) {
            last.pop_back();
        }
        while (!last.empty() && last.back() == U' ') {
            last.pop_back();
        }
        last += ellipsis;
        fitted.lines.push_back(joinUtf8(last));
        fitted.cut = true;
    }
    return fitted;
}

}  // namespace labels
