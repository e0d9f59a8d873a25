#include "labels/Template.h"
#include "labels/ShippingLabel.h"

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

TEST(Template, MistakesAreReportedWithWhereAndWhat) {
    const std::string head =
        "kind = \"shipping-label\"\nsize = \"4x6\"\n[page]\nwidth = 100\n"
        "height = 150\n";
    auto error = [&](const std::string& rest) {
        return labels::parseTemplate(head + rest, "mine.toml").error;
    };
    EXPECT_EQ(error(""), "");
    EXPECT_EQ(error("[fields.recipient_nmae]\nx = 1\ny = 1\nwidth = 10\n").substr(0, 74),
              "mine.toml.fields.recipient_nmae: unknown field for a shipping-label; known");
    EXPECT_EQ(error("[fields.order]\nx = 95\ny = 1\nwidth = 10\n").substr(0, 51),
              "mine.toml.fields.order: goes past the edge of the p");
    EXPECT_EQ(error("[fields.order]\ny = 1\nwidth = 10\n"),
              "mine.toml.fields.order.x: is required");
    EXPECT_EQ(error("[fields.order]\nx = \"left\"\ny = 1\nwidth = 10\n"),
              "mine.toml.fields.order.x: must be a number");
    EXPECT_EQ(error("[fields.tracking_2d]\nx = 1\ny = 1\nwidth = 10\nsymbology = \"aztec\"\n"),
              "mine.toml.fields.tracking_2d.symbology: must be qr or datamatrix");
    EXPECT_EQ(
        labels::parseTemplate("kind = \"poster\"\nsize = \"a0\"\n", "p.toml").error.substr(0, 24),
        "p.toml.kind: must be one");
    EXPECT_EQ(labels::parseTemplate("kind = = 1", "bad.toml").error.substr(0, 13), "bad.toml:1:8:");
}

}  // namespace
