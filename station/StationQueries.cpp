// The read side of the station for the API and the screens: status, order lists, one order.
// Reads only; every change goes through the workflow in Station.cpp and Packing.cpp.
#include <SQLiteCpp/Statement.h>
#include <boost/json.hpp>

#include <ctime>
#include <map>

#include "station/Station.h"

namespace station {
namespace {

boost::json::value orNull(const std::string& s) {
    return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
}

// Labels and return documents of one printer in one state.
int64_t printJobCount(Journal& journal, const std::string& printer, const char* state) {
    auto q = journal.statements().get(
        "SELECT (SELECT COUNT(*) FROM labels WHERE printer = ?1 AND state = ?2) + (SELECT "
        "COUNT(*) FROM return_documents WHERE printer = ?1 AND state = ?2)");
    q->bind(1, printer);
    q->bind(2, state);
    q->executeStep();
    const int64_t n = q->getColumn(0).getInt64();
    q->reset();
    return n;
}

boost::json::object deviceJson(const drivers::DeviceStatus& d) {
    return {
        {"name", d.name}, {"kind", d.kind}, {"role", d.role}, {"up", d.up}, {"detail", d.detail}};
}

// Whole numbers as integers: JSON readers (and people) expect 92, not 9.2E1.
boost::json::value jsonNumber(double v) {
    if (v == static_cast<double>(static_cast<int64_t>(v))) {
        return static_cast<int64_t>(v);
    }
    return v;
}

}  // namespace

boost::json::object Station::statusJson() {
    boost::json::object s;
    s["station"] = config_.stationId;
    s["version"] = STATIOND_VERSION;
    s["language"] = config_.language;
    s["user"] = session_.userName.empty()
                    ? boost::json::value(nullptr)
                    : boost::json::value(boost::json::object{{"name", session_.userName},
                                                             {"role", session_.userRole}});
    s["order"] = orNull(session_.order);
    auto parcel = currentParcel();
    s["parcel"] = parcel ? boost::json::value(parcel->index) : boost::json::value(nullptr);
    s["awaiting"] =
        !session_.approvalKind.empty() ? boost::json::value("approval") : orNull(session_.awaiting);
    if (session_.approvalKind.empty()) {
        s["pending_approval"] = nullptr;
    } else {
        s["pending_approval"] = boost::json::object{{"kind", session_.approvalKind},
                                                    {"order", session_.approvalOrder},
                                                    {"detail", approvalWhat()}};
    }
    // The return open at the returns desk (Returns.cpp), or null.
    s["return"] = session_.returnId ? boost::json::value(returnObject(*session_.returnId))
                                    : boost::json::value(nullptr);
    if (scale_) {
        const auto r = lastReading_.value_or(scale_->last());
        s["scale"] = boost::json::object{
            {"name", scale_->name()}, {"status", drivers::toString(r.status)}, {"grams", r.grams}};
    } else {
        s["scale"] = nullptr;
    }
    boost::json::array devices;
    for (auto* sc : scanners_) {
        devices.push_back(deviceJson(sc->status()));
    }
    if (scale_) {
        devices.push_back(deviceJson(scale_->status()));
    }
    for (const auto& [role, p] : printers_) {
        boost::json::object d = deviceJson(p->status());
        // Jobs waiting for it, and jobs a person must check at it.
        d["held"] = printJobCount(journal_, p->name(), "held");
        d["uncertain"] = printJobCount(journal_, p->name(), "uncertain");
        devices.push_back(std::move(d));
    }
    s["devices"] = std::move(devices);

    auto outbox = journal_.statements().get(
        "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE state = 'pending'");
    outbox->executeStep();
    const auto nowTp = clock_();
    s["outbox"] = boost::json::object{
        {"pending", outbox->getColumn(0).getInt64()},
        {"oldest_pending_age_seconds",
         outbox->getColumn(1).isNull()
             ? boost::json::value(nullptr)
             : boost::json::value(secondsSince(outbox->getColumn(1).getString(), nowTp))}};
    {
        // The shop sync in brief; GET /api/sync has the parked rows.
        auto sync = syncJson();
        sync.erase("parked_rows");
        s["sync"] = std::move(sync);
    }

    const std::string today = isoTime(nowTp).substr(0, 10);
    auto scans = journal_.statements().get(
        "SELECT COUNT(*), COALESCE(SUM(ok = 0), 0) FROM scans WHERE at >= ?");
    scans->bind(1, today);
    scans->executeStep();
    auto parcels = journal_.statements().get(
        "SELECT COUNT(*) FROM parcels WHERE closed_at >= ? AND state "
        "IN ('closed', 'shipped', 'labelled')");
    parcels->bind(1, today);
    parcels->executeStep();
    auto shipped = journal_.statements().get(
        "SELECT COUNT(DISTINCT order_number) FROM shipments WHERE at >= ?");
    shipped->bind(1, today);
    shipped->executeStep();
    s["counters"] = boost::json::object{{"scans", scans->getColumn(0).getInt64()},
                                        {"refused", scans->getColumn(1).getInt64()},
                                        {"parcels_today", parcels->getColumn(0).getInt64()},
                                        {"orders_shipped_today", shipped->getColumn(0).getInt64()}};
    s["last_event"] =
        lastEvent_ ? boost::json::value(toJson(*lastEvent_)) : boost::json::value(nullptr);
    return s;
}

std::string Station::statusLine() const {
    if (session_.userName.empty()) {
        return "waiting for a badge";
    }
    std::string line = session_.userName;
    line += session_.order.empty() ? ", no order open" : ", packing order " + session_.order;
    if (session_.returnId) {
        line += ", return " + std::to_string(*session_.returnId) + " open";
    }
    if (!session_.approvalKind.empty()) {
        line += ", waiting for a supervisor (" + session_.approvalKind + ")";
    } else if (!session_.awaiting.empty()) {
        line += ", waiting for a " + session_.awaiting + " scan";
    }
    return line;
}

std::string Station::metricsText() {
    std::string out = metrics_.renderCounters();
    out += Metrics::header("stationd_device_up", "gauge", "1 when the device works, 0 when not.");
    auto device = [&](const drivers::DeviceStatus& d) {
        out +=
            Metrics::sample("stationd_device_up",
                            {{"device", d.name}, {"role", d.role}, {"kind", d.kind}}, d.up ? 1 : 0);
    };
    for (auto* sc : scanners_) {
        device(sc->status());
    }
    if (scale_) {
        device(scale_->status());
    }
    for (const auto& [role, p] : printers_) {
        device(p->status());
    }
    out += Metrics::header("stationd_print_jobs", "gauge",
                           "Print jobs held until their printer is ready, and jobs that may have "
                           "printed and wait for a person to look.");
    for (const auto& [role, p] : printers_) {
        for (const char* state : {"held", "uncertain"}) {
            out +=
                Metrics::sample("stationd_print_jobs", {{"printer", p->name()}, {"state", state}},
                                static_cast<double>(printJobCount(journal_, p->name(), state)));
        }
    }
    auto outbox = journal_.statements().get(
        "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE state = 'pending'");
    outbox->executeStep();
    out += Metrics::header("stationd_outbox_pending", "gauge",
                           "Outbox rows the shop has not acknowledged yet.");
    out += Metrics::sample("stationd_outbox_pending", {},
                           static_cast<double>(outbox->getColumn(0).getInt64()));
    out += Metrics::header("stationd_outbox_oldest_pending_age_seconds", "gauge",
                           "Age of the oldest pending outbox row; 0 when none is pending.");
    out += Metrics::sample(
        "stationd_outbox_oldest_pending_age_seconds", {},
        outbox->getColumn(1).isNull()
            ? 0.0
            : static_cast<double>(secondsSince(outbox->getColumn(1).getString(), clock_())));
    {
        auto sync = journal_.statements().get(
            "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'parked'), last_success_at FROM "
            "sync_state WHERE id = 1");
        sync->executeStep();
        out += Metrics::header("stationd_outbox_parked", "gauge",
                               "Outbox rows the shop refused for good, waiting for a person.");
        out += Metrics::sample("stationd_outbox_parked", {{"adapter", shopAdapter_}},
                               static_cast<double>(sync->getColumn(0).getInt64()));
        out += Metrics::header("stationd_sync_last_success_age_seconds", "gauge",
                               "Seconds since the shop last accepted a row; -1 when never.");
        out += Metrics::sample(
            "stationd_sync_last_success_age_seconds", {{"adapter", shopAdapter_}},
            sync->getColumn(1).isNull()
                ? -1.0
                : static_cast<double>(secondsSince(sync->getColumn(1).getString(), clock_())));
    }
    out += Metrics::header("stationd_packer_logged_in", "gauge",
                           "1 while a packer is logged in at the bench.");
    out += Metrics::sample("stationd_packer_logged_in", {}, session_.userName.empty() ? 0 : 1);
    out += Metrics::header("stationd_build_info", "gauge", "Version and journal schema.");
    out += Metrics::sample("stationd_build_info",
                           {{"version", STATIOND_VERSION},
                            {"schema", std::to_string(journal_.schemaVersion())},
                            {"station", config_.stationId}},
                           1);
    return out;
}

boost::json::object Station::ordersJson(const std::string& state) {
    boost::json::array list;
    for (const auto& o : orders_.list(state)) {
        list.push_back({{"number", o.number},
                        {"state", o.state},
                        {"payment", o.payment},
                        {"customer", o.customer.name},
                        {"shipping_method", o.shippingMethod},
                        {"lines", o.lines.size()},
                        {"items", o.itemCount()},
                        {"packed", o.packedCount()},
                        {"claimed_by", orNull(o.claimedBy)},
                        {"risk_score", jsonNumber(o.riskScore)}});
    }
    return {{"orders", std::move(list)}};
}

std::optional<boost::json::object> Station::orderJson(const std::string& number) {
    auto order = orders_.load(number);
    if (!order) {
        return std::nullopt;
    }
    const config::ShippingMethod* method = findMethod(order->shippingMethod);
    boost::json::object o{
        {"number", order->number},
        {"shop_id", order->shopId},
        {"state", order->state},
        {"payment", order->payment},
        {"risk_score", jsonNumber(order->riskScore)},
        {"held", order->riskScore >= config_.riskThreshold && order->riskApprovedBy.empty()},
        {"risk_approved_by", orNull(order->riskApprovedBy)},
        {"claimed_by", orNull(order->claimedBy)},
        {"shipping_method", order->shippingMethod},
        {"carrier", method ? method->carrier : order->shippingMethod},
        {"customer_note", order->customerNote}};
    o["customer"] = boost::json::object{{"name", order->customer.name},
                                        {"street", order->customer.street},
                                        {"postcode", order->customer.postcode},
                                        {"city", order->customer.city},
                                        {"country", order->customer.country}};
    boost::json::array lines;
    for (const auto& l : order->lines) {
        boost::json::array serials;
        for (const auto& sn : l.serials) {
            serials.push_back(boost::json::value(sn));
        }
        lines.push_back({{"id", l.id},
                         {"sku", l.sku},
                         {"gtin", l.gtin14},
                         {"name", l.name},
                         {"quantity", l.quantity},
                         {"packed", l.packed},
                         {"shipped", l.shipped},
                         {"serialised", l.serialised},
                         {"bin", l.bin},
                         {"unit_weight_grams", l.unitWeightGrams},
                         {"case_quantity", l.caseQuantity},
                         {"serials", std::move(serials)}});
    }
    o["lines"] = std::move(lines);
    boost::json::array parcels;
    for (const auto& p : orders_.parcels(number)) {
        boost::json::array items;
        for (const auto& l : order->lines) {
            int quantity = 0;
            boost::json::array serials;
            for (const auto& i : p.items) {
                if (i.lineId == l.id) {
                    quantity += i.quantity;
                    if (!i.serial.empty()) {
                        serials.push_back(boost::json::value(i.serial));
                    }
                }
            }
            if (quantity > 0) {
                items.push_back(
                    {{"sku", l.sku}, {"quantity", quantity}, {"serials", std::move(serials)}});
            }
        }
        boost::json::object parcel{{"index", p.index},
                                   {"state", p.state},
                                   {"box", p.boxCode},
                                   {"tracking_number", orNull(p.trackingNumber)},
                                   {"expected_weight_grams", expectedWeight(*order, p)},
                                   {"items", std::move(items)}};
        parcel["weight_grams"] =
            p.weightGrams ? boost::json::value(*p.weightGrams) : boost::json::value(nullptr);
        parcel["weight_approved_by"] = orNull(p.weightApprovedBy);
        parcels.push_back(std::move(parcel));
    }
    o["parcels"] = std::move(parcels);
    boost::json::array rmaCodes;
    auto rma = journal_.statements().get(
        "SELECT code FROM rma_codes WHERE order_number = ? ORDER BY shipment_id");
    rma->bind(1, number);
    while (rma->executeStep()) {
        rmaCodes.push_back(boost::json::value(rma->getColumn(0).getString()));
    }
    o["rma_codes"] = std::move(rmaCodes);
    boost::json::array activity;
    auto q = journal_.statements().get(
        "SELECT at, station, user, kind, params, internal FROM activity WHERE "
        "order_number = ? ORDER BY id");
    q->bind(1, number);
    while (q->executeStep()) {
        boost::system::error_code ec;
        auto params = boost::json::parse(q->getColumn(4).getString(), ec);
        const boost::json::object empty;
        const auto& p = !ec && params.is_object() ? params.get_object() : empty;
        activity.push_back({{"at", q->getColumn(0).getString()},
                            {"station", q->getColumn(1).getString()},
                            {"user", q->getColumn(2).getString()},
                            {"kind", q->getColumn(3).getString()},
                            {"message", renderMessage(q->getColumn(3).getString(), p, language_)},
                            {"params", p},
                            {"internal", q->getColumn(5).getInt() != 0}});
    }
    o["activity"] = std::move(activity);
    return o;
}

boost::json::object Station::activityJson(const std::string& text, const std::string& order,
                                          int limit, int64_t beforeId) {
    std::string sql =
        "SELECT id, at, station, user, order_number, kind, params, internal FROM activity "
        "WHERE 1 = 1";
    if (!order.empty()) {
        sql += " AND order_number = ?";
    }
    std::string pattern;
    if (!text.empty()) {
        // The person's text is matched as it is: % and _ are not wildcards to them.
        pattern = "%";
        for (char c : text) {
            if (c == '%' || c == '_' || c == '\\') {
                pattern += '\\';
            }
            pattern += c;
        }
        pattern += '%';
        sql +=
            " AND (kind LIKE ? ESCAPE '\\' OR user LIKE ? ESCAPE '\\' OR order_number LIKE ? "
            "ESCAPE '\\' OR params LIKE ? ESCAPE '\\')";
    }
    if (beforeId > 0) {
        sql += " AND id < ?";
    }
    sql += " ORDER BY id DESC LIMIT ?";
    auto q = journal_.statements().get(sql);
    int index = 1;
    if (!order.empty()) {
        q->bind(index++, order);
    }
    if (!text.empty()) {
        for (int column = 0; column < 4; ++column) {
            q->bind(index++, pattern);
        }
    }
    if (beforeId > 0) {
        q->bind(index++, beforeId);
    }
    q->bind(index, limit);
    boost::json::array rows;
    while (q->executeStep()) {
        boost::system::error_code ec;
        auto params = boost::json::parse(q->getColumn(6).getString(), ec);
        const boost::json::object empty;
        const auto& p = !ec && params.is_object() ? params.get_object() : empty;
        rows.push_back({{"id", q->getColumn(0).getInt64()},
                        {"at", q->getColumn(1).getString()},
                        {"station", q->getColumn(2).getString()},
                        {"user", orNull(q->getColumn(3).getString())},
                        {"order", orNull(q->getColumn(4).getString())},
                        {"kind", q->getColumn(5).getString()},
                        {"message", renderMessage(q->getColumn(5).getString(), p, language_)},
                        {"params", p},
                        {"internal", q->getColumn(7).getInt() != 0}});
    }
    return {{"activity", std::move(rows)}};
}

boost::json::object Station::statsJson() {
    const std::string today = isoTime(clock_()).substr(0, 10);
    // Hour by hour, "2026-11-29T08" -> its counts; hours without any are left out.
    std::map<std::string, boost::json::object> hours;
    auto hour = [&](const std::string& h) -> boost::json::object& {
        auto& o = hours[h];
        if (o.empty()) {
            o = {{"hour", h + ":00:00Z"},
                 {"scans", 0},
                 {"refused", 0},
                 {"parcels", 0},
                 {"orders_shipped", 0}};
        }
        return o;
    };
    int64_t scans = 0;
    int64_t refused = 0;
    int64_t parcels = 0;
    int64_t shipped = 0;
    {
        auto q = journal_.statements().get(
            "SELECT substr(at, 1, 13), COUNT(*), COALESCE(SUM(ok = 0), 0) FROM scans WHERE at >= "
            "? GROUP BY 1");
        q->bind(1, today);
        while (q->executeStep()) {
            auto& o = hour(q->getColumn(0).getString());
            o["scans"] = q->getColumn(1).getInt64();
            o["refused"] = q->getColumn(2).getInt64();
            scans += q->getColumn(1).getInt64();
            refused += q->getColumn(2).getInt64();
        }
    }
    {
        auto q = journal_.statements().get(
            "SELECT substr(closed_at, 1, 13), COUNT(*) FROM parcels WHERE closed_at >= ? AND "
            "state IN ('closed', 'shipped', 'labelled') GROUP BY 1");
        q->bind(1, today);
        while (q->executeStep()) {
            hour(q->getColumn(0).getString())["parcels"] = q->getColumn(1).getInt64();
            parcels += q->getColumn(1).getInt64();
        }
    }
    {
        // An order shipped in two parcels at different hours counts in the hour it was finished.
        auto q = journal_.statements().get(
            "SELECT substr(last, 1, 13), COUNT(*) FROM (SELECT order_number, MAX(at) AS last FROM "
            "shipments WHERE at >= ? GROUP BY order_number) GROUP BY 1");
        q->bind(1, today);
        while (q->executeStep()) {
            hour(q->getColumn(0).getString())["orders_shipped"] = q->getColumn(1).getInt64();
            shipped += q->getColumn(1).getInt64();
        }
    }
    boost::json::array perHour;
    for (auto& [h, o] : hours) {
        perHour.push_back(std::move(o));
    }
    boost::json::object out{{"date", today},
                            {"scans", scans},
                            {"refused", refused},
                            {"parcels", parcels},
                            {"orders_shipped", shipped},
                            {"per_hour", std::move(perHour)}};
    // Refused scans out of all scans; null before the first scan of the day.
    out["misscan_rate"] =
        scans == 0 ? boost::json::value(nullptr)
                   : boost::json::value(static_cast<double>(refused) / static_cast<double>(scans));
    return out;
}

}  // namespace station
