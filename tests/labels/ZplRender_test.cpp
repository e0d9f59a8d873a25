// The ZPL we send, drawn by a renderer that is not ours (zpl-renderer-js, see ZplScan.h), and
// every barcode read back with ZXing-cpp: the data a carrier's scanner gets from the printer.
#include "labels/Documents.h"
#include "labels/PngRenderer.h"
#include "labels/ShippingLabel.h"
#include "labels/ZplRenderer.h"
#include "tests/labels/ZplScan.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

using labels::DocumentKind;
using labels_test::Scan;
using labels_test::ZplJob;

const std::string kGoldenDir = std::string(STATION_SOURCE_DIR) + "/tests/labels/golden/";

labels::ShippingLabel ssccLabel() {
    labels::ShippingLabel label;
    label.sender = {"Librairie Côté Cour", "12 rue de l'Église", "69002", "Lyon", "France"};
    label.recipient = {"Hélène Dupré-Ferrière", "3 bis, allée des Châtaigniers", "13090",
                       "Aix-en-Provence", "France"};
    label.orderNumber = "CMD-2024-00042";
    label.carrier = "Colissimo";
    label.trackingNumber = "037612345000000014";
    label.trackingIsSscc = true;
    label.parcelIndex = 1;
    label.parcelCount = 2;
    label.weightGrams = 1234;
    label.date = "2024-05-14";
    return label;
}

const labels::Template& layoutFor(DocumentKind kind, std::string_view size) {
    const labels::Template* t = labels::defaultTemplate(kind, size);
    EXPECT_NE(t, nullptr) << toString(kind) << " " << size;
    return *t;
}

// GS1-128 with FNC1 first ("]C1") and AI 00, and the DataMatrix with the bare number.
const std::set<Scan> kSsccScans = {{"]C1", "00037612345000000014"}, {"]d1", "037612345000000014"}};

int darkPixels(const labels::Raster& raster) {
    int dark = 0;
    for (std::uint8_t p : raster.pixels) {
        dark += p < 128 ? 1 : 0;
    }
    return dark;
}

TEST(ZplIndependentRender, GoldenFilesScanBackAsPrinted) {
    REQUIRE_ZPL_RENDERER();
    const std::vector<ZplJob> jobs = {{labels_test::readWhole(kGoldenDir + "sscc_accents.zpl")},
                                      {labels_test::readWhole(kGoldenDir + "pickup.zpl")}};
    ASSERT_FALSE(jobs[0].zpl.empty());
    const labels_test::ZplRendering rendering = labels_test::renderZplIndependently(jobs);
    ASSERT_EQ(rendering.error, "");
    ASSERT_EQ(rendering.labels.size(), 2u);
    ASSERT_EQ(rendering.labels[0].size(), 1u);
    const labels::Raster& sscc = rendering.labels[0][0];
    // 4 x 6 in at 8 dots/mm.
    EXPECT_NEAR(sscc.width, 812, 1);
    EXPECT_NEAR(sscc.height, 1219, 1);
    const auto scans = labels_test::scanZplLabel(sscc, jobs[0].zpl, 203);
    EXPECT_EQ(std::set<Scan>(scans.begin(), scans.end()), kSsccScans);

    // Customer pickup: text only, no barcode, but the renderer did print it.
    ASSERT_EQ(rendering.labels[1].size(), 1u);
    EXPECT_TRUE(labels_test::scanZplLabel(rendering.labels[1][0], jobs[1].zpl, 203).empty());
    EXPECT_GT(darkPixels(rendering.labels[1][0]), 5000);
}

TEST(ZplIndependentRender, EveryTemplateSizeAndResolutionScansBack) {
    REQUIRE_ZPL_RENDERER();
    std::vector<ZplJob> jobs;
    std::vector<std::set<Scan>> expected;
    for (const std::string& size : labels::defaultSizes(DocumentKind::ShippingLabel)) {
        const labels::Template& layout = layoutFor(DocumentKind::ShippingLabel, size);
        for (int dpi : {203, 300}) {
            jobs.push_back({labels::renderZpl(layoutShippingLabel(ssccLabel(), layout), dpi),
                            layout.widthMm, layout.heightMm, dpi});
            expected.push_back(kSsccScans);
        }
    }
    // A carrier's number with the characters ZPL treats specially, and a QR code.
    labels::ShippingLabel carrier = ssccLabel();
    carrier.trackingIsSscc = false;
    carrier.trackingNumber = "6A1234^~>_\\9";
    carrier.trackingData = "6A1234^~>_\\9|13090|FR";
    labels::Template qr = layoutFor(DocumentKind::ShippingLabel, "4x6");
    qr.fields.at("tracking_2d").symbology = "qr";
    for (int dpi : {203, 300}) {
        jobs.push_back({labels::renderZpl(layoutShippingLabel(carrier, qr), dpi), qr.widthMm,
                        qr.heightMm, dpi});
        expected.push_back({{"]C0", "6A1234^~>_\\9"}, {"]Q1", "6A1234^~>_\\9|13090|FR"}});
    }

    labels::ReturnSlip slip;
    slip.orderNumber = "CMD-2024-00042";
    slip.rmaCode = "RMA-7F3K-2024";
    slip.items = {{"LIV-0001", "Les Misérables", 1, "A-01"}};
    const labels::Template& returnSlip = layoutFor(DocumentKind::ReturnSlip, "4x6");
    jobs.push_back({labels::renderZpl(layoutReturnSlip(slip, returnSlip), 203), returnSlip.widthMm,
                    returnSlip.heightMm, 203});
    expected.push_back({{"]C0", "RMA-7F3K-2024"}, {"]Q1", "RMA-7F3K-2024"}});

    // A packing slip long enough for two labels.
    labels::PackingSlip packing;
    packing.orderNumber = "CMD-2024-00042";
    for (int i = 1; i <= 25; ++i) {
        packing.lines.push_back({"SKU-" + std::to_string(i), "Article", 1, "R-1"});
    }
    const labels::Template& packing4x6 = layoutFor(DocumentKind::PackingSlip, "4x6");
    const labels::Document packingDoc = layoutPackingSlip(packing, packing4x6);
    ASSERT_GT(packingDoc.pages.size(), 1u);
    jobs.push_back(
        {labels::renderZpl(packingDoc, 203), packing4x6.widthMm, packing4x6.heightMm, 203});
    expected.push_back({{"]C0", "CMD-2024-00042"}});

    // Every code of every label of each job (the packing slip's order barcode is on its first
    // label).
    const std::vector<std::set<Scan>> scans = labels_test::scanZplJobs(jobs);
    ASSERT_EQ(scans.size(), jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        EXPECT_EQ(scans[i], expected[i]) << "job " << i << " at " << jobs[i].dpi << " dpi";
    }
}

TEST(ZplIndependentRender, CompressedLogoIsDrawnWhereOurPreviewDrawsIt) {
    REQUIRE_ZPL_RENDERER();
    labels::Template layout = layoutFor(DocumentKind::ShippingLabel, "4x6");
    labels::TemplateImage logo;
    logo.item = {60, 8, 36, 16, nullptr};
    logo.file = "logo.png";
    layout.images.push_back(logo);
    // Stripes of several widths and a diagonal: runs of every length, rows that repeat and
    // rows that do not, so that every rule of the compression is used.
    labels::Raster picture;
    picture.width = 150;
    picture.height = 60;
    picture.pixels.assign(150 * 60, 255);
    for (int y = 0; y < 60; ++y) {
        for (int x = 0; x < 150; ++x) {
            const bool stripe = (x / 7) % 3 == 0 && y < 40;
            const bool diagonal = y >= 40 && std::abs(x - (y - 40) * 7) < 4;
            if (stripe || diagonal || x == 149) {
                picture.pixels[static_cast<std::size_t>(y * 150 + x)] = 0;
            }
        }
    }
    ASSERT_EQ(labels::attachImage(layout, 0, labels::encodePng(picture)), "");
    const labels::Document doc = layoutShippingLabel(ssccLabel(), layout);
    for (int dpi : {203, 300}) {
        const std::string zpl = labels::renderZpl(doc, dpi);
        const labels_test::ZplRendering rendering =
            labels_test::renderZplIndependently({{zpl, layout.widthMm, layout.heightMm, dpi}});
        ASSERT_EQ(rendering.error, "");
        ASSERT_EQ(rendering.labels.at(0).size(), 1u);
        const labels::Raster& printed = rendering.labels[0][0];
        labels::PngRenderer png;
        const labels::Raster preview = png.rasterize(doc, 0, dpi);
        // Dot for dot over the logo's box, where no text is drawn.
        const int x0 = static_cast<int>(60 * dpi / 25.4);
        const int y0 = static_cast<int>(8 * dpi / 25.4);
        const int x1 = static_cast<int>(96 * dpi / 25.4);
        const int y1 = static_cast<int>(24 * dpi / 25.4);
        int differ = 0;
        int dark = 0;
        for (int y = y0; y < y1; ++y) {
            for (int x = x0; x < x1; ++x) {
                const bool a =
                    printed.pixels[static_cast<std::size_t>(y * printed.width + x)] < 128;
                const bool b =
                    preview.pixels[static_cast<std::size_t>(y * preview.width + x)] < 128;
                differ += a != b ? 1 : 0;
                dark += a ? 1 : 0;
            }
        }
        EXPECT_GT(dark, (x1 - x0) * (y1 - y0) / 10) << dpi << " dpi: the logo is missing";
        EXPECT_EQ(differ, 0) << dpi << " dpi";
        // And the barcodes still scan with a logo on the label.
        const auto scans = labels_test::scanZplLabel(printed, zpl, dpi);
        EXPECT_EQ(std::set<Scan>(scans.begin(), scans.end()), kSsccScans) << dpi << " dpi";
    }
}

}  // namespace
