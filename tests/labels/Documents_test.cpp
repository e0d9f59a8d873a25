#include "labels/Documents.h"

#include "labels/PdfRenderer.h"
#include "labels/PngRenderer.h"
#include "labels/ZplRenderer.h"
#include "tests/labels/LabelScan.h"

#include <gtest/gtest.h>

#include <set>

namespace {

using labels::DocumentKind;
using labels::DocumentLine;
using labels_test::Scan;

const labels::Template& layoutFor(DocumentKind kind, std::string_view size) {
    const labels::Template* t = labels::defaultTemplate(kind, size);
    EXPECT_NE(t, nullptr) << toString(kind) << " " << size;
    return *t;
}

// Every code on every page: of the PDF through pdftoppm, and of the PNG preview.
std::set<Scan> pdfScans(const labels::Document& doc, int dpi) {
    labels::PdfRenderer pdf;
    const labels::PdfResult r = pdf.render(doc);
    EXPECT_EQ(r.error, "");
    std::set<Scan> all;
    for (std::size_t page = 1; page <= doc.pages.size(); ++page) {
        for (const Scan& s : labels_test::scanPdf(r.pdf, doc, static_cast<int>(page), dpi)) {
            all.insert(s);
        }
    }
    return all;
}

std::set<Scan> previewScans(const labels::Document& doc, int dpi) {
    labels::PngRenderer png;
    std::set<Scan> all;
    for (std::size_t page = 0; page < doc.pages.size(); ++page) {
        for (const Scan& s : labels_test::scan(png.rasterize(doc, page, dpi), doc, page)) {
            all.insert(s);
        }
    }
    return all;
}

std::string allText(const labels::Document& doc) {
    std::string out;
    for (const auto& page : doc.pages) {
        for (const auto& t : page.texts) {
            out += t.text + "\n";
        }
    }
    return out;
}

labels::ReturnSlip returnSlip() {
    labels::ReturnSlip slip;
    slip.orderNumber = "CMD-2024-00042";
    slip.rmaCode = "RMA-7F3K-2024";
    slip.date = "2024-05-14";
    slip.customerName = "Hélène Dupré-Ferrière";
    slip.returnAddress = {"Service retours — Côté Cour", "ZI des Échets", "01700", "Miribel",
                          "France"};
    slip.items = {{"LIV-0001", "Les Misérables, édition illustrée", 1, "A-01"},
                  {"MUG-CAFE", "Mug « Café crème » 33 cl", 2, "B-10"}};
    slip.instructions =
        "Glissez ce bon dans le colis. Rapportez-le en bureau de poste sous 30 "
        "jours. / Put this slip in the parcel and drop it at a post office "
        "within 30 days.";
    return slip;
}

TEST(ReturnSlip, RmaCodeScansAsCode128AndQrFromPdfAndPreview) {
    const labels::Document doc =
        layoutReturnSlip(returnSlip(), layoutFor(DocumentKind::ReturnSlip, "4x6"));
    EXPECT_TRUE(doc.warnings.empty()) << doc.warnings.front();
    const std::set<Scan> expected = {{"]C0", "RMA-7F3K-2024"}, {"]Q1", "RMA-7F3K-2024"}};
    EXPECT_EQ(pdfScans(doc, 300), expected);
    EXPECT_EQ(previewScans(doc, 203), expected);
    const std::string text = allText(doc);
    EXPECT_NE(text.find("Les Misérables, édition illustrée"), std::string::npos) << text;
    EXPECT_NE(text.find("Hélène Dupré-Ferrière"), std::string::npos);
    EXPECT_NE(text.find("Rapportez-le"), std::string::npos);
}

TEST(PackingSlip, EverySizeCarriesTheOrderBarcodeAndEveryLine) {
    labels::PackingSlip slip;
    slip.orderNumber = "CMD-2024-00042";
    slip.date = "2024-05-14";
    slip.sender = {"Librairie Côté Cour", "12 rue de l'Église", "69002", "Lyon", "France"};
    slip.recipient = {"Jérôme Müller", "Straße 5", "8001", "Zürich", "Suisse"};
    for (int i = 1; i <= 40; ++i) {
        slip.lines.push_back({"SKU-" + std::to_string(i),
                              "Article n° " + std::to_string(i) +
                                  " — très long libellé qui doit "
                                  "passer à la ligne sans être coupé",
                              i, "R-" + std::to_string(i)});
    }
    slip.customerNote = "Joyeux anniversaire ! 🎂 Bisous, Mamie";
    for (const char* size : {"a4", "a5", "4x6"}) {
        const labels::Document doc =
            layoutPackingSlip(slip, layoutFor(DocumentKind::PackingSlip, size));
        EXPECT_TRUE(doc.warnings.empty()) << size << ": " << doc.warnings.front();
        EXPECT_GT(doc.pages.size(), 1u) << size << ": 40 lines flow onto more pages";
        EXPECT_EQ(pdfScans(doc, 200), (std::set<Scan>{{"]C0", "CMD-2024-00042"}})) << size;
        const std::string text = allText(doc);
        for (int i = 1; i <= 40; ++i) {
            EXPECT_NE(text.find("SKU-" + std::to_string(i) + "\n"), std::string::npos)
                << size << " line " << i;
        }
        EXPECT_NE(text.find("Joyeux anniversaire"), std::string::npos) << size;
    }
    // On a thermal printer, a label per page.
    const std::string zpl = labels::renderZpl(
        layoutPackingSlip(slip, layoutFor(DocumentKind::PackingSlip, "4x6")), 203);
    EXPECT_GT(zpl.find("^XA", 1), 0u);
    EXPECT_NE(zpl.find("^FD>:CMD-2024-00042^FS"), std::string::npos);
}

TEST(PackingSlip, EmptySlipPrintsWithoutBarcodeOrWarning) {
    const labels::Document doc = layoutPackingSlip({}, layoutFor(DocumentKind::PackingSlip, "a4"));
    EXPECT_EQ(doc.pages.size(), 1u);
    EXPECT_TRUE(doc.pages[0].barcodes.empty());
    EXPECT_TRUE(doc.warnings.empty());
    labels::PdfRenderer pdf;
    EXPECT_EQ(pdf.render(doc).error, "");
}

labels::PickList pickList(int orders) {
    labels::PickList list;
    list.title = "Lot du matin / Morning batch";
    list.date = "2024-05-14";
    for (int i = 0; i < orders; ++i) {
        labels::PickOrder order;
        order.orderNumber = "CMD-" + std::to_string(1000 + i);
        order.lines.push_back({"SKU-" + std::to_string(i % 7), "Article " + std::to_string(i % 7),
                               1 + i % 3, "A-" + std::to_string(i % 7 * 3)});
        order.lines.push_back({"SKU-X" + std::to_string(i), "Unique " + std::to_string(i), 1,
                               "C-" + std::to_string(i)});
        list.orders.push_back(order);
    }
    return list;
}

TEST(PickList, LinesAreAggregatedPerSkuAndSortedByBinNumerically) {
    labels::PickList list;
    list.orders = {{"O1", {{"S1", "Stylo", 2, "B-2"}, {"S2", "Carnet", 1, "A-10"}}},
                   {"O2", {{"S1", "", 3, "B-2"}, {"S3", "Gomme", 1, ""}}},
                   {"O3", {{"S4", "Règle", 1, "A-2"}, {"S2", "Carnet", 4, "A-10"}}}};
    const auto lines = labels::aggregatePickLines(list);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[0].sku, "S4");
    EXPECT_EQ(lines[1].sku, "S2");
    EXPECT_EQ(lines[1].quantity, 5);
    EXPECT_EQ(lines[1].orders, (std::vector<std::string>{"O1", "O3"}));
    EXPECT_EQ(lines[2].sku, "S1");
    EXPECT_EQ(lines[2].quantity, 5);
    EXPECT_EQ(lines[2].description, "Stylo");
    EXPECT_EQ(lines[3].sku, "S3");  // no bin: last
}

TEST(PickList, EveryOrderBarcodeOnEveryPageScans) {
    const labels::PickList list = pickList(30);
    const labels::Document doc = layoutPickList(list, layoutFor(DocumentKind::PickList, "a4"));
    EXPECT_TRUE(doc.warnings.empty()) << doc.warnings.front();
    std::set<Scan> expected;
    for (const auto& order : list.orders) {
        expected.insert({"]C0", order.orderNumber});
    }
    EXPECT_EQ(pdfScans(doc, 200), expected);
    const std::string text = allText(doc);
    EXPECT_NE(text.find("30 commandes / orders, 37 SKU"), std::string::npos) << text;
}

TEST(CommandSheet, CommandsAndBadgesScan) {
    labels::CommandSheet sheet;
    sheet.title = "Poste d'emballage 3 — commandes";
    sheet.commands = {{"Fermer le colis / Close parcel", "CMD-CLOSE"},
                      {"Nouveau colis / New parcel", "CMD-NEW-PARCEL"},
                      {"Annuler / Cancel", "CMD-CANCEL"},
                      {"Réimprimer l'étiquette / Reprint label", "CMD-REPRINT"}};
    sheet.badges = {{"Amélie Poulain (superviseur)", "BADGE-0042"}};
    const labels::Document doc =
        layoutCommandSheet(sheet, layoutFor(DocumentKind::CommandSheet, "a4"));
    EXPECT_TRUE(doc.warnings.empty()) << doc.warnings.front();
    const std::set<Scan> expected = {{"]C0", "CMD-CLOSE"},
                                     {"]C0", "CMD-NEW-PARCEL"},
                                     {"]C0", "CMD-CANCEL"},
                                     {"]C0", "CMD-REPRINT"},
                                     {"]C0", "BADGE-0042"}};
    EXPECT_EQ(pdfScans(doc, 200), expected);
    EXPECT_EQ(previewScans(doc, 150), expected);
}

TEST(CommandSheet, DataThatCannotBeBarcodedIsPrintedAsTextAndReported) {
    labels::CommandSheet sheet;
    sheet.commands = {{"Accentué", "CMD-ÉTÉ"}};
    const labels::Document doc =
        layoutCommandSheet(sheet, layoutFor(DocumentKind::CommandSheet, "a4"));
    ASSERT_EQ(doc.warnings.size(), 1u);
    EXPECT_NE(doc.warnings[0].find("cannot barcode \"CMD-ÉTÉ\""), std::string::npos);
    EXPECT_TRUE(doc.pages[0].barcodes.empty());
    EXPECT_NE(allText(doc).find("CMD-ÉTÉ"), std::string::npos);
}

}  // namespace
