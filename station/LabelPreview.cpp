#include "station/LabelPreview.h"

#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <vector>

#include "labels/PngRenderer.h"
#include "labels/ShippingLabel.h"
#include "station/Log.h"
#include "station/OrderStore.h"

namespace station {

namespace {

struct LabelRow {
    int64_t id = 0;
    std::optional<int64_t> parcelId;
    std::string tracking;
    std::string printer;
    std::string language;
    std::string state;
    std::string error;
    std::string createdAt;
    std::optional<std::string> printedAt;
};

std::optional<LabelRow> loadLabel(Journal& journal, std::optional<int64_t> id) {
    auto q = journal.statements().get(
        id ? "SELECT id, parcel_id, tracking_number, printer, language, state, error, "
             "created_at, printed_at FROM labels WHERE id = ?"
           : "SELECT id, parcel_id, tracking_number, printer, language, state, error, "
             "created_at, printed_at FROM labels ORDER BY id DESC LIMIT 1");
    if (id) {
        q->bind(1, *id);
    }
    if (!q->executeStep()) {
        return std::nullopt;
    }
    LabelRow row;
    row.id = q->getColumn(0).getInt64();
    if (!q->getColumn(1).isNull()) {
        row.parcelId = q->getColumn(1).getInt64();
    }
    row.tracking = q->getColumn(2).getString();
    row.printer = q->getColumn(3).getString();
    row.language = q->getColumn(4).getString();
    row.state = q->getColumn(5).getString();
    row.error = q->getColumn(6).getString();
    row.createdAt = q->getColumn(7).getString();
    if (!q->getColumn(8).isNull()) {
        row.printedAt = q->getColumn(8).getString();
    }
    return row;
}

boost::json::value orNull(const std::string& s) {
    return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
}

}  // namespace

LabelPreview::LabelPreview(const config::StationConfig& config) : config_(config) {}

LabelPreview::~LabelPreview() = default;

std::optional<boost::json::object> LabelPreview::labelJson(Journal& journal,
                                                           std::optional<int64_t> id) {
    const auto row = loadLabel(journal, id);
    if (!row) {
        return std::nullopt;
    }
    std::optional<Parcel> parcel;
    if (row->parcelId) {
        parcel = OrderStore(journal.db()).parcel(*row->parcelId);
    }
    return boost::json::object{
        {"id", row->id},
        {"state", row->state},
        {"order", parcel ? boost::json::value(parcel->orderNumber) : boost::json::value(nullptr)},
        {"parcel", parcel ? boost::json::value(parcel->index) : boost::json::value(nullptr)},
        {"tracking_number", orNull(row->tracking)},
        {"printer", row->printer},
        {"language", row->language},
        {"error", orNull(row->error)},
        {"created_at", row->createdAt},
        {"printed_at",
         row->printedAt ? boost::json::value(*row->printedAt) : boost::json::value(nullptr)},
        {"preview", "/api/labels/" + std::to_string(row->id) + ".png"}};
}

LabelPreview::Png LabelPreview::render(Journal& journal, std::optional<int64_t> id) {
    Png out;
    const auto row = loadLabel(journal, id);
    if (!row) {
        return out;
    }
    out.found = true;
    if (row->id == cachedId_ && !cachedPng_.empty()) {
        out.png = cachedPng_;
        return out;
    }
    OrderStore store(journal.db());
    const auto parcel = row->parcelId ? store.parcel(*row->parcelId) : std::nullopt;
    const auto order = parcel ? store.load(parcel->orderNumber) : std::nullopt;
    if (!parcel || !order) {
        out.error = "label " + std::to_string(row->id) + " belongs to no parcel of an order";
        return out;
    }

    // The label as Packing.cpp built it, from what the journal holds now.
    labels::ShippingLabel label;
    label.sender = {config_.sender.name, config_.sender.street, config_.sender.postcode,
                    config_.sender.city, config_.sender.country};
    label.recipient = {order->customer.name, order->customer.street, order->customer.postcode,
                       order->customer.city, order->customer.country};
    label.orderNumber = order->number;
    label.carrier = order->shippingMethod;
    for (const auto& m : config_.shippingMethods) {
        if (m.id == order->shippingMethod) {
            label.carrier = m.carrier;
        }
    }
    label.trackingNumber = row->tracking;
    label.trackingIsSscc = row->tracking.size() == 18 &&
                           std::all_of(row->tracking.begin(), row->tracking.end(),
                                       [](unsigned char c) { return std::isdigit(c) != 0; });
    label.parcelIndex = parcel->index;
    int count = 0;
    for (const auto& p : store.parcels(order->number)) {
        count += p.itemCount() > 0 ? 1 : 0;
    }
    label.parcelCount = std::max(count, parcel->index);
    label.weightGrams = parcel->weightGrams.value_or(0);
    label.date = row->createdAt.substr(0, 10);

    std::string size = "4x6";
    int dpi = 203;
    for (const auto& p : config_.printers) {
        if (p.name == row->printer) {
            size = p.size;
            dpi = p.dpi;
        }
    }
    if (!templates_) {
        std::vector<std::string> errors;
        templates_ = LabelTemplates::load(config_.labelTemplatesDir, errors);
        for (const auto& e : errors) {
            log::warning("label template: " + e);
        }
    }
    const labels::Template* layout = templates_->find(labels::DocumentKind::ShippingLabel, size);
    if (!layout) {
        layout = labels::defaultTemplate(labels::DocumentKind::ShippingLabel, "4x6");
    }
    if (!layout) {
        out.error = "no shipping-label template of size " + size;
        return out;
    }
    if (!renderer_) {
        renderer_ = std::make_unique<labels::PngRenderer>();
        if (!renderer_->error().empty()) {
            log::warning("label preview without text: " + renderer_->error());
        }
    }
    const labels::Document document = labels::layoutShippingLabel(label, *layout);
    // A preview on a screen needs no more than 203 dpi, whatever the printer's.
    out.png = renderer_->renderPng(document, 0, std::min(dpi, 203));
    cachedId_ = row->id;
    cachedPng_ = out.png;
    return out;
}

}  // namespace station
