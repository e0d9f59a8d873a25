// Pick lists and packing slips printed by the station from its journal, and the layouts a
// merchant points it at ([labels] templates_dir): what comes out of the printers.
#include "station/LabelTemplates.h"
#include "tests/labels/LabelScan.h"
#include "tests/station/StationFixture.h"

#include <gtest/gtest.h>

#include <set>

namespace station::test {
namespace {

using labels_test::Scan;

// Every barcode on every page of a PDF, rasterised by poppler at 200 dpi.
std::set<Scan> pdfBarcodes(const std::string& pdf) {
    std::set<Scan> found;
    TempDir dir;
    const auto file = dir.path() / "doc.pdf";
    std::ofstream(file, std::ios::binary) << pdf;
    const std::string command =
        "pdftoppm -gray -r 200 '" + file.string() + "' '" + (dir.path() / "page").string() + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    for (const auto& entry : fs::directory_iterator(dir.path())) {
        if (entry.path().extension() != ".pgm") {
            continue;
        }
        const labels_test::Gray g = labels_test::readPgm(entry.path());
        EXPECT_GT(g.width, 0) << entry.path();
        for (const Scan& s : labels_test::scanPixels(g.width, g.height, g.pixels.data(), {})) {
            found.insert(s);
        }
    }
    return found;
}

class DocumentsTest : public ::testing::Test {
  protected:
    Bench& open() {
        bench_ = std::make_unique<Bench>(dir_.path());
        EXPECT_TRUE(bench_->importDemo().empty());
        return *bench_;
    }
    // The office printer of config/demo.toml: PDF files in documents/.
    drivers::DirectoryPrinter& addDocumentsPrinter(Bench& b) {
        documents_ = std::make_unique<drivers::DirectoryPrinter>(b.io(), "office-1", "pdf",
                                                                 dir_.path() / "documents");
        b.station().addPrinter("documents", documents_.get());
        return *documents_;
    }
    std::vector<fs::path> documentFiles() {
        std::vector<fs::path> out;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir_.path() / "documents", ec)) {
            out.push_back(e.path());
        }
        return out;
    }

    TempDir dir_;
    std::unique_ptr<Bench> bench_;
    std::unique_ptr<drivers::DirectoryPrinter> documents_;
};

TEST_F(DocumentsTest, PickListForSeveralOrdersIsOnePdfWithEachOrderBarcode) {
    Bench& b = open();
    auto& printer = addDocumentsPrinter(b);
    const std::vector<std::string> orders = {"1001", "1002", "1007", "1012"};
    const PrintedDocument printed = b.station().printPickList(orders);
    b.settle();
    ASSERT_TRUE(printed.ok) << printed.error;
    EXPECT_EQ(printed.printer, "office-1");
    EXPECT_EQ(printed.language, "pdf");
    EXPECT_EQ(printed.orders, orders);
    EXPECT_TRUE(printed.warnings.empty());
    EXPECT_TRUE(printed.job.starts_with("pick-list-")) << printed.job;

    // What the printer got is the document the answer describes.
    const fs::path file = printer.pathFor(printed.job);
    ASSERT_TRUE(fs::exists(file)) << file;
    const std::string pdf = Bench::readFile(file);
    EXPECT_EQ(pdf, printed.bytes);
    EXPECT_TRUE(pdf.starts_with("%PDF-"));
    EXPECT_EQ(pdfBarcodes(pdf),
              (std::set<Scan>{{"]C0", "1001"}, {"]C0", "1002"}, {"]C0", "1007"}, {"]C0", "1012"}}));
    // Lines with their bins and quantities summed per SKU (1002: 20 capsule boxes).
    const std::string text = labels_test::pdfText(pdf);
    EXPECT_NE(text.find("LISTE DE PRÉLÈVEMENT / PICK LIST"), std::string::npos) << text;
    EXPECT_NE(text.find("A-01-03"), std::string::npos) << text;
    EXPECT_NE(text.find("TSHIRT-M-BLEU"), std::string::npos) << text;
    EXPECT_NE(text.find("B-04-02"), std::string::npos) << text;
    EXPECT_NE(text.find("4 commandes / orders"), std::string::npos) << text;

    // Printed twice, it is two jobs: the printer never drops the second as a duplicate.
    const PrintedDocument again = b.station().printPickList(orders);
    b.settle();
    ASSERT_TRUE(again.ok);
    EXPECT_NE(again.job, printed.job);
    EXPECT_EQ(documentFiles().size(), 2u);
}

TEST_F(DocumentsTest, TheCommandSheetCarriesEveryCommandAndBoxButNoBadge) {
    Bench& b = open();
    auto& printer = addDocumentsPrinter(b);
    const PrintedDocument printed = b.station().printCommandSheet();
    b.settle();
    ASSERT_TRUE(printed.ok) << printed.error;
    EXPECT_TRUE(printed.job.starts_with("command-sheet-")) << printed.job;
    EXPECT_TRUE(printed.warnings.empty()) << printed.warnings.front();
    const std::string pdf = Bench::readFile(printer.pathFor(printed.job));
    EXPECT_EQ(pdf, printed.bytes);

    // Every barcode on the sheet reads back as what the station understands.
    std::set<std::string> codes;
    for (const Scan& s : pdfBarcodes(pdf)) {
        codes.insert(s.text);
    }
    for (const char* code :
         {command::kCloseParcel, command::kNewParcel, command::kReprint, command::kZeroScale,
          command::kShipPartial, command::kVoid, command::kCancel, command::kApprove,
          command::kLogout, command::kGradeResellable, command::kGradeDamaged,
          command::kGradeMissingParts, command::kGradeWrongItem, command::kCloseReturn}) {
        EXPECT_EQ(codes.count(code), 1u) << code << " is missing";
    }
    for (const auto& box : b.config().boxes) {
        EXPECT_EQ(codes.count(box.code), 1u) << box.code << " is missing";
    }
    // A badge is a password: never on a sheet left on the bench.
    const std::string text = labels_test::pdfText(pdf);
    for (const auto& user : b.config().users) {
        EXPECT_EQ(codes.count(user.badge), 0u) << user.badge;
        EXPECT_EQ(text.find(user.badge), std::string::npos) << user.badge;
    }
    EXPECT_NE(text.find("Balance à zéro / Zero the scale"), std::string::npos) << text;
}

TEST_F(DocumentsTest, ADocumentThatFailsIsSaidAndAPrinterDownTakesNothing) {
    Bench& b = open();
    // The documents printer's folder cannot be made: a file is in the way.
    { std::ofstream(dir_.path() / "blocked") << "not a folder"; }
    drivers::DirectoryPrinter office(b.io(), "office-1", "pdf", dir_.path() / "blocked" / "docs");
    b.station().addPrinter("documents", &office);

    // Nothing said it was down: the job goes, fails, and the screens hear it.
    const PrintedDocument first = b.station().printPickList({"1001"});
    ASSERT_TRUE(first.ok) << first.error;
    b.settle();
    ASSERT_FALSE(b.events().empty());
    EXPECT_EQ(b.events().back().messageKey, "document_failed");
    EXPECT_FALSE(b.events().back().ok);
    EXPECT_NE(b.events().back().message.find(first.job), std::string::npos)
        << b.events().back().message;
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM activity WHERE kind = 'document_failed'"), 1);

    // Now known to be down: the next one is refused at once, with the reason.
    const PrintedDocument second = b.station().printPackingSlips({"1001"});
    EXPECT_FALSE(second.ok);
    EXPECT_NE(second.error.find("printer office-1 is not ready"), std::string::npos)
        << second.error;
    EXPECT_TRUE(second.job.empty());
}

TEST_F(DocumentsTest, AnUnknownOrderPrintsNothingAndSaysWhich) {
    Bench& b = open();
    addDocumentsPrinter(b);
    const PrintedDocument printed = b.station().printPickList({"1001", "9999", "1002"});
    b.settle();
    EXPECT_FALSE(printed.ok);
    EXPECT_TRUE(printed.unknownOrder);
    EXPECT_EQ(printed.error, "no order 9999");
    EXPECT_TRUE(documentFiles().empty());
    const PrintedDocument slips = b.station().printPackingSlips({"0000"});
    EXPECT_EQ(slips.error, "no order 0000");
    EXPECT_TRUE(documentFiles().empty());
}

TEST_F(DocumentsTest, WithoutADocumentsPrinterTheAnswerSaysWhatToConfigure) {
    Bench& b = open();
    const PrintedDocument printed = b.station().printPackingSlips({"1001"});
    EXPECT_FALSE(printed.ok);
    EXPECT_FALSE(printed.unknownOrder);
    EXPECT_EQ(printed.error,
              "no printer has role = \"documents\": add a [[printers]] entry with role = "
              "\"documents\" to the config");
    // The shipping printer is not used instead.
    EXPECT_TRUE(b.labelFiles().empty());
}

TEST_F(DocumentsTest, PackingSlipsCarryTheCustomerNotesAndNeverTheInternalOnes) {
    Bench& b = open();
    auto& printer = addDocumentsPrinter(b);
    ASSERT_TRUE(b.station().addNote("1001", "Emballage cadeau, sans facture", false, "Alice"));
    ASSERT_TRUE(
        b.station().addNote("1001", "Cliente difficile, vérifier deux fois", true, "Alice"));
    const PrintedDocument printed = b.station().printPackingSlips({"1001", "1002"});
    b.settle();
    ASSERT_TRUE(printed.ok) << printed.error;
    EXPECT_EQ(printed.pages, 2u) << "one page per order";
    const std::string pdf = Bench::readFile(printer.pathFor(printed.job));
    EXPECT_EQ(pdfBarcodes(pdf), (std::set<Scan>{{"]C0", "1001"}, {"]C0", "1002"}}));
    const std::string text = labels_test::pdfText(pdf);
    EXPECT_NE(text.find("Merci de bien protéger le mug !"), std::string::npos) << text;
    EXPECT_NE(text.find("Emballage cadeau, sans facture"), std::string::npos) << text;
    EXPECT_EQ(text.find("Cliente difficile"), std::string::npos) << text;
    EXPECT_NE(text.find("Élodie Durand"), std::string::npos) << text;
    EXPECT_NE(text.find("Oliver Smith"), std::string::npos) << text;
    EXPECT_NE(text.find("A-02-01"), std::string::npos) << text;
}

TEST_F(DocumentsTest, AZplDocumentsPrinterGetsFourBySixLabels) {
    Bench& b = open();
    drivers::DirectoryPrinter zebra(b.io(), "zebra-2", "zpl", dir_.path() / "documents");
    b.station().addPrinter("documents", &zebra);
    const PrintedDocument slips = b.station().printPackingSlips({"1001"});
    b.settle();
    ASSERT_TRUE(slips.ok) << slips.error;
    EXPECT_EQ(slips.language, "zpl");
    const std::string zpl = Bench::readFile(zebra.pathFor(slips.job));
    EXPECT_TRUE(zpl.starts_with("^XA\n^CI28\n^PW812\n^LL1218\n")) << zpl.substr(0, 40);
    EXPECT_NE(zpl.find("^FD>:1001^FS"), std::string::npos);
    // There is no 4x6 pick list template: a clear refusal, not a wrong document.
    const PrintedDocument pick = b.station().printPickList({"1001"});
    EXPECT_FALSE(pick.ok);
    EXPECT_EQ(pick.error, "no pick-list template of size \"4x6\" for printer zebra-2");
}

// ---------------------------------------------------------------------------------------------
// [labels] templates_dir

std::string readSource(const std::string& relative) {
    return Bench::readFile(fs::path(STATION_SOURCE_DIR) / relative);
}

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

std::string logoPng() {
    labels::Raster gray;
    gray.width = 40;
    gray.height = 20;
    gray.pixels.assign(40 * 20, 0);  // a black block
    return labels::encodePng(gray);
}

config::StationConfig configWith(const fs::path& dir, const std::string& extra) {
    auto loaded = config::parseConfig(benchToml({}) + extra, "station.toml", dir);
    EXPECT_TRUE(loaded.errors.empty()) << loaded.errors.front().toString();
    return loaded.config.value_or(config::StationConfig{});
}

TEST(LabelTemplatesConfig, TheMerchantsTemplateLaysOutTheStationsShippingLabel) {
    TempDir dir;
    // The order number moved to the top of the label, and a logo.
    std::string toml = readSource("config/labels/shipping-label-100x150.toml");
    const std::string from = "[fields.order]\nx = 5\n";
    ASSERT_NE(toml.find(from), std::string::npos);
    toml.replace(toml.find(from), from.size(), "[fields.order]\nx = 30\n");
    toml += "\n[[image]]\nx = 60\ny = 8\nwidth = 30\nheight = 15\nfile = \"logo.png\"\n";
    write(dir.path() / "templates" / "shipping-label-100x150.toml", toml);
    write(dir.path() / "templates" / "logo.png", logoPng());
    write(dir.path() / "templates" / "README.txt", "not a template: ignored");

    // A 300 dpi printer of 100 x 150 mm labels.
    std::string printers = "\n[labels]\ntemplates_dir = \"templates\"\n";
    config::StationConfig cfg = configWith(dir.path(), printers);
    for (auto& p : cfg.printers) {
        p.size = "100x150";
        p.dpi = 300;
    }
    EXPECT_EQ(cfg.labelTemplatesDir, dir.path() / "templates");
    EXPECT_TRUE(checkLabelConfig(cfg).empty());

    boost::asio::io_context io;
    Journal journal(dir.path() / "journal.db");
    drivers::DirectoryPrinter zebra(io, "zebra-1", "zpl", dir.path() / "labels");
    Station station(io, cfg, journal);
    station.addPrinter("shipping", &zebra);
    station.start();
    ASSERT_TRUE(station.importOrders(demoOrders()).empty());
    for (const char* code : {"U-1001", "1001", "TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(station.handleScan("test", code))) << code;
    }
    io.restart();
    io.poll();
    const std::string zpl = Bench::readFile(zebra.pathFor("label-1"));
    ASSERT_FALSE(zpl.empty());
    // 100 x 150 mm at 300 dpi (11.8 dots/mm), the logo as a graphic, the order where the
    // merchant put it (x = 30 mm: 354 dots).
    EXPECT_TRUE(zpl.starts_with("^XA\n^CI28\n^PW1181\n^LL1772\n")) << zpl.substr(0, 40);
    EXPECT_NE(zpl.find("^GFA,"), std::string::npos);
    EXPECT_NE(zpl.find("^FO354,"), std::string::npos);
    const auto order = zpl.find("^FD1001^FS");
    ASSERT_NE(order, std::string::npos);
    EXPECT_EQ(zpl.rfind("^FO354,", order), zpl.rfind("^FO", order)) << "the order is not at x 30";
    station.stop();
}

TEST(LabelTemplatesConfig, ABrokenTemplateOrAMissingLogoIsAConfigErrorWithFileAndLine) {
    TempDir dir;
    const fs::path templates = dir.path() / "templates";
    std::string toml = readSource("config/labels/shipping-label-4x6.toml");
    toml += "\n[fields.weight_kg]\nx = 1\ny = 1\nwidth = 10\n";
    write(templates / "shipping-label-4x6.toml", toml);
    std::string slip = readSource("config/labels/packing-slip-a4.toml");
    slip += "\n[[image]]\nx = 150\ny = 5\nwidth = 40\nheight = 15\nfile = \"logo.png\"\n";
    write(templates / "packing-slip-a4.toml", slip);
    write(templates / "pick-list-a5.toml", readSource("config/labels/pick-list-a4.toml"));

    const config::StationConfig cfg =
        configWith(dir.path(), "\n[labels]\ntemplates_dir = \"templates\"\n");
    const std::vector<std::string> errors = checkLabelConfig(cfg);
    ASSERT_EQ(errors.size(), 3u);
    const std::string base = templates.string() + "/";
    const int slipLines = static_cast<int>(std::count(slip.begin(), slip.end(), '\n'));
    EXPECT_EQ(errors[0], base + "packing-slip-a4.toml:" + std::to_string(slipLines) +
                             ":8: image[0].file: cannot read " + base +
                             "logo.png: No such file or directory");
    EXPECT_EQ(errors[1], base +
                             "pick-list-a5.toml: a pick-list of size \"a4\" must be in a "
                             "file named pick-list-a4.toml");
    const int line = static_cast<int>(std::count(toml.begin(), toml.end(), '\n')) - 3;
    EXPECT_TRUE(errors[2].starts_with(base + "shipping-label-4x6.toml:" + std::to_string(line) +
                                      ":1: fields.weight_kg: unknown field for a shipping-label"))
        << errors[2];

    // A printer size that no template has.
    config::StationConfig a6 = configWith(dir.path(), "");
    a6.printers.at(0).size = "a6";
    EXPECT_EQ(checkLabelConfig(a6),
              (std::vector<std::string>{
                  "station.toml: printers[0].size: no shipping-label template of size \"a6\" "
                  "(there are: 100x150, 4x6; add shipping-label-a6.toml to [labels] "
                  "templates_dir for another)"}));
}

TEST(LabelTemplatesConfig, TheFolderMustExist) {
    TempDir dir;
    auto loaded = config::parseConfig(benchToml({}) + "\n[labels]\ntemplates_dir = \"nowhere\"\n",
                                      "station.toml", dir.path());
    ASSERT_EQ(loaded.errors.size(), 1u);
    EXPECT_EQ(loaded.errors[0].toString(), "station.toml:" + std::to_string(loaded.errors[0].line) +
                                               ":17: labels.templates_dir: is not a folder: " +
                                               (dir.path() / "nowhere").string());
    loaded = config::parseConfig(benchToml({}) + "\n[labels]\ntemplate_dir = \"x\"\n",
                                 "station.toml", dir.path());
    ASSERT_FALSE(loaded.errors.empty());
    EXPECT_NE(loaded.errors.back().toString().find("did you mean templates_dir?"),
              std::string::npos)
        << loaded.errors.back().toString();
}

}  // namespace
}  // namespace station::test
