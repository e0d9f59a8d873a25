#include "labels/ZplRenderer.h"

#include "labels/Barcode.h"

#include <algorithm>
#include <cmath>

namespace labels {

namespace {

class Zpl {
  public:
    explicit Zpl(int dpi) : dotsPerMm_(dpi / 25.4) {}

    int dots(double mm) const { return static_cast<int>(std::lround(mm * dotsPerMm_)); }
    double dotsPerMm() const { return dotsPerMm_; }

    Zpl& operator<<(std::string_view s) {
        out_ += s;
        return *this;
    }
    Zpl& operator<<(int n) {
        out_ += std::to_string(n);
        return *this;
    }

    std::string take() { return std::move(out_); }

  private:
    double dotsPerMm_;
    std::string out_;
};

// For a ^FH field. ^ and ~ would start a command; _ is the ^FH escape itself; with `block`,
// \ is the ^FB escape, and doubling it keeps user text from forming a "\&" line break.
std::string escapeField(std::string_view text, bool block) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
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
            case '\\':
                out += block ? "\\\\" : "_5C";
                break;
            default:
                out += c;
        }
    }
    return out;
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
                zpl << "^FO" << x + offset << "," << top << "^BQN,2," << module << "^FH^FDMA,"
                    << escapeField(b.data, false) << "^FS\n";
            } else {
                zpl << "^FO" << x + offset << "," << top << "^BXN," << module << ",200^FH^FD"
                    << escapeField(b.data, false) << "^FS\n";
            }
            return;
        }
    }
}

}  // namespace

std::string renderZpl(const Document& document, int dpi) {
    Zpl zpl(dpi);
    for (const Page& page : document.pages) {
        zpl << "^XA\n^CI28\n^PW" << zpl.dots(document.widthMm) << "\n^LL"
            << zpl.dots(document.heightMm) << "\n^LH0,0\n";
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
                << size << "^FB" << zpl.dots(text.width) << ",1,0,"
                << std::string(1, alignCode(text.align)) << ",0^FH^FD"
                << escapeField(text.text, true) << "^FS\n";
        }
        for (const BarcodeItem& b : page.barcodes) {
            barcode(zpl, b);
        }
        zpl << "^PQ1\n^XZ\n";
    }
    return zpl.take();
}

}  // namespace labels
