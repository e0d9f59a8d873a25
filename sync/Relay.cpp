#include "sync/Relay.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <random>

#include "sync/IsoTime.h"
#include "sync/OutboxKind.h"

namespace shop {

namespace json = boost::json;

namespace {

std::string str(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (!v) {
        return {};
    }
    if (v->is_string()) {
        return std::string(v->get_string());
    }
    if (v->is_int64()) {
        return std::to_string(v->get_int64());
    }
    if (v->is_uint64()) {
        return std::to_string(v->get_uint64());
    }
    return {};
}

int integer(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (v && v->is_int64()) {
        return static_cast<int>(v->get_int64());
    }
    if (v && v->is_uint64()) {
        return static_cast<int>(v->get_uint64());
    }
    return 0;
}

bool flag(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v && v->is_bool() && v->get_bool();
}

const json::array* list(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v && v->is_array() ? &v->get_array() : nullptr;
}

std::optional<json::object> parsePayload(const std::string& payload) {
    boost::system::error_code ec;
    json::value v = json::parse(payload, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    return std::move(v.get_object());
}

// The shipment as the station wrote it (station/Packing.cpp) -> what the adapters push.
Shipment shipmentFrom(const OutboxRow& row, const json::object& p) {
    Shipment s;
    s.orderNumber = row.orderNumber;
    s.shopId = row.shopId.empty() ? str(p, "shop_id") : row.shopId;
    s.partial = flag(p, "partial");
    s.firstAttempt = row.attempts == 0;
    const std::string carrier = str(p, "carrier");
    const std::string shippedAt = str(p, "shipped_at");
    if (const json::array* parcels = list(p, "parcels")) {
        for (const auto& pv : *parcels) {
            if (!pv.is_object()) {
                continue;
            }
            const auto& po = pv.get_object();
            ParcelShipped parcel;
            parcel.index = integer(po, "index");
            parcel.trackingNumber = str(po, "tracking_number");
            parcel.carrier = carrier;
            parcel.shippedAt = shippedAt;
            if (const json::array* items = list(po, "items")) {
                for (const auto& iv : *items) {
                    if (iv.is_object()) {
                        const auto& io = iv.get_object();
                        parcel.items.push_back(
                            {str(io, "sku"), str(io, "shop_line_id"), integer(io, "quantity")});
                    }
                }
            }
            s.parcels.push_back(std::move(parcel));
        }
    }
    return s;
}

ReturnReceived returnFrom(const OutboxRow& row, const json::object& p) {
    ReturnReceived r;
    r.orderNumber = row.orderNumber;
    r.shopId = row.shopId.empty() ? str(p, "shop_id") : row.shopId;
    if (const json::array* items = list(p, "items")) {
        for (const auto& iv : *items) {
            if (iv.is_object()) {
                const auto& io = iv.get_object();
                r.items.push_back({str(io, "sku"), integer(io, "quantity"), str(io, "condition"),
                                   flag(io, "restock")});
            }
        }
    }
    return r;
}

// "2026-11-29T10:00:00" (any fraction or zone suffix ignored) minus one second: the next pull
// starts just before the newest change seen, since WooCommerce's modified_after is strict and
// two orders may share that second. Orders seen twice are applied twice, harmlessly.
std::string cursorBefore(const std::string& iso) {
    const auto t = parseIsoTime(iso);
    if (!t) {
        return iso;
    }
    return isoSeconds(std::chrono::time_point_cast<std::chrono::seconds>(*t) -
                      std::chrono::seconds(1));
}

bool transient(const Result& r) {
    return r.kind == Result::Kind::Transient || r.kind == Result::Kind::Unclear;
}

}  // namespace

std::chrono::milliseconds retryDelay(const RelaySettings& settings, int attempt,
                                     std::optional<std::chrono::seconds> retryAfter,
                                     double random01) {
    using std::chrono::milliseconds;
    const int doublings = std::clamp(attempt - 1, 0, 30);
    const double ceiling =
        std::min(static_cast<double>(settings.maxRetry.count()),
                 static_cast<double>(settings.firstRetry.count()) * std::ldexp(1.0, doublings));
    auto delay = milliseconds(static_cast<int64_t>(std::clamp(random01, 0.0, 1.0) * ceiling));
    if (retryAfter) {
        delay = std::max<milliseconds>(delay, *retryAfter);
    }
    return delay;
}

Relay::Relay(ShopAdapter& adapter, OutboxStore& store, RelaySettings settings, Clock clock,
             Random random)
    : adapter_(adapter),
      store_(store),
      settings_(settings),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })),
      random_(std::move(random)) {
    if (!random_) {
        auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
        random_ = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
    }
    settings_.batchSize = std::max(1, settings_.batchSize);
}

Relay::~Relay() {
    stop();
}

void Relay::noteFailure(const Result& result, TimePoint now) {
    ++consecutiveFailures_;
    pausedUntil_ = now + retryDelay(settings_, consecutiveFailures_, result.retryAfter, random_());
}

Delivery Relay::fromResult(const OutboxRow& row, const Result& result, TimePoint now) {
    Delivery d;
    d.id = row.id;
    if (result.ok()) {
        d.outcome = Delivery::Outcome::Sent;
        return d;
    }
    d.error = result.error.empty() ? "the shop refused it" : result.error;
    if (result.httpStatus != 0 &&
        d.error.find(std::to_string(result.httpStatus)) == std::string::npos) {
        d.error = "HTTP " + std::to_string(result.httpStatus) + ": " + d.error;
    }
    if (transient(result)) {
        d.outcome = Delivery::Outcome::Retry;
        d.nextAttempt = now + retryDelay(settings_, row.attempts + 1, result.retryAfter, random_());
    } else {
        d.outcome = Delivery::Outcome::Parked;
    }
    return d;
}

Delivery Relay::deliverOne(const OutboxRow& row, TimePoint now) {
    auto park = [&](std::string why) {
        Delivery d;
        d.id = row.id;
        d.outcome = Delivery::Outcome::Parked;
        d.error = std::move(why);
        return d;
    };
    auto payload = parsePayload(row.payload);
    if (!payload) {
        return park("the outbox row is not valid JSON");
    }
    const std::string shopId = row.shopId.empty() ? str(*payload, "shop_id") : row.shopId;
    if (shopId.empty()) {
        return park("order " + row.orderNumber + " has no id in the shop: it did not come from it");
    }
    if (row.kind == kOrderInProgress) {
        // Read the order first: a cancellation or an edit reaches the bench at its next scan.
        Result read;
        auto order = adapter_.fetchOrder(shopId, read);
        if (!order) {
            return fromResult(row, read, now);
        }
        store_.ordersPulled({*order}, "", now);
        if (order->status == "cancelled" || order->status == "shipped") {
            Delivery d;
            d.id = row.id;
            d.outcome = Delivery::Outcome::Skipped;
            d.error = "order " + row.orderNumber + " is " + order->status + " in the shop";
            return d;
        }
        return fromResult(row, adapter_.markInProgress(shopId), now);
    }
    if (row.kind == kOrderReleased) {
        return fromResult(row, adapter_.releaseOrder(shopId), now);
    }
    if (row.kind == kCustomerNote) {
        const std::string text = str(*payload, "note");
        if (text.empty()) {
            return park("the note is empty");
        }
        const json::value* customer = payload->if_contains("customer_note");
        const bool toCustomer = !customer || !customer->is_bool() || customer->get_bool();
        return fromResult(row, adapter_.addNote(shopId, text, toCustomer), now);
    }
    if (row.kind == kReturnReceived) {
        return fromResult(row, adapter_.pushReturn(returnFrom(row, *payload)), now);
    }
    if (row.kind == kShipment) {
        return fromResult(row, adapter_.pushShipment(shipmentFrom(row, *payload)), now);
    }
    return park("unknown outbox row kind '" + row.kind + "': this stationd cannot deliver it");
}

void Relay::deliver(const std::vector<OutboxRow>& rows, TimePoint now, RelayPass& pass,
                    std::vector<Delivery>& results) {
    // Each row is of a different order (dueRows gives one per order), so shipments may go
    // together through the adapter's batch call while the rest goes one by one.
    std::vector<const OutboxRow*> shipmentRows;
    std::vector<Shipment> shipments;
    std::optional<Result> failure;
    for (const auto& row : rows) {
        if (failure) {
            break;
        }
        if (row.kind == kShipment) {
            auto payload = parsePayload(row.payload);
            if (payload) {
                Shipment s = shipmentFrom(row, *payload);
                if (!s.shopId.empty()) {
                    shipmentRows.push_back(&row);
                    shipments.push_back(std::move(s));
                    continue;
                }
            }
        }
        Result asResult;
        Delivery d = deliverOne(row, now);
        if (d.outcome == Delivery::Outcome::Retry) {
            asResult.kind = Result::Kind::Transient;
            asResult.error = d.error;
            failure = asResult;
        }
        results.push_back(std::move(d));
    }
    if (!shipments.empty() && !failure) {
        std::vector<Result> pushed = adapter_.pushShipments(shipments);
        for (std::size_t i = 0; i < shipmentRows.size(); ++i) {
            Result r =
                i < pushed.size() ? pushed[i] : Result{Result::Kind::Unclear, 0, {}, "no answer"};
            if (transient(r) && !failure) {
                failure = r;
            }
            results.push_back(fromResult(*shipmentRows[i], r, now));
        }
    }
    if (failure) {
        noteFailure(*failure, now);
        pass.shopDown = true;
    }
    // Rows never tried in this pass wait for the shop to be back; they stay first in line.
    for (const auto& row : rows) {
        const bool handled = std::any_of(results.begin(), results.end(),
                                         [&](const Delivery& d) { return d.id == row.id; });
        if (!handled) {
            Delivery d;
            d.id = row.id;
            d.outcome = Delivery::Outcome::Retry;
            d.nextAttempt = pausedUntil_.value_or(now);
            d.error = failure ? failure->error : std::string();
            results.push_back(std::move(d));
        }
    }
    for (const auto& d : results) {
        switch (d.outcome) {
            case Delivery::Outcome::Sent:
                ++pass.sent;
                break;
            case Delivery::Outcome::Retry:
                ++pass.retried;
                break;
            case Delivery::Outcome::Parked:
                ++pass.parked;
                break;
            case Delivery::Outcome::Skipped:
                ++pass.skipped;
                break;
        }
    }
    if (!failure && std::any_of(results.begin(), results.end(), [](const Delivery& d) {
            return d.outcome == Delivery::Outcome::Sent;
        })) {
        consecutiveFailures_ = 0;
        pausedUntil_.reset();
    }
}

void Relay::pull(TimePoint now, RelayPass& pass) {
    pullRequested_ = false;
    if (settings_.pullInterval.count() > 0) {
        nextPullAt_ = now + settings_.pullInterval;
    } else {
        nextPullAt_.reset();
    }
    const std::string since = store_.pullCursor();
    std::string newest = since;
    std::optional<Result> problem;
    for (int page = 1;; ++page) {
        OrderPage got = adapter_.fetchOrders(since, page);
        if (!got.result.ok()) {
            if (transient(got.result)) {
                noteFailure(got.result, now);
                pass.shopDown = true;
                store_.pullFailed(got.result, now);
                return;
            }
            problem = got.result;  // a rejected CSV export: the other orders still count
        }
        for (const auto& order : got.orders) {
            newest = std::max(newest, order.modifiedAt);
        }
        pass.pulled += static_cast<int>(got.orders.size());
        if (!got.orders.empty()) {
            store_.ordersPulled(got.orders, "", now);
        }
        if (!got.more || got.orders.empty() || problem) {
            break;
        }
    }
    // The orders a bench is packing: a cancellation takes them out of the list above.
    std::vector<Order> watched;
    for (const auto& shopId : store_.ordersBeingPacked()) {
        Result read;
        auto order = adapter_.fetchOrder(shopId, read);
        if (order) {
            watched.push_back(std::move(*order));
        } else if (transient(read)) {
            noteFailure(read, now);
            pass.shopDown = true;
            store_.pullFailed(read, now);
            break;
        } else {
            problem = read;
        }
    }
    store_.ordersPulled(watched, newest == since ? "" : cursorBefore(newest), now);
    if (problem) {
        store_.pullFailed(*problem, now);
    }
}

RelayPass Relay::runOnce() {
    RelayPass pass;
    TimePoint now = clock_();
    const bool paused = pausedUntil_ && now < *pausedUntil_;
    if (!paused && (pullRequested_ || (settings_.pullInterval.count() > 0 &&
                                       (!nextPullAt_ || now >= *nextPullAt_)))) {
        pull(now, pass);
    }
    if (pausedUntil_ && now < *pausedUntil_) {
        pass.shopDown = true;
    } else {
        for (;;) {
            std::vector<OutboxRow> rows = store_.dueRows(now, settings_.batchSize);
            if (rows.empty()) {
                break;
            }
            std::vector<int64_t> ids;
            ids.reserve(rows.size());
            for (const auto& row : rows) {
                ids.push_back(row.id);
            }
            store_.beginAttempts(ids, now);
            std::vector<Delivery> results;
            deliver(rows, now, pass, results);
            store_.finishAttempts(results, now);
            if (pass.shopDown) {
                break;
            }
            now = clock_();
        }
    }
    std::optional<TimePoint> wake = store_.nextDue();
    auto earliest = [&](std::optional<TimePoint> t) {
        if (t && (!wake || *t < *wake)) {
            wake = t;
        }
    };
    if (wake && pausedUntil_ && *wake < *pausedUntil_) {
        wake = pausedUntil_;
    }
    earliest(nextPullAt_);
    pass.wakeAt = wake;
    return pass;
}

void Relay::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) {
        return;
    }
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void Relay::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wakeUp_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
        thread_.join();
    }
}

void Relay::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wakeUp_.notify_all();
}

void Relay::requestPull() {
    pullRequested_ = true;
    wake();
}

void Relay::run() {
    for (;;) {
        RelayPass pass;
        try {
            pass = runOnce();
        } catch (const std::exception& e) {
            // The journal itself failed (disk full, locked too long): try again shortly.
            Result r;
            r.kind = Result::Kind::Transient;
            r.error = std::string("the relay could not use the journal: ") + e.what();
            try {
                store_.pullFailed(r, clock_());
            } catch (const std::exception&) {
            }
            pass.wakeAt = clock_() + std::chrono::seconds(5);
        }
        std::unique_lock lock(mutex_);
        if (stopping_) {
            return;
        }
        const auto wait = pass.wakeAt ? std::max(std::chrono::system_clock::duration::zero(),
                                                 *pass.wakeAt - clock_())
                                      : std::chrono::system_clock::duration(std::chrono::hours(1));
        wakeUp_.wait_for(lock, wait, [&] { return woken_ || stopping_; });
        if (stopping_) {
            return;
        }
        woken_ = false;
    }
}

}  // namespace shop
