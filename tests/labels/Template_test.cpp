#include "labels/Template.h"
#include "labels/PdfRenderer.h"
#include "labels/PngRenderer.h"
#include "labels/ShippingLabel.h"
#include "labels/ZplRenderer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

using labels::DocumentKind;

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

const std::filesystem::path kTemplateDir =
    std::filesystem::path(STATION_SOURCE_DIR) / "config" / "labels";

TEST(Template, EveryShippedTemplateParsesAndIsBuiltIn) {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kTemplateDir)) {
        if (entry.path().extension() != ".toml") {
            continue;
        }
        ++count;
        const auto r =
            labels::parseTemplate(readFile(entry.path()), entry.path().filename().string());
        ASSERT_EQ(r.error, "") << entry.path();
        ASSERT_TRUE(r.layout);
        EXPECT_TRUE(entry.path().filename().string().starts_with(
            std::string(toString(r.layout->kind)) + "-" + r.layout->size))
            << "file name should be <kind>-<size>.toml: " << entry.path();
        EXPECT_NE(labels::defaultTemplate(r.layout->kind, r.layout->size), nullptr);
    }
    EXPECT_GE(count, 8);
    for (const char* size : {"4x6", "100x150"}) {
        EXPECT_NE(labels::defaultTemplate(DocumentKind::ShippingLabel, size), nullptr) << size;
    }
    for (const char* size : {"a4", "a5", "4x6"}) {
        EXPECT_NE(labels::defaultTemplate(DocumentKind::PackingSlip, size), nullptr) << size;
    }
    EXPECT_EQ(labels::defaultTemplate(DocumentKind::PickList, "a3"), nullptr);
}

TEST(Template, MovingAFieldInTheFileMovesItOnTheLabel) {
    std::string toml = readFile(kTemplateDir / "shipping-label-4x6.toml");
    const std::string from = "[fields.order]\nx = 5\ny = 100.5";
    ASSERT_NE(toml.find(from), std::string::npos);
    toml.replace(toml.find(from), from.size(), "[fields.order]\nx = 30\ny = 20");
    const auto r = labels::parseTemplate(toml, "moved.toml");
    ASSERT_EQ(r.error, "");
    labels::ShippingLabel label;
    label.orderNumber = "CMD-77";
    const labels::Document doc = layoutShippingLabel(label, *r.layout);
    bool found = false;
    for (const auto& t : doc.pages.at(0).texts) {
        if (t.text == "CMD-77") {
            EXPECT_DOUBLE_EQ(t.x, 30);
            EXPECT_DOUBLE_EQ(t.y, 20);
            found = true;
        }
    }
    EXPECT_TRUE(found);
}

TEST(Template, MistakesAreReportedWithFileLineColumnKeyAndWhat) {
    const std::string head =
        "kind = \"shipping-label\"\nsize = \"4x6\"\n[page]\nwidth = 100\n"
        "height = 150\n";
    auto error = [&](const std::string& rest) {
        return labels::parseTemplate(head + rest, "mine.toml").error;
    };
    EXPECT_EQ(error(""), "");
    EXPECT_EQ(error("[fields.recipient_nmae]\nx = 1\ny = 1\nwidth = 10\n").substr(0, 79),
              "mine.toml:6:1: fields.recipient_nmae: unknown field for a shipping-label; known");
    EXPECT_EQ(error("[fields.order]\nx = 95\ny = 1\nwidth = 10\n").substr(0, 59),
              "mine.toml:6:1: fields.order: goes past the edge of the page");
    // A missing key: at the table that should hold it.
    EXPECT_EQ(error("[fields.order]\ny = 1\nwidth = 10\n"),
              "mine.toml:6:1: fields.order.x: is required");
    // A wrong value: at the value itself.
    EXPECT_EQ(error("[fields.order]\nx = \"left\"\ny = 1\nwidth = 10\n"),
              "mine.toml:7:5: fields.order.x: must be a number");
    EXPECT_EQ(error("[fields.tracking_2d]\nx = 1\ny = 1\nwidth = 10\nsymbology = \"aztec\"\n"),
              "mine.toml:10:13: fields.tracking_2d.symbology: must be qr or datamatrix");
    EXPECT_EQ(error("[[box]]\nx = 1\ny = 149\nwidth = 10\nheight = 2\n"),
              "mine.toml:6:1: box[0]: goes past the edge of the page (100.000000 x 150.000000 mm)");
    EXPECT_EQ(error("[[image]]\nx = 1\ny = 1\nwidth = 10\nheight = 10\n"),
              "mine.toml:6:1: image[0].file: is required: the PNG file of the picture, e.g. "
              "\"logo.png\"");
    EXPECT_EQ(
        labels::parseTemplate("kind = \"poster\"\nsize = \"a0\"\n", "p.toml").error.substr(0, 30),
        "p.toml:1:8: kind: must be one ");
    EXPECT_EQ(labels::parseTemplate("kind = = 1", "bad.toml").error.substr(0, 13), "bad.toml:1:8:");
}

// A small logo: a black frame with a black square in the middle, on a transparent
// background, as an RGBA PNG (what a drawing program saves).
std::string logoPng(int width, int height) {
    labels::Raster gray;
    gray.width = width;
    gray.height = height;
    gray.pixels.assign(static_cast<std::size_t>(width * height), 255);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            const bool frame = x < 3 || y < 3 || x >= width - 3 || y >= height - 3;
            const bool middle =
                x > width / 3 && x < 2 * width / 3 && y > height / 3 && y < 2 * height / 3;
            if (frame || middle) {
                gray.pixels[static_cast<std::size_t>(y * width + x)] = 0;
            }
        }
    }
    return labels::encodePng(gray);
}

TEST(TemplateImage, ALogoIsPlacedOnEveryPageAndDrawnByEachRenderer) {
    std::string toml = readFile(kTemplateDir / "shipping-label-4x6.toml");
    toml += "\n[[image]]\nx = 60\ny = 8\nwidth = 36\nheight = 16\nfile = \"logo.png\"\n";
    auto r = labels::parseTemplate(toml, "with-logo.toml");
    ASSERT_EQ(r.error, "");
    ASSERT_EQ(r.layout->images.size(), 1u);
    EXPECT_EQ(r.layout->images[0].file, "logo.png");
    EXPECT_GT(r.layout->images[0].line, 190);
    // Until the picture is attached, nothing is drawn.
    labels::ShippingLabel label;
    label.orderNumber = "CMD-77";
    EXPECT_TRUE(layoutShippingLabel(label, *r.layout).pages.at(0).images.empty());

    ASSERT_EQ(labels::attachImage(*r.layout, 0, logoPng(90, 40)), "");
    const labels::Document doc = layoutShippingLabel(label, *r.layout);
    ASSERT_EQ(doc.pages.at(0).images.size(), 1u);

    // ZPL: a compressed ^GFA graphic field at the box, 36 x 16 mm at 7.99 dots/mm: the 90 x 40
    // picture scales to 287 x 127 dots, centred (x 480, y 64).
    const std::string zpl = labels::renderZpl(doc, 203);
    const auto at = zpl.find("^FO480,64^GFA,4572,4572,36,");
    ASSERT_NE(at, std::string::npos) << zpl.substr(0, 200);
    const std::string data = zpl.substr(at, zpl.find("^FS", at) - at);
    EXPECT_LT(data.size(), 600u) << "the graphic is not compressed";
    EXPECT_NE(data.find(':'), std::string::npos) << "identical rows are not repeated with ':'";

    // The preview: black frame and middle, white between them.
    labels::PngRenderer png;
    const labels::Raster raster = png.rasterize(doc, 0, 203);
    auto dark = [&](int x, int y) {
        return raster.pixels[static_cast<std::size_t>(y * raster.width + x)] < 128;
    };
    EXPECT_TRUE(dark(481, 65));         // frame, top left
    EXPECT_TRUE(dark(480 + 144, 128));  // middle
    EXPECT_FALSE(dark(480 + 40, 100));  // between frame and middle
    EXPECT_FALSE(dark(478, 100));       // left of the box's picture

    // PDF: the picture is an image in the file, and the rest still renders.
    labels::PdfRenderer pdf;
    const labels::PdfResult result = pdf.render(doc);
    ASSERT_EQ(result.error, "");
    EXPECT_NE(result.pdf.find("/Subtype /Image"), std::string::npos);
    EXPECT_LT(result.pdf.size(), 8192u + 600u);
}

TEST(TemplateImage, WhatIsNotAPngIsRefusedWithTheReason) {
    std::string toml = readFile(kTemplateDir / "shipping-label-4x6.toml");
    toml += "\n[[image]]\nx = 60\ny = 8\nwidth = 36\nheight = 16\nfile = \"logo.png\"\n";
    auto r = labels::parseTemplate(toml, "with-logo.toml");
    ASSERT_EQ(r.error, "");
    EXPECT_EQ(labels::attachImage(*r.layout, 0, "GIF89a...").substr(0, 16), "not a PNG image:");
    EXPECT_EQ(labels::attachImage(*r.layout, 0, "x").substr(0, 16), "not a PNG image:");
    EXPECT_EQ(labels::attachImage(*r.layout, 1, logoPng(4, 4)), "the template has no image 1");
}

}  // namespace
