// What the document layouts share: a page builder that places fitted text, barcodes, tables
// and grids from a template's fields, adding pages when a table or grid flows over.
#pragma once

#include "labels/Document.h"
#include "labels/Template.h"

#include <string>
#include <string_view>
#include <vector>

namespace labels {

// One row of a table: values by column key.
struct TableRow {
    std::vector<std::pair<std::string, std::string>> cells;
    std::string_view value(std::string_view key) const;
};

struct GridCell {
    Symbology symbology = Symbology::Code128;
    std::string data;
    std::string caption;
};

class PageBuilder {
  public:
    PageBuilder(const Template& layout, Document& document);

    // Each places the named field if the template has it; a missing field prints nothing.
    void text(std::string_view field, std::string_view value);
    void barcode(std::string_view field, Symbology symbology, std::string_view data);
    // A message printed, centred, where the field's barcode would have gone.
    void notice(std::string_view field, std::string_view message);
    // A 2D code in the symbology the template chose for the field.
    void code2d(std::string_view field, std::string_view data);
    // Tables and grids start at the field's y, or below `after` if that is lower, and
    // return the y below their last row (on the page they ended on).
    double table(std::string_view field, const std::vector<TableRow>& rows, double after = 0);
    double grid(std::string_view field, const std::vector<GridCell>& cells, double after = 0);
    // A text field placed below `after` if the flow has reached it, on a new page if needed.
    double textAfter(std::string_view field, std::string_view value, double after);

  private:
    void newPage();
    Page& page() { return document_.pages.back(); }
    void placeText(const Field& f, double y, double height, std::string_view value,
                   std::string_view name);
    void placeBarcode(double x, double y, double width, double height, double moduleMm,
                      Symbology symbology, std::string_view data, std::string_view name);
    double lineHeight(double sizePt) const;

    const Template& layout_;
    Document& document_;
};

std::string formatKilograms(long grams);

}  // namespace labels
