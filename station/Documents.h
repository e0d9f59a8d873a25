// What the station answers when it prints a pick list or packing slips (Documents.cpp):
// the job it gave the documents printer, or why it printed nothing.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace station {

struct PrintedDocument {
    bool ok = false;
    std::string error;          // for the person who asked, when !ok
    bool unknownOrder = false;  // the error is an order the journal does not hold
    std::string job;            // the print job id, e.g. "pick-list-20241114T101500Z-1"
    std::string printer;
    std::string language;   // "pdf" or "zpl"
    std::string bytes;      // what was sent to the printer
    std::size_t pages = 0;  // labels, for ZPL
    std::vector<std::string> orders;
    std::vector<std::string> warnings;  // text cut short, a value that could not be barcoded
};

}  // namespace station
