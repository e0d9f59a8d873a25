#include "station/OrderStore.h"

#include <SQLiteCpp/Statement.h>
#include <boost/json.hpp>

#include <algorithm>

#include "station/Barcode.h"

namespace station {

int Order::itemCount() const {
    int n = 0;
    for (const auto& l : lines) {
        n += l.quantity;
    }
    return n;
}

int Order::packedCount() const {
    int n = 0;
    for (const auto& l : lines) {
        n += l.packed;
    }
    return n;
}

bool Order::fullyPacked() const {
    return std::all_of(lines.begin(), lines.end(),
                       [](const OrderLine& l) { return l.packed >= l.quantity; });
}

OrderLine* Order::line(int64_t id) {
    for (auto& l : lines) {
        if (l.id == id) {
            return &l;
        }
    }
    return nullptr;
}

OrderLine* Order::match(const std::string& text, const std::string& gtin14, int& quantity) {
    for (auto& l : lines) {
        if (!l.sku.empty() && equalsIgnoreCase(l.sku, text)) {
            return &l;
        }
    }
    if (gtin14.empty()) {
        return nullptr;
    }
    for (auto& l : lines) {
        if (l.gtin14 == gtin14) {
            return &l;
        }
        if (l.caseGtin14 == gtin14 && l.caseQuantity > 0) {
            quantity = l.caseQuantity;
            return &l;
        }
    }
    return nullptr;
}

int Parcel::itemCount() const {
    int n = 0;
    for (const auto& i : items) {
        n += i.quantity;
    }
    return n;
}

namespace {

std::string textOr(const SQLite::Column& c) {
    return c.isNull() ? std::string() : c.getString();
}

Order readOrderRow(SQLite::Statement& q) {
    Order o;
    o.number = q.getColumn(0).getString();
    o.shopId = textOr(q.getColumn(1));
    o.state = q.getColumn(2).getString();
    o.payment = q.getColumn(3).getString();
    o.riskScore = q.getColumn(4).getDouble();
    o.riskApprovedBy = textOr(q.getColumn(5));
    o.claimedBy = textOr(q.getColumn(6));
    o.shippingMethod = q.getColumn(7).getString();
    o.customer.name = q.getColumn(8).getString();
    o.customer.street = q.getColumn(9).getString();
    o.customer.postcode = q.getColumn(10).getString();
    o.customer.city = q.getColumn(11).getString();
    o.customer.country = q.getColumn(12).getString();
    o.customerNote = q.getColumn(13).getString();
    o.shopAlert = q.getColumn(14).getString();
    return o;
}

constexpr const char* kOrderColumns =
    "SELECT number, shop_id, state, payment, risk_score, risk_approved_by, claimed_by, "
    "shipping_method, customer_name, street, postcode, city, country, customer_note, shop_alert "
    "FROM orders";

}  // namespace

std::optional<Order> OrderStore::load(const std::string& number) {
    auto q = cache_.get(std::string(kOrderColumns) + " WHERE number = ?");
    q->bind(1, number);
    if (!q->executeStep()) {
        return std::nullopt;
    }
    Order o = readOrderRow(*q);
    auto lines = cache_.get(
        "SELECT l.id, l.position, l.sku, l.gtin14, l.case_gtin14, l.case_quantity, l.name, "
        "l.quantity, l.unit_weight_grams, l.bin, l.serialised, l.shop_line_id, "
        "COALESCE((SELECT SUM(pi.quantity) FROM parcel_items pi WHERE pi.line_id = l.id), 0), "
        "COALESCE((SELECT SUM(pi.quantity) FROM parcel_items pi JOIN parcels p ON p.id = "
        "pi.parcel_id WHERE pi.line_id = l.id AND p.state = 'shipped'), 0) "
        "FROM order_lines l WHERE l.order_number = ? ORDER BY l.position");
    lines->bind(1, number);
    while (lines->executeStep()) {
        OrderLine l;
        l.id = lines->getColumn(0).getInt64();
        l.position = lines->getColumn(1).getInt();
        l.sku = lines->getColumn(2).getString();
        l.gtin14 = lines->getColumn(3).getString();
        l.caseGtin14 = lines->getColumn(4).getString();
        l.caseQuantity = lines->getColumn(5).getInt();
        l.name = lines->getColumn(6).getString();
        l.quantity = lines->getColumn(7).getInt();
        l.unitWeightGrams = lines->getColumn(8).getInt();
        l.bin = lines->getColumn(9).getString();
        l.serialised = lines->getColumn(10).getInt() != 0;
        l.shopLineId = lines->getColumn(11).getString();
        l.packed = lines->getColumn(12).getInt();
        l.shipped = lines->getColumn(13).getInt();
        o.lines.push_back(std::move(l));
    }
    auto serials = cache_.get(
        "SELECT pi.line_id, pi.serial FROM parcel_items pi JOIN order_lines "
        "l ON l.id = pi.line_id WHERE l.order_number = ? AND pi.serial != "
        "'' ORDER BY pi.id");
    serials->bind(1, number);
    while (serials->executeStep()) {
        if (OrderLine* l = o.line(serials->getColumn(0).getInt64())) {
            l->serials.push_back(serials->getColumn(1).getString());
        }
    }
    return o;
}

bool OrderStore::exists(const std::string& number) {
    auto q = cache_.get("SELECT 1 FROM orders WHERE number = ?");
    q->bind(1, number);
    return q->executeStep();
}

std::vector<Order> OrderStore::list(const std::string& state) {
    std::vector<std::string> numbers;
    {
        auto q = cache_.get(state.empty() ? "SELECT number FROM orders ORDER BY created_at, number"
                                          : "SELECT number FROM orders WHERE state = ? ORDER BY "
                                            "created_at, number");
        if (!state.empty()) {
            q->bind(1, state);
        }
        while (q->executeStep()) {
            numbers.push_back(q->getColumn(0).getString());
        }
    }
    std::vector<Order> out;
    out.reserve(numbers.size());
    for (const auto& n : numbers) {
        if (auto o = load(n)) {
            out.push_back(std::move(*o));
        }
    }
    return out;
}

void OrderStore::setState(const std::string& number, const std::string& state,
                          const std::string& at) {
    auto q = cache_.get("UPDATE orders SET state = ?, updated_at = ? WHERE number = ?");
    q->bind(1, state);
    q->bind(2, at);
    q->bind(3, number);
    q->exec();
}

void OrderStore::setClaim(const std::string& number, const std::string& station,
                          const std::string& at) {
    auto q = cache_.get("UPDATE orders SET claimed_by = ?, updated_at = ? WHERE number = ?");
    if (station.empty()) {
        q->bind(1);
    } else {
        q->bind(1, station);
    }
    q->bind(2, at);
    q->bind(3, number);
    q->exec();
}

void OrderStore::setRiskApproved(const std::string& number, const std::string& supervisor) {
    auto q = cache_.get("UPDATE orders SET risk_approved_by = ? WHERE number = ?");
    q->bind(1, supervisor);
    q->bind(2, number);
    q->exec();
}

namespace {

Parcel readParcel(SQLite::Statement& q) {
    Parcel p;
    p.id = q.getColumn(0).getInt64();
    p.orderNumber = q.getColumn(1).getString();
    p.index = q.getColumn(2).getInt();
    p.state = q.getColumn(3).getString();
    p.boxCode = q.getColumn(4).getString();
    if (!q.getColumn(5).isNull()) {
        p.weightGrams = q.getColumn(5).getInt64();
    }
    p.weightApprovedBy = textOr(q.getColumn(6));
    p.trackingNumber = textOr(q.getColumn(7));
    if (!q.getColumn(8).isNull()) {
        p.shipmentId = q.getColumn(8).getInt64();
    }
    return p;
}

constexpr const char* kParcelColumns =
    "SELECT id, order_number, idx, state, box_code, weight_grams, weight_approved_by, "
    "tracking_number, shipment_id FROM parcels";

void loadItems(StatementCache& cache_, Parcel& p) {
    auto q = cache_.get(
        "SELECT line_id, quantity, serial, batch, expiry FROM parcel_items "
        "WHERE parcel_id = ? ORDER BY id");
    q->bind(1, p.id);
    while (q->executeStep()) {
        p.items.push_back({q->getColumn(0).getInt64(), q->getColumn(1).getInt(),
                           q->getColumn(2).getString(), q->getColumn(3).getString(),
                           q->getColumn(4).getString()});
    }
}

}  // namespace

std::vector<Parcel> OrderStore::parcels(const std::string& orderNumber) {
    std::vector<Parcel> out;
    auto q = cache_.get(std::string(kParcelColumns) + " WHERE order_number = ? ORDER BY idx");
    q->bind(1, orderNumber);
    while (q->executeStep()) {
        out.push_back(readParcel(*q));
    }
    for (auto& p : out) {
        loadItems(cache_, p);
    }
    return out;
}

std::optional<Parcel> OrderStore::parcel(int64_t id) {
    auto q = cache_.get(std::string(kParcelColumns) + " WHERE id = ?");
    q->bind(1, id);
    if (!q->executeStep()) {
        return std::nullopt;
    }
    Parcel p = readParcel(*q);
    loadItems(cache_, p);
    return p;
}

int64_t OrderStore::createParcel(const std::string& orderNumber, const std::string& boxCode,
                                 const std::string& at) {
    auto q = cache_.get(
        "INSERT INTO parcels (order_number, idx, state, box_code, created_at) "
        "VALUES (?, (SELECT COALESCE(MAX(idx), 0) + 1 FROM parcels WHERE "
        "order_number = ?), 'open', ?, ?)");
    q->bind(1, orderNumber);
    q->bind(2, orderNumber);
    q->bind(3, boxCode);
    q->bind(4, at);
    q->exec();
    return db_.getLastInsertRowid();
}

void OrderStore::addItem(int64_t parcelId, const ParcelItem& item) {
    auto q = cache_.get(
        "INSERT INTO parcel_items (parcel_id, line_id, quantity, serial, batch, "
        "expiry) VALUES (?, ?, ?, ?, ?, ?)");
    q->bind(1, parcelId);
    q->bind(2, item.lineId);
    q->bind(3, item.quantity);
    q->bind(4, item.serial);
    q->bind(5, item.batch);
    q->bind(6, item.expiry);
    q->exec();
}

void OrderStore::setParcelBox(int64_t parcelId, const std::string& boxCode) {
    auto q = cache_.get("UPDATE parcels SET box_code = ? WHERE id = ?");
    q->bind(1, boxCode);
    q->bind(2, parcelId);
    q->exec();
}

void OrderStore::setParcelWeight(int64_t parcelId, std::optional<int64_t> grams,
                                 const std::string& approvedBy) {
    auto q = cache_.get("UPDATE parcels SET weight_grams = ?, weight_approved_by = ? WHERE id = ?");
    if (grams) {
        q->bind(1, *grams);
    } else {
        q->bind(1);
    }
    if (approvedBy.empty()) {
        q->bind(2);
    } else {
        q->bind(2, approvedBy);
    }
    q->bind(3, parcelId);
    q->exec();
}

void OrderStore::setParcelState(int64_t parcelId, const std::string& state,
                                const std::string& tracking, const std::string& at) {
    auto q = cache_.get(
        "UPDATE parcels SET state = ?, tracking_number = ?, closed_at = ? WHERE "
        "id = ?");
    q->bind(1, state);
    if (tracking.empty()) {
        q->bind(2);
    } else {
        q->bind(2, tracking);
    }
    if (state == parcel_state::kOpen) {
        q->bind(3);
    } else {
        q->bind(3, at);
    }
    q->bind(4, parcelId);
    q->exec();
}

void OrderStore::deleteParcel(int64_t parcelId) {
    auto items = cache_.get("DELETE FROM parcel_items WHERE parcel_id = ?");
    items->bind(1, parcelId);
    items->exec();
    auto q = cache_.get("DELETE FROM parcels WHERE id = ?");
    q->bind(1, parcelId);
    q->exec();
}

bool OrderStore::isKnownProduct(const std::string& sku, const std::string& gtin14) {
    auto q = cache_.get(
        "SELECT 1 FROM order_lines WHERE (? != '' AND sku = ? COLLATE NOCASE) OR "
        "(? != '' AND (gtin14 = ? OR case_gtin14 = ?)) LIMIT 1");
    q->bind(1, sku);
    q->bind(2, sku);
    q->bind(3, gtin14);
    q->bind(4, gtin14);
    q->bind(5, gtin14);
    return q->executeStep();
}

namespace {

std::string str(const boost::json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_string()) {
        return std::string(v->get_string());
    }
    return {};
}

double num(const boost::json::object& o, std::string_view key, double fallback) {
    if (auto* v = o.if_contains(key)) {
        if (v->is_number()) {
            return v->to_number<double>();
        }
    }
    return fallback;
}

bool flag(const boost::json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v && v->is_bool() && v->get_bool();
}

}  // namespace

std::vector<std::string> OrderStore::importOrders(const boost::json::array& orders,
                                                  const std::string& at) {
    std::vector<std::string> errors;
    for (const auto& value : orders) {
        if (!value.is_object()) {
            errors.push_back("an order is not a JSON object");
            continue;
        }
        const auto& o = value.get_object();
        const std::string number = str(o, "number");
        auto reject = [&](const std::string& why) {
            errors.push_back("order " + (number.empty() ? std::string("?") : number) + ": " + why);
        };
        if (number.empty()) {
            reject("no number");
            continue;
        }
        if (exists(number)) {
            continue;
        }
        const std::string payment = str(o, "payment").empty() ? "paid" : str(o, "payment");
        if (payment != "paid" && payment != "awaiting_transfer" && payment != "awaiting_cheque" &&
            payment != "awaiting_payment") {
            reject("payment must be paid, awaiting_transfer, awaiting_cheque or awaiting_payment");
            continue;
        }
        std::string state = str(o, "state");
        if (state.empty()) {
            state = payment == "paid" ? order_state::kReady : order_state::kAwaitingPayment;
        }
        const boost::json::object empty;
        const auto* customerValue = o.if_contains("customer");
        const auto& customer =
            customerValue && customerValue->is_object() ? customerValue->get_object() : empty;
        const auto* linesValue = o.if_contains("lines");
        if (!linesValue || !linesValue->is_array() || linesValue->get_array().empty()) {
            reject("no lines");
            continue;
        }
        struct LineIn {
            std::string sku, gtin, caseGtin, name, bin;
            int quantity, caseQuantity, weight;
            bool serialised;
            std::string shopLineId;
        };
        std::vector<LineIn> lines;
        bool ok = true;
        for (const auto& lv : linesValue->get_array()) {
            if (!lv.is_object()) {
                reject("a line is not a JSON object");
                ok = false;
                break;
            }
            const auto& l = lv.get_object();
            LineIn in{str(l, "sku"),
                      "",
                      "",
                      str(l, "name"),
                      str(l, "bin"),
                      static_cast<int>(num(l, "quantity", 0)),
                      static_cast<int>(num(l, "case_quantity", 0)),
                      static_cast<int>(num(l, "unit_weight_grams", 0)),
                      flag(l, "serialised"),
                      str(l, "shop_line_id")};
            for (auto [key, target] : {std::pair{"gtin", &in.gtin}, {"case_gtin", &in.caseGtin}}) {
                const std::string raw = str(l, key);
                if (raw.empty()) {
                    continue;
                }
                auto g = toGtin14(raw);
                if (!g) {
                    reject(std::string(key) + " " + raw + " is not a valid GTIN");
                    ok = false;
                }
                *target = g.value_or("");
            }
            if (in.quantity <= 0) {
                reject("line " + in.sku + " has no quantity");
                ok = false;
            }
            if (in.sku.empty() && in.gtin.empty()) {
                reject("a line has neither SKU nor GTIN");
                ok = false;
            }
            lines.push_back(std::move(in));
        }
        if (!ok) {
            continue;
        }
        auto q = cache_.get(
            "INSERT INTO orders (number, shop_id, state, payment, risk_score, claimed_by, "
            "shipping_method, customer_name, street, postcode, city, country, customer_note, "
            "created_at, updated_at, shop_modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?)");
        q->bind(1, number);
        q->bind(2, str(o, "shop_id"));
        q->bind(3, state);
        q->bind(4, payment);
        q->bind(5, num(o, "risk_score", 0));
        if (str(o, "claimed_by").empty()) {
            q->bind(6);
        } else {
            q->bind(6, str(o, "claimed_by"));
        }
        q->bind(7, str(o, "shipping_method"));
        q->bind(8, str(customer, "name"));
        q->bind(9, str(customer, "street"));
        q->bind(10, str(customer, "postcode"));
        q->bind(11, str(customer, "city"));
        q->bind(12, str(customer, "country"));
        q->bind(13, str(o, "customer_note"));
        q->bind(14, at);
        q->bind(15, at);
        q->bind(16, str(o, "shop_modified_at"));
        q->exec();
        int position = 0;
        for (const auto& l : lines) {
            auto li = cache_.get(
                "INSERT INTO order_lines (order_number, position, sku, gtin14, "
                "case_gtin14, case_quantity, name, quantity, unit_weight_grams, "
                "bin, serialised, shop_line_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            li->bind(1, number);
            li->bind(2, ++position);
            li->bind(3, l.sku);
            li->bind(4, l.gtin);
            li->bind(5, l.caseGtin);
            li->bind(6, l.caseQuantity);
            li->bind(7, l.name);
            li->bind(8, l.quantity);
            li->bind(9, l.weight);
            li->bind(10, l.bin);
            li->bind(11, l.serialised ? 1 : 0);
            li->bind(12, l.shopLineId);
            li->exec();
        }
    }
    return errors;
}

}  // namespace station
