#include "labels/Layout.h"

#include "labels/Barcode.h"
#include "labels/Text.h"

#include <algorithm>
#include <cmath>

namespace labels {

namespace {

constexpr double kCellPadding = 1.0;  // mm between table columns
constexpr int kMaxCellLines = 3;      // a long description wraps, up to this many lines

Field textField(double x, double width, double sizePt, double minSizePt, int lines, bool bold,
                Align align) {
    Field f;
    f.x = x;
    f.width = width;
    f.sizePt = sizePt;
    f.minSizePt = minSizePt;
    f.lines = lines;
    f.bold = bold;
    f.align = align;
    return f;
}

}  // namespace

std::string_view TableRow::value(std::string_view key) const {
    for (const auto& [k, v] : cells) {
        if (k == key) {
            return v;
        }
    }
    return {};
}

std::string formatKilograms(long grams) {
    const bool negative = grams < 0;
    const unsigned long magnitude =
        negative ? 0UL - static_cast<unsigned long>(grams) : static_cast<unsigned long>(grams);
    std::string fraction = std::to_string(magnitude % 1000);
    fraction.insert(0, 3 - fraction.size(), '0');
    return (negative ? "-" : "") + std::to_string(magnitude / 1000) + "." + fraction + " kg";
}

PageBuilder::PageBuilder(const Template& layout, Document& document)
    : layout_(layout), document_(document) {
    document_.widthMm = layout.widthMm;
    document_.heightMm = layout.heightMm;
    newPage();
}

double PageBuilder::lineHeight(double sizePt) const {
    return sizePt * kLineSpacing * kMmPerPoint;
}

void PageBuilder::newPage() {
    document_.pages.emplace_back();
    Page& p = page();
    p.boxes = layout_.boxes;
    p.texts = layout_.texts;  // fitted when the template was read
    for (const TemplateImage& image : layout_.images) {
        if (image.item.bitmap) {
            p.images.push_back(image.item);
        }
    }
}

void PageBuilder::placeText(const Field& f, double y, double height, std::string_view value,
                            std::string_view name) {
    // The largest size at which the whole value fits the box; if none, the minimum size,
    // cut with an ellipsis and reported.
    const FittedText fitted =
        fitText(value, f.width, f.lines, f.sizePt, f.minSizePt, f.bold, height);
    if (fitted.cut) {
        document_.warnings.push_back(std::string(name) +
                                     ": text cut short to fit: " + cleanText(value));
    }
    const double line = lineHeight(fitted.sizePt);
    for (std::size_t i = 0; i < fitted.lines.size(); ++i) {
        page().texts.push_back({f.x, y + static_cast<double>(i) * line, f.width, fitted.sizePt,
                                f.bold, f.align, fitted.lines[i]});
    }
}

void PageBuilder::text(std::string_view name, std::string_view value) {
    if (const Field* f = layout_.field(name)) {
        placeText(*f, f->y, f->height, value, name);
    }
}

double PageBuilder::textAfter(std::string_view name, std::string_view value, double after) {
    const Field* f = layout_.field(name);
    if (f == nullptr || cleanText(value).find_first_not_of(' ') == std::string::npos) {
        return after;
    }
    double y = std::max(f->y, after);
    if (y + f->height > layout_.heightMm) {
        newPage();
        y = f->y;
    }
    placeText(*f, y, f->height, value, name);
    return y + f->height;
}

void PageBuilder::placeBarcode(double x, double y, double width, double height, double moduleMm,
                               Symbology symbology, std::string_view data, std::string_view name) {
    std::string problem = barcodeProblem(symbology, data);
    const bool oneD = symbology == Symbology::Code128 || symbology == Symbology::Gs1_128;
    if (problem.empty() && oneD &&
        worstCaseModules1d(symbology, data) * kMinModuleMm > width + 0.001) {
        problem = "too long for the width of the barcode";
    }
    if (problem.empty() && !oneD) {
        const int modules = estimatedModules2d(symbology, data);
        if (modules == 0 || modules * kMinModuleMm > std::min(width, height) + 0.001) {
            problem = "too much data for the size of the code";
        }
    }
    if (!problem.empty()) {
        // The value is still printed, as text, so the parcel can be handled by hand.
        document_.warnings.push_back(std::string(name) + ": cannot barcode \"" + cleanText(data) +
                                     "\": " + problem);
        placeText(textField(x, width, 10, 6, 0, true, Align::Center), y, height,
                  "CODE-BARRES IMPOSSIBLE / CANNOT BARCODE\n" + std::string(data), name);
        return;
    }
    page().barcodes.push_back({x, y, width, height, moduleMm, symbology, std::string(data)});
}

void PageBuilder::barcode(std::string_view name, Symbology symbology, std::string_view data) {
    const Field* f = layout_.field(name);
    if (f == nullptr || data.empty()) {
        return;
    }
    placeBarcode(f->x, f->y, f->width, f->height, f->moduleMm, symbology, data, name);
}

void PageBuilder::notice(std::string_view name, std::string_view message) {
    if (const Field* f = layout_.field(name)) {
        placeText(textField(f->x, f->width, 12, 6, 0, true, Align::Center), f->y + f->height / 3,
                  f->height / 2, message, name);
    }
}

void PageBuilder::code2d(std::string_view name, std::string_view data) {
    const Field* f = layout_.field(name);
    if (f == nullptr) {
        return;
    }
    barcode(name, f->symbology == "datamatrix" ? Symbology::DataMatrix : Symbology::QrCode, data);
}

double PageBuilder::table(std::string_view name, const std::vector<TableRow>& rows, double after) {
    const Field* f = layout_.field(name);
    if (f == nullptr) {
        return after;
    }
    const double line = lineHeight(f->sizePt);
    auto header = [&](double y) {
        if (!f->title.empty()) {
            placeText(textField(f->x, f->width, f->sizePt + 2, f->sizePt, 1, true, Align::Left), y,
                      f->rowHeight, f->title, name);
            y += f->rowHeight;
        }
        double x = f->x;
        for (const Column& c : f->columns) {
            page().texts.push_back(
                {x, y, c.width - kCellPadding, f->sizePt, true, c.align,
                 fitText(c.title, c.width - kCellPadding, 1, f->sizePt, f->minSizePt, true)
                     .lines.front()});
            x += c.width;
        }
        y += f->rowHeight;
        page().boxes.push_back({f->x, y - 0.6, f->width, 0.3});
        return y;
    };
    double y = std::max(f->y, after);
    if (y + 2 * f->rowHeight > f->bottom) {
        newPage();
        y = f->y;
    }
    y = header(y);
    for (const TableRow& row : rows) {
        // Fit every cell first: the tallest one sets the height of the row.
        std::vector<FittedText> cells;
        std::size_t tallest = 1;
        for (const Column& c : f->columns) {
            FittedText fitted = fitText(row.value(c.key), c.width - kCellPadding, kMaxCellLines,
                                        f->sizePt, f->minSizePt, false);
            if (fitted.cut) {
                document_.warnings.push_back(
                    std::string(name) + "." + c.key +
                    ": text cut short to fit: " + cleanText(row.value(c.key)));
            }
            tallest = std::max(tallest, fitted.lines.size());
            cells.push_back(std::move(fitted));
        }
        const double height = std::max(f->rowHeight, static_cast<double>(tallest) * line + 0.5);
        if (y + height > f->bottom) {
            newPage();
            y = header(f->y);
        }
        double x = f->x;
        for (std::size_t i = 0; i < f->columns.size(); ++i) {
            const Column& c = f->columns[i];
            for (std::size_t k = 0; k < cells[i].lines.size(); ++k) {
                page().texts.push_back({x, y + static_cast<double>(k) * line,
                                        c.width - kCellPadding, cells[i].sizePt, false, c.align,
                                        cells[i].lines[k]});
            }
            x += c.width;
        }
        y += height;
    }
    return y;
}

double PageBuilder::grid(std::string_view name, const std::vector<GridCell>& cells, double after) {
    const Field* f = layout_.field(name);
    if (f == nullptr || cells.empty()) {
        return after;
    }
    const int columns = std::max(1, static_cast<int>((f->width + 0.01) / f->cellWidth));
    const double captionHeight = 2 * lineHeight(f->sizePt);
    const double titleHeight = f->title.empty() ? 0 : lineHeight(f->sizePt + 4) + 1;
    double y = std::max(f->y, after);
    if (y + titleHeight + f->cellHeight > f->bottom) {
        newPage();
        y = f->y;
    }
    if (!f->title.empty()) {
        placeText(textField(f->x, f->width, f->sizePt + 4, f->sizePt, 1, true, Align::Left), y,
                  titleHeight, f->title, name);
        y += titleHeight;
    }
    int column = 0;
    for (const GridCell& cell : cells) {
        if (column == columns) {
            column = 0;
            y += f->cellHeight;
        }
        if (column == 0 && y + f->cellHeight > f->bottom) {
            newPage();
            y = f->y;
        }
        const double x = f->x + column * f->cellWidth;
        // A quiet zone of 3 mm on each side of the code, caption below it.
        const double codeWidth = f->cellWidth - 6;
        const double codeHeight = f->cellHeight - captionHeight - 3;
        placeBarcode(x + 3, y + 1, codeWidth, codeHeight, f->moduleMm, cell.symbology, cell.data,
                     name);
        placeText(
            textField(x + 1, f->cellWidth - 2, f->sizePt, f->minSizePt, 2, f->bold, Align::Center),
            y + 1 + codeHeight + 0.5, captionHeight, cell.caption, name);
        ++column;
    }
    return y + f->cellHeight;
}

}  // namespace labels
