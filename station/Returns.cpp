// The returns desk: RMA codes and return slips for shipments, then opening a return by its
// slip or order number, receiving and grading items, restock labels, weight check, closing.
#include <SQLiteCpp/Statement.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

#include "labels/Documents.h"
#include "labels/Layout.h"
#include "labels/PdfRenderer.h"
#include "labels/Text.h"
#include "labels/ZplRenderer.h"
#include "station/Barcode.h"
#include "station/DocumentSetup.h"
#include "station/LabelTemplates.h"
#include "station/Log.h"
#include "station/Station.h"
#include "sync/OutboxKind.h"

namespace station {
namespace {

// The condition a grade command gives, or "" when the code is not one.
std::string conditionOfCommand(const std::string& code) {
    if (code == command::kGradeResellable) {
        return return_condition::kResellable;
    }
    if (code == command::kGradeDamaged) {
        return return_condition::kDamaged;
    }
    if (code == command::kGradeMissingParts) {
        return return_condition::kMissingParts;
    }
    if (code == command::kGradeWrongItem) {
        return return_condition::kWrongItem;
    }
    return "";
}

bool isReturnCommand(const std::string& code) {
    return code == command::kCloseReturn || !conditionOfCommand(code).empty();
}

bool isKnownCondition(const std::string& c) {
    return c == return_condition::kResellable || c == return_condition::kDamaged ||
           c == return_condition::kMissingParts || c == return_condition::kWrongItem;
}

// Commands of the packing workflow: no meaning while a return is open.
bool isPackingCommand(const std::string& code) {
    for (const char* c : {command::kNewParcel, command::kCloseParcel, command::kShipPartial,
                          command::kVoid, command::kReprint, command::kCancel, command::kApprove}) {
        if (code == c) {
            return true;
        }
    }
    return false;
}

boost::json::value orNull(const std::string& s) {
    return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
}

boost::json::value orNull(const std::optional<int64_t>& v) {
    return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

std::optional<int64_t> optionalInt(const SQLite::Column& c) {
    if (c.isNull()) {
        return std::nullopt;
    }
    return c.getInt64();
}

std::string textOf(const SQLite::Column& c) {
    return c.isNull() ? std::string() : c.getString();
}

// The RMA code of the n-th shipment of an order (n from 1). Injective: n has no '-', so the
// last '-' always separates it from the order number, and the "RMA-" prefix keeps it apart
// from order numbers, SKUs, GTINs (letters), GS1 strings (no AI starts with a letter) and
// the CMD- command barcodes.
std::string rmaCodeFor(const std::string& order, int64_t n) {
    return "RMA-" + order + "-" + std::to_string(n);
}

struct ReturnRow {
    int64_t id = 0;
    std::string order;
    std::string rma;
    std::string state;
    std::string station;
    std::string openedBy;
    std::string openedAt;
    std::optional<int64_t> weight;
    std::optional<int64_t> expected;
    std::optional<int64_t> tolerance;
    std::string closedBy;
    std::string closedAt;
};

struct ReturnItemRow {
    int64_t id = 0;
    int index = 0;
    int64_t lineId = 0;
    int quantity = 0;
    std::string serial;
    std::string condition;  // "" until graded
    std::string gradedBy;
};

}  // namespace

namespace {

std::optional<ReturnRow> loadReturn(Journal& journal, int64_t id) {
    auto q = journal.statements().get(
        "SELECT id, order_number, rma_code, state, station, opened_by, opened_at, weight_grams, "
        "expected_grams, tolerance_grams, closed_by, closed_at FROM returns WHERE id = ?");
    q->bind(1, id);
    if (!q->executeStep()) {
        return std::nullopt;
    }
    ReturnRow r;
    r.id = q->getColumn(0).getInt64();
    r.order = q->getColumn(1).getString();
    r.rma = textOf(q->getColumn(2));
    r.state = q->getColumn(3).getString();
    r.station = q->getColumn(4).getString();
    r.openedBy = q->getColumn(5).getString();
    r.openedAt = q->getColumn(6).getString();
    r.weight = optionalInt(q->getColumn(7));
    r.expected = optionalInt(q->getColumn(8));
    r.tolerance = optionalInt(q->getColumn(9));
    r.closedBy = textOf(q->getColumn(10));
    r.closedAt = textOf(q->getColumn(11));
    return r;
}

std::vector<ReturnItemRow> loadReturnItems(Journal& journal, int64_t returnId) {
    auto q = journal.statements().get(
        "SELECT id, idx, line_id, quantity, serial, condition, graded_by FROM return_items "
        "WHERE return_id = ? ORDER BY idx");
    q->bind(1, returnId);
    std::vector<ReturnItemRow> out;
    while (q->executeStep()) {
        ReturnItemRow i;
        i.id = q->getColumn(0).getInt64();
        i.index = q->getColumn(1).getInt();
        i.lineId = q->getColumn(2).getInt64();
        i.quantity = q->getColumn(3).getInt();
        i.serial = q->getColumn(4).getString();
        i.condition = q->getColumn(5).getString();
        i.gradedBy = textOf(q->getColumn(6));
        out.push_back(std::move(i));
    }
    return out;
}

// Units of each line the order's other returns (any but `returnId`, cancelled ones aside)
// received: they cannot come back twice.
std::map<int64_t, int> returnedElsewhere(Journal& journal, const std::string& order,
                                         int64_t returnId) {
    auto q = journal.statements().get(
        "SELECT ri.line_id, SUM(ri.quantity) FROM return_items ri JOIN returns r ON r.id = "
        "ri.return_id WHERE r.order_number = ? AND r.state != 'cancelled' AND r.id != ? "
        "GROUP BY ri.line_id");
    q->bind(1, order);
    q->bind(2, returnId);
    std::map<int64_t, int> out;
    while (q->executeStep()) {
        out[q->getColumn(0).getInt64()] = q->getColumn(1).getInt();
    }
    return out;
}

// The RMA code's order, or nullopt when no shipment has this code.
std::optional<std::string> orderOfRma(Journal& journal, const std::string& code) {
    if (code.rfind("RMA-", 0) != 0) {
        return std::nullopt;
    }
    auto q = journal.statements().get("SELECT order_number FROM rma_codes WHERE code = ?");
    q->bind(1, code);
    if (!q->executeStep()) {
        return std::nullopt;
    }
    return q->getColumn(0).getString();
}

int shippedUnits(const Order& order) {
    int n = 0;
    for (const auto& l : order.lines) {
        n += l.shipped;
    }
    return n;
}

std::optional<int64_t> awaitingGrade(const std::vector<ReturnItemRow>& items) {
    for (const auto& i : items) {
        if (i.condition.empty()) {
            return i.id;
        }
    }
    return std::nullopt;
}

// The name of the returned item `itemId`, for a message.
std::string nameOf(Order& order, const std::vector<ReturnItemRow>& items, int64_t itemId) {
    for (const auto& i : items) {
        if (const OrderLine* l = order.line(i.lineId); l && i.id == itemId) {
            return l->name;
        }
    }
    return "";
}

}  // namespace

bool Station::handleReturnsDesk(Context& ctx, const std::string& code) {
    const bool returnsUser = session_.userRole == "returns";
    const bool supervisor = session_.userRole == "supervisor";
    const std::optional<std::string> rmaOrder = orderOfRma(journal_, code);

    if (!returnsUser && !(supervisor && session_.returnId)) {
        // Someone packing: a return's code gets a refusal that says who can use it; anything
        // else is packing's.
        if (isReturnCommand(code)) {
            if (supervisor) {
                refuse(ctx, "no_return", {});
            } else {
                refuse(ctx, "return_not_allowed",
                       {{"user", session_.userName}, {"role", session_.userRole}});
            }
            return true;
        }
        if (!session_.order.empty() || !session_.awaiting.empty() ||
            !session_.approvalKind.empty()) {
            return false;
        }
        std::optional<std::string> order = rmaOrder;
        if (!order && supervisor) {
            // A supervisor's order number packs, unless the order is wholly shipped: then
            // there is nothing to pack and it can only be a return.
            auto o = orders_.load(orderNumberFrom(code));
            if (o && o->state == order_state::kShipped && shippedUnits(*o) > 0) {
                order = o->number;
            }
        }
        if (!order) {
            return false;
        }
        if (!supervisor) {
            refuse(ctx, "return_not_allowed",
                   {{"user", session_.userName}, {"role", session_.userRole}}, *order);
            return true;
        }
        openReturn(ctx, *order, rmaOrder ? code : "");
        return true;
    }

    if (!session_.returnId) {
        if (isReturnCommand(code)) {
            refuse(ctx, "no_return", {});
            return true;
        }
        if (rmaOrder) {
            openReturn(ctx, *rmaOrder, code);
            return true;
        }
        const std::string number = orderNumberFrom(code);
        if (auto order = orders_.load(number)) {
            if (shippedUnits(*order) > 0) {
                openReturn(ctx, number, "");
            } else if (order->state == order_state::kReady ||
                       order->state == order_state::kInProgress) {
                // An order still to pack: the returns role cannot pack it.
                refuse(ctx, "role_not_allowed",
                       {{"user", session_.userName}, {"role", session_.userRole}}, number);
            } else {
                refuse(ctx, "return_nothing_shipped", {{"order", number}}, number);
            }
            return true;
        }
        if (!session_.order.empty()) {
            // An order a packer left open on this bench: the returns role cannot pack it.
            refuse(ctx, "role_not_allowed",
                   {{"user", session_.userName}, {"role", session_.userRole}});
            return true;
        }
        const ParsedScan parsed = parseScan(code);
        if (isPackingCommand(code) || parsed.kind != ParsedScan::Kind::Text ||
            orders_.isKnownProduct(parsed.text, "")) {
            refuse(ctx, "no_return", {});
        } else {
            refuse(ctx, "return_unknown", {{"code", code}});
        }
        return true;
    }

    // A return is open: its commands, its items.
    auto ret = loadReturn(journal_, *session_.returnId);
    if (!ret || ret->state != "open") {
        session_.returnId.reset();
        refuse(ctx, "no_return", {});
        return true;
    }
    if (code == command::kCancel) {
        cancelReturn(ctx);
        return true;
    }
    if (code == command::kCloseReturn) {
        closeReturn(ctx);
        return true;
    }
    // Before the step, so that what the scan itself says comes last, on the screen.
    checkReturnWeight(ctx, false);
    if (const std::string condition = conditionOfCommand(code); !condition.empty()) {
        const auto waiting = awaitingGrade(loadReturnItems(journal_, ret->id));
        if (!waiting) {
            refuse(ctx, "nothing_to_grade", {}, ret->order);
        } else {
            gradeItem(ctx, *waiting, condition);
        }
    } else if (isPackingCommand(code)) {
        refuse(ctx, "return_open", {{"order", ret->order}}, ret->order);
    } else {
        scanReturnItem(ctx, code);
    }
    return true;
}

void Station::openReturn(Context& ctx, const std::string& orderNumber, const std::string& rma) {
    auto order = orders_.load(orderNumber);
    if (!order) {
        refuse(ctx, "return_unknown", {{"code", orderNumber}});
        return;
    }
    if (shippedUnits(*order) == 0) {
        refuse(ctx, "return_nothing_shipped", {{"order", order->number}}, order->number);
        return;
    }
    const auto elsewhere = returnedElsewhere(journal_, order->number, 0);
    int returnable = 0;
    for (const auto& l : order->lines) {
        const auto it = elsewhere.find(l.id);
        returnable += std::max(0, l.shipped - (it != elsewhere.end() ? it->second : 0));
    }
    if (returnable == 0) {
        refuse(ctx, "return_all_received", {{"order", order->number}}, order->number);
        return;
    }
    auto q = journal_.statements().get(
        "INSERT INTO returns (order_number, rma_code, state, station, opened_by, opened_at) "
        "VALUES (?, ?, 'open', ?, ?, ?)");
    q->bind(1, order->number);
    if (rma.empty()) {
        q->bind(2);
    } else {
        q->bind(2, rma);
    }
    q->bind(3, config_.stationId);
    q->bind(4, ctx.actor.empty() ? session_.userName : ctx.actor);
    q->bind(5, ctx.at);
    q->exec();
    session_.returnId = journal_.db().getLastInsertRowid();
    boost::json::object params{{"order", order->number}, {"items", returnable}};
    if (!rma.empty()) {
        params["rma"] = rma;
    }
    say(ctx, "return.opened", "return_opened", std::move(params), order->number);
    checkReturnWeight(ctx, false);
}

void Station::scanReturnItem(Context& ctx, const std::string& code) {
    auto ret = loadReturn(journal_, *session_.returnId);
    auto order = orders_.load(ret->order);
    const auto items = loadReturnItems(journal_, ret->id);
    if (const auto waiting = awaitingGrade(items)) {
        refuse(ctx, "return_grade_required", {{"name", nameOf(*order, items, *waiting)}},
               ret->order);
        return;
    }
    const ParsedScan parsed = parseScan(code);
    if (parsed.error == "bad_check_digit") {
        refuse(ctx, "bad_check_digit", {{"code", code}}, ret->order);
        return;
    }
    if (parsed.error == "malformed_gs1") {
        refuse(ctx, "malformed_code", {{"code", code}}, ret->order);
        return;
    }
    // Matched as packing matches: SKU, then GTIN-14, then the case GTIN for a whole case.
    int quantity = 1;
    OrderLine* line = order->match(parsed.text, parsed.gtin14, quantity);
    if (!line || line->shipped == 0) {
        if (!line && parsed.kind == ParsedScan::Kind::Text &&
            (orderOfRma(journal_, code) || orders_.exists(orderNumberFrom(code)))) {
            refuse(ctx, "return_open", {{"order", ret->order}}, ret->order);
        } else if (line || parsed.kind != ParsedScan::Kind::Text ||
                   orders_.isKnownProduct(parsed.text, parsed.gtin14)) {
            refuse(ctx, "return_item_not_shipped", {{"code", code}, {"order", ret->order}},
                   ret->order);
        } else {
            refuse(ctx, "unknown_code", {{"code", code}}, ret->order);
        }
        return;
    }
    int here = 0;
    for (const auto& i : items) {
        if (i.lineId == line->id) {
            here += i.quantity;
        }
    }
    const auto elsewhere = returnedElsewhere(journal_, ret->order, ret->id);
    const int before = elsewhere.count(line->id) ? elsewhere.at(line->id) : 0;
    if (before + here + quantity > line->shipped) {
        refuse(ctx, "return_too_many",
               {{"name", line->name}, {"shipped", line->shipped}, {"returned", before + here}},
               ret->order);
        return;
    }
    if (!parsed.serial.empty()) {
        // A serial number says which unit came back: one this order shipped, and only once.
        if (std::find(line->serials.begin(), line->serials.end(), parsed.serial) ==
            line->serials.end()) {
            refuse(ctx, "return_serial_not_shipped",
                   {{"serial", parsed.serial}, {"order", ret->order}}, ret->order);
            return;
        }
        auto dup = journal_.statements().get(
            "SELECT 1 FROM return_items ri JOIN returns r ON r.id = ri.return_id WHERE "
            "ri.line_id = ? AND ri.serial = ? AND r.state != 'cancelled'");
        dup->bind(1, line->id);
        dup->bind(2, parsed.serial);
        if (dup->executeStep()) {
            refuse(ctx, "return_serial_duplicate", {{"serial", parsed.serial}}, ret->order);
            return;
        }
    }
    const int index = items.empty() ? 1 : items.back().index + 1;
    auto q = journal_.statements().get(
        "INSERT INTO return_items (return_id, idx, line_id, quantity, serial, scanned_at) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    q->bind(1, ret->id);
    q->bind(2, index);
    q->bind(3, line->id);
    q->bind(4, quantity);
    q->bind(5, parsed.serial);
    q->bind(6, ctx.at);
    q->exec();
    boost::json::object params{{"name", line->name},
                               {"sku", line->sku},
                               {"index", index},
                               {"returned", before + here + quantity},
                               {"shipped", line->shipped}};
    if (quantity > 1) {
        params["count"] = quantity;
    }
    if (!parsed.serial.empty()) {
        params["serial"] = parsed.serial;
    }
    say(ctx, "scan.accepted", "return_item_received", std::move(params), ret->order);
}

void Station::gradeItem(Context& ctx, int64_t itemId, const std::string& condition) {
    auto q = journal_.statements().get(
        "SELECT ri.idx, ri.condition, l.name, l.sku, l.bin, r.order_number FROM "
        "return_items ri JOIN order_lines l ON l.id = ri.line_id JOIN returns r ON r.id = "
        "ri.return_id WHERE ri.id = ?");
    q->bind(1, itemId);
    if (!q->executeStep()) {
        refuse(ctx, "nothing_to_grade", {});
        return;
    }
    const int index = q->getColumn(0).getInt();
    const std::string previous = q->getColumn(1).getString();
    const std::string name = q->getColumn(2).getString();
    const std::string sku = q->getColumn(3).getString();
    const std::string bin = q->getColumn(4).getString();
    const std::string order = q->getColumn(5).getString();
    auto up = journal_.statements().get(
        "UPDATE return_items SET condition = ?, graded_by = ?, graded_at = ? WHERE id = ?");
    up->bind(1, condition);
    up->bind(2, ctx.actor.empty() ? session_.userName : ctx.actor);
    up->bind(3, ctx.at);
    up->bind(4, itemId);
    up->exec();
    std::string key = "return_graded_" + condition;
    if (condition == return_condition::kResellable && bin.empty()) {
        key = "return_graded_resellable_no_bin";
    }
    boost::json::object params{
        {"name", name}, {"sku", sku}, {"index", index}, {"condition", condition}, {"bin", bin}};
    if (!previous.empty()) {
        params["previous"] = previous;
    }
    say(ctx, "return.graded", key, std::move(params), order);
    // A label for each item that becomes resellable; a grade changed back and forth on the
    // screen does not print it twice.
    if (condition == return_condition::kResellable && previous != condition) {
        auto printed = journal_.statements().get(
            "SELECT 1 FROM return_documents WHERE return_item_id = ? AND kind = ?");
        printed->bind(1, itemId);
        printed->bind(2, return_document::kRestockLabel);
        const bool already = printed->executeStep();
        if (!already) {
            queueRestockLabel(ctx, itemId);
        }
    }
}

void Station::closeReturn(Context& ctx) {
    auto ret = loadReturn(journal_, *session_.returnId);
    auto order = orders_.load(ret->order);
    const auto items = loadReturnItems(journal_, ret->id);
    if (const auto waiting = awaitingGrade(items)) {
        refuse(ctx, "return_grade_required", {{"name", nameOf(*order, items, *waiting)}},
               ret->order);
        return;
    }
    if (items.empty()) {
        refuse(ctx, "return_empty", {}, ret->order);
        return;
    }
    checkReturnWeight(ctx, true);
    // One entry per line and condition, as the shop counts and refunds them.
    std::map<std::pair<int64_t, std::string>, int> units;
    int total = 0;
    int restocked = 0;
    for (const auto& i : items) {
        units[{i.lineId, i.condition}] += i.quantity;
        total += i.quantity;
        restocked += i.condition == return_condition::kResellable ? i.quantity : 0;
    }
    boost::json::array entries;
    for (const auto& l : order->lines) {
        for (const auto& [key, quantity] : units) {
            if (key.first != l.id) {
                continue;
            }
            entries.push_back({{"sku", l.sku},
                               {"quantity", quantity},
                               {"condition", key.second},
                               {"restock", key.second == return_condition::kResellable},
                               {"line_id", l.id},
                               {"shop_line_id", l.shopLineId}});
        }
    }
    const std::string user = ctx.actor.empty() ? session_.userName : ctx.actor;
    auto reread = loadReturn(journal_, ret->id);
    boost::json::object payload{
        {"order", order->number},       {"shop_id", order->shopId},
        {"return_id", ret->id},         {"rma", orNull(ret->rma)},
        {"station", config_.stationId}, {"user", user},
        {"received_at", ctx.at},        {"weight_grams", orNull(reread->weight)},
        {"items", std::move(entries)}};
    journal_.addOutbox(ctx.at, order->number, shop::kReturnReceived,
                       boost::json::serialize(payload));
    auto up = journal_.statements().get(
        "UPDATE returns SET state = 'closed', closed_by = ?, closed_at = ? WHERE id = ?");
    up->bind(1, user);
    up->bind(2, ctx.at);
    up->bind(3, ret->id);
    up->exec();
    session_.returnId.reset();
    say(ctx, "return.closed", "return_closed",
        {{"order", order->number}, {"items", total}, {"restocked", restocked}}, order->number);
}

void Station::cancelReturn(Context& ctx) {
    auto ret = loadReturn(journal_, *session_.returnId);
    auto up = journal_.statements().get(
        "UPDATE returns SET state = 'cancelled', closed_by = ?, closed_at = ? WHERE id = ?");
    up->bind(1, ctx.actor.empty() ? session_.userName : ctx.actor);
    up->bind(2, ctx.at);
    up->bind(3, ret->id);
    up->exec();
    session_.returnId.reset();
    say(ctx, "return.cancelled", "return_cancelled", {{"order", ret->order}}, ret->order);
}

// The scale reports to the packing workflow (Packing.cpp), which weighs parcels only: a return
// takes the scale's latest reading at each of its steps. A stable weight not seen before is
// recorded on the return and, once items are in, compared with what they should weigh: the
// shipped parcels they make up whole (as weighed when they left), plus the other items' unit
// weights (and the default box when no whole parcel came back). At the close the weight is
// compared with the final items once more. Out of tolerance is a warning, never a refusal:
// the person checks the parcel for an item missing or one too many.
void Station::checkReturnWeight(Context& ctx, bool closing) {
    if (!scale_ || !session_.returnId) {
        return;
    }
    auto ret = loadReturn(journal_, *session_.returnId);
    const auto reading = lastReading_.value_or(scale_->last());
    const bool fresh = reading.status == drivers::ScaleStatus::Stable && reading.grams > 0 &&
                       reading.grams != ret->weight;
    if (!fresh && !(closing && ret->weight)) {
        return;
    }
    const int64_t grams = fresh ? reading.grams : *ret->weight;
    auto order = orders_.load(ret->order);
    const auto items = loadReturnItems(journal_, ret->id);
    std::optional<int64_t> expected;
    if (!items.empty()) {
        std::map<int64_t, int> remaining;
        for (const auto& i : items) {
            remaining[i.lineId] += i.quantity;
        }
        int64_t sum = 0;
        bool anyParcel = false;
        for (const auto& p : orders_.parcels(ret->order)) {
            if (p.state != parcel_state::kShipped || !p.weightGrams || p.items.empty()) {
                continue;
            }
            const bool whole =
                std::all_of(p.items.begin(), p.items.end(),
                            [&](const ParcelItem& i) { return remaining[i.lineId] >= i.quantity; });
            if (!whole) {
                continue;
            }
            for (const auto& i : p.items) {
                remaining[i.lineId] -= i.quantity;
            }
            sum += *p.weightGrams;
            anyParcel = true;
        }
        bool anyLeft = false;
        for (const auto& [lineId, quantity] : remaining) {
            if (const OrderLine* l = order->line(lineId); l && quantity > 0) {
                sum += static_cast<int64_t>(l->unitWeightGrams) * quantity;
                anyLeft = true;
            }
        }
        if (anyLeft && !anyParcel) {
            if (const config::Box* box = findBox(config_.defaultBox)) {
                sum += box->tareGrams;
            }
        }
        expected = sum;
    }
    if (!fresh && ret->expected == expected) {
        return;  // the close has nothing new to say about the weight
    }
    const int64_t tol = expected ? tolerance(*expected) : 0;
    auto up = journal_.statements().get(
        "UPDATE returns SET weight_grams = ?, expected_grams = ?, tolerance_grams = ? WHERE id = "
        "?");
    up->bind(1, grams);
    if (expected) {
        up->bind(2, *expected);
        up->bind(3, tol);
    } else {
        up->bind(2);
        up->bind(3);
    }
    up->bind(4, ret->id);
    up->exec();
    boost::json::object params{{"order", ret->order}, {"weight", grams}};
    if (!expected) {
        say(ctx, "return.weighed", "return_weighed", std::move(params), ret->order);
        return;
    }
    params["expected"] = *expected;
    params["tolerance"] = tol;
    if (std::llabs(grams - *expected) <= tol) {
        say(ctx, "return.weighed", "return_weight_ok", std::move(params), ret->order);
        return;
    }
    say(ctx, "return.weight_mismatch", "return_weight_mismatch", std::move(params), ret->order);
    // A warning on the event; the step itself (ctx.ok) stands.
    ctx.events.back().ok = false;
    ctx.events.back().reason = "return_weight_mismatch";
}

void Station::issueRmaCodes(Context& ctx) {
    std::set<std::string> shipped;
    for (const auto& e : ctx.events) {
        if (e.type == "order.shipped") {
            shipped.insert(e.order);
        }
    }
    for (const auto& number : shipped) {
        auto q = journal_.statements().get(
            "SELECT s.id, (SELECT COUNT(*) FROM shipments s2 WHERE s2.order_number = "
            "s.order_number AND s2.id <= s.id) FROM shipments s WHERE s.order_number = ? AND NOT "
            "EXISTS (SELECT 1 FROM rma_codes r WHERE r.shipment_id = s.id) ORDER BY s.id");
        q->bind(1, number);
        std::vector<std::pair<int64_t, int64_t>> fresh;
        while (q->executeStep()) {
            fresh.emplace_back(q->getColumn(0).getInt64(), q->getColumn(1).getInt64());
        }
        for (const auto& [shipmentId, n] : fresh) {
            const std::string code = rmaCodeFor(number, n);
            auto ins = journal_.statements().get(
                "INSERT INTO rma_codes (code, shipment_id, order_number, created_at) VALUES (?, "
                "?, ?, ?)");
            ins->bind(1, code);
            ins->bind(2, shipmentId);
            ins->bind(3, number);
            ins->bind(4, ctx.at);
            ins->exec();
            if (config_.printReturnSlip) {
                queueReturnSlip(ctx, number, shipmentId, code);
            }
        }
    }
}

GradeOutcome Station::gradeReturnItem(int index, const std::string& condition,
                                      const std::string& user) {
    GradeOutcome out;
    if (!session_.returnId) {
        out.status = GradeOutcome::Status::NoReturnOpen;
        out.message = renderMessage("no_return", {}, language_);
        return out;
    }
    if (!isKnownCondition(condition)) {
        out.status = GradeOutcome::Status::UnknownCondition;
        out.message = "unknown condition \"" + condition +
                      "\": resellable, damaged, missing_parts or wrong_item";
        return out;
    }
    std::optional<int64_t> itemId;
    for (const auto& i : loadReturnItems(journal_, *session_.returnId)) {
        if (i.index == index) {
            itemId = i.id;
        }
    }
    if (!itemId) {
        out.status = GradeOutcome::Status::NoSuchItem;
        out.message = "the open return has no item " + std::to_string(index);
        return out;
    }
    Context ctx;
    ctx.at = now();
    ctx.scanner = "api";
    ctx.actor = user;
    if (!transact(ctx, [&] {
            checkReturnWeight(ctx, false);
            gradeItem(ctx, *itemId, condition);
            session_.lastActivityAt = ctx.at;
        })) {
        out.status = GradeOutcome::Status::NotSaved;
    }
    out.message = ctx.lastMessage;
    out.events = std::move(ctx.events);
    armIdleTimer();
    return out;
}

boost::json::object Station::returnObject(int64_t id) {
    auto ret = loadReturn(journal_, id);
    auto order = orders_.load(ret->order);
    const auto items = loadReturnItems(journal_, id);
    const auto elsewhere = returnedElsewhere(journal_, ret->order, id);
    boost::json::object o{{"id", ret->id},
                          {"order", ret->order},
                          {"rma", orNull(ret->rma)},
                          {"state", ret->state},
                          {"station", ret->station},
                          {"opened_by", ret->openedBy},
                          {"opened_at", ret->openedAt},
                          {"closed_by", orNull(ret->closedBy)},
                          {"closed_at", orNull(ret->closedAt)}};
    std::optional<int64_t> waitingIndex;
    std::map<int64_t, int> received;
    std::map<int64_t, std::string> restockState;
    {
        auto q = journal_.statements().get(
            "SELECT d.return_item_id, d.state FROM return_documents d JOIN return_items ri ON "
            "ri.id = d.return_item_id WHERE ri.return_id = ? ORDER BY d.id");
        q->bind(1, id);
        while (q->executeStep()) {
            restockState[q->getColumn(0).getInt64()] = q->getColumn(1).getString();
        }
    }
    boost::json::array itemList;
    for (const auto& i : items) {
        const OrderLine* l = order ? order->line(i.lineId) : nullptr;
        received[i.lineId] += i.quantity;
        if (i.condition.empty() && !waitingIndex) {
            waitingIndex = i.index;
        }
        const auto label = restockState.find(i.id);
        itemList.push_back(
            {{"index", i.index},
             {"sku", l ? l->sku : std::string()},
             {"name", l ? l->name : std::string()},
             {"bin", l ? orNull(l->bin) : boost::json::value(nullptr)},
             {"quantity", i.quantity},
             {"serial", orNull(i.serial)},
             {"condition", orNull(i.condition)},
             {"restock", i.condition == return_condition::kResellable},
             {"graded_by", orNull(i.gradedBy)},
             {"restock_label", label != restockState.end() ? boost::json::value(label->second)
                                                           : boost::json::value(nullptr)}});
    }
    o["awaiting_grade"] = waitingIndex ? boost::json::value(*waitingIndex) : nullptr;
    o["items"] = std::move(itemList);
    boost::json::array lines;
    if (order) {
        for (const auto& l : order->lines) {
            if (l.shipped == 0) {
                continue;
            }
            const auto e = elsewhere.find(l.id);
            lines.push_back({{"sku", l.sku},
                             {"name", l.name},
                             {"bin", orNull(l.bin)},
                             {"shipped", l.shipped},
                             {"other_returns", e != elsewhere.end() ? e->second : 0},
                             {"received", received[l.id]}});
        }
    }
    o["lines"] = std::move(lines);
    if (ret->weight) {
        o["weight"] = boost::json::object{
            {"grams", *ret->weight},
            {"expected_grams", orNull(ret->expected)},
            {"tolerance_grams", orNull(ret->tolerance)},
            {"ok",
             ret->expected && ret->tolerance
                 ? boost::json::value(std::llabs(*ret->weight - *ret->expected) <= *ret->tolerance)
                 : boost::json::value(nullptr)}};
    } else {
        o["weight"] = nullptr;
    }
    return o;
}

boost::json::object Station::returnsJson(const std::string& state) {
    auto q = journal_.statements().get(
        "SELECT r.id, r.order_number, r.rma_code, r.state, r.opened_at, r.closed_at, "
        "COALESCE(SUM(ri.quantity), 0), COALESCE(SUM(CASE WHEN ri.condition = 'resellable' THEN "
        "ri.quantity ELSE 0 END), 0) FROM returns r LEFT JOIN return_items ri ON ri.return_id = "
        "r.id WHERE ? = '' OR r.state = ? GROUP BY r.id ORDER BY r.id DESC LIMIT 200");
    q->bind(1, state);
    q->bind(2, state);
    boost::json::array list;
    while (q->executeStep()) {
        list.push_back({{"id", q->getColumn(0).getInt64()},
                        {"order", q->getColumn(1).getString()},
                        {"rma", orNull(textOf(q->getColumn(2)))},
                        {"state", q->getColumn(3).getString()},
                        {"opened_at", q->getColumn(4).getString()},
                        {"closed_at", orNull(textOf(q->getColumn(5)))},
                        {"items", q->getColumn(6).getInt64()},
                        {"restocked", q->getColumn(7).getInt64()}});
    }
    return {{"returns", std::move(list)}};
}

std::optional<boost::json::object> Station::returnJson(int64_t id) {
    if (!loadReturn(journal_, id)) {
        return std::nullopt;
    }
    return returnObject(id);
}

}  // namespace station
