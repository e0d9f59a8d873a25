// Test helpers: scan every barcode on a rendered document, from the PNG preview's raster or
// from the PDF rasterised by poppler's pdftoppm, with ZXing-cpp's reader.
#pragma once

#include "labels/Document.h"
#include "labels/PdfRenderer.h"
#include "labels/PngRenderer.h"

#include <ZXing/ReadBarcode.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace labels_test {

// What a scanner reports: the symbology identifier ("]C1" is GS1-128, "]C0" plain Code 128,
// "]Q1" QR...) and the text.
struct Scan {
    std::string symbology;
    std::string text;
    bool operator<(const Scan& o) const {
        return std::tie(symbology, text) < std::tie(o.symbology, o.text);
    }
    bool operator==(const Scan& o) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const Scan& s) {
    return out << s.symbology << " " << s.text;
}

// Where a person aims the scanner at a 2D code: a rectangle of pixels.
struct Region {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
};

// Like a person scanning the page. ZXing-cpp 1.4.0 (Debian 12) asserts when it merges two
// sightings of one tall 1D code (Result::operator==, "lineCount() == 1"), so 1D codes are read
// across the whole page in thin horizontal strips. Its DataMatrix detector gives up when other
// print is close around a code, so 2D codes are read the way a person aims a scanner: from the
// pixels of each region given (around each 2D code). Every distinct code is reported once.
inline std::vector<Scan> scanPixels(int width, int height, const std::uint8_t* pixels,
                                    const std::vector<Region>& regions2d) {
    std::set<Scan> found;
    auto read = [&](int x, int y, int columns, int rows, ZXing::BarcodeFormats formats) {
        ZXing::DecodeHints hints;
        hints.setTryHarder(true);
        hints.setTryRotate(false);
        hints.setFormats(formats);
        const std::uint8_t* start = pixels + static_cast<std::size_t>(y) * width + x;
        for (const ZXing::Result& r : ZXing::ReadBarcodes(
                 ZXing::ImageView(start, columns, rows, ZXing::ImageFormat::Lum, width), hints)) {
            found.insert({r.symbologyIdentifier().substr(0, 3), r.text()});
        }
    };
    for (const Region& r : regions2d) {
        const int x0 = std::clamp(r.x, 0, width);
        const int y0 = std::clamp(r.y, 0, height);
        const int x1 = std::clamp(r.x + r.width, 0, width);
        const int y1 = std::clamp(r.y + r.height, 0, height);
        if (x1 > x0 && y1 > y0) {
            read(x0, y0, x1 - x0, y1 - y0, ZXing::BarcodeFormat::MatrixCodes);
        }
    }
    constexpr int kStrip = 24;
    for (int y = 0; y + kStrip <= height; y += kStrip / 2) {
        read(0, y, width, kStrip, ZXing::BarcodeFormat::LinearCodes);
    }
    return {found.begin(), found.end()};
}

// The 2D codes the layout placed on a page, each with 4 mm more on every side.
inline std::vector<Scan> scan(int width, int height, const std::uint8_t* pixels,
                              const labels::Document& doc, std::size_t page) {
    std::vector<Region> regions;
    const double dotsPerMm = static_cast<double>(width) / doc.widthMm;
    for (const labels::BarcodeItem& b : doc.pages.at(page).barcodes) {
        if (b.symbology != labels::Symbology::QrCode &&
            b.symbology != labels::Symbology::DataMatrix) {
            continue;
        }
        const int x0 = static_cast<int>((b.x - 4) * dotsPerMm);
        const int y0 = static_cast<int>((b.y - 4) * dotsPerMm);
        regions.push_back({x0, y0, static_cast<int>((b.x + b.width + 4) * dotsPerMm) - x0,
                           static_cast<int>((b.y + b.height + 4) * dotsPerMm) - y0});
    }
    return scanPixels(width, height, pixels, regions);
}

inline std::vector<Scan> scan(const labels::Raster& raster, const labels::Document& doc,
                              std::size_t page) {
    return scan(raster.width, raster.height, raster.pixels.data(), doc, page);
}

// A temporary directory removed with the object.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "labels-XXXXXX").string();
        path_ = mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

struct Gray {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;
};

// A binary PGM (P5, 8 bits) as pdftoppm -gray writes it.
inline Gray readPgm(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string magic;
    int maxValue = 0;
    Gray g;
    in >> magic >> g.width >> g.height >> maxValue;
    in.get();
    if (magic != "P5" || maxValue != 255) {
        return {};
    }
    g.pixels.resize(static_cast<std::size_t>(g.width * g.height));
    in.read(reinterpret_cast<char*>(g.pixels.data()),
            static_cast<std::streamsize>(g.pixels.size()));
    return g;
}

// Rasterises page `page` (1-based) of the PDF of `doc` with poppler at `dpi` and scans it.
inline std::vector<Scan> scanPdf(const std::string& pdf, const labels::Document& doc, int page,
                                 int dpi = 300) {
    TempDir dir;
    const auto file = dir.path() / "doc.pdf";
    std::ofstream(file, std::ios::binary) << pdf;
    const std::string command = "pdftoppm -gray -r " + std::to_string(dpi) + " -f " +
                                std::to_string(page) + " -l " + std::to_string(page) +
                                " -singlefile '" + file.string() + "' '" +
                                (dir.path() / "page").string() + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    const Gray g = readPgm(dir.path() / "page.pgm");
    EXPECT_GT(g.width, 0) << "pdftoppm wrote no page " << page;
    return scan(g.width, g.height, g.pixels.data(), doc, static_cast<std::size_t>(page - 1));
}

// The text poppler extracts from a PDF: what a person reads, accents included.
inline std::string pdfText(const std::string& pdf) {
    TempDir dir;
    const auto file = dir.path() / "doc.pdf";
    std::ofstream(file, std::ios::binary) << pdf;
    const std::string command =
        "pdftotext -layout '" + file.string() + "' '" + (dir.path() / "doc.txt").string() + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    std::ifstream in(dir.path() / "doc.txt", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::vector<Scan> sorted(std::vector<Scan> scans) {
    std::sort(scans.begin(), scans.end());
    return scans;
}

}  // namespace labels_test
