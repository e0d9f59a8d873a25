#include "station/Api.h"
#include "station/Access.h"

#include <algorithm>
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

// POST /api/returns/current/items/{index}/grade {"condition"}: the screen's grade of an item
// of the open return; answered with the return as GET /api/returns/{id} shows it.
Response gradeReturnItem(Station& station, const Request& request) {
    std::string why;
    auto body = parseJsonBody(request, &why);
    if (!body) {
        return Response::error(http::status::bad_request, why);
    }
    const auto* condition = field(*body, "condition");
    if (!condition || !condition->is_string()) {
        return Response::error(http::status::bad_request,
                               "\"condition\" (resellable, damaged, missing_parts or wrong_item) "
                               "is required");
    }
    int index = 0;
    try {
        index = std::stoi(request.param("index"));
    } catch (const std::exception&) {
        return Response::error(http::status::bad_request, "item index must be a number");
    }
    const GradeOutcome out =
        station.gradeReturnItem(index, std::string(condition->get_string()), request.user);
    using Status = GradeOutcome::Status;
    switch (out.status) {
        case Status::NoReturnOpen:
        case Status::NoSuchItem:
            return Response::error(http::status::not_found, out.message);
        case Status::UnknownCondition:
            return Response::error(http::status::bad_request, out.message);
        case Status::NotSaved:
            return Response::error(http::status::internal_server_error, out.message);
        case Status::Graded:
            break;
    }
    boost::json::object answer{{"ok", true}, {"message", out.message}};
    const auto id = station.currentReturnId();
    auto current = id ? station.returnJson(*id) : std::nullopt;
    answer["return"] = current ? boost::json::value(*current) : boost::json::value(nullptr);
    return Response::json(http::status::ok, answer);
}

}  // namespace

Api::Api(HttpServer& server, Station& station, drivers::SimulatedScale* simulatedScale)
    : server_(server), station_(station), simulatedScale_(simulatedScale) {
    using http::verb;
    // Who may call each route that changes something (docs/api.md, "Access"); a route that
    // only reads serves every signed-in user.
    const HttpServer::Roles anyRole{"packer", "returns", "supervisor"};
    const HttpServer::Roles packing{"packer", "supervisor"};
    const HttpServer::Roles supervisor{"supervisor"};
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
    // Open like the other metrics endpoints of a network: Prometheus scrapes it with no login.
    server_.route(verb::get, "/metrics",
                  [this](const Request&) {
                      Response r;
                      r.body = station_.metricsText();
                      r.contentType = "text/plain; version=0.0.4; charset=utf-8";
                      return r;
                  },
                  {access::kPublic});
    server_.route(verb::get, "/api/sync", [this](const Request&) {
        return Response::json(http::status::ok, station_.syncJson());
    });
    server_.route(
        verb::post, "/api/sync/pull",
        [this](const Request&) {
            if (!station_.requestPull()) {
                return Response::error(http::status::conflict,
                                       "no shop is configured: set [shop] adapter in the config");
            }
            return Response::json(http::status::accepted,
                                  boost::json::object{{"pull", "requested"}});
        },
        supervisor);
    server_.route(
        verb::post, "/api/sync/rows/{id}/retry",
        [this](const Request& r) {
            int64_t id = 0;
            try {
                id = std::stoll(r.param("id"));
            } catch (const std::exception&) {
                return Response::error(http::status::bad_request, "row id must be a number");
            }
            if (!station_.retryOutboxRow(id, r.user.empty() ? "api" : r.user)) {
                return Response::error(http::status::not_found,
                                       "no parked outbox row " + r.param("id"));
            }
            return Response::json(http::status::ok, station_.syncJson());
        },
        supervisor);
    server_.route(
        verb::post, "/api/print/pick-list",
        [this](const Request& r) { return printDocument(station_, r, true); }, packing);
    server_.route(
        verb::post, "/api/print/packing-slips",
        [this](const Request& r) { return printDocument(station_, r, false); }, packing);
    // The labels that need a person (held, uncertain, failed), and printing one again.
    server_.route(verb::get, "/api/labels", [this](const Request& r) {
        static const std::vector<std::string> known{"queued",    "sending", "printed", "held",
                                                    "uncertain", "failed",  "voided",  "withdrawn"};
        std::vector<std::string> states;
        const std::string wanted = r.queryParam("state").value_or("");
        for (std::size_t at = 0; at < wanted.size();) {
            const std::size_t comma = std::min(wanted.find(',', at), wanted.size());
            const std::string state = wanted.substr(at, comma - at);
            if (std::find(known.begin(), known.end(), state) == known.end()) {
                return Response::error(http::status::bad_request,
                                       "unknown label state \"" + state +
                                           "\": queued, sending, printed, held, uncertain, "
                                           "failed, voided or withdrawn");
            }
            states.push_back(state);
            at = comma + 1;
        }
        return Response::json(http::status::ok, station_.labelsJson(states));
    });
    server_.route(
        verb::post, "/api/labels/{id}/reprint",
        [this](const Request& r) {
            int64_t id = 0;
            try {
                id = std::stoll(r.param("id"));
            } catch (const std::exception&) {
                return Response::error(http::status::bad_request, "label id must be a number");
            }
            const Station::Reprint done =
                station_.reprintLabel(id, r.user.empty() ? "api" : r.user);
            if (done.unknown) {
                return Response::error(http::status::not_found, "no label " + r.param("id"));
            }
            if (!done.ok) {
                return Response::json(
                    http::status::conflict,
                    boost::json::object{{"error", done.message}, {"reason", done.reason}});
            }
            return Response::json(
                http::status::ok,
                boost::json::object{{"ok", true}, {"label", done.job}, {"message", done.message}});
        },
        packing);
    server_.route(
        verb::post, "/api/print/command-sheet",
        [this](const Request&) {
            const PrintedDocument printed = station_.printCommandSheet();
            if (!printed.ok) {
                return Response::error(http::status::conflict, printed.error);
            }
            boost::json::array warnings(printed.warnings.begin(), printed.warnings.end());
            return Response::json(http::status::ok,
                                  boost::json::object{{"ok", true},
                                                      {"job", printed.job},
                                                      {"printer", printed.printer},
                                                      {"language", printed.language},
                                                      {"pages", printed.pages},
                                                      {"bytes", printed.bytes.size()},
                                                      {"warnings", std::move(warnings)}});
        },
        packing);
    server_.route(
        verb::post, "/api/scan", [this](const Request& r) { return scan(r); }, anyRole);
    // A simulated scale only (409 otherwise): the demo and the tests, whoever drives them.
    server_.route(
        verb::post, "/api/scale", [this](const Request& r) { return scale(r); }, anyRole);
    server_.route(
        verb::post, "/api/orders/{number}/notes", [this](const Request& r) { return note(r); },
        packing);
    // The returns desk (docs/api.md, "Returns").
    server_.route(verb::get, "/api/returns", [this](const Request& r) {
        const std::string state = r.queryParam("state").value_or("");
        if (state != "" && state != "open" && state != "closed" && state != "cancelled") {
            return Response::error(http::status::bad_request,
                                   "unknown state " + state + ": open, closed or cancelled");
        }
        return Response::json(http::status::ok, station_.returnsJson(state));
    });
    server_.route(verb::get, "/api/returns/{id}", [this](const Request& r) {
        std::optional<int64_t> id;
        if (r.param("id") == "current") {
            id = station_.currentReturnId();
        } else {
            try {
                id = std::stoll(r.param("id"));
            } catch (const std::exception&) {
                return Response::error(http::status::bad_request,
                                       "a return id is a number, or \"current\"");
            }
        }
        auto ret = id ? station_.returnJson(*id) : std::nullopt;
        if (!ret) {
            return Response::error(http::status::not_found, "no return " + r.param("id"));
        }
        return Response::json(http::status::ok, *ret);
    });
    server_.route(
        verb::post, "/api/returns/current/items/{index}/grade",
        [this](const Request& r) { return gradeReturnItem(station_, r); },
        HttpServer::Roles{"returns", "supervisor"});
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
    return Response::json(http::status::ok, toJson(out));
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
    // A signed-in caller writes under their own name; a trusted one may name someone.
    std::string user = request.user;
    if (const auto* u = field(*body, "user"); user.empty() && u && u->is_string()) {
        user = u->get_string();
    }
    const std::string number = request.param("number");
    if (!station_.addNote(number, std::string(text->get_string()), internal, user)) {
        return Response::error(http::status::not_found, "no order " + number);
    }
    return Response::json(http::status::created, boost::json::object{{"ok", true}});
}

}  // namespace station
