// What the station's printed documents share (private to station/): each printer's setup
// from the config, and the templates and PDF renderer loaded once for all of them (Documents.cpp,
// ReturnDocuments.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "config/StationConfig.h"
#include "drivers/Printer.h"
#include "labels/PdfRenderer.h"
#include "labels/Template.h"
#include "station/LabelTemplates.h"
#include "station/Station.h"

namespace station {

// How one printer wants its documents: the entry of the config that names it, or, for a
// printer added without one (tests), its own language with the usual size.
struct PrinterSetup {
    std::string language = "zpl";
    std::string size = "4x6";
    int dpi = 203;
};

PrinterSetup setupOf(const config::StationConfig& config, const std::string& role,
                     const drivers::Printer& printer);

struct Station::DocumentState {
    LabelTemplates templates;
    labels::PdfRenderer pdf;
    uint64_t jobSeq = 0;
    // The shipping printer's template, kept between labels: a label renders in microseconds
    // and a lookup per label would be a measurable part of it.
    const drivers::Printer* shippingPrinter = nullptr;
    const labels::Template* shippingLayout = nullptr;
    PrinterSetup shipping;
};

// The kinds of the returns desk's documents (return_documents.kind).
namespace return_document {
inline constexpr const char* kReturnSlip = "return_slip";
inline constexpr const char* kRestockLabel = "restock_label";
}  // namespace return_document

}  // namespace station
