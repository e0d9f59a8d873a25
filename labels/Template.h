// Layout templates: where each field of a document goes, read from TOML so that a merchant
// can move fields without recompiling. The default set is config/labels/*.toml, built in.
#pragma once

#include "labels/Document.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labels {

enum class DocumentKind { ShippingLabel, ReturnSlip, PackingSlip, PickList, CommandSheet };
std::string_view toString(DocumentKind kind);  // "shipping-label", as in the template files

// One column of a table field; `key` names the value, e.g. "sku" or "quantity".
struct Column {
    std::string key;
    std::string title;
    double width = 0;
    Align align = Align::Left;
};

// Where one field goes. Text fields use the box, size and lines; barcodes the box and
// module; tables (`columns`) and grids (`cellWidth`) flow from `y` down to `bottom` and
// continue on a new page, starting again at `y`.
struct Field {
    double x = 0;
    double y = 0;
    double width = 0;
    double height = 0;
    double sizePt = 10;
    double minSizePt = 6;
    int lines = 0;  // 0: as many as the height holds
    bool bold = false;
    Align align = Align::Left;
    double moduleMm = 0.5;
    std::string symbology;  // for a 2D code: "qr" or "datamatrix"
    std::string title;      // heading of a table or grid
    std::vector<Column> columns;
    double rowHeight = 0;
    double bottom = 0;
    double cellWidth = 0;
    double cellHeight = 0;
};

// A picture the template places on every page (`[[image]]`): the file is named in the
// template, read by the caller (labels does no I/O) and given to attachImage.
struct TemplateImage {
    ImageItem item;    // its bitmap is null until attachImage
    std::string file;  // as written in the template, relative to the template's folder
    int line = 0;      // where `file` is written, for errors about the file
    int column = 0;
};

struct Template {
    DocumentKind kind = DocumentKind::ShippingLabel;
    std::string size;  // "4x6", "100x150", "a4"...
    double widthMm = 0;
    double heightMm = 0;
    std::vector<TextItem> texts;        // fixed captions, on every page, fitted to their width
    std::vector<BoxItem> boxes;         // rules and frames, on every page
    std::vector<TemplateImage> images;  // logos, on every page
    std::map<std::string, Field, std::less<>> fields;

    const Field* field(std::string_view name) const;
};

struct TemplateResult {
    std::optional<Template> layout;  // set only when error is empty
    // "shipping-label-4x6.toml:12:5: fields.sender.x: must be a number": the file, the line
    // and column of the value (or of its table when the value is missing), the key, why.
    std::string error;
};

// Parses and validates a template: known document kind and field names, boxes on the page.
TemplateResult parseTemplate(std::string_view toml, std::string_view sourceName);

// Gives `layout.images[index]` its picture from the bytes of a PNG file (any colour type;
// transparent parts count as white, other pixels are black below half brightness). Returns
// why it cannot, or an empty string.
std::string attachImage(Template& layout, std::size_t index, std::string_view png);

// The built-in template for a document and size, or null if there is none.
const Template* defaultTemplate(DocumentKind kind, std::string_view size);
// The sizes that have a built-in template for `kind`.
std::vector<std::string> defaultSizes(DocumentKind kind);

}  // namespace labels
