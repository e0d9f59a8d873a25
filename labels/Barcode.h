// Barcodes as module grids, encoded by ZXing-cpp, for the renderers that draw them
// (PDF, PNG); and the checks a layout makes before placing a value as a barcode.
#pragma once

#include "labels/Document.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace labels {

// Dark (1) and light (0) modules, row by row, without quiet zone. 1D codes have one row.
struct Modules {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> dark;
    std::string error;  // set when the data cannot be encoded; then the grid is empty

    bool at(int x, int y) const { return dark[static_cast<std::size_t>(y * width + x)] != 0; }
};

Modules encodeModules(Symbology symbology, std::string_view data);

// Why `data` cannot be a barcode of that symbology, or empty if it can: Code 128 takes
// printable ASCII, GS1-128 an even number of digits (element strings with fixed-length AIs,
// e.g. "00" + SSCC), DataMatrix printable ASCII, QR any UTF-8.
std::string barcodeProblem(Symbology symbology, std::string_view data);

// Modules across a 1D code in the least compact encoding a renderer may choose (ZPL's ^BC
// in subset B, or subset C for GS1), so that a layout that fits this fits every renderer.
int worstCaseModules1d(Symbology symbology, std::string_view data);

// Modules across a 2D code, without encoding it (a QR code takes a few hundred microseconds
// to encode): the symbol for `data` in byte mode (QR, error correction M) or in ASCII
// (DataMatrix, square), which is never smaller than the one an encoder picks. 0 if too long.
int estimatedModules2d(Symbology symbology, std::string_view data);

// The thinnest module a layout accepts: about the thinnest a scanner reads from thermal print.
constexpr double kMinModuleMm = 0.25;

}  // namespace labels
