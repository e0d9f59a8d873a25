// Session, login, commands and bookkeeping of the packing workflow.
// The item, parcel, weight and label steps are in Packing.cpp.
#include "station/Station.h"
#include "station/Log.h"
#include "sync/OutboxKind.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <iostream>

namespace station {

boost::json::object toJson(const Event& e) {
    boost::json::object o;
    o["seq"] = e.seq;
    o["at"] = e.at;
    o["station"] = e.station;
    o["type"] = e.type;
    o["order"] = e.order.empty() ? boost::json::value(nullptr) : boost::json::value(e.order);
    o["user"] = e.user.empty() ? boost::json::value(nullptr) : boost::json::value(e.user);
    o["ok"] = e.ok;
    o["reason"] = e.reason.empty() ? boost::json::value(nullptr) : boost::json::value(e.reason);
    o["message_key"] = e.messageKey;
    o["message"] = e.message;
    o["params"] = e.params;
    return o;
}

boost::json::object toJson(const ScanOutcome& out) {
    boost::json::array events;
    for (const auto& e : out.events) {
        events.push_back(toJson(e));
    }
    boost::json::object result{{"ok", out.ok},
                               {"reason", out.reason.empty() ? boost::json::value(nullptr)
                                                             : boost::json::value(out.reason)},
                               {"message", out.message}};
    result["event"] = events.empty() ? boost::json::value(nullptr) : events.back();
    result["events"] = std::move(events);
    return result;
}

namespace {

std::string trimmed(const std::string& s) {
    size_t b = 0;
    size_t e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) {
        ++b;
    }
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) {
        --e;
    }
    return s.substr(b, e - b);
}

bool isCommand(const std::string& code) {
    for (const char* c :
         {command::kNewParcel, command::kCloseParcel, command::kShipPartial, command::kVoid,
          command::kReprint, command::kCancel, command::kLogout, command::kApprove}) {
        if (code == c) {
            return true;
        }
    }
    return false;
}

std::optional<int64_t> optionalId(const SQLite::Column& c) {
    if (c.isNull()) {
        return std::nullopt;
    }
    return c.getInt64();
}

void bindOptional(SQLite::Statement& q, int index, const std::optional<int64_t>& v) {
    if (v) {
        q.bind(index, *v);
    } else {
        q.bind(index);
    }
}

const char* approvalMessageKey(const std::string& kind) {
    if (kind == "held_order") {
        return "order_held";
    }
    if (kind == "weight_mismatch") {
        return "weight_mismatch";
    }
    if (kind == "partial_shipment") {
        return "partial_requested";
    }
    return "void_requested";
}

}  // namespace

Station::Station(boost::asio::io_context& io, const config::StationConfig& config, Journal& journal,
                 Clock clock)
    : io_(io),
      config_(config),
      journal_(journal),
      orders_(journal.db()),
      clock_(std::move(clock)),
      language_(languageFromCode(config.language)),
      idleTimer_(io),
      heldTimer_(io),
      idleAfter_(std::chrono::minutes(config.idleLogoutMinutes)) {
    loadSession();
}

Station::~Station() {
    stop();
}

void Station::addPrinter(const std::string& role, drivers::Printer* printer) {
    printers_[role] = printer;
}

void Station::start() {
    stopped_ = false;
    recoverPrintJobs();
    armIdleTimer();
}

void Station::stop() {
    stopped_ = true;
    idleTimer_.cancel();
    heldTimer_.cancel();
}

void Station::loadSession() {
    shopAlertOrders_.clear();
    auto alerts = journal_.statements().get("SELECT number FROM orders WHERE shop_alert != ''");
    while (alerts->executeStep()) {
        shopAlertOrders_.insert(alerts->getColumn(0).getString());
    }
    auto q = journal_.statements().get(
        "SELECT user_name, user_role, order_number, parcel_id, awaiting, "
        "awaiting_line_id, awaiting_data, approval_kind, approval_order, "
        "approval_parcel_id, approval_detail, last_label_id, last_activity_at, return_id "
        "FROM session WHERE id = 1");
    if (!q->executeStep()) {
        session_ = Session{};
        return;
    }
    Session s;
    s.userName = q->getColumn(0).getString();
    s.userRole = q->getColumn(1).getString();
    s.order = q->getColumn(2).getString();
    s.parcelId = optionalId(q->getColumn(3));
    s.awaiting = q->getColumn(4).getString();
    s.awaitingLineId = optionalId(q->getColumn(5));
    s.awaitingData = q->getColumn(6).getString();
    s.approvalKind = q->getColumn(7).getString();
    s.approvalOrder = q->getColumn(8).getString();
    s.approvalParcelId = optionalId(q->getColumn(9));
    s.approvalDetail = q->getColumn(10).getString();
    s.lastLabelId = optionalId(q->getColumn(11));
    s.lastActivityAt = q->getColumn(12).getString();
    s.returnId = optionalId(q->getColumn(13));
    session_ = std::move(s);
}

void Station::saveSession() {
    auto q = journal_.statements().get(
        "UPDATE session SET user_name = ?, user_role = ?, order_number = ?, "
        "parcel_id = ?, awaiting = ?, awaiting_line_id = ?, awaiting_data = ?, "
        "approval_kind = ?, approval_order = ?, approval_parcel_id = ?, "
        "approval_detail = ?, last_label_id = ?, last_activity_at = ?, return_id = ? "
        "WHERE id = 1");
    q->bind(1, session_.userName);
    q->bind(2, session_.userRole);
    q->bind(3, session_.order);
    bindOptional(*q, 4, session_.parcelId);
    q->bind(5, session_.awaiting);
    bindOptional(*q, 6, session_.awaitingLineId);
    q->bind(7, session_.awaitingData.empty() ? std::string("{}") : session_.awaitingData);
    q->bind(8, session_.approvalKind);
    q->bind(9, session_.approvalOrder);
    bindOptional(*q, 10, session_.approvalParcelId);
    q->bind(11, session_.approvalDetail.empty() ? std::string("{}") : session_.approvalDetail);
    bindOptional(*q, 12, session_.lastLabelId);
    q->bind(13, session_.lastActivityAt);
    bindOptional(*q, 14, session_.returnId);
    q->exec();
}

void Station::clearAwaiting() {
    session_.awaiting.clear();
    session_.awaitingLineId.reset();
    session_.awaitingData = "{}";
}

void Station::clearApproval() {
    session_.approvalKind.clear();
    session_.approvalOrder.clear();
    session_.approvalParcelId.reset();
    session_.approvalDetail = "{}";
}

void Station::say(Context& ctx, const std::string& type, const std::string& key,
                  boost::json::object params, const std::string& order, bool internal) {
    Event e;
    e.seq = ++seq_;
    e.at = ctx.at;
    e.station = config_.stationId;
    e.type = type;
    e.order = order;
    e.user = ctx.actor.empty() ? session_.userName : ctx.actor;
    e.ok = type != "scan.refused";
    e.reason = e.ok ? std::string() : key;
    e.messageKey = key;
    e.message = renderMessage(key, params, language_);
    e.params = std::move(params);
    journal_.addActivity(e.at, e.station, e.user, order, key, boost::json::serialize(e.params),
                         internal);
    ctx.lastMessage = e.message;
    ctx.events.push_back(std::move(e));
}

void Station::refuse(Context& ctx, const std::string& reason, boost::json::object params,
                     const std::string& order) {
    refuseAs(ctx, reason, reason, std::move(params), order);
}

void Station::refuseAs(Context& ctx, const std::string& reason, const std::string& key,
                       boost::json::object params, const std::string& order) {
    ctx.ok = false;
    ctx.reason = reason;
    say(ctx, "scan.refused", key, std::move(params), order.empty() ? session_.order : order);
    ctx.events.back().reason = reason;
}

bool Station::transact(Context& ctx, const std::function<void()>& fn) {
    try {
        SQLite::Transaction tx(journal_.db(), SQLite::TransactionBehavior::IMMEDIATE);
        fn();
        issueRmaCodes(ctx);
        saveSession();
        tx.commit();
    } catch (const std::exception& e) {
        log::error(std::string("journal write failed, nothing was changed: ") + e.what(),
                   {session_.order, session_.userName, ctx.scanner});
        loadSession();
        ctx.events.clear();
        ctx.labelsToPrint.clear();
        ctx.returnDocumentsToPrint.clear();
        ctx.ok = false;
        ctx.reason = "internal_error";
        ctx.lastMessage = renderMessage("internal_error", {}, language_);
        return false;
    }
    publish(ctx);
    return true;
}

void Station::publish(Context& ctx) {
    for (const auto& e : ctx.events) {
        lastEvent_ = e;
        metrics_.onEvent(e);
        if (sink_) {
            sink_(e);
        }
    }
    // After the answer: each job is marked "sending" in a commit of its own before its first
    // byte goes out, which a scan's answer need not wait for. Posted in order, sent in order.
    for (int64_t id : ctx.labelsToPrint) {
        boost::asio::post(
            io_, [this, id, reoffer = ctx.reoffer] { dispatchJob(Spool::Labels, id, reoffer); });
    }
    for (int64_t id : ctx.returnDocumentsToPrint) {
        boost::asio::post(io_, [this, id, reoffer = ctx.reoffer] {
            dispatchJob(Spool::ReturnDocuments, id, reoffer);
        });
    }
    if (ctx.zeroScale && scale_ != nullptr) {
        boost::asio::post(io_, [this] {
            scale_->zero([this](const std::string& error) { onScaleZeroed(error); });
        });
    }
    if (journal_.takeOutboxWritten() && outboxListener_) {
        outboxListener_();
    }
}

ScanOutcome Station::handleScan(const std::string& scanner, const std::string& code) {
    const auto started = std::chrono::steady_clock::now();
    Context ctx;
    ctx.at = now();
    ctx.scanner = scanner;
    transact(ctx, [&] {
        dispatchScan(ctx, code);
        session_.lastActivityAt = ctx.at;
        auto q = journal_.statements().get(
            "INSERT INTO scans (at, station, scanner, user, code, ok, reason, "
            "order_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        q->bind(1, ctx.at);
        q->bind(2, config_.stationId);
        q->bind(3, scanner);
        q->bind(4, session_.userName);
        // A badge is a password: the journal keeps that a badge was scanned, never its code.
        q->bind(5, ctx.codeIsBadge ? std::string("[badge]") : code);
        q->bind(6, ctx.ok ? 1 : 0);
        q->bind(7, ctx.reason);
        q->bind(8, session_.order);
        q->exec();
    });
    armIdleTimer();
    metrics_.observeScan(
        ctx.ok, ctx.reason,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    ScanOutcome out;
    out.ok = ctx.ok;
    out.reason = ctx.reason;
    out.message = ctx.lastMessage;
    out.events = std::move(ctx.events);
    return out;
}

ScanOutcome Station::refuseScan(const std::string& scanner, const std::string& code,
                                const std::string& problem) {
    Context ctx;
    ctx.at = now();
    ctx.scanner = scanner;
    transact(ctx, [&] {
        refuse(ctx, "scanner_problem", {{"scanner", scanner}, {"problem", problem}});
        auto q = journal_.statements().get(
            "INSERT INTO scans (at, station, scanner, user, code, ok, reason, "
            "order_number) VALUES (?, ?, ?, ?, ?, 0, 'scanner_problem', ?)");
        q->bind(1, ctx.at);
        q->bind(2, config_.stationId);
        q->bind(3, scanner);
        q->bind(4, session_.userName);
        q->bind(5, code);
        q->bind(6, session_.order);
        q->exec();
    });
    metrics_.observeScan(false, "scanner_problem", 0);
    ScanOutcome out;
    out.ok = false;
    out.reason = ctx.reason;
    out.message = ctx.lastMessage;
    out.events = std::move(ctx.events);
    return out;
}

std::string Station::approvalWhat() const {
    boost::json::object params;
    boost::system::error_code ec;
    auto v = boost::json::parse(session_.approvalDetail, ec);
    if (!ec && v.is_object()) {
        params = v.get_object();
    }
    return renderMessage(approvalMessageKey(session_.approvalKind), params, language_);
}

void Station::dispatchScan(Context& ctx, const std::string& raw) {
    const std::string code = trimmed(raw);
    if (code.empty()) {
        refuse(ctx, "unknown_code", {{"code", ""}});
        return;
    }
    for (const auto& user : config_.users) {
        if (user.badge == code) {
            ctx.codeIsBadge = true;
            handleBadge(ctx, user);
            return;
        }
    }
    if (session_.userName.empty()) {
        refuse(ctx, "not_logged_in", {});
        return;
    }
    // The returns desk has its own workflow (Returns.cpp); packing an order (even one a
    // packer left open on this bench) needs the packer or supervisor role.
    if (code == command::kZeroScale) {
        requestZero(ctx);
        return;
    }
    if (code != command::kLogout && handleReturnsDesk(ctx, code)) {
        return;
    }
    if (!session_.order.empty() && handleShopAlert(ctx)) {
        return;
    }
    if (isCommand(code)) {
        handleCommand(ctx, code);
        return;
    }
    if (!session_.approvalKind.empty()) {
        refuse(ctx, "approval_required", {{"what", approvalWhat()}});
        return;
    }
    if (session_.awaiting == "serial") {
        scanSerial(ctx, code);
        return;
    }
    if (session_.awaiting == "carrier_label") {
        scanCarrierLabel(ctx, code);
        return;
    }
    if (session_.awaiting == "label_scan") {
        scanLabelCheck(ctx, code);
        return;
    }
    if (const config::Box* box = findBox(code)) {
        setBox(ctx, *box);
        return;
    }
    if (session_.order.empty()) {
        openOrder(ctx, code);
    } else {
        scanItem(ctx, code);
    }
}

void Station::handleBadge(Context& ctx, const config::User& user) {
    if (!session_.approvalKind.empty() && user.role == config::Role::Supervisor) {
        approve(ctx, user.name);
        return;
    }
    if (session_.userName == user.name) {
        say(ctx, "session.login", "already_logged_in", {{"user", user.name}}, session_.order);
        return;
    }
    if (!session_.userName.empty()) {
        logout(ctx, "logged_out", {{"user", session_.userName}});
    }
    session_.userName = user.name;
    session_.userRole = std::string(config::toString(user.role));
    say(ctx, "session.login", "logged_in", {{"user", user.name}, {"role", session_.userRole}},
        session_.order);
}

void Station::logout(Context& ctx, const std::string& messageKey, boost::json::object params) {
    say(ctx, "session.logout", messageKey, std::move(params), session_.order);
    session_.userName.clear();
    session_.userRole.clear();
}

void Station::handleCommand(Context& ctx, const std::string& cmd) {
    const bool pending = !session_.approvalKind.empty();
    if (pending && cmd != command::kCancel && cmd != command::kLogout && cmd != command::kApprove) {
        refuse(ctx, "approval_required", {{"what", approvalWhat()}});
        return;
    }
    if (cmd == command::kLogout) {
        logout(ctx, "logged_out", {{"user", session_.userName}});
        return;
    }
    if (cmd == command::kApprove) {
        if (session_.userRole != "supervisor") {
            refuse(ctx, "supervisor_required",
                   {{"what", pending ? approvalWhat() : std::string("-")}});
        } else if (!pending) {
            refuse(ctx, "nothing_to_approve", {});
        } else {
            approve(ctx, session_.userName);
        }
        return;
    }
    if (cmd == command::kCancel) {
        cancel(ctx);
        return;
    }
    // Waiting for a serial number or a carrier label: only cancel, reprint and void make sense.
    if ((session_.awaiting == "serial" || session_.awaiting == "carrier_label") &&
        cmd != command::kReprint) {
        if (session_.awaiting == "serial") {
            const auto order = orders_.load(session_.order);
            const OrderLine* line = nullptr;
            if (order && session_.awaitingLineId) {
                line = const_cast<Order&>(*order).line(*session_.awaitingLineId);
            }
            refuse(ctx, "serial_required", {{"name", line ? line->name : std::string()}});
        } else {
            refuse(ctx, "carrier_label_required",
                   {{"parcel", currentParcel() ? currentParcel()->index : 0}});
        }
        return;
    }
    if (session_.awaiting == "label_scan" && cmd != command::kReprint && cmd != command::kVoid) {
        auto parcel = currentParcel();
        refuse(ctx, "label_scan_required", {{"parcel", parcel ? parcel->index : 0}});
        return;
    }
    if (cmd == command::kReprint) {
        reprint(ctx);
        return;
    }
    if (session_.order.empty()) {
        refuse(ctx, "no_order", {});
        return;
    }
    if (cmd == command::kCloseParcel) {
        closeParcel(ctx);
    } else if (cmd == command::kNewParcel) {
        newParcel(ctx);
    } else if (cmd == command::kShipPartial) {
        requestPartial(ctx);
    } else if (cmd == command::kVoid) {
        requestVoid(ctx);
    }
}

void Station::approve(Context& ctx, const std::string& supervisor) {
    const std::string kind = session_.approvalKind;
    ctx.actor = supervisor;
    if (kind == "held_order") {
        const std::string number = session_.approvalOrder;
        clearApproval();
        auto order = orders_.load(number);
        if (!order) {
            refuse(ctx, "unknown_order", {{"code", number}});
        } else {
            orders_.setRiskApproved(number, supervisor);
            say(ctx, "approval.granted", "order_held_approved",
                {{"order", number}, {"supervisor", supervisor}}, number);
            ctx.actor.clear();
            claimOrder(ctx, *order);
        }
    } else if (kind == "weight_mismatch") {
        auto parcel =
            session_.approvalParcelId ? orders_.parcel(*session_.approvalParcelId) : std::nullopt;
        clearApproval();
        if (parcel && parcel->weightGrams) {
            orders_.setParcelWeight(parcel->id, parcel->weightGrams, supervisor);
            say(ctx, "approval.granted", "weight_approved",
                {{"weight", *parcel->weightGrams},
                 {"parcel", parcel->index},
                 {"supervisor", supervisor}},
                parcel->orderNumber);
            ctx.actor.clear();
            auto order = orders_.load(parcel->orderNumber);
            if (order && order->fullyPacked() && config_.autoCloseWhenComplete) {
                closeParcel(ctx);
            }
        }
    } else if (kind == "partial_shipment") {
        const std::string number = session_.approvalOrder;
        clearApproval();
        if (auto order = orders_.load(number)) {
            ship(ctx, *order, true, supervisor);
        }
    } else if (kind == "void_label") {
        voidLabel(ctx, supervisor);
        clearApproval();
    }
    ctx.actor.clear();
}

void Station::cancel(Context& ctx) {
    if (!session_.approvalKind.empty()) {
        const std::string what = approvalWhat();
        clearApproval();
        say(ctx, "approval.withdrawn", "request_withdrawn", {{"what", what}}, session_.order);
        return;
    }
    if (session_.awaiting == "serial" || session_.awaiting == "carrier_label") {
        std::string what;
        if (session_.awaiting == "serial") {
            auto order = orders_.load(session_.order);
            const OrderLine* line =
                order && session_.awaitingLineId ? order->line(*session_.awaitingLineId) : nullptr;
            what = renderMessage("serial_required", {{"name", line ? line->name : ""}}, language_);
        } else {
            auto parcel = currentParcel();
            what = renderMessage("carrier_label_required", {{"parcel", parcel ? parcel->index : 0}},
                                 language_);
        }
        clearAwaiting();
        say(ctx, "request.withdrawn", "request_withdrawn", {{"what", what}}, session_.order);
        return;
    }
    if (session_.awaiting == "label_scan") {
        auto parcel = currentParcel();
        refuse(ctx, "label_scan_required", {{"parcel", parcel ? parcel->index : 0}});
        return;
    }
    if (session_.order.empty()) {
        refuse(ctx, "no_order", {});
        return;
    }
    const std::string number = session_.order;
    bool anyClosed = false;
    bool anyShipped = false;
    for (const auto& p : orders_.parcels(number)) {
        if (p.state == parcel_state::kOpen) {
            orders_.deleteParcel(p.id);
        } else if (p.state == parcel_state::kShipped) {
            anyShipped = true;
        } else {
            anyClosed = true;
        }
    }
    // The shop was told the order is being packed: tell it the bench let go of it.
    journal_.addOutbox(ctx.at, number, shop::kOrderReleased,
                       boost::json::serialize(boost::json::object{
                           {"order", number},
                           {"shop_id", orders_.load(number).value_or(Order{}).shopId},
                           {"station", config_.stationId}}));
    orders_.setClaim(number, "", ctx.at);
    orders_.setState(number,
                     anyShipped  ? order_state::kPartiallyShipped
                     : anyClosed ? order_state::kInProgress
                                 : order_state::kReady,
                     ctx.at);
    session_.order.clear();
    session_.parcelId.reset();
    say(ctx, "order.released", "order_released", {{"order", number}}, number);
}

void Station::requestZero(Context& ctx) {
    if (scale_ == nullptr) {
        refuse(ctx, "no_scale", {});
        return;
    }
    say(ctx, "scale.zero_requested", "scale_zero_requested", {{"scale", scale_->name()}},
        session_.order);
    ctx.zeroScale = true;
}

void Station::onScaleZeroed(const std::string& error) {
    Context ctx;
    ctx.at = now();
    transact(ctx, [&] {
        if (error.empty()) {
            say(ctx, "scale.zeroed", "scale_zeroed", {{"scale", scale_->name()}}, session_.order);
            return;
        }
        say(ctx, "scale.zero_failed", "scale_zero_failed",
            {{"scale", scale_->name()}, {"error", error}}, session_.order);
        ctx.events.back().ok = false;
        ctx.events.back().reason = "scale_zero_failed";
        log::warning("scale " + scale_->name() + " not zeroed: " + error,
                     {session_.order, session_.userName, scale_->name()});
    });
}

bool Station::addNote(const std::string& order, const std::string& text, bool internal,
                      const std::string& user) {
    if (!orders_.exists(order)) {
        return false;
    }
    Context ctx;
    ctx.at = now();
    ctx.actor = user.empty() ? session_.userName : user;
    return transact(ctx, [&] {
        say(ctx, "note.added", "note", {{"text", text}, {"internal", internal}}, order, internal);
        if (!internal) {
            boost::json::object payload{{"order", order}, {"note", text}, {"customer_note", true}};
            journal_.addOutbox(ctx.at, order, shop::kCustomerNote, boost::json::serialize(payload));
        }
    });
}

std::vector<std::string> Station::importOrders(const boost::json::array& orders) {
    std::vector<std::string> errors;
    SQLite::Transaction tx(journal_.db(), SQLite::TransactionBehavior::IMMEDIATE);
    errors = orders_.importOrders(orders, now());
    tx.commit();
    return errors;
}

void Station::armIdleTimer() {
    idleTimer_.cancel();
    if (stopped_ || idleAfter_.count() <= 0 || session_.userName.empty()) {
        return;
    }
    idleTimer_.expires_after(idleAfter_);
    idleTimer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            onIdleTimer();
        }
    });
}

void Station::onIdleTimer() {
    if (stopped_ || session_.userName.empty()) {
        return;
    }
    Context ctx;
    ctx.at = now();
    transact(ctx, [&] {
        logout(ctx, "logged_out_idle",
               {{"user", session_.userName}, {"minutes", config_.idleLogoutMinutes}});
    });
}

const config::Box* Station::findBox(const std::string& code) const {
    for (const auto& b : config_.boxes) {
        if (b.code == code) {
            return &b;
        }
    }
    return nullptr;
}

const config::ShippingMethod* Station::findMethod(const std::string& id) const {
    for (const auto& m : config_.shippingMethods) {
        if (m.id == id) {
            return &m;
        }
    }
    return nullptr;
}

std::optional<Parcel> Station::currentParcel() {
    if (!session_.parcelId) {
        return std::nullopt;
    }
    return orders_.parcel(*session_.parcelId);
}

}  // namespace station
