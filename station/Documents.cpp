// The station's printed documents: the shipping label in the shipping printer's language and
// size, and the pick lists and packing slips for the documents printer.
#include <SQLiteCpp/Statement.h>
#include <boost/json.hpp>

#include <chrono>

#include "labels/Documents.h"
#include "labels/PdfRenderer.h"
#include "labels/ShippingLabel.h"
#include "labels/ZplRenderer.h"
#include "station/DocumentSetup.h"
#include "station/LabelTemplates.h"
#include "station/Log.h"
#include "station/Station.h"

namespace station {

PrinterSetup setupOf(const config::StationConfig& config, const std::string& role,
                     const drivers::Printer& printer) {
    PrinterSetup setup;
    setup.language = printer.language();
    setup.size = role == "documents" && setup.language == "pdf" ? "a4" : "4x6";
    for (const auto& p : config.printers) {
        if (p.name == printer.name()) {
            setup.size = p.size;
            setup.dpi = p.dpi;
        }
    }
    return setup;
}

Station::DocumentState& Station::documents() {
    if (!documents_) {
        auto state = std::make_shared<DocumentState>();
        std::vector<std::string> errors;
        state->templates = LabelTemplates::load(config_.labelTemplatesDir, errors);
        // stationd checked these before starting (checkLabelConfig); a file changed since
        // then keeps its built-in template.
        for (const auto& e : errors) {
            log::warning("label template: " + e);
        }
        // Job ids stay unique across restarts: the counter starts from the clock.
        state->jobSeq =
            static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count() %
                                  1000000000);
        documents_ = std::move(state);
    }
    return *documents_;
}

std::string Station::renderShippingLabel(const labels::ShippingLabel& label,
                                         std::string& language) {
    DocumentState& d = documents();
    const auto it = printers_.find("shipping");
    const drivers::Printer* printer = it != printers_.end() ? it->second : nullptr;
    if (d.shippingLayout == nullptr || d.shippingPrinter != printer) {
        d.shippingPrinter = printer;
        d.shipping = printer ? setupOf(config_, "shipping", *printer) : PrinterSetup{};
        d.shippingLayout = d.templates.find(labels::DocumentKind::ShippingLabel, d.shipping.size);
        if (d.shippingLayout == nullptr) {
            // checkLabelConfig refuses such a config at start; a test's printer may get here.
            log::warning("no shipping-label template of size " + d.shipping.size + ": using 4x6");
            d.shippingLayout = labels::defaultTemplate(labels::DocumentKind::ShippingLabel, "4x6");
        }
    }
    const labels::Document document = labels::layoutShippingLabel(label, *d.shippingLayout);
    if (d.shipping.language == "pdf") {
        labels::PdfResult pdf = d.pdf.render(document);
        if (pdf.error.empty()) {
            language = "pdf";
            return std::move(pdf.pdf);
        }
        log::error("shipping label as PDF: " + pdf.error + "; sending ZPL instead");
    }
    language = "zpl";
    return labels::renderZpl(document, d.shipping.dpi);
}

namespace {

enum class Paper { PickList, PackingSlips };

labels::Address addressOf(const CustomerAddress& a) {
    return {a.name, a.street, a.postcode, a.city, a.country};
}

std::vector<labels::DocumentLine> documentLines(const Order& order, bool remainingOnly) {
    std::vector<labels::DocumentLine> lines;
    for (const OrderLine& line : order.lines) {
        // A pick list is what is still to fetch from the shelves; a packing slip lists the
        // order as the customer bought it.
        const int quantity = remainingOnly ? line.quantity - line.packed : line.quantity;
        if (quantity > 0) {
            lines.push_back({line.sku, line.name, quantity, line.bin});
        }
    }
    return lines;
}

// The document's bytes in the printer's language, its pages and warnings; ok unless the PDF
// could not be made.
void renderInto(PrintedDocument& out, const labels::Document& document, const PrinterSetup& setup,
                labels::PdfRenderer& pdf) {
    out.warnings = document.warnings;
    out.pages = document.pages.size();
    if (setup.language == "pdf") {
        labels::PdfResult result = pdf.render(document);
        if (!result.error.empty()) {
            out.error = "cannot make the PDF: " + result.error;
            return;
        }
        out.bytes = std::move(result.pdf);
    } else {
        out.bytes = labels::renderZpl(document, setup.dpi);
    }
    out.ok = true;
}

PrintedDocument buildDocument(Paper paper, const std::vector<std::string>& numbers,
                              const config::StationConfig& config, OrderStore& store,
                              Journal& journal, const std::string& at,
                              const LabelTemplates& templates, labels::PdfRenderer& pdf,
                              const drivers::Printer* printer, const std::string& role) {
    PrintedDocument out;
    if (numbers.empty()) {
        out.error = "no order given";
        return out;
    }
    if (printer == nullptr) {
        out.error = "no printer has role = \"" + role +
                    "\": add a [[printers]] entry with role = \"documents\" to the config";
        return out;
    }
    const PrinterSetup setup = setupOf(config, role, *printer);
    out.printer = printer->name();
    out.language = setup.language;
    const labels::DocumentKind kind = paper == Paper::PickList ? labels::DocumentKind::PickList
                                                               : labels::DocumentKind::PackingSlip;
    const labels::Template* layout = templates.find(kind, setup.size);
    if (layout == nullptr) {
        out.error = "no " + std::string(labels::toString(kind)) + " template of size \"" +
                    setup.size + "\" for printer " + printer->name();
        return out;
    }
    std::vector<Order> orders;
    for (const std::string& number : numbers) {
        auto order = store.load(number);
        if (!order) {
            out.error = "no order " + number;
            out.unknownOrder = true;
            return out;
        }
        out.orders.push_back(number);
        orders.push_back(std::move(*order));
    }
    const std::string date = at.substr(0, 10);
    labels::Document document;
    if (paper == Paper::PickList) {
        labels::PickList list;
        list.title = config.stationId + " " + at.substr(0, 16);
        list.date = date;
        for (const Order& order : orders) {
            list.orders.push_back({order.number, documentLines(order, true)});
        }
        document = labels::layoutPickList(list, *layout);
    } else {
        // Notes the packer wrote for the customer go on the slip too; internal ones never.
        auto notes = journal.statements().get(
            "SELECT params FROM activity WHERE order_number = ? AND kind = 'note' AND "
            "internal = 0 ORDER BY id");
        for (const Order& order : orders) {
            labels::PackingSlip slip;
            slip.orderNumber = order.number;
            slip.date = date;
            slip.sender = {config.sender.name, config.sender.street, config.sender.postcode,
                           config.sender.city, config.sender.country};
            slip.recipient = addressOf(order.customer);
            slip.lines = documentLines(order, false);
            slip.customerNote = order.customerNote;
            notes->bind(1, order.number);
            while (notes->executeStep()) {
                boost::system::error_code ec;
                const auto params = boost::json::parse(notes->getColumn(0).getString(), ec);
                if (!ec && params.is_object() && params.as_object().contains("text") &&
                    params.as_object().at("text").is_string()) {
                    slip.customerNote += std::string(slip.customerNote.empty() ? "" : "\n") +
                                         std::string(params.as_object().at("text").as_string());
                }
            }
            notes->reset();
            // One document: every slip starts on a page of its own.
            labels::Document one = labels::layoutPackingSlip(slip, *layout);
            document.widthMm = one.widthMm;
            document.heightMm = one.heightMm;
            for (auto& page : one.pages) {
                document.pages.push_back(std::move(page));
            }
            for (auto& warning : one.warnings) {
                document.warnings.push_back(order.number + ": " + warning);
            }
        }
    }
    renderInto(out, document, setup, pdf);
    return out;
}

}  // namespace

PrintedDocument Station::renderPickList(const std::vector<std::string>& orders) {
    const auto it = printers_.find("documents");
    DocumentState& d = documents();
    return buildDocument(Paper::PickList, orders, config_, orders_, journal_, now(), d.templates,
                         d.pdf, it != printers_.end() ? it->second : nullptr, "documents");
}

namespace {

// "2024-05-14T10:15:00Z" -> "20240514T101500Z": a job id takes letters, digits, - and _.
std::string compactTime(const std::string& iso) {
    std::string out;
    for (char c : iso) {
        if (c != '-' && c != ':' && c != '.') {
            out += c;
        }
    }
    return out;
}

}  // namespace

PrintedDocument Station::submitDocument(PrintedDocument document, drivers::Printer* printer,
                                        const std::string& kind) {
    if (!document.ok) {
        return document;
    }
    // A printer known to be down takes nothing: whoever asked hears why at once.
    if (const drivers::DeviceStatus status = printer->status(); !status.up) {
        document.ok = false;
        document.error = "printer " + printer->name() + " is not ready: " + status.detail;
        return document;
    }
    const std::string at = now();
    document.job = kind + "-" + compactTime(at) + "-" + std::to_string(++documents().jobSeq);
    drivers::PrintJob job;
    job.id = document.job;
    job.language = document.language;
    job.data = document.bytes;
    // The answer to the caller says the job was handed over; a printer that fails later says
    // so on the screens and in the activity log, as the document can simply be asked for
    // again.
    printer->submit(std::move(job), [this, id = document.job,
                                     name = printer->name()](const drivers::PrintResult& r) {
        if (r.ok) {
            return;
        }
        Context ctx;
        ctx.at = now();
        transact(ctx, [&] {
            say(ctx, "document.failed", "document_failed",
                {{"document", id}, {"printer", name}, {"error", r.error}}, "");
            ctx.events.back().ok = false;
            ctx.events.back().reason = "document_failed";
        });
        log::Fields fields;
        fields.device = name;
        log::error("document " + id + " was not printed by " + name + ": " + r.error, fields);
    });
    return document;
}

PrintedDocument Station::printPickList(const std::vector<std::string>& orders) {
    PrintedDocument document = renderPickList(orders);
    const auto it = printers_.find("documents");
    return submitDocument(std::move(document), it != printers_.end() ? it->second : nullptr,
                          "pick-list");
}

PrintedDocument Station::printPackingSlips(const std::vector<std::string>& orders) {
    const auto it = printers_.find("documents");
    drivers::Printer* printer = it != printers_.end() ? it->second : nullptr;
    DocumentState& d = documents();
    const std::string at = now();
    return submitDocument(buildDocument(Paper::PackingSlips, orders, config_, orders_, journal_, at,
                                        d.templates, d.pdf, printer, "documents"),
                          printer, "packing-slips");
}

namespace {

// Captions in both of the station's languages: a sheet stays on the bench whoever packs.
const std::vector<std::pair<const char*, const char*>>& commandCaptions() {
    static const std::vector<std::pair<const char*, const char*>> captions = {
        {command::kCloseParcel, "Fermer le colis / Close parcel"},
        {command::kNewParcel, "Nouveau colis / New parcel"},
        {command::kReprint, "Réimprimer / Reprint"},
        {command::kZeroScale, "Balance à zéro / Zero the scale"},
        {command::kShipPartial, "Expédition partielle / Partial shipment"},
        {command::kVoid, "Annuler l'étiquette / Void label"},
        {command::kCancel, "Annuler / Cancel"},
        {command::kApprove, "Valider (superviseur) / Approve (supervisor)"},
        {command::kLogout, "Déconnexion / Log out"},
        {command::kGradeResellable, "Retour : revendable / Return: resellable"},
        {command::kGradeDamaged, "Retour : abîmé / Return: damaged"},
        {command::kGradeMissingParts, "Retour : incomplet / Return: missing parts"},
        {command::kGradeWrongItem, "Retour : mauvais article / Return: wrong item"},
        {command::kCloseReturn, "Clore le retour / Close return"},
    };
    return captions;
}

}  // namespace

PrintedDocument Station::printCommandSheet() {
    PrintedDocument out;
    const auto it = printers_.find("documents");
    if (it == printers_.end()) {
        out.error =
            "no printer has role = \"documents\": add a [[printers]] entry with role = "
            "\"documents\" to the config";
        return out;
    }
    drivers::Printer* printer = it->second;
    DocumentState& d = documents();
    const PrinterSetup setup = setupOf(config_, "documents", *printer);
    out.printer = printer->name();
    out.language = setup.language;
    const labels::Template* layout =
        d.templates.find(labels::DocumentKind::CommandSheet, setup.size);
    if (layout == nullptr) {
        out.error = "no command-sheet template of size \"" + setup.size + "\" for printer " +
                    printer->name() + ": add one to [labels] templates_dir";
        return out;
    }
    labels::CommandSheet sheet;
    sheet.title = config_.stationId + " : commandes / commands";
    for (const auto& [code, caption] : commandCaptions()) {
        sheet.commands.push_back({caption, code});
    }
    for (const auto& box : config_.boxes) {
        sheet.commands.push_back({"Carton / Box: " + box.name, box.code});
    }
    const labels::Document document = labels::layoutCommandSheet(sheet, *layout);
    renderInto(out, document, setup, d.pdf);
    return submitDocument(std::move(out), printer, "command-sheet");
}

}  // namespace station
