// Test helpers: ZPL drawn by an independent renderer (the npm package zpl-renderer-js, which
// is Zebrash in WebAssembly, run by node, offline) and its barcodes read back with ZXing-cpp.
// It checks what a Zebra printer makes of our bytes, not what our own preview draws.
#pragma once

#include "labels/Barcode.h"
#include "labels/PngRenderer.h"
#include "tests/labels/LabelScan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace labels_test {

// Where scripts/install-zpl-renderer.sh put the package: $STATION_ZPL_RENDER_DIR, else
// zpl-render/ beside the build's bin/ (what `make deps` fills).
inline std::filesystem::path zplRendererDir() {
    if (const char* dir = std::getenv("STATION_ZPL_RENDER_DIR"); dir != nullptr && *dir != 0) {
        return dir;
    }
    return std::filesystem::path(STATION_BIN_DIR).parent_path() / "zpl-render";
}

inline std::string readWhole(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Why the renderer cannot run, or "". Installs it on first use (the script is idempotent and
// takes a lock, so tests running at once install it once).
inline std::string zplRendererProblem() {
    static const std::string problem = [] {
        if (std::system("command -v node >/dev/null 2>&1") != 0) {
            return std::string("node is not installed (scripts/install-deps.sh installs it)");
        }
        const std::filesystem::path dir = zplRendererDir();
        std::filesystem::create_directories(dir);
        const std::string script =
            std::string(STATION_SOURCE_DIR) + "/scripts/install-zpl-renderer.sh";
        const std::filesystem::path log = dir / "install.log";
        const std::string command =
            "'" + script + "' '" + dir.string() + "' >'" + log.string() + "' 2>&1";
        if (std::system(command.c_str()) != 0) {
            return "cannot install zpl-renderer-js with " + script + ":\n" + readWhole(log);
        }
        return std::string();
    }();
    return problem;
}

// In CI (CI=true) a missing renderer fails the test; on a developer's machine without node
// it skips, saying why. Never a silent pass.
#define REQUIRE_ZPL_RENDERER()                                                            \
    do {                                                                                  \
        const std::string zplProblem = labels_test::zplRendererProblem();                 \
        if (!zplProblem.empty()) {                                                        \
            const char* ci = std::getenv("CI");                                           \
            if (ci != nullptr && std::string(ci) == "true") {                             \
                FAIL() << "the independent ZPL renderer is needed in CI: " << zplProblem; \
            }                                                                             \
            GTEST_SKIP() << "no independent ZPL renderer: " << zplProblem;                \
        }                                                                                 \
    } while (false)

struct ZplJob {
    std::string zpl;
    double widthMm = 101.6;
    double heightMm = 152.4;
    int dpi = 203;
};

// One gray raster per ^XA...^XZ label of each job, as the independent renderer draws it.
struct ZplRendering {
    std::vector<std::vector<labels::Raster>> labels;  // [job][label]
    std::string error;
};

inline ZplRendering renderZplIndependently(const std::vector<ZplJob>& jobs) {
    ZplRendering out;
    TempDir dir;
    std::string list = "[";
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const auto zplFile = dir.path() / ("job" + std::to_string(i) + ".zpl");
        std::ofstream(zplFile, std::ios::binary) << jobs[i].zpl;
        // Zebrash takes whole dots per millimetre: 8 for 203 dpi, 12 for 300 dpi (really
        // 11.8). It centres a label narrower than its canvas, so the canvas is given exactly
        // the label's dots, as a printer set to the label's width would print it.
        const int dpmm = static_cast<int>(jobs[i].dpi / 25.4 + 0.5);
        const auto canvasMm = [&](double mm) {
            return static_cast<double>(std::lround(mm * jobs[i].dpi / 25.4)) / dpmm;
        };
        list += std::string(i == 0 ? "" : ",") + "{\"zpl\":\"" + zplFile.string() +
                "\",\"widthMm\":" + std::to_string(canvasMm(jobs[i].widthMm)) +
                ",\"heightMm\":" + std::to_string(canvasMm(jobs[i].heightMm)) +
                ",\"dpmm\":" + std::to_string(dpmm) + ",\"out\":\"" +
                (dir.path() / ("job" + std::to_string(i))).string() + "\"}";
    }
    list += "]";
    std::ofstream(dir.path() / "jobs.json") << list;
    const std::string command =
        "node '" + std::string(STATION_SOURCE_DIR) + "/tests/labels/zpl-render/render.cjs' '" +
        (zplRendererDir() / "node_modules").string() + "' '" + (dir.path() / "jobs.json").string() +
        "' >'" + (dir.path() / "out.txt").string() + "' 2>&1";
    if (std::system(command.c_str()) != 0) {
        out.error = "zpl-renderer-js failed: " + readWhole(dir.path() / "out.txt");
        return out;
    }
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        out.labels.emplace_back();
        for (int page = 1;; ++page) {
            const auto png =
                dir.path() / ("job" + std::to_string(i) + "-" + std::to_string(page) + ".png");
            if (!std::filesystem::exists(png)) {
                break;
            }
            labels::DecodedPng decoded = labels::decodePng(readWhole(png));
            if (!decoded.error.empty()) {
                out.error = png.string() + ": " + decoded.error;
                return out;
            }
            out.labels.back().push_back(std::move(decoded.raster));
        }
    }
    return out;
}

// The ^XA...^XZ labels of a ZPL stream, in order.
inline std::vector<std::string> splitLabels(const std::string& zpl) {
    std::vector<std::string> labels;
    std::size_t at = 0;
    while ((at = zpl.find("^XA", at)) != std::string::npos) {
        const std::size_t end = zpl.find("^XZ", at);
        labels.push_back(zpl.substr(at, end == std::string::npos ? end : end + 3 - at));
        at = end == std::string::npos ? zpl.size() : end;
    }
    return labels;
}

// Where the scanner is aimed at each 2D code of one ZPL label, read from the ZPL itself: the
// ^FO origin, and the side from the module size and the data, with 6 mm more around it.
inline std::vector<Region> zplRegions2d(const std::string& label, int dpi) {
    std::vector<Region> regions;
    const std::regex code(
        R"(\^FO(\d+),(\d+)\^B([QX])N,(?:2,)?(\d+)[^\^]*\^FH\^FD(?:MA,)?([^\^]*)\^FS)");
    const double dotsPerMm = dpi / 25.4;
    const int margin = static_cast<int>(6 * dotsPerMm);
    for (auto it = std::sregex_iterator(label.begin(), label.end(), code);
         it != std::sregex_iterator(); ++it) {
        const auto& m = *it;
        const bool qr = m[3] == "Q";
        const int modules = labels::estimatedModules2d(
            qr ? labels::Symbology::QrCode : labels::Symbology::DataMatrix, m[5].str());
        const int side = modules * std::stoi(m[4].str());
        regions.push_back({std::stoi(m[1].str()) - margin, std::stoi(m[2].str()) - margin,
                           side + 2 * margin, side + 2 * margin});
    }
    return regions;
}

inline std::vector<Scan> scanZplLabel(const labels::Raster& raster, const std::string& label,
                                      int dpi) {
    return scanPixels(raster.width, raster.height, raster.pixels.data(), zplRegions2d(label, dpi));
}

// Every code on every label of each job, as the independent renderer draws them; a failure
// to render fails the test.
inline std::vector<std::set<Scan>> scanZplJobs(const std::vector<ZplJob>& jobs) {
    const ZplRendering rendering = renderZplIndependently(jobs);
    EXPECT_EQ(rendering.error, "");
    std::vector<std::set<Scan>> out(jobs.size());
    for (std::size_t i = 0; i < rendering.labels.size(); ++i) {
        const std::vector<std::string> labels = splitLabels(jobs[i].zpl);
        EXPECT_EQ(rendering.labels[i].size(), labels.size()) << "job " << i;
        for (std::size_t k = 0; k < rendering.labels[i].size() && k < labels.size(); ++k) {
            for (const Scan& s : scanZplLabel(rendering.labels[i][k], labels[k], jobs[i].dpi)) {
                out[i].insert(s);
            }
        }
    }
    return out;
}

}  // namespace labels_test
