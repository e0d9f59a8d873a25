// A laid-out document: pages of text lines, black boxes and barcodes placed in millimetres.
// Layouts produce it from a template and a value; the ZPL, PDF and PNG renderers draw it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace labels {

enum class Symbology {
    Code128,     // any printable ASCII
    Gs1_128,     // Code 128 with FNC1 first; data is the GS1 element string, e.g. "00" + SSCC
    QrCode,      // UTF-8
    DataMatrix,  // ASCII
};

enum class Align { Left, Center, Right };

// One line of text, already cleaned and fitted by the layout. (x, y) is the top-left corner
// of a line box `width` wide and kLineSpacing * sizePt high; each renderer aligns the text in
// that box with its own font's widths.
struct TextItem {
    double x = 0;
    double y = 0;
    double width = 0;
    double sizePt = 10;
    bool bold = false;
    Align align = Align::Left;
    std::string text;
};

// A filled black rectangle: rules and frames.
struct BoxItem {
    double x = 0;
    double y = 0;
    double width = 0;
    double height = 0;
};

// A barcode fitted into its box: each renderer encodes `data` itself (ZPL natively, PDF and
// PNG through ZXing) with the widest module up to `moduleMm` that fits, centred horizontally.
// 2D codes are square and as large as the box allows.
struct BarcodeItem {
    double x = 0;
    double y = 0;
    double width = 0;
    double height = 0;
    double moduleMm = 0.5;
    Symbology symbology = Symbology::Code128;
    std::string data;
};

// A black-and-white picture, row by row: 1 is a black dot, 0 leaves the paper white.
struct Bitmap {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> dark;

    bool at(int x, int y) const { return dark[static_cast<std::size_t>(y * width + x)] != 0; }
};

// A picture (a logo) scaled into its box as large as its proportions allow, centred. The
// bitmap is shared by every page and every label laid out from the same template.
struct ImageItem {
    double x = 0;
    double y = 0;
    double width = 0;
    double height = 0;
    std::shared_ptr<const Bitmap> bitmap;  // null: nothing is drawn
};

// Where a picture lands on a printer with `dotsPerMm`: the largest whole-dot size that keeps
// its proportions inside the box, centred in it. Shared by the ZPL and PNG renderers so that
// the preview shows what the printer prints.
struct ImagePlacement {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
};

inline ImagePlacement placeImage(const ImageItem& image, int pixelsWide, int pixelsHigh,
                                 double dotsPerMm) {
    const double boxWidth = image.width * dotsPerMm;
    const double boxHeight = image.height * dotsPerMm;
    const double scale = std::min(boxWidth / pixelsWide, boxHeight / pixelsHigh);
    ImagePlacement at;
    at.width = std::max(1, static_cast<int>(pixelsWide * scale));
    at.height = std::max(1, static_cast<int>(pixelsHigh * scale));
    at.x = static_cast<int>(std::lround(image.x * dotsPerMm + (boxWidth - at.width) / 2));
    at.y = static_cast<int>(std::lround(image.y * dotsPerMm + (boxHeight - at.height) / 2));
    return at;
}

struct Page {
    std::vector<TextItem> texts;
    std::vector<BoxItem> boxes;
    std::vector<BarcodeItem> barcodes;
    std::vector<ImageItem> images;
};

struct Document {
    double widthMm = 0;
    double heightMm = 0;
    std::vector<Page> pages;
    // What the layout had to do that a person should know: text cut short, a value that
    // could not be barcoded. Each of them is also visible on the document itself.
    std::vector<std::string> warnings;
};

}  // namespace labels
