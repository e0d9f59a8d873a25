// Reading the orders exports shops without an API drop for the station: bytes in any of the
// encodings and separators spreadsheets write, to shop::Order values. Pure functions, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/ShopAdapter.h"

namespace shop::csv {

enum class TextEncoding { Utf8, Utf8WithBom, Windows1252 };

struct DecodedText {
    std::string text;  // UTF-8, without the byte order mark
    TextEncoding encoding = TextEncoding::Utf8;
    std::string error;  // set when the bytes cannot be read as text at all
};

bool isValidUtf8(std::string_view bytes);
// Every byte, including the 0x80-0x9F block where Windows-1252 differs from Latin-1 (the euro
// sign, the curly quotes, œ); the five bytes it leaves undefined become the C1 controls.
std::string windows1252ToUtf8(std::string_view bytes);
// A UTF-8 byte order mark means UTF-8; bytes that are not valid UTF-8 are Windows-1252, which is
// what Excel writes for "CSV (separator: semicolon)" on a French Windows.
DecodedText decodeText(std::string_view bytes);

struct Record {
    int line = 0;  // where the record starts, from 1, counting every physical line of the file
    std::vector<std::string> fields;
};

struct Table {
    char separator = ';';
    std::vector<Record>
        records;        // the header first; empty lines and rows of bare separators left out
    std::string error;  // "line 7: ...", the table is unusable when set
};

// The most frequent of ';', '\t' and ',' outside quotes on the first line (';' wins ties, as in
// French spreadsheets where ',' is the decimal mark).
char detectSeparator(std::string_view text);
// RFC 4180 with what spreadsheets really write: CRLF, LF or CR line ends, line breaks inside
// quoted fields (kept as "\n"), a quote inside an unquoted field taken literally.
Table parseRecords(std::string_view text, char separator);
// Honours Excel's "sep=;" first line, else detects the separator, then parses.
Table readTable(std::string_view text);

// Weights as shops and people write them: "1,5 kg", "250 g", "0.35"; a bare number is in
// `bareUnitGrams` (1 for grams, 1000 for kilograms). Nullopt when it is not a weight.
std::optional<int> parseWeightGrams(std::string_view text, int bareUnitGrams);
// Lower case, accents removed, every other character a single space: how header names and status
// words are compared ("N° de Commande" -> "n de commande").
std::string foldForMatching(std::string_view text);

struct OrdersFile {
    std::vector<Order> orders;  // in the order they first appear; modifiedAt left empty
    // "orders.csv line 4: ..." for each problem; the whole file is refused when there is one.
    std::vector<std::string> errors;
    TextEncoding encoding = TextEncoding::Utf8;
    char separator = ';';
};

// The orders export format of docs/csv-exchange.md. `fileName` is only used in messages.
OrdersFile readOrdersFile(std::string_view bytes, const std::string& fileName);

// One line of the shipments files the station writes (our own format, read back to never write a
// parcel twice).
struct ShipmentRow {
    std::string order;
    int parcel = 0;
    std::string trackingNumber;
    std::string carrier;
    std::string date;
};

inline constexpr const char* kShipmentColumns[] = {"order", "parcel", "tracking_number", "carrier",
                                                   "date"};

struct ShipmentRows {
    std::vector<ShipmentRow> rows;
    std::string error;
};

ShipmentRows readShipmentRows(std::string_view bytes, const std::string& fileName);

}  // namespace shop::csv
