#include "station/Api.h"

#include <boost/json.hpp>

#include <set>

namespace station {
namespace {

const boost::json::value* field(const boost::json::object& o, std::string_view key) {
    return o.if_contains(key);
}

std::optional<drivers::ScaleStatus> scaleStatusFrom(std::string_view s) {
    using drivers::ScaleStatus;
    for (auto st : {ScaleStatus::Stable, ScaleStatus::InMotion, ScaleStatus::AtZero,
                    ScaleStatus::UnderZero, ScaleStatus::Overload, ScaleStatus::Fault,
                    ScaleStatus::NeedsCalibration, ScaleStatus::Disconnected}) {
        if (drivers::toString(st) == s) {
            return st;
        }
    }
    return std::nullopt;
}

// POST /api/print/pick-list and /api/print/packing-slips: {"orders": ["1001", ...]}.
Response printDocument(Station& station, const Request& request, bool pickList) {
    std::string why;
    auto body = parseJsonBody(request, &why);
    if (!body) {
        return Response::error(http::status::bad_request, why);
    }
    const auto* list = field(*body, "orders");
    if (!list || !list->is_array() || list->as_array().empty()) {
        return Response::error(http::status::bad_request,
                               "\"orders\" (a non-empty list of order numbers) is required");
    }
    std::vector<std::string> orders;
    for (const auto& o : list->as_array()) {
        if (!o.is_string() || o.as_string().empty()) {
            return Response::error(http::status::bad_request,
                                   "\"orders\" must hold order numbers as strings");
        }
        orders.emplace_back(o.as_string());
    }
    const PrintedDocument printed =
        pickList ? station.printPickList(orders) : station.printPackingSlips(orders);
    if (!printed.ok) {
        return Response::error(
            printed.unknownOrder ? http::status::not_found : http::status::conflict, printed.error);
    }
    boost::json::array numbers(printed.orders.begin(), printed.orders.end());
    boost::json::array warnings(printed.warnings.begin(), printed.warnings.end());
    const boost::json::object answer{{"ok", true},
                                     {"job", printed.job},
                                     {"printer", printed.printer},
                                     {"language", printed.language},
                                     {"pages", printed.pages},
                                     {"bytes", printed.bytes.size()},
                                     {"orders", std::move(numbers)},
                                     {"warnings", std::move(warnings)}};
    return Response::json(http::status::ok, answer);
}

}  // namespace

Api::Api(HttpServer& server, Station& station, drivers::SimulatedScale* simulatedScale)
    : server_(server), station_(station), simulatedScale_(simulatedScale) {
    using http::verb;
    server_.route(verb::get, "/api/status", [this](const Request&) {
        return Response::json(http::status::ok, station_.statusJson());
    });
    server_.route(verb::get, "/api/orders", [this](const Request& r) {
        const std::string state = r.queryParam("state").value_or("");
        static const std::set<std::string> kStates = {"",
                                                      order_state::kReady,
                                                      order_state::kAwaitingPayment,
                                                      order_state::kInProgress,
                                                      order_state::kPartiallyShipped,
                                                      order_state::kShipped,
                                                      order_state::kCancelled};
        if (!kStates.contains(state)) {
            return Response::error(http::status::bad_request,
                                   "unknown state " + state +
                                       ": ready, awaiting_payment, in_progress, "
                                       "partially_shipped, shipped or cancelled");
        }
        return Response::json(http::status::ok, station_.ordersJson(state));
    });
    server_.route(verb::get, "/api/orders/{number}", [this](const Request& r) {
        auto order = station_.orderJson(r.param("number"));
        if (!order) {
            return Response::error(http::status::not_found, "no order " + r.param("number"));
        }
        return Response::json(http::status::ok, *order);
    });
    server_.route(verb::get, "/metrics", [this](const Request&) {
        Response r;
        r.body = station_.metricsText();
        r.contentType = "text/plain; version=0.0.4; charset=utf-8";
        return r;
    });
    server_.route(verb::get, "/api/sync", [this](const Request&) {
        return Response::json(http::status::ok, station_.syncJson());
    });
    server_.route(verb::post, "/api/sync/pull", [this](const Request&) {
        if (!station_.requestPull()) {
            return Response::error(http::status::conflict,
                                   "no shop is configured: set [shop] adapter in the config");
        }
        return Response::json(http::status::accepted, boost::json::object{{"pull", "requested"}});
    });
    server_.route(verb::post, "/api/sync/rows/{id}/retry", [this](const Request& r) {
        int64_t id = 0;
        try {
            id = std::stoll(r.param("id"));
        } catch (const std::exception&) {
            return Response::error(http::status::bad_request, "row id must be a number");
        }
        if (!station_.retryOutboxRow(id, "api")) {
            return Response::error(http::status::not_found,
                                   "no parked outbox row " + r.param("id"));
        }
        return Response::json(http::status::ok, station_.syncJson());
    });
    server_.route(verb::post, "/api/print/pick-list",
                  [this](const Request& r) { return printDocument(station_, r, true); });
    server_.route(verb::post, "/api/print/packing-slips",
                  [this](const Request& r) { return printDocument(station_, r, false); });
    server_.route(verb::post, "/api/scan", [this](const Request& r) { return scan(r); });
    server_.route(verb::post, "/api/scale", [this](const Request& r) { return scale(r); });
    server_.route(verb::post, "/api/orders/{number}/notes",
                  [this](const Request& r) { return note(r); });
    server_.websocket("/api/events");
    server_.onWebSocketOpen([this]() -> std::optional<std::string> {
        boost::json::object hello{{"type", "status"}, {"status", station_.statusJson()}};
        return boost::json::serialize(hello);
    });
    station_.setEventSink([this](const Event& e) {
        server_.broadcast(boost::json::serialize(toJson(e)));
        if (listener_) {
            listener_(e);
        }
    });
}

Response Api::scan(const Request& request) {
    std::string why;
    auto body = parseJsonBody(request, &why);
    if (!body) {
        return Response::error(http::status::bad_request, why);
    }
    const auto* code = field(*body, "code");
    if (!code || !code->is_string()) {
        return Response::error(http::status::bad_request, "\"code\" (a string) is required");
    }
    std::string scanner = "api";
    if (const auto* s = field(*body, "scanner"); s && s->is_string() && !s->get_string().empty()) {
        scanner = s->get_string();
    }
    const ScanOutcome out = station_.handleScan(scanner, std::string(code->get_string()));
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
    return Response::json(http::status::ok, result);
}

Response Api::scale(const Request& request) {
    if (!simulatedScale_) {
        return Response::error(http::status::conflict,
                               "this station has no simulated scale: weights come from the scale");
    }
    std::string why;
    auto body = parseJsonBody(request, &why);
    if (!body) {
        return Response::error(http::status::bad_request, why);
    }
    drivers::ScaleReading reading;
    const auto* grams = field(*body, "grams");
    if (!grams || !grams->is_number()) {
        return Response::error(http::status::bad_request, "\"grams\" (a number) is required");
    }
    reading.grams = grams->to_number<int64_t>();
    reading.status = drivers::ScaleStatus::Stable;
    if (const auto* st = field(*body, "status"); st && st->is_string()) {
        auto parsed = scaleStatusFrom(st->get_string());
        if (!parsed) {
            return Response::error(http::status::bad_request,
                                   "unknown scale status " + std::string(st->get_string()));
        }
        reading.status = *parsed;
    } else if (const auto* stable = field(*body, "stable"); stable && stable->is_bool()) {
        reading.status =
            stable->get_bool() ? drivers::ScaleStatus::Stable : drivers::ScaleStatus::InMotion;
    }
    if (reading.status == drivers::ScaleStatus::Stable && reading.grams == 0) {
        reading.status = drivers::ScaleStatus::AtZero;
    }
    simulatedScale_->set(reading);
    return Response::json(http::status::ok, boost::json::object{{"ok", true}});
}

Response Api::note(const Request& request) {
    std::string why;
    auto body = parseJsonBody(request, &why);
    if (!body) {
        return Response::error(http::status::bad_request, why);
    }
    const auto* text = field(*body, "text");
    if (!text || !text->is_string() || text->get_string().empty()) {
        return Response::error(http::status::bad_request, "\"text\" (a string) is required");
    }
    bool internal = true;
    if (const auto* i = field(*body, "internal"); i && i->is_bool()) {
        internal = i->get_bool();
    }
    std::string user;
    if (const auto* u = field(*body, "user"); u && u->is_string()) {
        user = u->get_string();
    }
    const std::string number = request.param("number");
    if (!station_.addNote(number, std::string(text->get_string()), internal, user)) {
        return Response::error(http::status::not_found, "no order " + number);
    }
    return Response::json(http::status::created, boost::json::object{{"ok", true}});
}

}  // namespace station
