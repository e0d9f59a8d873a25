// Orders, items, parcels, weights, labels and shipments: the steps a packer's scans drive.
// Session, login and command dispatch are in Station.cpp.
#include <SQLiteCpp/Statement.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "labels/ShippingLabel.h"
#include "station/Barcode.h"
#include "station/Log.h"
#include "station/Station.h"
#include "sync/OutboxKind.h"

namespace station {

void Station::openOrder(Context& ctx, const std::string& code) {
    const std::string number = orderNumberFrom(code);
    auto order = orders_.load(number);
    if (!order) {
        const ParsedScan parsed = parseScan(code);
        if (parsed.kind != ParsedScan::Kind::Text || orders_.isKnownProduct(parsed.text, "")) {
            refuse(ctx, "no_order", {});
        } else {
            refuse(ctx, "unknown_order", {{"code", code}});
        }
        return;
    }
    boost::json::object params{{"order", number}};
    if (order->state == order_state::kCancelled) {
        refuse(ctx, "order_cancelled", params, number);
        return;
    }
    if (order->state == order_state::kShipped) {
        refuse(ctx, "order_already_shipped", params, number);
        return;
    }
    if (order->payment != "paid" || order->state == order_state::kAwaitingPayment) {
        const char* key = order->payment == "awaiting_transfer" ? "order_unpaid_transfer"
                          : order->payment == "awaiting_cheque" ? "order_unpaid_cheque"
                                                                : "order_unpaid";
        refuseAs(ctx, "order_unpaid", key, params, number);
        return;
    }
    if (!order->claimedBy.empty() && order->claimedBy != config_.stationId) {
        params["station"] = order->claimedBy;
        refuse(ctx, "order_on_other_station", params, number);
        return;
    }
    if (order->riskScore >= config_.riskThreshold && order->riskApprovedBy.empty()) {
        const double score = order->riskScore;
        params["score"] = score == static_cast<double>(static_cast<int64_t>(score))
                              ? boost::json::value(static_cast<int64_t>(score))
                              : boost::json::value(score);
        session_.approvalKind = "held_order";
        session_.approvalOrder = number;
        session_.approvalDetail = boost::json::serialize(params);
        refuse(ctx, "order_held", params, number);
        return;
    }
    claimOrder(ctx, *order);
}

void Station::claimOrder(Context& ctx, Order& order) {
    if (order.state == order_state::kReady) {
        // The shop learns the order is being packed, so it is not edited or packed elsewhere.
        boost::json::object payload{
            {"order", order.number}, {"shop_id", order.shopId}, {"station", config_.stationId}};
        journal_.addOutbox(ctx.at, order.number, shop::kOrderInProgress,
                           boost::json::serialize(payload));
    }
    orders_.setClaim(order.number, config_.stationId, ctx.at);
    orders_.setState(order.number, order_state::kInProgress, ctx.at);
    session_.order = order.number;
    session_.parcelId.reset();
    for (const auto& p : orders_.parcels(order.number)) {
        if (p.state == parcel_state::kOpen) {
            session_.parcelId = p.id;
        }
    }
    say(ctx, "order.opened", "order_opened",
        {{"order", order.number}, {"items", order.itemCount() - order.packedCount()}},
        order.number);
}

void Station::scanItem(Context& ctx, const std::string& code) {
    auto order = orders_.load(session_.order);
    if (!order) {
        session_.order.clear();
        refuse(ctx, "no_order", {});
        return;
    }
    const ParsedScan parsed = parseScan(code);
    if (parsed.error == "bad_check_digit") {
        refuse(ctx, "bad_check_digit", {{"code", code}});
        return;
    }
    if (parsed.error == "malformed_gs1") {
        refuse(ctx, "malformed_code", {{"code", code}});
        return;
    }
    int quantity = 1;
    OrderLine* line = order->match(parsed.text, parsed.gtin14, quantity);
    if (!line) {
        if (parsed.kind == ParsedScan::Kind::Text && orderNumberFrom(code) != order->number &&
            orders_.exists(orderNumberFrom(code))) {
            refuse(ctx, "order_already_open",
                   {{"current", order->number}, {"order", orderNumberFrom(code)}});
        } else if (parsed.kind != ParsedScan::Kind::Text ||
                   orders_.isKnownProduct(parsed.text, parsed.gtin14)) {
            refuse(ctx, "wrong_item", {{"code", code}, {"order", order->number}});
        } else {
            refuse(ctx, "unknown_code", {{"code", code}});
        }
        return;
    }
    if (line->packed + quantity > line->quantity) {
        refuse(ctx, "too_many",
               {{"name", line->name}, {"packed", line->packed}, {"quantity", line->quantity}});
        return;
    }
    ParcelItem item{line->id, quantity, "", parsed.batch, parsed.expiry};
    if (line->serialised) {
        if (parsed.serial.empty()) {
            session_.awaiting = "serial";
            session_.awaitingLineId = line->id;
            session_.awaitingData = boost::json::serialize(
                boost::json::object{{"batch", parsed.batch}, {"expiry", parsed.expiry}});
            say(ctx, "scan.accepted", "serial_required", {{"name", line->name}}, order->number);
            return;
        }
        if (std::find(line->serials.begin(), line->serials.end(), parsed.serial) !=
            line->serials.end()) {
            refuse(ctx, "serial_duplicate", {{"serial", parsed.serial}});
            return;
        }
        item.serial = parsed.serial;
    }
    countItem(ctx, *order, *line, quantity, item);
}

void Station::scanSerial(Context& ctx, const std::string& code) {
    auto order = orders_.load(session_.order);
    OrderLine* line =
        order && session_.awaitingLineId ? order->line(*session_.awaitingLineId) : nullptr;
    if (!line) {
        clearAwaiting();
        refuse(ctx, "no_order", {});
        return;
    }
    const ParsedScan parsed = parseScan(code);
    const std::string serial = !parsed.serial.empty() ? parsed.serial : parsed.text;
    // The item's own barcode scanned again, an order number or a product code is not a serial.
    const bool looksLikeProduct = parsed.kind == ParsedScan::Kind::Gtin ||
                                  (!parsed.gtin14.empty() && parsed.serial.empty()) ||
                                  equalsIgnoreCase(serial, line->sku) ||
                                  orders_.isKnownProduct(serial, "");
    const bool isOtherCode =
        !serial.empty() && (findBox(serial) || orders_.exists(serial) ||
                            (serial[0] == '#' && orders_.exists(serial.substr(1))));
    if (serial.empty() || serial.size() > 64 || looksLikeProduct || isOtherCode) {
        refuse(ctx, "serial_invalid", {{"code", code}, {"name", line->name}});
        return;
    }
    for (const auto& l : order->lines) {
        if (std::find(l.serials.begin(), l.serials.end(), serial) != l.serials.end()) {
            refuse(ctx, "serial_duplicate", {{"serial", serial}});
            return;
        }
    }
    if (line->packed + 1 > line->quantity) {
        clearAwaiting();
        refuse(ctx, "too_many",
               {{"name", line->name}, {"packed", line->packed}, {"quantity", line->quantity}});
        return;
    }
    ParcelItem item{line->id, 1, serial, "", ""};
    boost::system::error_code ec;
    auto data = boost::json::parse(session_.awaitingData, ec);
    if (!ec && data.is_object()) {
        if (auto* b = data.get_object().if_contains("batch"); b && b->is_string()) {
            item.batch = b->get_string();
        }
        if (auto* x = data.get_object().if_contains("expiry"); x && x->is_string()) {
            item.expiry = x->get_string();
        }
    }
    clearAwaiting();
    countItem(ctx, *order, *line, 1, item);
}

void Station::countItem(Context& ctx, Order& order, OrderLine& line, int quantity,
                        const ParcelItem& item) {
    auto parcel = openParcel(ctx, order.number);
    if (parcel->weightGrams) {
        // The parcel changed: its weight no longer says anything.
        orders_.setParcelWeight(parcel->id, std::nullopt, "");
    }
    orders_.addItem(parcel->id, item);
    line.packed += quantity;
    boost::json::object params{{"name", line.name},
                               {"sku", line.sku},
                               {"packed", line.packed},
                               {"quantity", line.quantity},
                               {"parcel", parcel->index}};
    if (!item.serial.empty()) {
        params["serial"] = item.serial;
    }
    if (quantity > 1) {
        params["count"] = quantity;
    }
    say(ctx, "scan.accepted", quantity > 1 ? "item_packed_case" : "item_packed", std::move(params),
        order.number);
    if (order.fullyPacked()) {
        say(ctx, "order.complete", "order_complete", {{"order", order.number}}, order.number);
        if (!scale_ && config_.autoCloseWhenComplete && !closeParcel(ctx)) {
            // The item is counted whatever the close says; the refusal stays on screen.
            ctx.ok = true;
            ctx.reason.clear();
        }
    }
}

void Station::setBox(Context& ctx, const config::Box& box) {
    if (session_.order.empty()) {
        refuse(ctx, "no_order", {});
        return;
    }
    auto parcel = openParcel(ctx, session_.order);
    orders_.setParcelBox(parcel->id, box.code);
    if (parcel->weightGrams) {
        orders_.setParcelWeight(parcel->id, std::nullopt, "");
    }
    say(ctx, "scan.accepted", "box_set", {{"box", box.name}, {"parcel", parcel->index}},
        session_.order);
}

void Station::newParcel(Context& ctx) {
    auto parcel = currentParcel();
    if (parcel && parcel->state == parcel_state::kOpen) {
        if (parcel->itemCount() == 0) {
            refuse(ctx, "parcel_empty", {{"parcel", parcel->index}});
            return;
        }
        const std::string number = session_.order;
        if (!closeParcel(ctx) || session_.order != number || !session_.awaiting.empty()) {
            return;  // refused, shipped, or waiting for a carrier label or a label check
        }
    }
    const auto next = openParcel(ctx, session_.order);
    say(ctx, "parcel.started", "new_parcel", {{"parcel", next->index}}, session_.order);
}

std::optional<Parcel> Station::openParcel(Context& ctx, const std::string& orderNumber) {
    if (auto current = currentParcel(); current && current->state == parcel_state::kOpen) {
        return current;
    }
    // An open parcel left over (emptied by a new-parcel command, reopened by a void) is
    // filled before a new number is used, so parcel numbers have no gaps.
    for (auto& p : orders_.parcels(orderNumber)) {
        if (p.state == parcel_state::kOpen) {
            session_.parcelId = p.id;
            return std::move(p);
        }
    }
    session_.parcelId = orders_.createParcel(orderNumber, config_.defaultBox, ctx.at);
    return orders_.parcel(*session_.parcelId);
}

int64_t Station::expectedWeight(const Order& order, const Parcel& parcel) const {
    int64_t grams = 0;
    for (const auto& item : parcel.items) {
        for (const auto& l : order.lines) {
            if (l.id == item.lineId) {
                grams += static_cast<int64_t>(l.unitWeightGrams) * item.quantity;
            }
        }
    }
    if (const config::Box* box = findBox(parcel.boxCode)) {
        grams += box->tareGrams;
    }
    return grams;
}

int64_t Station::tolerance(int64_t expected) const {
    const auto byPercent = static_cast<int64_t>(static_cast<double>(expected) *
                                                config_.weightTolerancePercent / 100.0);
    return std::max<int64_t>(config_.weightToleranceGrams, byPercent);
}

void Station::handleScaleReading(const drivers::ScaleReading& reading) {
    // A real scale repeats its reading many times a second: the screens hear of changes only.
    const bool changed = lastReading_ != reading;
    lastReading_ = reading;
    if (sink_ && changed) {
        Event e;
        e.seq = ++seq_;
        e.at = now();
        e.station = config_.stationId;
        e.type = "scale.reading";
        e.user = session_.userName;
        e.order = session_.order;
        e.params = {{"status", drivers::toString(reading.status)}, {"grams", reading.grams}};
        sink_(e);
    }
    if (reading.status != drivers::ScaleStatus::Stable || reading.grams <= 0) {
        scaleLockedAt_.reset();
        return;
    }
    if (scaleLockedAt_) {
        if (*scaleLockedAt_ == reading.grams) {
            return;  // still the parcel that was just closed
        }
        scaleLockedAt_.reset();
    }
    if (session_.returnId) {
        // The returns desk weighs what came back as soon as the scale settles (once per
        // weight: a scale repeats its reading many times a second).
        if (changed) {
            Context ctx;
            ctx.at = now();
            transact(ctx, [&] { checkReturnWeight(ctx, false); });
        }
        return;
    }
    if (session_.userName.empty() || session_.order.empty() || !session_.awaiting.empty() ||
        (!session_.approvalKind.empty() && session_.approvalKind != "weight_mismatch")) {
        return;
    }
    auto parcel = currentParcel();
    if (!parcel || parcel->state != parcel_state::kOpen || parcel->itemCount() == 0 ||
        parcel->weightGrams == reading.grams) {
        return;
    }
    Context ctx;
    ctx.at = now();
    transact(ctx, [&] { recordWeight(ctx, *parcel, reading.grams); });
}

void Station::recordWeight(Context& ctx, const Parcel& parcel, int64_t grams) {
    auto order = orders_.load(parcel.orderNumber);
    orders_.setParcelWeight(parcel.id, grams, "");
    const int64_t expected = expectedWeight(*order, parcel);
    const int64_t tol = tolerance(expected);
    boost::json::object params{
        {"parcel", parcel.index}, {"weight", grams}, {"expected", expected}, {"tolerance", tol}};
    if (std::llabs(grams - expected) <= tol) {
        if (session_.approvalKind == "weight_mismatch") {
            clearApproval();
        }
        say(ctx, "weight.recorded", "weight_ok", std::move(params), order->number);
        if (config_.autoCloseWhenComplete && order->fullyPacked()) {
            closeParcel(ctx);
        }
        return;
    }
    session_.approvalKind = "weight_mismatch";
    session_.approvalOrder = order->number;
    session_.approvalParcelId = parcel.id;
    session_.approvalDetail = boost::json::serialize(params);
    say(ctx, "weight.mismatch", "weight_mismatch", std::move(params), order->number);
    ctx.events.back().ok = false;
    ctx.events.back().reason = "weight_mismatch";
}

bool Station::closeParcel(Context& ctx) {
    auto order = orders_.load(session_.order);
    auto parcel = currentParcel();
    if (!order || !parcel || parcel->state != parcel_state::kOpen || parcel->itemCount() == 0) {
        refuse(ctx, "nothing_to_close", {});
        return false;
    }
    if (scale_) {
        if (!parcel->weightGrams) {
            refuse(ctx, "weigh_first", {{"parcel", parcel->index}});
            return false;
        }
        const int64_t expected = expectedWeight(*order, *parcel);
        if (std::llabs(*parcel->weightGrams - expected) > tolerance(expected) &&
            parcel->weightApprovedBy.empty()) {
            refuse(ctx, "weight_mismatch",
                   {{"parcel", parcel->index},
                    {"weight", *parcel->weightGrams},
                    {"expected", expected},
                    {"tolerance", tolerance(expected)}});
            return false;
        }
    }
    const config::ShippingMethod* method = findMethod(order->shippingMethod);
    const auto mode = method ? method->tracking : config::TrackingMode::Sscc;
    if (mode == config::TrackingMode::CarrierLabel) {
        session_.awaiting = "carrier_label";
        say(ctx, "parcel.awaiting_carrier_label", "carrier_label_required",
            {{"parcel", parcel->index}}, order->number);
        return true;
    }
    std::string tracking;
    if (mode == config::TrackingMode::Sscc) {
        auto sscc = allocateSscc(ctx);
        if (!sscc) {
            refuse(ctx, "tracking_exhausted", {});
            return false;
        }
        tracking = *sscc;
    }
    finishClose(ctx, *order, *parcel, tracking,
                mode == config::TrackingMode::Sscc ? "sscc" : "none");
    return true;
}

std::optional<std::string> Station::allocateSscc(Context&) {
    auto get = journal_.statements().get("SELECT value FROM counters WHERE name = 'sscc'");
    uint64_t next = config_.ssccFirstSerial;
    if (get->executeStep()) {
        next = std::max<uint64_t>(next, static_cast<uint64_t>(get->getColumn(0).getInt64()));
    }
    if (next > config_.ssccLastSerial) {
        return std::nullopt;
    }
    auto sscc = makeSscc(config_.ssccExtensionDigit, config_.gs1CompanyPrefix, next);
    if (!sscc) {
        return std::nullopt;
    }
    auto set = journal_.statements().get(
        "INSERT INTO counters (name, value) VALUES ('sscc', ?) ON CONFLICT(name) "
        "DO UPDATE SET value = excluded.value");
    set->bind(1, static_cast<int64_t>(next + 1));
    set->exec();
    return sscc;
}

void Station::finishClose(Context& ctx, Order& order, Parcel& parcel, const std::string& tracking,
                          const std::string& trackingKind) {
    if (!tracking.empty()) {
        // The primary key refuses a number issued before: the transaction rolls back whole.
        auto q = journal_.statements().get(
            "INSERT INTO tracking_numbers (number, parcel_id, kind, state, at) "
            "VALUES (?, ?, ?, 'active', ?)");
        q->bind(1, tracking);
        q->bind(2, parcel.id);
        q->bind(3, trackingKind);
        q->bind(4, ctx.at);
        q->exec();
    }
    const bool printsLabel = trackingKind != "carrier";
    const bool checkLabel = printsLabel && config_.confirmLabelScan && !tracking.empty();
    orders_.setParcelState(parcel.id, checkLabel ? parcel_state::kLabelled : parcel_state::kClosed,
                           tracking, ctx.at);
    if (parcel.weightGrams) {
        scaleLockedAt_ = parcel.weightGrams;
    }
    boost::json::object params{{"parcel", parcel.index}, {"tracking", tracking}};
    if (parcel.weightGrams) {
        params["weight"] = *parcel.weightGrams;
    }
    say(ctx, "parcel.closed", tracking.empty() ? "parcel_closed_pickup" : "parcel_closed",
        std::move(params), order.number);
    if (printsLabel) {
        queueLabel(ctx, order, parcel, tracking, trackingKind == "sscc");
    }
    if (checkLabel) {
        session_.awaiting = "label_scan";
        say(ctx, "parcel.awaiting_label_scan", "label_scan_required", {{"parcel", parcel.index}},
            order.number);
        return;
    }
    session_.parcelId.reset();
    maybeShip(ctx, order.number);
}

void Station::scanCarrierLabel(Context& ctx, const std::string& code) {
    auto order = orders_.load(session_.order);
    auto parcel = currentParcel();
    if (!order || !parcel) {
        clearAwaiting();
        refuse(ctx, "nothing_to_close", {});
        return;
    }
    const ParsedScan parsed = parseScan(code);
    std::string tracking = !parsed.sscc.empty() ? parsed.sscc : parsed.text;
    // Shaped like a UPU S10 number (2 letters, 9 digits, 2 letters) it must carry a valid
    // check digit: a mistyped or misread one would ship under a number that does not exist.
    const bool s10Shape = tracking.size() == 13 &&
                          std::isalpha(static_cast<unsigned char>(tracking[0])) &&
                          std::isalpha(static_cast<unsigned char>(tracking[1])) &&
                          std::all_of(tracking.begin() + 2, tracking.begin() + 11,
                                      [](unsigned char c) { return std::isdigit(c); }) &&
                          std::isalpha(static_cast<unsigned char>(tracking[11])) &&
                          std::isalpha(static_cast<unsigned char>(tracking[12]));
    const bool plausible = s10Shape
                               ? isValidUpuS10(tracking)
                               : (parsed.kind != ParsedScan::Kind::Gtin && tracking.size() >= 8 &&
                                  tracking.size() <= 40 &&
                                  std::all_of(tracking.begin(), tracking.end(),
                                              [](unsigned char c) { return std::isalnum(c); }) &&
                                  !orders_.isKnownProduct(tracking, ""));
    if (!plausible || !parsed.error.empty()) {
        refuse(ctx, "carrier_label_invalid", {{"code", code}});
        return;
    }
    auto dup = journal_.statements().get("SELECT 1 FROM tracking_numbers WHERE number = ?");
    dup->bind(1, tracking);
    if (dup->executeStep()) {
        refuse(ctx, "tracking_duplicate", {{"tracking", tracking}});
        return;
    }
    clearAwaiting();
    finishClose(ctx, *order, *parcel, tracking, "carrier");
}

void Station::scanLabelCheck(Context& ctx, const std::string& code) {
    auto parcel = currentParcel();
    if (!parcel || parcel->state != parcel_state::kLabelled) {
        clearAwaiting();
        refuse(ctx, "nothing_to_close", {});
        return;
    }
    const ParsedScan parsed = parseScan(code);
    const bool match = parsed.sscc == parcel->trackingNumber ||
                       parsed.text == parcel->trackingNumber ||
                       parsed.text == "00" + parcel->trackingNumber;
    if (!match) {
        refuse(ctx, "wrong_label", {{"parcel", parcel->index}});
        return;
    }
    orders_.setParcelState(parcel->id, parcel_state::kClosed, parcel->trackingNumber, ctx.at);
    clearAwaiting();
    session_.parcelId.reset();
    say(ctx, "scan.accepted", "label_confirmed", {{"parcel", parcel->index}}, parcel->orderNumber);
    maybeShip(ctx, parcel->orderNumber);
}

void Station::maybeShip(Context& ctx, const std::string& orderNumber) {
    auto order = orders_.load(orderNumber);
    if (!order || !order->fullyPacked()) {
        return;
    }
    for (const auto& p : orders_.parcels(orderNumber)) {
        if (p.state == parcel_state::kLabelled ||
            (p.state == parcel_state::kOpen && p.itemCount() > 0)) {
            return;
        }
    }
    ship(ctx, *order, false, "");
}

void Station::ship(Context& ctx, Order& order, bool partial, const std::string& approvedBy) {
    std::vector<Parcel> toShip;
    for (auto& p : orders_.parcels(order.number)) {
        if (p.state == parcel_state::kClosed && !p.shipmentId) {
            toShip.push_back(std::move(p));
        } else if (p.state == parcel_state::kOpen && p.itemCount() == 0) {
            orders_.deleteParcel(p.id);
        }
    }
    if (toShip.empty()) {
        refuse(ctx, "nothing_to_ship", {}, order.number);
        return;
    }
    auto ins = journal_.statements().get(
        "INSERT INTO shipments (order_number, partial, approved_by, station, "
        "user, at) VALUES (?, ?, ?, ?, ?, ?)");
    ins->bind(1, order.number);
    ins->bind(2, partial ? 1 : 0);
    if (approvedBy.empty()) {
        ins->bind(3);
    } else {
        ins->bind(3, approvedBy);
    }
    ins->bind(4, config_.stationId);
    ins->bind(5, session_.userName);
    ins->bind(6, ctx.at);
    ins->exec();
    const int64_t shipmentId = journal_.db().getLastInsertRowid();

    const config::ShippingMethod* method = findMethod(order.shippingMethod);
    boost::json::array parcels;
    for (const auto& p : toShip) {
        auto up = journal_.statements().get(
            "UPDATE parcels SET state = 'shipped', shipment_id = ? WHERE id = ?");
        up->bind(1, shipmentId);
        up->bind(2, p.id);
        up->exec();
        // One entry per order line, as the shop counts them; serials and batches listed.
        boost::json::array items;
        for (const auto& l : order.lines) {
            int quantity = 0;
            boost::json::array serials;
            boost::json::array batches;
            for (const auto& item : p.items) {
                if (item.lineId != l.id) {
                    continue;
                }
                quantity += item.quantity;
                if (!item.serial.empty()) {
                    serials.push_back(boost::json::value(item.serial));
                }
                if (!item.batch.empty()) {
                    batches.push_back(boost::json::value(item.batch));
                }
            }
            if (quantity > 0) {
                items.push_back({{"line_id", l.id},
                                 {"shop_line_id", l.shopLineId},
                                 {"sku", l.sku},
                                 {"gtin", l.gtin14},
                                 {"quantity", quantity},
                                 {"serials", std::move(serials)},
                                 {"batches", std::move(batches)}});
            }
        }
        boost::json::object parcel{{"index", p.index},
                                   {"tracking_number", p.trackingNumber},
                                   {"box", p.boxCode},
                                   {"items", std::move(items)}};
        if (const config::Box* box = findBox(p.boxCode)) {
            parcel["dimensions_mm"] = {box->lengthMm, box->widthMm, box->heightMm};
        }
        parcel["weight_grams"] =
            p.weightGrams ? boost::json::value(*p.weightGrams) : boost::json::value(nullptr);
        parcels.push_back(std::move(parcel));
    }
    boost::json::array backorder;
    for (const auto& l : order.lines) {
        int shippedNow = l.shipped;
        for (const auto& p : toShip) {
            for (const auto& item : p.items) {
                if (item.lineId == l.id) {
                    shippedNow += item.quantity;
                }
            }
        }
        if (shippedNow < l.quantity) {
            backorder.push_back(
                {{"line_id", l.id}, {"sku", l.sku}, {"quantity", l.quantity - shippedNow}});
        }
    }
    const bool complete = backorder.empty();
    boost::json::object payload{{"order", order.number},
                                {"shop_id", order.shopId},
                                {"shipment_id", shipmentId},
                                {"partial", !complete},
                                {"carrier", method ? method->carrier : order.shippingMethod},
                                {"shipping_method", order.shippingMethod},
                                {"shipped_at", ctx.at},
                                {"station", config_.stationId},
                                {"user", session_.userName},
                                {"parcels", std::move(parcels)},
                                {"backorder", std::move(backorder)}};
    journal_.addOutbox(ctx.at, order.number, shop::kShipment, boost::json::serialize(payload));
    orders_.setState(order.number,
                     complete ? order_state::kShipped : order_state::kPartiallyShipped, ctx.at);
    orders_.setClaim(order.number, "", ctx.at);
    if (session_.order == order.number) {
        session_.order.clear();
        session_.parcelId.reset();
    }
    if (complete) {
        say(ctx, "order.shipped", "order_shipped",
            {{"order", order.number}, {"parcels", toShip.size()}}, order.number);
    } else {
        say(ctx, "order.shipped", "order_partially_shipped",
            {{"order", order.number}, {"parcels", toShip.size()}, {"supervisor", approvedBy}},
            order.number);
    }
}

void Station::requestPartial(Context& ctx) {
    auto order = orders_.load(session_.order);
    auto parcel = currentParcel();
    if (parcel && parcel->state == parcel_state::kOpen && parcel->itemCount() > 0) {
        refuse(ctx, "close_parcel_first", {{"parcel", parcel->index}});
        return;
    }
    bool anyClosed = false;
    for (const auto& p : orders_.parcels(session_.order)) {
        anyClosed = anyClosed || (p.state == parcel_state::kClosed && !p.shipmentId);
    }
    if (!order || !anyClosed) {
        refuse(ctx, "nothing_to_ship", {});
        return;
    }
    boost::json::object params{{"order", order->number}};
    session_.approvalKind = "partial_shipment";
    session_.approvalOrder = order->number;
    session_.approvalDetail = boost::json::serialize(params);
    say(ctx, "approval.requested", "partial_requested", std::move(params), order->number);
}

void Station::requestVoid(Context& ctx) {
    std::optional<Parcel> target;
    for (auto& p : orders_.parcels(session_.order)) {
        if ((p.state == parcel_state::kClosed || p.state == parcel_state::kLabelled) &&
            !p.shipmentId) {
            target = std::move(p);
        }
    }
    if (!target) {
        refuse(ctx, "nothing_to_void", {});
        return;
    }
    boost::json::object params{{"parcel", target->index}, {"tracking", target->trackingNumber}};
    session_.approvalKind = "void_label";
    session_.approvalOrder = session_.order;
    session_.approvalParcelId = target->id;
    session_.approvalDetail = boost::json::serialize(params);
    say(ctx, "approval.requested", "void_requested", std::move(params), session_.order);
}

void Station::voidLabel(Context& ctx, const std::string& supervisor) {
    auto parcel =
        session_.approvalParcelId ? orders_.parcel(*session_.approvalParcelId) : std::nullopt;
    if (!parcel ||
        (parcel->state != parcel_state::kClosed && parcel->state != parcel_state::kLabelled)) {
        refuse(ctx, "nothing_to_void", {});
        return;
    }
    auto t = journal_.statements().get(
        "UPDATE tracking_numbers SET state = 'voided' WHERE parcel_id = ? AND "
        "state = 'active'");
    t->bind(1, parcel->id);
    t->exec();
    // A label still queued for a printer that is down must not come out later.
    auto l = journal_.statements().get("UPDATE labels SET state = 'voided' WHERE parcel_id = ?");
    l->bind(1, parcel->id);
    l->exec();
    orders_.setParcelState(parcel->id, parcel_state::kOpen, "", ctx.at);
    if (session_.awaiting == "label_scan") {
        clearAwaiting();
    }
    if (session_.order == parcel->orderNumber) {
        session_.parcelId = parcel->id;
    }
    scaleLockedAt_.reset();
    say(ctx, "label.voided", "label_voided",
        {{"tracking", parcel->trackingNumber},
         {"parcel", parcel->index},
         {"supervisor", supervisor}},
        parcel->orderNumber);
}

int64_t Station::queueLabel(Context& ctx, const Order& order, const Parcel& parcel,
                            const std::string& tracking, bool sscc) {
    labels::ShippingLabel label;
    label.sender = {config_.sender.name, config_.sender.street, config_.sender.postcode,
                    config_.sender.city, config_.sender.country};
    label.recipient = {order.customer.name, order.customer.street, order.customer.postcode,
                       order.customer.city, order.customer.country};
    label.orderNumber = order.number;
    const config::ShippingMethod* method = findMethod(order.shippingMethod);
    label.carrier = method ? method->carrier : order.shippingMethod;
    label.trackingNumber = tracking;
    label.trackingIsSscc = sscc;
    label.parcelIndex = parcel.index;
    int count = 0;
    for (const auto& p : orders_.parcels(order.number)) {
        count += p.itemCount() > 0 ? 1 : 0;
    }
    // More items to pack means at least one more parcel after this one.
    label.parcelCount = std::max(count, parcel.index + (order.fullyPacked() ? 0 : 1));
    label.weightGrams = parcel.weightGrams.value_or(0);
    label.date = ctx.at.substr(0, 10);

    auto it = printers_.find("shipping");
    const std::string printerName = it != printers_.end() ? it->second->name() : "";
    std::string language;
    const std::string data = renderShippingLabel(label, language);
    auto q = journal_.statements().get(
        "INSERT INTO labels (parcel_id, tracking_number, printer, language, data, "
        "state, created_at) VALUES (?, ?, ?, ?, ?, 'queued', ?)");
    q->bind(1, parcel.id);
    q->bind(2, tracking);
    q->bind(3, printerName);
    q->bind(4, language);
    q->bind(5, data.data(), static_cast<int>(data.size()));
    q->bind(6, ctx.at);
    q->exec();
    const int64_t id = journal_.db().getLastInsertRowid();
    session_.lastLabelId = id;
    ctx.labelsToPrint.push_back(id);
    return id;
}

void Station::reprint(Context& ctx) {
    std::optional<int64_t> labelId;
    if (!session_.order.empty()) {
        auto q = journal_.statements().get(
            "SELECT l.id FROM labels l JOIN parcels p ON p.id = l.parcel_id WHERE "
            "p.order_number = ? AND l.state NOT IN ('voided', 'withdrawn') ORDER BY l.id DESC "
            "LIMIT 1");
        q->bind(1, session_.order);
        if (q->executeStep()) {
            labelId = q->getColumn(0).getInt64();
        }
    }
    if (!labelId) {
        labelId = session_.lastLabelId;
    }
    if (!labelId) {
        refuse(ctx, "nothing_to_reprint", {});
        return;
    }
    reprintLabel(ctx, *labelId);
}

void Station::reprintLabel(Context& ctx, int64_t labelId) {
    auto q = journal_.statements().get(
        "SELECT l.state, l.printer, p.idx, p.order_number FROM labels l JOIN "
        "parcels p ON p.id = l.parcel_id WHERE l.id = ?");
    q->bind(1, labelId);
    if (!q->executeStep() || q->getColumn(0).getString() == "voided" ||
        q->getColumn(0).getString() == "withdrawn") {
        refuse(ctx, "nothing_to_reprint", {});
        return;
    }
    const std::string state = q->getColumn(0).getString();
    const std::string printer = q->getColumn(1).getString();
    const int index = q->getColumn(2).getInt();
    const std::string order = q->getColumn(3).getString();
    if (state == "sending") {
        // Its bytes may be on their way: a second copy now could print it twice.
        refuse(ctx, "label_in_progress", {{"parcel", index}, {"printer", printer}}, order);
        return;
    }
    int64_t jobId = labelId;
    if (state == "printed") {
        auto copy = journal_.statements().get(
            "INSERT INTO labels (parcel_id, tracking_number, printer, language, "
            "data, state, reprint_of, created_at) SELECT parcel_id, "
            "tracking_number, printer, language, data, 'queued', id, ? FROM "
            "labels WHERE id = ?");
        copy->bind(1, ctx.at);
        copy->bind(2, labelId);
        copy->exec();
        jobId = journal_.db().getLastInsertRowid();
    } else {
        // Not printed (failed, held, still queued), or a person checked that the one that
        // "may have printed" did not: offer the same job again, not a copy.
        auto retry = journal_.statements().get(
            "UPDATE labels SET state = 'queued', error = '' WHERE id = ?");
        retry->bind(1, labelId);
        retry->exec();
    }
    ctx.labelsToPrint.push_back(jobId);
    ctx.reprintedLabel = jobId;
    say(ctx, "label.reprint", "label_reprinted", {{"parcel", index}, {"printer", printer}}, order);
}

}  // namespace station
