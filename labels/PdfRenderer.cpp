#include "labels/PdfRenderer.h"

#include "labels/Barcode.h"
#include "labels/Text.h"

#include <hpdf.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <vector>

namespace labels {

namespace {

// In order of preference: a character takes the first code page that has it.
constexpr std::array<const char*, 5> kEncodings = {"WinAnsiEncoding", "CP1250", "CP1257", "CP1254",
                                                   "ISO8859-16"};
constexpr double kPointsPerMm = 1.0 / kMmPerPoint;
// Baseline below the top of a line box, in ems (the same as the PNG preview).
constexpr double kBaseline = 0.93;
constexpr double kA6 = 105.0 * 148.5 * 1.01;  // mm², with room for 4x6 in (101.6 x 152.4)

void onError(HPDF_STATUS, HPDF_STATUS, void*) {
    // libharu keeps the error on the document; render() checks it once at the end.
}

struct Glyph {
    std::uint8_t encoding;
    std::uint8_t code;
};

}  // namespace

struct PdfRenderer::Impl {
    HPDF_Doc doc = nullptr;
    std::unordered_map<char32_t, Glyph> glyphs;
    std::array<std::array<HPDF_Font, kEncodings.size()>, 2> fonts{};  // [bold][encoding]

    HPDF_Font font(bool bold, std::size_t encoding) {
        HPDF_Font& f = fonts[bold ? 1 : 0][encoding];
        if (f == nullptr) {
            f = HPDF_GetFont(doc, bold ? "Helvetica-Bold" : "Helvetica", kEncodings[encoding]);
        }
        return f;
    }

    // Runs of one code page, each as the bytes to show.
    std::vector<std::pair<std::size_t, std::string>> runs(std::string_view utf8) const {
        std::vector<std::pair<std::size_t, std::string>> out;
        for (char32_t c : toCodePoints(utf8)) {
            Glyph g{0, '?'};
            if (c >= 0x20 && c < 0x7F) {
                g.code = static_cast<std::uint8_t>(c);
                if (!out.empty()) {
                    g.encoding = static_cast<std::uint8_t>(out.back().first);  // ASCII fits all
                }
            } else if (const auto it = glyphs.find(c); it != glyphs.end()) {
                g = it->second;
            }
            if (out.empty() || out.back().first != g.encoding) {
                out.emplace_back(g.encoding, std::string());
            }
            out.back().second += static_cast<char>(g.code);
        }
        return out;
    }

    // A 1-bit gray image (0 black, 1 white), as large as the box allows, centred.
    void image(HPDF_Doc pdf, HPDF_Page page, double pageHeight, const ImageItem& item) {
        const Bitmap& bitmap = *item.bitmap;
        const std::size_t bytesPerRow = (static_cast<std::size_t>(bitmap.width) + 7) / 8;
        std::vector<HPDF_BYTE> bits(bytesPerRow * static_cast<std::size_t>(bitmap.height), 0xFF);
        for (int y = 0; y < bitmap.height; ++y) {
            for (int x = 0; x < bitmap.width; ++x) {
                if (bitmap.at(x, y)) {
                    bits[static_cast<std::size_t>(y) * bytesPerRow +
                         static_cast<std::size_t>(x) / 8] &=
                        static_cast<HPDF_BYTE>(~(0x80 >> (x % 8)));
                }
            }
        }
        HPDF_Image picture =
            HPDF_LoadRawImageFromMem(pdf, bits.data(), static_cast<HPDF_UINT>(bitmap.width),
                                     static_cast<HPDF_UINT>(bitmap.height), HPDF_CS_DEVICE_GRAY, 1);
        if (picture == nullptr) {
            return;  // the error stays on the document and fails the render
        }
        const double scale = std::min(item.width / bitmap.width, item.height / bitmap.height);
        const double width = bitmap.width * scale;
        const double height = bitmap.height * scale;
        const double x = item.x + (item.width - width) / 2;
        const double y = item.y + (item.height - height) / 2;
        HPDF_Page_DrawImage(page, picture, static_cast<HPDF_REAL>(x * kPointsPerMm),
                            static_cast<HPDF_REAL>(pageHeight - (y + height) * kPointsPerMm),
                            static_cast<HPDF_REAL>(width * kPointsPerMm),
                            static_cast<HPDF_REAL>(height * kPointsPerMm));
    }

    void text(HPDF_Page page, double pageHeight, const TextItem& item) {
        const auto parts = runs(item.text);
        const double size = item.sizePt;
        double width = 0;
        for (const auto& [encoding, bytes] : parts) {
            const HPDF_TextWidth w = HPDF_Font_TextWidth(
                font(item.bold, encoding), reinterpret_cast<const HPDF_BYTE*>(bytes.data()),
                static_cast<HPDF_UINT>(bytes.size()));
            width += w.width * size / 1000.0;
        }
        const double box = item.width * kPointsPerMm;
        double x = item.x * kPointsPerMm;
        if (item.align == Align::Center) {
            x += (box - width) / 2;
        } else if (item.align == Align::Right) {
            x += box - width;
        }
        const double y = pageHeight - item.y * kPointsPerMm - kBaseline * size;
        HPDF_Page_BeginText(page);
        HPDF_Page_MoveTextPos(page, static_cast<HPDF_REAL>(x), static_cast<HPDF_REAL>(y));
        for (const auto& [encoding, bytes] : parts) {
            HPDF_Page_SetFontAndSize(page, font(item.bold, encoding), static_cast<HPDF_REAL>(size));
            HPDF_Page_ShowText(page, bytes.c_str());
        }
        HPDF_Page_EndText(page);
    }
};

PdfRenderer::PdfRenderer() : impl_(std::make_unique<Impl>()) {
    impl_->doc = HPDF_New(onError, nullptr);
    if (impl_->doc == nullptr) {
        return;
    }
    // Which byte of which code page shows each character, built once from libharu's tables.
    for (std::size_t e = kEncodings.size(); e-- > 0;) {
        HPDF_Encoder encoder = HPDF_GetEncoder(impl_->doc, kEncodings[e]);
        for (int code = 0xA0; encoder != nullptr && code <= 0xFF; ++code) {
            const HPDF_UNICODE u = HPDF_Encoder_GetUnicode(encoder, static_cast<HPDF_UINT16>(code));
            if (u != 0) {
                impl_->glyphs[u] = {static_cast<std::uint8_t>(e), static_cast<std::uint8_t>(code)};
            }
        }
        // 0x80-0x9F hold the euro sign, quotes and a few letters in the Windows code pages.
        for (int code = 0x80; encoder != nullptr && code < 0xA0; ++code) {
            const HPDF_UNICODE u = HPDF_Encoder_GetUnicode(encoder, static_cast<HPDF_UINT16>(code));
            if (u > 0x9F) {
                impl_->glyphs[u] = {static_cast<std::uint8_t>(e), static_cast<std::uint8_t>(code)};
            }
        }
    }
}

PdfRenderer::~PdfRenderer() {
    if (impl_->doc != nullptr) {
        HPDF_Free(impl_->doc);
    }
}

PdfResult PdfRenderer::render(const Document& document) {
    PdfResult result;
    HPDF_Doc doc = impl_->doc;
    if (doc == nullptr) {
        result.error = "libharu could not allocate a document";
        return result;
    }
    HPDF_ResetError(doc);
    HPDF_NewDoc(doc);
    impl_->fonts = {};
    // Deflating a label's few KB costs more time than it saves bytes (0.6 ms against 0.24 ms
    // for 6.5 KB instead of 2.2 KB); an A4 document of pages of text and barcodes shrinks
    // seven-fold, so documents larger than a label (A6) are compressed.
    const bool label = document.pages.size() <= 1 && document.widthMm * document.heightMm <= kA6;
    HPDF_SetCompressionMode(doc, label ? HPDF_COMP_NONE : HPDF_COMP_ALL);
    HPDF_SetInfoAttr(doc, HPDF_INFO_PRODUCER, "stationd");

    const auto width = static_cast<HPDF_REAL>(document.widthMm * kPointsPerMm);
    const auto height = static_cast<HPDF_REAL>(document.heightMm * kPointsPerMm);
    for (const Page& p : document.pages) {
        HPDF_Page page = HPDF_AddPage(doc);
        if (page == nullptr) {
            break;
        }
        HPDF_Page_SetWidth(page, width);
        HPDF_Page_SetHeight(page, height);
        auto rect = [&](double x, double y, double w, double h) {
            HPDF_Page_Rectangle(page, static_cast<HPDF_REAL>(x),
                                static_cast<HPDF_REAL>(height - y - h), static_cast<HPDF_REAL>(w),
                                static_cast<HPDF_REAL>(h));
        };
        for (const BoxItem& b : p.boxes) {
            rect(b.x * kPointsPerMm, b.y * kPointsPerMm, b.width * kPointsPerMm,
                 b.height * kPointsPerMm);
        }
        for (const BarcodeItem& b : p.barcodes) {
            const Modules m = encodeModules(b.symbology, b.data);
            if (!m.error.empty() || m.width == 0) {
                continue;  // the layout checked the data; nothing sensible to draw
            }
            const bool oneD = m.height == 1;
            const double side = oneD ? b.width : std::min(b.width, b.height);
            const double module = std::min(b.moduleMm, side / m.width);
            const double x0 = b.x + (b.width - module * m.width) / 2;
            const double rowHeight = oneD ? b.height : module;
            // 2D codes are centred in their box too, away from the rules around it.
            const double y0 = b.y + (oneD ? 0 : (b.height - module * m.height) / 2);
            // One rectangle per run of dark modules in a row: fewer operators, no hairlines.
            for (int y = 0; y < m.height; ++y) {
                for (int x = 0; x < m.width;) {
                    if (!m.at(x, y)) {
                        ++x;
                        continue;
                    }
                    int end = x;
                    while (end < m.width && m.at(end, y)) {
                        ++end;
                    }
                    rect((x0 + x * module) * kPointsPerMm, (y0 + y * rowHeight) * kPointsPerMm,
                         (end - x) * module * kPointsPerMm, rowHeight * kPointsPerMm);
                    x = end;
                }
            }
        }
        if (!p.boxes.empty() || !p.barcodes.empty()) {
            HPDF_Page_Fill(page);
        }
        for (const ImageItem& image : p.images) {
            if (image.bitmap && image.bitmap->width > 0 && image.bitmap->height > 0) {
                impl_->image(doc, page, height, image);
            }
        }
        for (const TextItem& t : p.texts) {
            if (!t.text.empty()) {
                impl_->text(page, height, t);
            }
        }
    }
    if (HPDF_SaveToStream(doc) == HPDF_OK && HPDF_GetError(doc) == HPDF_OK) {
        HPDF_UINT32 size = HPDF_GetStreamSize(doc);
        result.pdf.resize(size);
        HPDF_ReadFromStream(doc, reinterpret_cast<HPDF_BYTE*>(result.pdf.data()), &size);
        result.pdf.resize(size);
    }
    if (HPDF_GetError(doc) != HPDF_OK && HPDF_GetError(doc) != HPDF_STREAM_EOF) {
        char code[16];
        std::snprintf(code, sizeof code, "0x%04lX", static_cast<unsigned long>(HPDF_GetError(doc)));
        result.pdf.clear();
        result.error = std::string("libharu error ") + code;
    }
    return result;
}

}  // namespace labels
