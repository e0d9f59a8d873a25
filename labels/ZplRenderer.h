// ZPL II for Zebra-compatible thermal printers: one ^XA...^XZ label per page, UTF-8 text
// (^CI28) in font 0, native ^BC, ^BQ and ^BX barcodes. Pure: bytes out, no I/O.
#pragma once

#include "labels/Document.h"

#include <string>

namespace labels {

// `dpi` is the printer's resolution: 203 (8 dots/mm) or 300 (12 dots/mm), or another.
std::string renderZpl(const Document& document, int dpi);

}  // namespace labels
