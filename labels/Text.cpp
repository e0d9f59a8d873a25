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

std::string joinUtf8(std::u32string_view text) {
    std::string out;
    for (char32_t c : text) {
        out += toUtf8(c);
    }
    return out;
}

// Greedy wrapping of one paragraph; words are separated by spaces. Widths are summed in
// thousandths of an em, so each character is looked up once.
void wrapParagraph(std::u32string_view paragraph, double maxWidth, double sizePt, bool bold,
                   std::vector<std::u32string>& lines) {
    const double emsPerMm = 1000.0 / (sizePt * kMmPerPoint);
    const long limit = static_cast<long>(maxWidth * emsPerMm);
    const long space = advance(U' ', bold);
    std::u32string line;
    long lineWidth = 0;
    std::size_t i = 0;
    while (i < paragraph.size()) {
        while (i < paragraph.size() && paragraph[i] == U' ') {
            ++i;
        }
        std::size_t end = paragraph.find(U' ', i);
        if (end == std::u32string_view::npos) {
            end = paragraph.size();
        }
        if (i >= end) {
            break;
        }
        std::u32string_view word = paragraph.substr(i, end - i);
        i = end;
        long wordWidth = 0;
        for (char32_t c : word) {
            wordWidth += advance(c, bold);
        }
        if (!line.empty() && lineWidth + space + wordWidth <= limit) {
            line += U' ';
            line += word;
            lineWidth += space + wordWidth;
            continue;
        }
        if (line.empty() && wordWidth <= limit) {
            line = word;
            lineWidth = wordWidth;
            continue;
        }
        if (!line.empty()) {
            lines.push_back(std::move(line));
            line.clear();
            lineWidth = 0;
        }
        // A word wider than the line: break it between characters.
        for (char32_t c : word) {
            const long w = advance(c, bold);
            if (!line.empty() && lineWidth + w > limit) {
                lines.push_back(std::move(line));
                line.clear();
                lineWidth = 0;
            }
            line += c;
            lineWidth += w;
        }
    }
    if (!line.empty()) {
        lines.push_back(std::move(line));
    }
}

std::vector<std::u32string> wrap(std::u32string_view text, double maxWidth, double sizePt,
                                 bool bold) {
    std::vector<std::u32string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(U'\n', start);
        if (end == std::u32string_view::npos) {
            end = text.size();
        }
        wrapParagraph(text.substr(start, end - start), maxWidth, sizePt, bold, lines);
        start = end + 1;
    }
    return lines;
}

}  // namespace

std::string toUtf8(char32_t c) {
    std::string out;
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
    return out;
}

std::u32string toCodePoints(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        char32_t codePoint = 0;
        if (lead < 0x80) {
            length = 1;
            codePoint = lead;
        } else if ((lead & 0xE0) == 0xC0) {
            length = 2;
            codePoint = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            codePoint = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            codePoint = lead & 0x07;
        }
        bool valid = length > 0 && i + length <= text.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            valid = (next & 0xC0) == 0x80;
            codePoint = (codePoint << 6) | (next & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not characters either.
        constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
        if (valid && (codePoint < kMinForLength[length] || codePoint > 0x10FFFF ||
                      (codePoint >= 0xD800 && codePoint <= 0xDFFF))) {
            valid = false;
        }
        if (!valid) {
            out += U'?';
            ++i;
            continue;
        }
        out += codePoint;
        i += length;
    }
    return out;
}

std::string cleanText(std::string_view text, bool keepNewlines) {
    std::string out;
    out.reserve(text.size());
    for (char32_t c : toCodePoints(text)) {
        if (c == U'\n' && keepNewlines) {
            out += '\n';
        } else if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
            out += ' ';
        } else {
            out += toUtf8(c);
        }
    }
    return out;
}

double textWidthMm(std::string_view utf8, double sizePt, bool bold) {
    return widthMm(toCodePoints(utf8), sizePt, bold);
}

FittedText fitText(std::string_view text, double widthMm_, int maxLines, double sizePt,
                   double minSizePt, bool bold, double heightMm) {
    FittedText fitted;
    std::u32string codePoints = toCodePoints(text);
    for (char32_t& c : codePoints) {
        if (c != U'\n' && (c < 0x20 || (c >= 0x7F && c <= 0x9F))) {
            c = U' ';
        }
    }
    minSizePt = std::min(minSizePt, sizePt);
    auto linesAt = [&](double size) {
        if (maxLines > 0) {
            return maxLines;
        }
        const double line = size * kLineSpacing * kMmPerPoint;
        return std::max(1, static_cast<int>((heightMm + 0.01) / line));
    };
    std::vector<std::u32string> lines;
    double size = sizePt;
    for (;;) {
        lines = wrap(codePoints, widthMm_, size, bold);
        if (static_cast<int>(lines.size()) <= linesAt(size) || size <= minSizePt) {
            break;
        }
        size = std::max(minSizePt, size - 0.5);
    }
    fitted.sizePt = size;
    const auto most = static_cast<std::size_t>(linesAt(size));
    if (lines.size() > most) {
        lines.resize(most);
        std::u32string& last = lines.back();
        const std::u32string ellipsis = U"\u2026";
        while (!last.empty() && widthMm(last + ellipsis, size, bold) > widthMm_) {
            last.pop_back();
        }
        while (!last.empty() && last.back() == U' ') {
            last.pop_back();
        }
        last += ellipsis;
        fitted.cut = true;
    }
    for (const auto& line : lines) {
        fitted.lines.push_back(joinUtf8(line));
    }
    return fitted;
}

}  // namespace labels
