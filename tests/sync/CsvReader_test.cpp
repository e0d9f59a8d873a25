#include "sync/CsvReader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "sync/CsvWriter.h"

namespace {

using namespace shop::csv;

std::string sample(const std::string& name) {
    std::ifstream in(std::string(STATION_SOURCE_DIR) + "/tests/sync/csv/" + name, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string joined(const std::vector<std::string>& errors) {
    std::string out;
    for (const auto& e : errors) {
        out += e + "\n";
    }
    return out;
}

TEST(CsvDecodeTest, MapsEveryWindows1252ByteOfTheSpecialBlock) {
    std::string bytes;
    for (int b = 0x80; b <= 0x9F; ++b) {
        bytes += static_cast<char>(b);
    }
    // U+20AC, 0081, 201A, 0192, 201E, 2026, 2020, 2021, 02C6, 2030, 0160, 2039, 0152, 008D, 017D,
    // 008F, 0090, 2018, 2019, 201C, 201D, 2022, 2013, 2014, 02DC, 2122, 0161, 203A, 0153, 009D,
    // 017E, 0178
    const std::string expected =
        "€\xC2\x81‚ƒ„…†‡ˆ‰Š‹Œ\xC2\x8DŽ\xC2\x8F\xC2\x90‘’“”•–—˜™š›œ\xC2\x9DžŸ";
    EXPECT_EQ(windows1252ToUtf8(bytes), expected);
    EXPECT_EQ(windows1252ToUtf8("Caf\xE9 \xE0 5\xA0\x80 \xFF"), "Café à 5\u00A0€ ÿ");
}

TEST(CsvDecodeTest, ReadsUtf8AsItIsAndDropsTheByteOrderMark) {
    DecodedText plain = decodeText("Référence;Quantité\n");
    EXPECT_EQ(plain.encoding, TextEncoding::Utf8);
    EXPECT_EQ(plain.text, "Référence;Quantité\n");

    DecodedText bom = decodeText("\xEF\xBB\xBForder;qty\n");
    EXPECT_EQ(bom.encoding, TextEncoding::Utf8WithBom);
    EXPECT_EQ(bom.text, "order;qty\n");
    EXPECT_TRUE(bom.error.empty());
}

TEST(CsvDecodeTest, BytesThatAreNotUtf8AreWindows1252) {
    DecodedText decoded = decodeText(
        "Pay\xE9"
        "e;C\x9Cur;12,50 \x80\r\n");
    EXPECT_EQ(decoded.encoding, TextEncoding::Windows1252);
    EXPECT_EQ(decoded.text, "Payée;Cœur;12,50 €\r\n");

    // Overlong forms and encoded surrogates are not UTF-8 either.
    EXPECT_FALSE(isValidUtf8("\xC0\xAF"));
    EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));
    EXPECT_FALSE(isValidUtf8("\xE9t\xE9"));
    EXPECT_TRUE(isValidUtf8("été \xF0\x9F\x93\xA6"));
}

TEST(CsvDecodeTest, RefusesUtf16AndABrokenFileThatClaimsUtf8) {
    EXPECT_NE(decodeText("\xFF\xFEo\0r\0").error.find("UTF-16"), std::string::npos);

    DecodedText broken = decodeText(
        "\xEF\xBB\xBF"
        "order;name\n1;Andr\xE9\n");
    EXPECT_EQ(broken.error, "line 2: the file says it is UTF-8 but this line is not");
}

TEST(CsvSeparatorTest, CountsSeparatorsOnTheHeaderLineOutsideQuotes) {
    EXPECT_EQ(detectSeparator("\"Nom, prénom\";Ville;Pays\n1,2,3,4,5\n"), ';');
    EXPECT_EQ(detectSeparator("order,status,\"a;b\"\n"), ',');
    EXPECT_EQ(detectSeparator("order\tstatus\tname\n"), '\t');
    EXPECT_EQ(detectSeparator("order\n"), ';');
}

TEST(CsvSeparatorTest, HonoursExcelsSepLine) {
    Table table = readTable("sep=,\r\norder,status\r\n1001,paid\r\n");
    EXPECT_EQ(table.separator, ',');
    ASSERT_EQ(table.records.size(), 2u);
    EXPECT_EQ(table.records[0].fields, (std::vector<std::string>{"order", "status"}));
    EXPECT_EQ(table.records[1].line, 3);
}

TEST(CsvRecordsTest, QuotedFieldsKeepSeparatorsQuotesAndLineBreaks) {
    const Table table = parseRecords(
        "a;b;c\r\n"
        "1;\"Flat 2; \"\"The Mews\"\"\r\n221B Baker Street\";x\r\n"
        "2;\"\";\"end\"\r\n",
        ';');
    ASSERT_TRUE(table.error.empty()) << table.error;
    ASSERT_EQ(table.records.size(), 3u);
    EXPECT_EQ(table.records[1].fields[1], "Flat 2; \"The Mews\"\n221B Baker Street");
    EXPECT_EQ(table.records[1].fields[2], "x");
    EXPECT_EQ(table.records[1].line, 2);
    // The record after a two-line field starts on line 4 of the file.
    EXPECT_EQ(table.records[2].line, 4);
    EXPECT_EQ(table.records[2].fields, (std::vector<std::string>{"2", "", "end"}));
}

TEST(CsvRecordsTest, AcceptsLfCrAndNoFinalLineEndAndSkipsEmptyRows) {
    const Table lf = parseRecords("a,b\n1,2\n\n\n", ',');
    EXPECT_EQ(lf.records.size(), 2u);
    const Table cr = parseRecords("a;b\r1;2\r3;4", ';');  // Excel for Mac 2011
    ASSERT_EQ(cr.records.size(), 3u);
    EXPECT_EQ(cr.records[2].fields, (std::vector<std::string>{"3", "4"}));
    EXPECT_EQ(cr.records[2].line, 3);
    const Table blanks = parseRecords("a;b\r\n;\r\n1;2\r\n;;\r\n", ';');
    ASSERT_EQ(blanks.records.size(), 2u);
    EXPECT_EQ(blanks.records[1].line, 3);
}

TEST(CsvRecordsTest, AQuoteInsideAnUnquotedFieldIsText) {
    const Table table = parseRecords("size;name\n27\";Écran 27\" mat\n", ';');
    ASSERT_TRUE(table.error.empty()) << table.error;
    EXPECT_EQ(table.records[1].fields, (std::vector<std::string>{"27\"", "Écran 27\" mat"}));
}

TEST(CsvRecordsTest, AnUnclosedQuoteNamesTheLineWhereItOpened) {
    const Table table = parseRecords("a;b\n1;2\n3;\"open\n4;5\n", ';');
    EXPECT_EQ(table.error, "line 3: a quoted field starts here and its closing quote is missing");
    EXPECT_TRUE(table.records.empty());
}

TEST(CsvWeightTest, ReadsWeightsAsPeopleWriteThem) {
    EXPECT_EQ(parseWeightGrams("1,5 kg", 1), 1500);
    EXPECT_EQ(parseWeightGrams("250 g", 1), 250);
    EXPECT_EQ(parseWeightGrams("250g", 1000), 250);
    EXPECT_EQ(parseWeightGrams("0.35", 1000), 350);
    EXPECT_EQ(parseWeightGrams("0,35", 1000), 350);
    EXPECT_EQ(parseWeightGrams("180", 1), 180);
    EXPECT_EQ(parseWeightGrams("1\xC2\xA0"
                               "250 g",
                               1),
              1250);  // no-break space between thousands
    EXPECT_EQ(parseWeightGrams("2 KG", 1), 2000);
    EXPECT_EQ(parseWeightGrams("12,4 gr", 1), 12);
    EXPECT_EQ(parseWeightGrams("lourd", 1), std::nullopt);
    EXPECT_EQ(parseWeightGrams("-3 g", 1), std::nullopt);
    EXPECT_EQ(parseWeightGrams("1,2,3", 1), std::nullopt);
    EXPECT_EQ(parseWeightGrams("", 1), std::nullopt);
}

TEST(CsvFoldTest, IgnoresCaseAccentsAndPunctuation) {
    EXPECT_EQ(foldForMatching("N° de Commande"), "n de commande");
    EXPECT_EQ(foldForMatching("  QUANTITÉ "), "quantite");
    EXPECT_EQ(foldForMatching("Complément d'adresse"), "complement d adresse");
    EXPECT_EQ(foldForMatching("Œuvre_payée"), "oeuvre payee");
    EXPECT_EQ(foldForMatching("on-hold"), "on hold");
}

TEST(CsvOrdersTest, ReadsTheFrenchExcelExport) {
    const std::string bytes = sample("excel-fr-windows1252.csv");
    ASSERT_FALSE(isValidUtf8(bytes)) << "the sample must stay Windows-1252 bytes";
    ASSERT_NE(bytes.find("\r\n"), std::string::npos) << "the sample must keep its CRLF";

    const OrdersFile file = readOrdersFile(bytes, "export.csv");
    ASSERT_TRUE(file.errors.empty()) << joined(file.errors);
    EXPECT_EQ(file.encoding, TextEncoding::Windows1252);
    EXPECT_EQ(file.separator, ';');
    ASSERT_EQ(file.orders.size(), 4u);

    const shop::Order& o1 = file.orders[0];
    EXPECT_EQ(o1.number, "FR-1001");
    EXPECT_EQ(o1.shopId, "FR-1001");
    EXPECT_EQ(o1.status, "ready");
    EXPECT_EQ(o1.payment, "paid");
    EXPECT_EQ(o1.customer.name, "Élodie Durand");
    EXPECT_EQ(o1.customer.street, "5 place Bellecour");
    EXPECT_EQ(o1.customer.postcode, "69002");
    EXPECT_EQ(o1.customer.city, "Lyon");
    EXPECT_EQ(o1.customer.country, "FR");
    EXPECT_EQ(o1.shippingMethod, "Colissimo");
    EXPECT_EQ(o1.riskScore, 3);
    EXPECT_EQ(o1.customerNote, "Livrer à l’accueil « bâtiment B »…");
    ASSERT_EQ(o1.lines.size(), 2u);  // the second line leaves the order's columns blank
    EXPECT_EQ(o1.lines[0].shopLineId, "1");
    EXPECT_EQ(o1.lines[0].sku, "TSHIRT-M-BLEU");
    EXPECT_EQ(o1.lines[0].gtin, "3760123450010");
    EXPECT_EQ(o1.lines[0].name, "T-shirt bleu marine, taille M");
    EXPECT_EQ(o1.lines[0].quantity, 2);
    EXPECT_EQ(o1.lines[0].unitWeightGrams, 180);
    EXPECT_EQ(o1.lines[0].bin, "A-01-03");
    EXPECT_EQ(o1.lines[1].shopLineId, "2");
    EXPECT_EQ(o1.lines[1].name, "Mug « Cœur de bœuf »");
    EXPECT_EQ(o1.lines[1].unitWeightGrams, 350);

    const shop::Order& o2 = file.orders[1];
    EXPECT_EQ(o2.status, "awaiting_payment");
    EXPECT_EQ(o2.payment, "awaiting_transfer");
    EXPECT_EQ(o2.customer.name, "Noël Lefèvre");
    EXPECT_EQ(o2.customer.street, "12 rue de l’Église\nBât. C");
    EXPECT_EQ(o2.customer.postcode, "01000");  // Excel had dropped the zero
    EXPECT_EQ(o2.riskScore, 12.5);
    EXPECT_EQ(o2.lines[0].gtin, "");
    EXPECT_EQ(o2.lines[0].quantity, 3);
    EXPECT_EQ(o2.lines[0].unitWeightGrams, 1500);

    const shop::Order& o3 = file.orders[2];
    EXPECT_EQ(o3.payment, "awaiting_cheque");
    EXPECT_EQ(o3.customer.name, "Zoë Œuvray");
    EXPECT_EQ(o3.customer.country, "FR");
    EXPECT_EQ(o3.lines[0].name, "Bougie figue – 200 g");
    EXPECT_EQ(o3.lines[0].unitWeightGrams, 250);

    const shop::Order& o4 = file.orders[3];
    EXPECT_EQ(o4.status, "cancelled");
    EXPECT_EQ(o4.customer.country, "CH");
    EXPECT_EQ(o4.customer.postcode, "1003");  // a Swiss postcode has four digits
}

TEST(CsvOrdersTest, ReadsTheUtf8ExportWithCommasAndAMultiLineAddress) {
    const std::string bytes = sample("shopify-utf8-bom.csv");
    ASSERT_TRUE(bytes.starts_with("\xEF\xBB\xBF"));

    const OrdersFile file = readOrdersFile(bytes, "orders_export.csv");
    ASSERT_TRUE(file.errors.empty()) << joined(file.errors);
    EXPECT_EQ(file.encoding, TextEncoding::Utf8WithBom);
    EXPECT_EQ(file.separator, ',');
    ASSERT_EQ(file.orders.size(), 2u);

    const shop::Order& o1 = file.orders[0];
    EXPECT_EQ(o1.number, "#2001");
    EXPECT_EQ(o1.customer.name, "Oliver \"Ollie\" Smith");
    EXPECT_EQ(o1.customer.street, "Flat 2, \"The Mews\"\n221B Baker Street");
    EXPECT_EQ(o1.customer.postcode, "NW1 6XE");
    EXPECT_EQ(o1.customer.country, "GB");
    EXPECT_EQ(o1.customerNote, "Please knock, don't ring");
    ASSERT_EQ(o1.lines.size(), 2u);
    EXPECT_EQ(o1.lines[0].name, "Mug \"Café de Flore\", 350 ml");
    EXPECT_EQ(o1.lines[0].unitWeightGrams, 350);  // "Weight (kg)": bare numbers are kilograms
    EXPECT_EQ(o1.lines[1].unitWeightGrams, 180);
    EXPECT_EQ(o1.lines[1].quantity, 1);

    const shop::Order& o2 = file.orders[1];
    EXPECT_EQ(o2.status, "awaiting_payment");
    EXPECT_EQ(o2.payment, "awaiting_transfer");  // from the payment column
    EXPECT_EQ(o2.customer.street, "8 avenue Foch, 3e étage");
    EXPECT_EQ(o2.lines[0].unitWeightGrams, 100);
}

TEST(CsvOrdersTest, MissingColumnsAreNamedWithTheFile) {
    const OrdersFile file = readOrdersFile(sample("missing-columns.csv"), "missing-columns.csv");
    ASSERT_EQ(file.errors.size(), 1u);
    EXPECT_EQ(file.errors[0],
              "missing-columns.csv: missing columns postcode (code postal), quantity (quantité) "
              "(header line 1 has: Commande, Statut, Nom, Adresse, Ville, Pays, Référence)");
    EXPECT_TRUE(file.orders.empty());
}

TEST(CsvOrdersTest, AnUnclosedQuoteRefusesTheFileWithItsLine) {
    const OrdersFile file = readOrdersFile(sample("unclosed-quote.csv"), "unclosed-quote.csv");
    ASSERT_EQ(file.errors.size(), 1u);
    EXPECT_EQ(file.errors[0],
              "unclosed-quote.csv line 3: a quoted field starts here and its closing quote is "
              "missing");
    EXPECT_TRUE(file.orders.empty());
}

TEST(CsvOrdersTest, BadValuesAreReportedWithTheirLineAndNoOrderIsKept) {
    const std::string bytes =
        "order;status;name;street;postcode;city;country;sku;ean;quantity;poids\n"
        "1;paid;A;s;75001;Paris;FR;SKU-1;;deux;\n"
        "2;brouillon;B;s;75001;Paris;FR;SKU-2;;1;\n"
        "3;paid;C;\"s\nsuite\";75001;Paris;Narnia;SKU-3;;1;\n"
        "4;paid;D;s;75001;Paris;FR;;3,76012E+12;1;\n"
        "5;paid;E;s;75001;Paris;FR;SKU-5;;1;lourd\n"
        "6;paid;F;s;75001;Paris;FR;SKU-6;;1,5;\n"
        "7;paid;G;s;75001;Paris;FR;SKU-7;;1;\n";
    const OrdersFile file = readOrdersFile(bytes, "in.csv");
    EXPECT_EQ(joined(file.errors),
              "in.csv line 2: quantity 'deux' is not a whole number of at least 1\n"
              "in.csv line 3: status 'brouillon' is not one the station knows (see "
              "docs/csv-exchange.md)\n"
              "in.csv line 6: gtin '3,76012E+12' was turned into a number by the spreadsheet; "
              "format that column as text before exporting\n"
              "in.csv line 7: weight 'lourd' is not a weight (e.g. 250 g, 1,5 kg)\n"
              "in.csv line 8: quantity '1,5' is not a whole number of at least 1\n"
              "in.csv line 3: order 2 has no status\n"
              "in.csv line 4: country 'Narnia' is neither a two-letter code nor a known name\n");
    EXPECT_TRUE(file.orders.empty()) << "a file with a problem is refused as a whole";
}

TEST(CsvOrdersTest, HeadersInAnyCaseOrderAndLanguageWithUnknownColumnsIgnored) {
    const std::string bytes =
        "QTY\tPrix TTC\tCOUNTRY\tCity\tZIP\tSTREET\tFirst name\tLast name\tSTATUS\tOrder\tEAN\n"
        "3\t9,90\tbe\tLiège\t4000\tRue Léopold 1\tMarc\tPeeters\tprocessing\tB-77\t5410013108009\n";
    const OrdersFile file = readOrdersFile(bytes, "tab.csv");
    ASSERT_TRUE(file.errors.empty()) << joined(file.errors);
    EXPECT_EQ(file.separator, '\t');
    ASSERT_EQ(file.orders.size(), 1u);
    EXPECT_EQ(file.orders[0].customer.name, "Marc Peeters");
    EXPECT_EQ(file.orders[0].customer.country, "BE");
    EXPECT_EQ(file.orders[0].status, "ready");
    EXPECT_EQ(file.orders[0].lines[0].sku, "");
    EXPECT_EQ(file.orders[0].lines[0].gtin, "5410013108009");
    EXPECT_EQ(file.orders[0].lines[0].name, "5410013108009");
    EXPECT_EQ(file.orders[0].lines[0].quantity, 3);
}

TEST(CsvOrdersTest, AnEmptyFileSaysSo) {
    EXPECT_EQ(joined(readOrdersFile("\xEF\xBB\xBF\r\n", "empty.csv").errors),
              "empty.csv: the file is empty (no header line)\n");
}

TEST(CsvWriterTest, WritesWhatExcelOpensAndReadsItBack) {
    const std::string bytes = formatExcelCsv(
        {{"order", "parcel", "tracking_number", "carrier", "date"},
         {"FR-1001", "1", "6A12345678901", "Colissimo; suivi", "2024-05-02T10:15:00Z"},
         {"FR-1001", "2", "", "Retrait \"boutique\"", "2024-05-02T10:16:00Z"}});
    EXPECT_EQ(bytes,
              "\xEF\xBB\xBForder;parcel;tracking_number;carrier;date\r\n"
              "FR-1001;1;6A12345678901;\"Colissimo; suivi\";2024-05-02T10:15:00Z\r\n"
              "FR-1001;2;;\"Retrait \"\"boutique\"\"\";2024-05-02T10:16:00Z\r\n");
    const ShipmentRows rows = readShipmentRows(bytes, "s.csv");
    ASSERT_TRUE(rows.error.empty()) << rows.error;
    ASSERT_EQ(rows.rows.size(), 2u);
    EXPECT_EQ(rows.rows[0].carrier, "Colissimo; suivi");
    EXPECT_EQ(rows.rows[1].parcel, 2);
    EXPECT_EQ(rows.rows[1].trackingNumber, "");
    EXPECT_EQ(rows.rows[1].carrier, "Retrait \"boutique\"");
}

TEST(CsvWriterTest, QuotesLineBreaksAndEdgeSpaces) {
    EXPECT_EQ(formatField("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(formatField(" padded"), "\" padded\"");
    EXPECT_EQ(formatField("a,b"), "a,b");
    EXPECT_EQ(formatField("a,b", ','), "\"a,b\"");
}

}  // namespace
