// The station's side of the shop sync: orders pulled from the shop, the alerts they leave for
// the bench packing them, and the sync status the supervisor sees.
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/json.hpp>

#include <algorithm>
#include <map>

#include "station/Barcode.h"
#include "station/Log.h"
#include "station/Station.h"

namespace station {
namespace {

namespace json = boost::json;

// A shop order in the import format of OrderStore::importOrders (docs/api.md, POST /api/orders).
json::object importJson(const shop::Order& o) {
    json::array lines;
    for (const auto& l : o.lines) {
        json::object line{{"sku", l.sku},
                          {"name", l.name},
                          {"quantity", l.quantity},
                          {"unit_weight_grams", l.unitWeightGrams},
                          {"bin", l.bin},
                          {"shop_line_id", l.shopLineId},
                          {"serialised", l.serialised}};
        // A GTIN the shop holds wrongly must not keep the order out: the SKU still matches.
        if (!l.gtin.empty() && toGtin14(l.gtin)) {
            line["gtin"] = l.gtin;
        }
        if (!l.caseGtin.empty() && l.caseQuantity > 0 && toGtin14(l.caseGtin)) {
            line["case_gtin"] = l.caseGtin;
            line["case_quantity"] = l.caseQuantity;
        }
        lines.push_back(std::move(line));
    }
    std::string payment = o.payment.empty() ? "paid" : o.payment;
    if (o.status == "awaiting_payment" && payment == "paid") {
        payment = "awaiting_payment";
    }
    return {{"number", o.number},
            {"shop_id", o.shopId},
            {"payment", payment},
            {"state", o.status == "awaiting_payment" ? "awaiting_payment" : "ready"},
            {"risk_score", o.riskScore},
            {"shipping_method", o.shippingMethod},
            {"customer",
             {{"name", o.customer.name},
              {"street", o.customer.street},
              {"postcode", o.customer.postcode},
              {"city", o.customer.city},
              {"country", o.customer.country}}},
            {"customer_note", o.customerNote},
            {"shop_modified_at", o.modifiedAt},
            {"lines", std::move(lines)}};
}

// Lines compared as a packer sees them: what to put in the box, how many. A GTIN counts only
// when both sides hold one: the shop may not carry the barcodes the station was given.
bool sameLines(const Order& mine, const shop::Order& theirs) {
    if (mine.lines.size() != theirs.lines.size()) {
        return false;
    }
    std::map<std::string, std::pair<int, std::string>> bySku;
    for (const auto& l : mine.lines) {
        auto& entry = bySku[l.sku];
        entry.first += l.quantity;
        entry.second = l.gtin14;
    }
    for (const auto& l : theirs.lines) {
        auto found = bySku.find(l.sku);
        if (found == bySku.end()) {
            return false;
        }
        found->second.first -= l.quantity;
        const std::string gtin = toGtin14(l.gtin).value_or("");
        if (!gtin.empty() && !found->second.second.empty() && gtin != found->second.second) {
            return false;
        }
    }
    return std::all_of(bySku.begin(), bySku.end(),
                       [](const auto& entry) { return entry.second.first == 0; });
}

}  // namespace

void Station::applyShopOrder(Context& ctx, const shop::Order& o) {
    if (o.number.empty()) {
        return;
    }
    auto known = journal_.statements().get(
        "SELECT state, claimed_by, shop_modified_at, shop_alert FROM orders WHERE number = ?");
    known->bind(1, o.number);
    if (!known->executeStep()) {
        known->reset();
        if (o.status != "ready" && o.status != "awaiting_payment") {
            return;  // cancelled or shipped before this station ever saw it
        }
        json::array one{importJson(o)};
        for (const auto& error : orders_.importOrders(one, ctx.at)) {
            log::warning("order from the shop not imported: " + error, {o.number, "", ""});
        }
        if (orders_.exists(o.number)) {
            say(ctx, "order.imported", "order_imported",
                {{"order", o.number}, {"adapter", shopAdapter_}}, o.number, true);
        }
        return;
    }
    const std::string state = known->getColumn(0).getString();
    const std::string claimedBy = known->isColumnNull(1) ? "" : known->getColumn(1).getString();
    const std::string seenModified = known->getColumn(2).getString();
    known->reset();
    if (!o.modifiedAt.empty() && o.modifiedAt == seenModified) {
        return;  // nothing changed since the last pull
    }
    auto setSeen = [&](const std::string& alert) {
        auto q = journal_.statements().get(
            "UPDATE orders SET shop_modified_at = ?, shop_alert = ?, updated_at = ? WHERE "
            "number = ?");
        q->bind(1, o.modifiedAt);
        q->bind(2, alert);
        q->bind(3, ctx.at);
        q->bind(4, o.number);
        q->exec();
        if (alert.empty()) {
            shopAlertOrders_.erase(o.number);
        } else {
            shopAlertOrders_.insert(o.number);
        }
    };
    if (state == order_state::kShipped || state == order_state::kCancelled) {
        setSeen("");  // final here: the shop learns of it through the outbox
        return;
    }
    const bool packing = state == order_state::kInProgress || !claimedBy.empty();
    const bool cancelled = o.status == "cancelled";
    const bool shippedElsewhere = o.status == "shipped";
    if (packing || state == order_state::kPartiallyShipped) {
        // A bench holds the order: it learns at its next scan, never in the middle of one.
        std::string alert;
        if (cancelled) {
            alert = json::serialize(json::object{{"kind", "cancelled"}});
        } else if (shippedElsewhere) {
            alert = json::serialize(json::object{{"kind", "shipped_elsewhere"}});
        } else if (state != order_state::kPartiallyShipped) {
            auto mine = orders_.load(o.number);
            if (mine && !sameLines(*mine, o)) {
                alert =
                    json::serialize(json::object{{"kind", "changed"}, {"order", importJson(o)}});
            }
        }
        if (alert.empty()) {
            setSeen("");
            return;
        }
        if (claimedBy.empty() || state == order_state::kPartiallyShipped) {
            // Nobody is packing it right now: apply at once.
            if (cancelled || shippedElsewhere) {
                orders_.setState(
                    o.number, cancelled ? order_state::kCancelled : order_state::kShipped, ctx.at);
                say(ctx, "order.shop_changed",
                    cancelled ? "order_cancelled_in_shop" : "order_shipped_elsewhere",
                    {{"order", o.number}}, o.number);
                setSeen("");
                return;
            }
        }
        setSeen(alert);
        log::warning("the shop " +
                         std::string(cancelled          ? "cancelled"
                                     : shippedElsewhere ? "shipped"
                                                        : "changed") +
                         " order " + o.number +
                         " while it is packed: the bench is told at its next scan",
                     {o.number, "", ""});
        return;
    }
    // Not being packed: the journal simply follows the shop.
    if (cancelled || shippedElsewhere) {
        orders_.setState(o.number, cancelled ? order_state::kCancelled : order_state::kShipped,
                         ctx.at);
        say(ctx, "order.shop_changed",
            cancelled ? "order_cancelled_in_shop" : "order_shipped_elsewhere",
            {{"order", o.number}}, o.number, true);
        setSeen("");
        return;
    }
    if (o.status != "ready" && o.status != "awaiting_payment") {
        setSeen("");
        return;
    }
    if (auto mine = orders_.load(o.number); mine && sameLines(*mine, o)) {
        // Same items: keep the lines (and the case GTINs the shop may not hold), follow the
        // rest: payment, risk, address, note.
        const json::object in = importJson(o);
        auto q = journal_.statements().get(
            "UPDATE orders SET state = ?, payment = ?, risk_score = ?, customer_name = ?, street "
            "= ?, postcode = ?, city = ?, country = ?, customer_note = ?, shop_modified_at = ?, "
            "shop_alert = '', updated_at = ? WHERE number = ?");
        q->bind(1, std::string(in.at("state").as_string()));
        q->bind(2, std::string(in.at("payment").as_string()));
        q->bind(3, o.riskScore);
        q->bind(4, o.customer.name);
        q->bind(5, o.customer.street);
        q->bind(6, o.customer.postcode);
        q->bind(7, o.customer.city);
        q->bind(8, o.customer.country);
        q->bind(9, o.customerNote);
        q->bind(10, o.modifiedAt);
        q->bind(11, ctx.at);
        q->bind(12, o.number);
        q->exec();
        shopAlertOrders_.erase(o.number);
        return;
    }
    // Ready or awaiting payment, nothing packed, other items: the shop's version replaces it.
    for (const char* sql : {"DELETE FROM order_lines WHERE order_number = ?",
                            "DELETE FROM orders WHERE number = ?"}) {
        auto q = journal_.statements().get(sql);
        q->bind(1, o.number);
        q->exec();
    }
    json::array one{importJson(o)};
    for (const auto& error : orders_.importOrders(one, ctx.at)) {
        log::warning("order from the shop not updated: " + error, {o.number, "", ""});
    }
    say(ctx, "order.shop_changed", "order_updated_from_shop", {{"order", o.number}}, o.number,
        true);
}

void Station::applyShopOrders(const std::vector<shop::Order>& orders, const std::string& cursor) {
    // Even a pull that brought nothing is recorded: "last pull" tells a supervisor the shop
    // answers while no order comes in.
    Context ctx;
    ctx.at = now();
    ctx.actor = "shop";
    transact(ctx, [&] {
        for (const auto& o : orders) {
            applyShopOrder(ctx, o);
        }
        auto q = journal_.statements().get(
            "UPDATE sync_state SET adapter = ?, last_pull_at = ?, pull_cursor = CASE WHEN ? = '' "
            "THEN pull_cursor ELSE ? END WHERE id = 1");
        q->bind(1, shopAdapter_);
        q->bind(2, ctx.at);
        q->bind(3, cursor);
        q->bind(4, cursor);
        q->exec();
    });
}

bool Station::handleShopAlert(Context& ctx) {
    if (!shopAlertOrders_.contains(session_.order)) {
        return false;
    }
    auto q = journal_.statements().get("SELECT shop_alert FROM orders WHERE number = ?");
    q->bind(1, session_.order);
    std::string alert;
    if (q->executeStep()) {
        alert = q->getColumn(0).getString();
    }
    q->reset();
    if (alert.empty()) {
        shopAlertOrders_.erase(session_.order);
        return false;
    }
    boost::system::error_code ec;
    json::value parsed = json::parse(alert, ec);
    const json::object empty;
    const json::object& a = !ec && parsed.is_object() ? parsed.get_object() : empty;
    const std::string kind = a.contains("kind") && a.at("kind").is_string()
                                 ? std::string(a.at("kind").get_string())
                                 : std::string();
    const std::string number = session_.order;
    auto clearAlert = [&] {
        auto c = journal_.statements().get("UPDATE orders SET shop_alert = '' WHERE number = ?");
        c->bind(1, number);
        c->exec();
        shopAlertOrders_.erase(number);
    };
    bool anyClosed = false;
    for (const auto& p : orders_.parcels(number)) {
        if (p.state != parcel_state::kOpen) {
            anyClosed = true;
        }
    }
    auto letGo = [&](const char* state) {
        for (const auto& p : orders_.parcels(number)) {
            if (p.state == parcel_state::kOpen) {
                orders_.deleteParcel(p.id);
            }
        }
        orders_.setClaim(number, "", ctx.at);
        orders_.setState(number, state, ctx.at);
        session_.order.clear();
        session_.parcelId.reset();
        clearAwaiting();
        clearApproval();
    };
    clearAlert();
    if (kind == "cancelled" || kind == "shipped_elsewhere") {
        letGo(kind == "cancelled" ? order_state::kCancelled : order_state::kShipped);
        json::object params{{"order", number}};
        // Labels already printed for it must be voided by a supervisor: say so.
        refuse(ctx,
               anyClosed
                   ? (kind == "cancelled" ? "order_cancelled_in_shop_labels"
                                          : "order_shipped_elsewhere_labels")
                   : (kind == "cancelled" ? "order_cancelled_in_shop" : "order_shipped_elsewhere"),
               params, number);
        return true;
    }
    if (kind == "changed") {
        if (anyClosed) {
            refuse(ctx, "order_changed_in_shop_closed", {{"order", number}}, number);
            return true;
        }
        letGo(order_state::kReady);
        for (const char* sql : {"DELETE FROM order_lines WHERE order_number = ?",
                                "DELETE FROM orders WHERE number = ?"}) {
            auto d = journal_.statements().get(sql);
            d->bind(1, number);
            d->exec();
        }
        if (const json::value* order = a.if_contains("order"); order && order->is_object()) {
            json::array one{order->get_object()};
            for (const auto& error : orders_.importOrders(one, ctx.at)) {
                log::error("the shop's new version of an order could not be imported: " + error,
                           {number, "", ""});
            }
        }
        refuse(ctx, "order_changed_in_shop", {{"order", number}}, number);
        return true;
    }
    return false;
}

json::object Station::syncJson() {
    const auto nowTp = clock_();
    json::object out{{"adapter", shopAdapter_}};
    auto counts = journal_.statements().get(
        "SELECT SUM(state = 'pending'), MIN(CASE WHEN state = 'pending' THEN created_at END), "
        "SUM(state = 'parked') FROM outbox");
    counts->executeStep();
    out["pending"] = counts->getColumn(0).isNull() ? 0 : counts->getColumn(0).getInt64();
    out["parked"] = counts->getColumn(2).isNull() ? 0 : counts->getColumn(2).getInt64();
    if (counts->getColumn(1).isNull()) {
        out["oldest_pending_age_seconds"] = nullptr;
    } else {
        const std::string oldest = counts->getColumn(1).getString();
        out["oldest_pending_at"] = oldest;
        out["oldest_pending_age_seconds"] = secondsSince(oldest, nowTp);
    }
    counts->reset();
    auto state = journal_.statements().get(
        "SELECT last_success_at, last_error, last_error_at, last_pull_at FROM sync_state WHERE "
        "id = 1");
    if (state->executeStep()) {
        auto textOrNull = [&](int i) -> json::value {
            return state->getColumn(i).isNull() ? json::value(nullptr)
                                                : json::value(state->getColumn(i).getString());
        };
        out["last_success_at"] = textOrNull(0);
        out["last_error"] = state->getColumn(1).getString();
        out["last_error_at"] = textOrNull(2);
        out["last_pull_at"] = textOrNull(3);
    }
    state->reset();
    json::array parked;
    auto rows = journal_.statements().get(
        "SELECT id, created_at, order_number, kind, attempts, last_error FROM outbox WHERE state "
        "= 'parked' ORDER BY id LIMIT 100");
    while (rows->executeStep()) {
        parked.push_back({{"id", rows->getColumn(0).getInt64()},
                          {"created_at", rows->getColumn(1).getString()},
                          {"order", rows->getColumn(2).getString()},
                          {"kind", rows->getColumn(3).getString()},
                          {"attempts", rows->getColumn(4).getInt()},
                          {"error", rows->getColumn(5).getString()}});
    }
    rows->reset();
    out["parked_rows"] = std::move(parked);
    return out;
}

bool Station::requestPull() {
    if (!requestPull_) {
        return false;
    }
    requestPull_();
    return true;
}

bool Station::retryOutboxRow(int64_t id, const std::string& user) {
    Context ctx;
    ctx.at = now();
    ctx.actor = user;
    bool found = false;
    transact(ctx, [&] {
        auto row = journal_.statements().get(
            "SELECT order_number, kind, last_error FROM outbox WHERE id = ? AND state = 'parked'");
        row->bind(1, id);
        if (!row->executeStep()) {
            row->reset();
            return;
        }
        const std::string order = row->getColumn(0).getString();
        json::object params{{"row", id},
                            {"kind", row->getColumn(1).getString()},
                            {"error", row->getColumn(2).getString()}};
        row->reset();
        auto q = journal_.statements().get(
            "UPDATE outbox SET state = 'pending', next_attempt_at = NULL WHERE id = ?");
        q->bind(1, id);
        q->exec();
        found = true;
        say(ctx, "sync.retry", "sync_row_retried", std::move(params), order, true);
    });
    if (found && outboxListener_) {
        outboxListener_();
    }
    return found;
}

}  // namespace station
