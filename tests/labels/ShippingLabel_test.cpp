#include "labels/ShippingLabel.h"

#include "labels/PdfRenderer.h"
#include "labels/PngRenderer.h"
#include "labels/Text.h"
#include "labels/ZplRenderer.h"
#include "tests/labels/LabelScan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

using labels::ShippingLabel;

const std::string kGoldenDir = std::string(STATION_SOURCE_DIR) + "/tests/labels/golden/";

ShippingLabel ssccLabel() {
    ShippingLabel label;
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

ShippingLabel pickupLabel() {
    ShippingLabel label;
    label.sender = {"Librairie Côté Cour", "12 rue de l'Église", "69002", "Lyon", "France"};
    label.recipient = {"Jérôme Müller", "", "", "Retrait en magasin", ""};
    label.orderNumber = "CMD-2024-00043";
    label.parcelIndex = 1;
    label.parcelCount = 1;
    label.weightGrams = 50;
    label.date = "2024-05-14";
    return label;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Byte-for-byte against the reviewed file; UPDATE_GOLDEN=1 rewrites it after a deliberate
// layout change (then review the diff before committing).
void expectGolden(const std::string& name, const std::string& zpl) {
    const std::string path = kGoldenDir + name;
    const char* update = std::getenv("UPDATE_GOLDEN");
    if (update != nullptr && std::string(update) == "1") {
        std::ofstream(path, std::ios::binary) << zpl;
        std::cout << "updated " << path << "\n";
    }
    const std::string golden = readFile(path);
    ASSERT_FALSE(golden.empty()) << "missing " << path << "; run with UPDATE_GOLDEN=1";
    EXPECT_EQ(zpl, golden) << "differs from " << path;
}

// What the printer puts on paper for each ^FD field of text: ^FH hex escapes decoded, and the ^FB
// escapes "\\" (backslash) and "\&" (line break) applied. Fails the test on a field that
// would let user data start a command.
std::vector<std::string> printedFields(const std::string& zpl) {
    std::vector<std::string> fields;
    std::size_t pos = 0;
    while ((pos = zpl.find("^FD", pos)) != std::string::npos) {
        const std::size_t end = zpl.find("^FS", pos);
        EXPECT_NE(end, std::string::npos);
        const std::string raw = zpl.substr(pos + 3, end - pos - 3);
        EXPECT_EQ(raw.find_first_of("^~"), std::string::npos) << "field data: " << raw;
        const std::size_t fieldStart = zpl.rfind("^FO", pos);
        const std::string header = zpl.substr(fieldStart, pos - fieldStart);
        if (header.find("^A0") == std::string::npos) {
            pos = end;
            continue;  // a barcode: its data is checked by the tests that scan it
        }
        const bool hex = header.find("^FH") != std::string::npos;
        const bool block = header.find("^FB") != std::string::npos;
        std::string text;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (hex && raw[i] == '_' && i + 2 < raw.size()) {
                text += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
                i += 2;
            } else if (block && raw[i] == '\\' && i + 1 < raw.size()) {
                text += raw[i + 1] == '&' ? '\n' : raw[i + 1];
                ++i;
            } else {
                text += raw[i];
            }
        }
        fields.push_back(text);
        pos = end;
    }
    return fields;
}

bool contains(const std::vector<std::string>& fields, const std::string& text) {
    return std::find(fields.begin(), fields.end(), text) != fields.end();
}

bool isValidUtf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80         ? 1
                              : (c >> 5) == 6  ? 2
                              : (c >> 4) == 14 ? 3
                              : (c >> 3) == 30 ? 4
                                               : 0;
        if (n == 0 || i + n > s.size()) {
            return false;
        }
        for (std::size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
                return false;
            }
        }
        i += n;
    }
    return true;
}

TEST(ShippingLabelZpl, SsccLabelMatchesGolden) {
    expectGolden("sscc_accents.zpl", renderShippingLabelZpl(ssccLabel()));
}

TEST(ShippingLabelZpl, PickupLabelMatchesGolden) {
    expectGolden("pickup.zpl", renderShippingLabelZpl(pickupLabel()));
}

TEST(ShippingLabelZpl, IsOneUtf8LabelOfFourBySixInches) {
    const std::string zpl = renderShippingLabelZpl(ssccLabel());
    EXPECT_EQ(zpl.rfind("^XA\n^CI28\n^PW812\n^LL1218\n", 0), 0u) << zpl.substr(0, 40);
    EXPECT_TRUE(zpl.ends_with("^PQ1\n^XZ\n"));
    EXPECT_EQ(zpl.find("^XA", 1), std::string::npos);
    EXPECT_LT(zpl.size(), 3000u);
    const auto fields = printedFields(zpl);
    EXPECT_TRUE(contains(fields, "Hélène Dupré-Ferrière"));
    EXPECT_TRUE(contains(fields, "13090 Aix-en-Provence"));
    EXPECT_TRUE(contains(fields, "Librairie Côté Cour"));
    EXPECT_TRUE(contains(fields, "12 rue de l'Église"));
    EXPECT_TRUE(contains(fields, "69002 Lyon"));
    EXPECT_TRUE(contains(fields, "Colissimo"));
    EXPECT_TRUE(contains(fields, "CMD-2024-00042"));
    EXPECT_TRUE(contains(fields, "1/2"));
    EXPECT_TRUE(contains(fields, "1.234 kg"));
    EXPECT_TRUE(contains(fields, "2024-05-14"));
}

TEST(ShippingLabelZpl, SsccIsEncodedAsGs1128WithAi00) {
    const std::string zpl = renderShippingLabelZpl(ssccLabel());
    std::smatch match;
    ASSERT_TRUE(std::regex_search(zpl, match, std::regex(R"(\^BCN,\d+,N,N,N\^FD([^\^]*)\^FS)")));
    EXPECT_EQ(match[1].str(), ">;>800037612345000000014");
    EXPECT_EQ(zpl.find("RETRAIT"), std::string::npos);
}

TEST(ShippingLabelZpl, SsccThatIsNotEighteenDigitsGetsNoBarcode) {
    ShippingLabel label = ssccLabel();
    label.trackingNumber = "03761234500000001";  // 17 digits
    const std::string zpl = renderShippingLabelZpl(label);
    EXPECT_EQ(zpl.find("^BC"), std::string::npos);
    EXPECT_NE(zpl.find("INVALID SSCC"), std::string::npos);
    EXPECT_TRUE(contains(printedFields(zpl), "03761234500000001"));
}

TEST(ShippingLabelZpl, CarrierTrackingNumberIsCode128WithSpecialCharactersInvoked) {
    ShippingLabel label = ssccLabel();
    label.trackingIsSscc = false;
    label.trackingNumber = "6A12345678901";
    std::smatch match;
    std::string zpl = renderShippingLabelZpl(label);
    ASSERT_TRUE(std::regex_search(zpl, match, std::regex(R"(\^BCN,\d+,N,N,N\^FD([^\^]*)\^FS)")));
    EXPECT_EQ(match[1].str(), ">:6A12345678901");

    // In ^BC data, ^ > ~ are spelled as invocation codes, not as commands.
    label.trackingNumber = "AB>C^D~E";
    zpl = renderShippingLabelZpl(label);
    ASSERT_TRUE(std::regex_search(zpl, match, std::regex(R"(\^BCN,\d+,N,N,N\^FD([^\^]*)\^FS)")));
    EXPECT_EQ(match[1].str(), ">:AB>0C><D>=E");
}

TEST(ShippingLabelZpl, NoTrackingNumberMeansPickupAndNoBarcode) {
    const std::string zpl = renderShippingLabelZpl(pickupLabel());
    EXPECT_EQ(zpl.find("^BC"), std::string::npos);
    EXPECT_TRUE(contains(printedFields(zpl), "RETRAIT / PICKUP"));
    EXPECT_TRUE(contains(printedFields(zpl), "0.050 kg"));
}

TEST(ShippingLabelZpl, CaretTildeAndUnderscoreInTextCannotBreakTheLabel) {
    ShippingLabel label = ssccLabel();
    label.recipient.name = "A^XZ~JA_5E\\&B";
    label.orderNumber = "^FS^XA";
    const std::string zpl = renderShippingLabelZpl(label);

    EXPECT_EQ(zpl.find("~"), std::string::npos);
    EXPECT_EQ(zpl.find("^XZ"), zpl.size() - 4);
    EXPECT_EQ(zpl.find("^XA", 1), std::string::npos);
    const auto fields = printedFields(zpl);
    EXPECT_TRUE(contains(fields, "A^XZ~JA_5E\\&B"));
    EXPECT_TRUE(contains(fields, "^FS^XA"));
}

TEST(ShippingLabelZpl, LongTextWrapsInBlocksAndTheLabelStaysSmall) {
    ShippingLabel label = ssccLabel();
    const std::string longText = [] {
        std::string s;
        for (int i = 0; i < 1000; ++i) {
            s += "Éé^_ ";
        }
        return s;
    }();
    for (labels::Address* address : {&label.sender, &label.recipient}) {
        *address = {longText, longText, longText, longText, longText};
    }
    label.orderNumber = label.carrier = label.date = longText;
    label.trackingIsSscc = false;
    label.trackingNumber = longText;

    const std::string zpl = renderShippingLabelZpl(label);

    // Every box full at its smallest size: the worst case stays bounded.
    EXPECT_LT(zpl.size(), 8192u) << zpl;
    EXPECT_TRUE(isValidUtf8(zpl));
    EXPECT_TRUE(zpl.ends_with("^XZ\n"));
    // The recipient name, shrunk to the smallest size, fills its box and is visibly cut short.
    const auto fields = printedFields(zpl);
    const auto nameLine = std::find_if(fields.begin(), fields.end(), [](const std::string& f) {
        return f.starts_with("Éé^_ Éé^_") && f.ends_with("…");
    });
    EXPECT_NE(nameLine, fields.end());
    // Too long to barcode: the number is printed as text instead of a barcode off the label.
    EXPECT_EQ(zpl.find("^BC"), std::string::npos);
    EXPECT_TRUE(contains(fields, "CODE-BARRES IMPOSSIBLE / CANNOT BARCODE"));
}

TEST(ShippingLabelZpl, ControlCharactersAndBrokenUtf8DoNotReachThePrinter) {
    ShippingLabel label = ssccLabel();
    label.recipient.name = "Line1\nLine2\r\x01\xC3";
    const auto fields = printedFields(renderShippingLabelZpl(label));
    EXPECT_TRUE(contains(fields, "Line1 Line2 ?"));
}

TEST(ShippingLabelZpl, WeightIsInKilogramsWithThreeDecimals) {
    ShippingLabel label = pickupLabel();
    for (const auto& [grams, text] :
         std::vector<std::pair<long, std::string>>{{0, "0.000 kg"},
                                                   {7, "0.007 kg"},
                                                   {1234, "1.234 kg"},
                                                   {25000, "25.000 kg"},
                                                   {-15, "-0.015 kg"}}) {
        label.weightGrams = grams;
        EXPECT_TRUE(contains(printedFields(renderShippingLabelZpl(label)), text)) << text;
    }
}

using labels_test::Scan;

const labels::Template& shippingTemplate(std::string_view size) {
    const labels::Template* t = labels::defaultTemplate(labels::DocumentKind::ShippingLabel, size);
    EXPECT_NE(t, nullptr) << size;
    return *t;
}

// The scans a carrier's scanner must get from the SSCC label: GS1-128 (FNC1 first, "]C1")
// with AI 00, and the DataMatrix with the tracking number.
const std::vector<Scan> kSsccScans =
    labels_test::sorted({{"]C1", "00037612345000000014"}, {"]d1", "037612345000000014"}});

TEST(ShippingLabelScan, EverySizeAndResolutionOfThePreviewScansBack) {
    labels::PngRenderer png;
    ASSERT_EQ(png.error(), "");
    for (const char* size : {"4x6", "100x150"}) {
        const labels::Document doc = layoutShippingLabel(ssccLabel(), shippingTemplate(size));
        EXPECT_TRUE(doc.warnings.empty()) << doc.warnings.front();
        for (int dpi : {203, 300}) {
            EXPECT_EQ(labels_test::scan(png.rasterize(doc, 0, dpi), doc, 0), kSsccScans)
                << size << " at " << dpi << " dpi";
        }
    }
}

TEST(ShippingLabelScan, PdfRasterisedByPopplerScansBack) {
    labels::PdfRenderer pdf;
    for (const char* size : {"4x6", "100x150"}) {
        const labels::Document doc = layoutShippingLabel(ssccLabel(), shippingTemplate(size));
        const labels::PdfResult r = pdf.render(doc);
        ASSERT_EQ(r.error, "");
        EXPECT_TRUE(r.pdf.starts_with("%PDF-"));
        EXPECT_LT(r.pdf.size(), 8192u);
        EXPECT_EQ(labels_test::scanPdf(r.pdf, doc, 1, 300), kSsccScans) << size;
        EXPECT_EQ(labels_test::scanPdf(r.pdf, doc, 1, 203), kSsccScans) << size;
    }
}

TEST(ShippingLabelScan, CarrierNumberWithPunctuationAndQrCodeScanBack) {
    ShippingLabel label = ssccLabel();
    label.trackingIsSscc = false;
    label.trackingNumber = "6A1234^~>_\\9";
    label.trackingData = "6A1234^~>_\\9|13090|FR";
    auto layout = shippingTemplate("4x6");
    layout.fields.at("tracking_2d").symbology = "qr";
    const labels::Document doc = layoutShippingLabel(label, layout);
    const std::vector<Scan> expected =
        labels_test::sorted({{"]C0", "6A1234^~>_\\9"}, {"]Q1", "6A1234^~>_\\9|13090|FR"}});
    labels::PngRenderer png;
    EXPECT_EQ(labels_test::scan(png.rasterize(doc, 0, 203), doc, 0), expected);
    labels::PdfRenderer pdf;
    EXPECT_EQ(labels_test::scanPdf(pdf.render(doc).pdf, doc, 1), expected);
    // The printer gets the same data, escaped for ZPL.
    const std::string zpl = labels::renderZpl(doc, 203);
    EXPECT_NE(zpl.find("^FD>:6A1234><>=>0_\\9^FS"), std::string::npos) << zpl;
    EXPECT_NE(zpl.find("^BQN,2,"), std::string::npos);
    EXPECT_NE(zpl.find("^FH^FDMA,6A1234_5E_7E>_5F_5C9|13090|FR^FS"), std::string::npos) << zpl;
}

TEST(ShippingLabelPdf, AccentsEuroAndOtherLatinScriptsComeOutAsText) {
    ShippingLabel label = ssccLabel();
    label.recipient.name = "Łukasz Żółć-Nguyễn";
    label.recipient.street = "Ştefan cel Mare 3, Třebíč";
    label.service = "Relais — 4,90 €";
    labels::PdfRenderer pdf;
    const std::string text =
        labels_test::pdfText(pdf.render(layoutShippingLabel(label, shippingTemplate("4x6"))).pdf);
    EXPECT_NE(text.find("Librairie Côté Cour"), std::string::npos) << text;
    EXPECT_NE(text.find("12 rue de l'Église"), std::string::npos) << text;
    EXPECT_NE(text.find("Łukasz Żółć-Nguy?n"), std::string::npos) << text;
    EXPECT_NE(text.find("Ştefan cel Mare 3, Třebíč"), std::string::npos) << text;
    EXPECT_NE(text.find("Relais — 4,90 €"), std::string::npos) << text;
    EXPECT_NE(text.find("EXPÉDITEUR / FROM"), std::string::npos) << text;
}

TEST(ShippingLabelZpl, ThreeHundredDpiScalesTheSameLayout) {
    const std::string zpl =
        labels::renderZpl(layoutShippingLabel(ssccLabel(), shippingTemplate("4x6")), 300);
    EXPECT_EQ(zpl.rfind("^XA\n^CI28\n^PW1200\n^LL1800\n", 0), 0u) << zpl.substr(0, 40);
    // 0.5 mm modules: 6 dots at 300 dpi (4 at 203).
    EXPECT_NE(zpl.find("^BY6\n"), std::string::npos);
    EXPECT_LT(zpl.size(), 3072u);
}

TEST(ShippingLabelLayout, LongAddressShrinksAndWrapsRatherThanBeingCut) {
    ShippingLabel label = ssccLabel();
    label.recipient.street =
        "Résidence les Jardins de la Méditerranée, bâtiment C, escalier 4, "
        "appartement 128";
    const labels::Document doc = layoutShippingLabel(label, shippingTemplate("4x6"));
    EXPECT_TRUE(doc.warnings.empty()) << doc.warnings.front();
    std::string printed;
    for (const auto& t : doc.pages.at(0).texts) {
        if (t.y >= 47.5 && t.y < 59.5) {
            printed += t.text + "|";
            EXPECT_LT(t.sizePt, 13);  // shrunk from the template's 13 pt
            EXPECT_LE(labels::textWidthMm(t.text, t.sizePt, t.bold), t.width);
        }
    }
    EXPECT_EQ(printed,
              "Résidence les Jardins de la Méditerranée,|bâtiment C, escalier 4, "
              "appartement 128|");
}

TEST(ShippingLabelLayout, TextTooLongEvenWhenShrunkIsCutVisiblyAndReported) {
    ShippingLabel label = ssccLabel();
    label.recipient.name = std::string(400, 'W');
    const labels::Document doc = layoutShippingLabel(label, shippingTemplate("4x6"));
    ASSERT_EQ(doc.warnings.size(), 1u);
    EXPECT_TRUE(doc.warnings[0].starts_with("recipient_name: text cut short")) << doc.warnings[0];
    bool ellipsis = false;
    for (const auto& t : doc.pages.at(0).texts) {
        ellipsis = ellipsis || t.text.ends_with("W…");
    }
    EXPECT_TRUE(ellipsis);
}

TEST(ShippingLabelLayout, EmptyFieldsPrintNothingAndNeverABarcode) {
    ShippingLabel label;
    const labels::Document doc = layoutShippingLabel(label, shippingTemplate("4x6"));
    EXPECT_TRUE(doc.warnings.empty());
    ASSERT_EQ(doc.pages.size(), 1u);
    EXPECT_TRUE(doc.pages[0].barcodes.empty());
    for (const auto& t : doc.pages[0].texts) {
        EXPECT_FALSE(t.text.empty());
    }
    labels::PdfRenderer pdf;
    EXPECT_EQ(pdf.render(doc).error, "");
    const std::string zpl = labels::renderZpl(doc, 203);
    EXPECT_NE(zpl.find("RETRAIT / PICKUP"), std::string::npos);
    EXPECT_EQ(zpl.find("^FD^FS"), std::string::npos);
}

}  // namespace
