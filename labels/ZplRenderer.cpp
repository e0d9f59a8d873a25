#include "labels/ZplRenderer.h"

#include "labels/Barcode.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace labels {

namespace {

class Zpl {
  public:
    explicit Zpl(int dpi) : dotsPerMm_(dpi / 25.4) {
        out_.reserve(2048);  // a shipping label is about 1.5 KB: one allocation
    }

    int dots(double mm) const { return static_cast<int>(std::lround(mm * dotsPerMm_)); }
    double dotsPerMm() const { return dotsPerMm_; }

    Zpl& operator<<(std::string_view s) {
        out_ += s;
        return *this;
    }
    Zpl& operator<<(char c) {
        out_ += c;
        return *this;
    }
    Zpl& operator<<(int n) {
        char digits[12];
        const auto end = std::to_chars(std::begin(digits), std::end(digits), n).ptr;
        out_.append(digits, end);
        return *this;
    }
    std::string& out() { return out_; }

    std::string take() { return std::move(out_); }

  private:
    double dotsPerMm_;
    std::string out_;
};

// For a ^FH field. ^ and ~ would start a command; _ is the ^FH escape itself; with `block`,
// \ is the ^FB escape, and doubling it keeps user text from forming a "\&" line break.
void appendEscaped(std::string& out, std::string_view text, bool block) {
    std::size_t plain = 0;  // start of the characters not yet copied
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '^' && c != '~' && c != '_' && c != '\\') {
            continue;
        }
        out.append(text, plain, i - plain);
        plain = i + 1;
        switch (c) {
            case '^':
                out += "_5E";
                break;
            case '~':
                out += "_7E";
                break;
            case '_':
                out += "_5F";
                break;
            default:  // backslash
                out += block ? "\\\\" : "_5C";
                break;
        }
    }
    out.append(text, plain, text.size() - plain);
}

// Code 128 subset B data for ^BC in mode N: ^, > and ~ are written as invocation codes.
std::string code128SubsetB(std::string_view text) {
    std::string out = ">:";
    for (char c : text) {
        switch (c) {
            case '^':
                out += "><";
                break;
            case '>':
                out += ">0";
                break;
            case '~':
                out += ">=";
                break;
            default:
                out += c;
        }
    }
    return out;
}

char alignCode(Align align) {
    switch (align) {
        case Align::Center:
            return 'C';
        case Align::Right:
            return 'R';
        case Align::Left:
            break;
    }
    return 'L';
}

// The widest whole number of dots per module, up to the template's module, that fits
// `modules` across `widthDots`; at least one.
int moduleDots(const Zpl& zpl, double moduleMm, int widthDots, int modules) {
    const int wanted = std::max(1, static_cast<int>(std::lround(moduleMm * zpl.dotsPerMm())));
    return std::clamp(std::min(wanted, widthDots / std::max(modules, 1)), 1, 10);
}

void barcode(Zpl& zpl, const BarcodeItem& b) {
    const int x = zpl.dots(b.x);
    const int y = zpl.dots(b.y);
    const int width = zpl.dots(b.width);
    const int height = zpl.dots(b.height);
    switch (b.symbology) {
        case Symbology::Code128:
        case Symbology::Gs1_128: {
            const bool gs1 = b.symbology == Symbology::Gs1_128;
            const int modules = worstCaseModules1d(b.symbology, b.data);
            const int module = moduleDots(zpl, b.moduleMm, width, modules);
            zpl << "^BY" << module << "\n^FO" << x + (width - modules * module) / 2 << "," << y
                << "^BCN," << height << ",N,N,N^FD"
                << (gs1 ? ">;>8" + b.data : code128SubsetB(b.data)) << "^FS\n";
            return;
        }
        case Symbology::QrCode:
        case Symbology::DataMatrix: {
            const int modules = estimatedModules2d(b.symbology, b.data);
            const int side = std::min(width, height);
            const int module = moduleDots(zpl, b.moduleMm, side, modules);
            // Centred in the box, away from the rules around it.
            const int offset = (width - modules * module) / 2;
            const int top = y + (height - modules * module) / 2;
            if (b.symbology == Symbology::QrCode) {
                // Model 2, error correction M, automatic data mode.
                zpl << "^FO" << x + offset << "," << top << "^BQN,2," << module << "^FH^FDMA,";
            } else {
                zpl << "^FO" << x + offset << "," << top << "^BXN," << module << ",200^FH^FD";
            }
            appendEscaped(zpl.out(), b.data, false);
            zpl << "^FS\n";
            return;
        }
    }
}

// ZPL's ASCII compression of ^GF data: a hex digit repeated n times is written once after a
// count (G..Y for 1 to 19, g..z for 20 to 400 in steps of 20), "," ends a row with zeros and
// ":" repeats the row above. A logo is mostly white, so it shrinks about tenfold.
void appendCompressedRow(std::string& out, std::string_view row) {
    std::size_t end = row.find_last_not_of('0') + 1;  // npos + 1 == 0: an empty row
    for (std::size_t i = 0; i < end;) {
        std::size_t n = 1;
        while (i + n < end && row[i + n] == row[i]) {
            ++n;
        }
        const char digit = row[i];
        i += n;
        while (n > 400) {
            out += 'z';
            out += digit;
            n -= 400;
        }
        const bool twenties = n >= 20;
        if (twenties) {
            out += static_cast<char>('g' + n / 20 - 1);
            n %= 20;
        }
        // A single digit needs no count, unless it adds to a count of twenties.
        if (n > 1 || (n == 1 && twenties)) {
            out += static_cast<char>('G' + n - 1);
        }
        out += digit;
    }
    if (end < row.size()) {
        out += ',';
    }
}

void graphic(Zpl& zpl, const ImageItem& image) {
    const Bitmap& bitmap = *image.bitmap;
    const ImagePlacement at = placeImage(image, bitmap.width, bitmap.height, zpl.dotsPerMm());
    const int bytesPerRow = (at.width + 7) / 8;
    const int total = bytesPerRow * at.height;
    zpl << "^FO" << at.x << "," << at.y << "^GFA," << total << "," << total << "," << bytesPerRow
        << ",";
    constexpr char kHex[] = "0123456789ABCDEF";
    std::string row;
    std::string previous;
    for (int y = 0; y < at.height; ++y) {
        row.clear();
        const int sourceY = y * bitmap.height / at.height;
        for (int byte = 0; byte < bytesPerRow; ++byte) {
            int bits = 0;
            for (int bit = 0; bit < 8; ++bit) {
                const int x = byte * 8 + bit;
                if (x < at.width && bitmap.at(x * bitmap.width / at.width, sourceY)) {
                    bits |= 0x80 >> bit;
                }
            }
            row += kHex[bits >> 4];
            row += kHex[bits & 0xF];
        }
        if (y > 0 && row == previous) {
            zpl << ":";
        } else {
            appendCompressedRow(zpl.out(), row);
        }
        std::swap(row, previous);
    }
    zpl << "^FS\n";
}

}  // namespace

std::string renderZpl(const Document& document, int dpi) {
    Zpl zpl(dpi);
    for (const Page& page : document.pages) {
        zpl << "^XA\n^CI28\n^PW" << zpl.dots(document.widthMm) << "\n^LL"
            << zpl.dots(document.heightMm) << "\n^LH0,0\n";
        for (const ImageItem& image : page.images) {
            if (image.bitmap && image.bitmap->width > 0 && image.bitmap->height > 0) {
                graphic(zpl, image);
            }
        }
        for (const BoxItem& box : page.boxes) {
            const int w = std::max(1, zpl.dots(box.width));
            const int h = std::max(1, zpl.dots(box.height));
            zpl << "^FO" << zpl.dots(box.x) << "," << zpl.dots(box.y) << "^GB" << w << "," << h
                << "," << std::min(w, h) << "^FS\n";
        }
        for (const TextItem& text : page.texts) {
            if (text.text.empty()) {
                continue;
            }
            // ^A0 takes the character height in dots; the layout's point size is the em.
            const int size = std::max(10, static_cast<int>(std::lround(text.sizePt * dpi / 72.0)));
            zpl << "^FO" << zpl.dots(text.x) << "," << zpl.dots(text.y) << "^A0N," << size << ","
                << size << "^FB" << zpl.dots(text.width) << ",1,0," << alignCode(text.align)
                << ",0^FH^FD";
            appendEscaped(zpl.out(), text.text, true);
            zpl << "^FS\n";
        }
        for (const BarcodeItem& b : page.barcodes) {
            barcode(zpl, b);
        }
        zpl << "^PQ1\n^XZ\n";
    }
    return zpl.take();
}

}  // namespace labels
