#include "labels/PngRenderer.h"

#include "labels/Barcode.h"
#include "labels/Text.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include <png.h>

#include <algorithm>
#include <cmath>

namespace labels {

namespace {

constexpr double kBaseline = 0.93;  // as in the PDF: baseline below the top of the line box

class Canvas {
  public:
    Canvas(Raster& raster) : r_(raster) {}

    void fill(int x, int y, int w, int h) {
        const int x0 = std::max(0, x);
        const int y0 = std::max(0, y);
        const int x1 = std::min(r_.width, x + w);
        const int y1 = std::min(r_.height, y + h);
        for (int yy = y0; yy < y1; ++yy) {
            std::fill_n(&r_.pixels[static_cast<std::size_t>(yy * r_.width + x0)],
                        std::max(0, x1 - x0), std::uint8_t{0});
        }
    }

    void coverage(int x, int y, std::uint8_t alpha) {
        if (x < 0 || y < 0 || x >= r_.width || y >= r_.height) {
            return;
        }
        std::uint8_t& p = r_.pixels[static_cast<std::size_t>(y * r_.width + x)];
        p = static_cast<std::uint8_t>(std::min<int>(p, 255 - alpha));
    }

  private:
    Raster& r_;
};

void writeToString(png_structp png, png_bytep data, png_size_t length) {
    auto* out = static_cast<std::string*>(png_get_io_ptr(png));
    out->append(reinterpret_cast<const char*>(data), length);
}

}  // namespace

std::string encodePng(const Raster& raster) {
    std::string out;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    if (png == nullptr) {
        return out;
    }
    png_infop info = png_create_info_struct(png);
    if (info == nullptr || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return {};
    }
    png_set_write_fn(png, &out, writeToString, nullptr);
    png_set_IHDR(png, info, static_cast<png_uint_32>(raster.width),
                 static_cast<png_uint_32>(raster.height), 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < raster.height; ++y) {
        png_write_row(png, raster.pixels.data() + static_cast<std::size_t>(y * raster.width));
    }
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return out;
}

DecodedPng decodePng(std::string_view png) {
    DecodedPng out;
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    if (png_image_begin_read_from_memory(&image, png.data(), png.size()) == 0) {
        out.error = std::string("not a PNG image: ") + image.message;
        return out;
    }
    // A logo is small; this keeps a hostile header from asking for gigabytes.
    constexpr png_uint_32 kMaxSide = 10000;
    if (image.width == 0 || image.height == 0 || image.width > kMaxSide ||
        image.height > kMaxSide) {
        png_image_free(&image);
        out.error = "PNG image of " + std::to_string(image.width) + " x " +
                    std::to_string(image.height) + " pixels: at most " + std::to_string(kMaxSide) +
                    " on a side";
        return out;
    }
    image.format = PNG_FORMAT_GRAY;
    out.raster.width = static_cast<int>(image.width);
    out.raster.height = static_cast<int>(image.height);
    out.raster.pixels.resize(PNG_IMAGE_SIZE(image));
    const png_color white{255, 255, 255};
    if (png_image_finish_read(&image, &white, out.raster.pixels.data(), 0, nullptr) == 0) {
        out = {};
        out.error = std::string("cannot read the PNG image: ") + image.message;
        png_image_free(&image);
    }
    return out;
}

struct PngRenderer::Impl {
    FT_Library library = nullptr;
    FT_Face faces[2] = {nullptr, nullptr};
    std::string error;

    void text(Canvas& canvas, const TextItem& item, double dotsPerMm, int dpi) {
        FT_Face face = faces[item.bold ? 1 : 0];
        if (face == nullptr) {
            return;
        }
        FT_Set_Char_Size(face, 0, static_cast<FT_F26Dot6>(std::lround(item.sizePt * 64)),
                         static_cast<FT_UInt>(dpi), static_cast<FT_UInt>(dpi));
        const std::u32string chars = toCodePoints(item.text);
        long width = 0;
        for (char32_t c : chars) {
            if (FT_Load_Char(face, c, FT_LOAD_DEFAULT) == 0) {
                width += face->glyph->advance.x;
            }
        }
        const double box = item.width * dotsPerMm;
        double pen = item.x * dotsPerMm;
        if (item.align == Align::Center) {
            pen += (box - width / 64.0) / 2;
        } else if (item.align == Align::Right) {
            pen += box - width / 64.0;
        }
        const int baseline = static_cast<int>(
            std::lround(item.y * dotsPerMm + kBaseline * item.sizePt * dpi / 72.0));
        for (char32_t c : chars) {
            if (FT_Load_Char(face, c, FT_LOAD_RENDER) != 0) {
                continue;
            }
            const FT_GlyphSlot g = face->glyph;
            const int left = static_cast<int>(std::lround(pen)) + g->bitmap_left;
            const int top = baseline - g->bitmap_top;
            for (unsigned row = 0; row < g->bitmap.rows; ++row) {
                for (unsigned col = 0; col < g->bitmap.width; ++col) {
                    canvas.coverage(
                        left + static_cast<int>(col), top + static_cast<int>(row),
                        g->bitmap.buffer[row * static_cast<unsigned>(g->bitmap.pitch) + col]);
                }
            }
            pen += g->advance.x / 64.0;
        }
    }
};

PngRenderer::PngRenderer(const std::string& font, const std::string& boldFont)
    : impl_(std::make_unique<Impl>()) {
    if (FT_Init_FreeType(&impl_->library) != 0) {
        impl_->error = "FreeType could not start";
        return;
    }
    const std::string* paths[] = {&font, &boldFont};
    for (int i = 0; i < 2; ++i) {
        if (FT_New_Face(impl_->library, paths[i]->c_str(), 0, &impl_->faces[i]) != 0) {
            impl_->faces[i] = nullptr;
            impl_->error = "cannot load font " + *paths[i];
        }
    }
}

PngRenderer::~PngRenderer() {
    for (FT_Face face : impl_->faces) {
        if (face != nullptr) {
            FT_Done_Face(face);
        }
    }
    if (impl_->library != nullptr) {
        FT_Done_FreeType(impl_->library);
    }
}

const std::string& PngRenderer::error() const {
    return impl_->error;
}

Raster PngRenderer::rasterize(const Document& document, std::size_t pageIndex, int dpi) {
    Raster raster;
    const double dotsPerMm = dpi / 25.4;
    auto dots = [&](double mm) { return static_cast<int>(std::lround(mm * dotsPerMm)); };
    raster.width = dots(document.widthMm);
    raster.height = dots(document.heightMm);
    raster.pixels.assign(static_cast<std::size_t>(raster.width * raster.height), 255);
    if (pageIndex >= document.pages.size()) {
        return raster;
    }
    const Page& page = document.pages[pageIndex];
    Canvas canvas(raster);
    for (const BoxItem& b : page.boxes) {
        canvas.fill(dots(b.x), dots(b.y), std::max(1, dots(b.width)), std::max(1, dots(b.height)));
    }
    for (const BarcodeItem& b : page.barcodes) {
        const Modules m = encodeModules(b.symbology, b.data);
        if (!m.error.empty() || m.width == 0) {
            continue;
        }
        const bool oneD = m.height == 1;
        const int width = dots(b.width);
        const int side = oneD ? width : std::min(width, dots(b.height));
        const int wanted = std::max(1, dots(b.moduleMm));
        const int module = std::max(1, std::min(wanted, side / m.width));
        const int x0 = dots(b.x) + (width - module * m.width) / 2;
        const int rowHeight = oneD ? dots(b.height) : module;
        // 2D codes are centred in their box too, away from the rules around it.
        const int y0 = dots(b.y) + (oneD ? 0 : (dots(b.height) - module * m.height) / 2);
        for (int y = 0; y < m.height; ++y) {
            for (int x = 0; x < m.width; ++x) {
                if (m.at(x, y)) {
                    canvas.fill(x0 + x * module, y0 + y * rowHeight, module, rowHeight);
                }
            }
        }
    }
    for (const ImageItem& image : page.images) {
        if (!image.bitmap) {
            continue;
        }
        const Bitmap& bitmap = *image.bitmap;
        const ImagePlacement at = placeImage(image, bitmap.width, bitmap.height, dotsPerMm);
        for (int y = 0; y < at.height; ++y) {
            for (int x = 0; x < at.width; ++x) {
                if (bitmap.at(x * bitmap.width / at.width, y * bitmap.height / at.height)) {
                    canvas.fill(at.x + x, at.y + y, 1, 1);
                }
            }
        }
    }
    for (const TextItem& t : page.texts) {
        impl_->text(canvas, t, dotsPerMm, dpi);
    }
    return raster;
}

std::string PngRenderer::renderPng(const Document& document, std::size_t page, int dpi) {
    return encodePng(rasterize(document, page, dpi));
}

}  // namespace labels
