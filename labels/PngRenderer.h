// Raster preview of a document, for the screens and for the tests that scan every barcode:
// gray pixels drawn from the same layout the printers get, text through FreeType.
#pragma once

#include "labels/Document.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace labels {

// 8-bit gray, row by row, 0 black and 255 white.
struct Raster {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;
};

std::string encodePng(const Raster& raster);

struct DecodedPng {
    Raster raster;      // empty when error is set
    std::string error;  // why the bytes are not a PNG we can read
};

// Any PNG (gray, palette, colour, with or without transparency, 16 bits) as 8-bit gray,
// transparent parts composed on white: for logos, and for the tests that read rendered labels.
DecodedPng decodePng(std::string_view png);

// The DejaVu Sans pair from Debian's fonts-dejavu-core.
constexpr const char* kDefaultFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr const char* kDefaultBoldFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

// Loads the two fonts once; reuse one renderer for many previews (not thread-safe).
class PngRenderer {
  public:
    explicit PngRenderer(const std::string& font = kDefaultFont,
                         const std::string& boldFont = kDefaultBoldFont);
    ~PngRenderer();
    PngRenderer(const PngRenderer&) = delete;
    PngRenderer& operator=(const PngRenderer&) = delete;

    // Set when a font could not be loaded: previews then show no text, barcodes still.
    const std::string& error() const;

    // Bars and modules are whole pixels, as on a thermal printer of that resolution.
    Raster rasterize(const Document& document, std::size_t page, int dpi);
    std::string renderPng(const Document& document, std::size_t page, int dpi);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace labels
