// The returns desk's printed documents: the return slip of each shipment and the restock label
// of each resellable item, queued in the print spool (Printing.cpp) like the shipping labels.
#include <SQLiteCpp/Statement.h>

#include "labels/Documents.h"
#include "labels/Layout.h"
#include "labels/PdfRenderer.h"
#include "labels/Text.h"
#include "labels/ZplRenderer.h"
#include "station/DocumentSetup.h"
#include "station/Log.h"
#include "station/Station.h"

namespace station {

namespace {

// The document in the printer's language; `language` is set to what the bytes are.
std::string render(const labels::Document& document, const PrinterSetup& setup,
                   labels::PdfRenderer& pdf, const std::string& what, std::string& language) {
    if (setup.language == "pdf") {
        labels::PdfResult result = pdf.render(document);
        if (result.error.empty()) {
            language = "pdf";
            return std::move(result.pdf);
        }
        log::error(what + " as PDF: " + result.error + "; sending ZPL instead");
    }
    language = "zpl";
    return labels::renderZpl(document, setup.dpi);
}

labels::Field textField(double y, double height, double sizePt, double minSizePt, bool bold,
                        labels::Align align = labels::Align::Left) {
    labels::Field f;
    f.x = 5;
    f.y = y;
    f.width = 91.6;
    f.height = height;
    f.sizePt = sizePt;
    f.minSizePt = minSizePt;
    f.bold = bold;
    f.align = align;
    return f;
}

// The restock label, laid out in code: no template kind exists for it, and what it shows is
// fixed (the bin in large type, the SKU as text and Code 128, the name). It fits the 4 x 6 in
// and 100 x 150 mm labels the shipping printers take.
labels::Template restockTemplate(const std::string& size) {
    labels::Template t;
    t.size = size;
    t.widthMm = size == "100x150" ? 100 : 101.6;
    t.heightMm = size == "100x150" ? 150 : 152.4;
    t.fields["title"] = textField(4, 7, 14, 10, true);
    t.fields["bin_caption"] = textField(14, 4, 8, 6, true);
    t.fields["bin"] = textField(19, 17, 40, 14, true);
    t.fields["sku_caption"] = textField(39, 4, 8, 6, true);
    t.fields["sku"] = textField(44, 10, 22, 10, true);
    t.fields["name"] = textField(56, 14, 12, 8, false);
    labels::Field barcode;
    barcode.x = 5;
    barcode.y = 74;
    barcode.width = 91.6;
    barcode.height = 25;
    barcode.moduleMm = 0.5;
    t.fields["sku_barcode"] = barcode;
    t.fields["reference"] = textField(103, 10, 9, 6, false);
    return t;
}

}  // namespace

void Station::queueReturnSlip(Context& ctx, const std::string& number, int64_t shipmentId,
                              const std::string& code) {
    auto order = orders_.load(number);
    auto it = printers_.find("documents");
    if (it == printers_.end()) {
        it = printers_.find("shipping");
    }
    if (!order || it == printers_.end()) {
        log::warning("no printer for the return slip of order " + number);
        return;
    }
    labels::ReturnSlip slip;
    slip.orderNumber = number;
    slip.rmaCode = code;
    slip.date = ctx.at.substr(0, 10);
    slip.customerName = order->customer.name;
    slip.returnAddress = {config_.sender.name, config_.sender.street, config_.sender.postcode,
                          config_.sender.city, config_.sender.country};
    const auto parcels = orders_.parcels(number);
    for (const auto& l : order->lines) {
        int quantity = 0;
        for (const auto& p : parcels) {
            if (p.shipmentId == shipmentId) {
                for (const auto& i : p.items) {
                    quantity += i.lineId == l.id ? i.quantity : 0;
                }
            }
        }
        if (quantity > 0) {
            slip.items.push_back({l.sku, l.name, quantity, l.bin});
        }
    }
    slip.instructions = renderMessage("return_slip_instructions", {}, language_);
    const PrinterSetup setup = setupOf(config_, it->first, *it->second);
    DocumentState& state = documents();
    const labels::Template* layout =
        state.templates.find(labels::DocumentKind::ReturnSlip, setup.size);
    if (layout == nullptr) {
        // Only 4 x 6 is built in: an A4 printer gets the slip at that size.
        layout = state.templates.find(labels::DocumentKind::ReturnSlip, "4x6");
    }
    const labels::Document document = labels::layoutReturnSlip(slip, *layout);
    std::string language;
    const std::string data = render(document, setup, state.pdf, "return slip", language);
    auto doc = journal_.statements().get(
        "INSERT INTO return_documents (kind, shipment_id, order_number, printer, "
        "language, data, state, created_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?)");
    doc->bind(1, return_document::kReturnSlip);
    doc->bind(2, shipmentId);
    doc->bind(3, number);
    doc->bind(4, it->second->name());
    doc->bind(5, language);
    doc->bind(6, data.data(), static_cast<int>(data.size()));
    doc->bind(7, ctx.at);
    doc->exec();
    ctx.returnDocumentsToPrint.push_back(journal_.db().getLastInsertRowid());
}

void Station::queueRestockLabel(Context& ctx, int64_t itemId) {
    auto q = journal_.statements().get(
        "SELECT l.sku, l.name, l.bin, r.order_number, r.rma_code, r.id FROM return_items ri JOIN "
        "order_lines l ON l.id = ri.line_id JOIN returns r ON r.id = ri.return_id WHERE ri.id = "
        "?");
    q->bind(1, itemId);
    if (!q->executeStep()) {
        return;
    }
    const std::string sku = q->getColumn(0).getString();
    const std::string name = q->getColumn(1).getString();
    const std::string bin = q->getColumn(2).getString();
    const std::string order = q->getColumn(3).getString();
    const std::string rma = q->getColumn(4).isNull() ? "" : q->getColumn(4).getString();
    const int64_t returnId = q->getColumn(5).getInt64();
    auto it = printers_.find("restock");
    if (it == printers_.end()) {
        it = printers_.find("shipping");
    }
    if (it == printers_.end()) {
        log::warning("no printer for the restock label of " + sku);
        return;
    }
    const PrinterSetup setup = setupOf(config_, it->first, *it->second);
    const labels::Template layout = restockTemplate(setup.size);
    labels::Document document;
    labels::PageBuilder b(layout, document);
    b.text("title", "REMISE EN STOCK / RESTOCK");
    b.text("bin_caption", "EMPLACEMENT / BIN");
    b.text("bin", bin.empty() ? "?" : labels::cleanText(bin));
    b.text("sku_caption", "SKU");
    b.text("sku", labels::cleanText(sku));
    b.text("name", labels::cleanText(name));
    b.barcode("sku_barcode", labels::Symbology::Code128, labels::cleanText(sku));
    b.text("reference", "Retour / Return " + std::to_string(returnId) + " · " +
                            (rma.empty() ? order : rma) + " · " + ctx.at.substr(0, 10));
    std::string language;
    const std::string data = render(document, setup, documents().pdf, "restock label", language);
    auto ins = journal_.statements().get(
        "INSERT INTO return_documents (kind, return_item_id, order_number, printer, language, "
        "data, state, created_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?)");
    ins->bind(1, return_document::kRestockLabel);
    ins->bind(2, itemId);
    ins->bind(3, order);
    ins->bind(4, it->second->name());
    ins->bind(5, language);
    ins->bind(6, data.data(), static_cast<int>(data.size()));
    ins->bind(7, ctx.at);
    ins->exec();
    ctx.returnDocumentsToPrint.push_back(journal_.db().getLastInsertRowid());
}

}  // namespace station
