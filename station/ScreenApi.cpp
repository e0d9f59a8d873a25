#include "station/ScreenApi.h"

#include <boost/json.hpp>

#include "station/Access.h"
#include "station/Messages.h"

namespace station {

namespace {

constexpr int kDefaultActivityRows = 100;
constexpr int kMaxActivityRows = 500;

bool hasScreens(const std::filesystem::path& dir) {
    std::error_code ec;
    return std::filesystem::is_regular_file(dir / "packing.html", ec);
}

}  // namespace

std::filesystem::path findScreensDir(const std::filesystem::path& configured,
                                     const std::filesystem::path& executable,
                                     const std::filesystem::path& sourceWeb) {
    if (!configured.empty()) {
        return configured;
    }
    const auto installed =
        (executable.parent_path() / ".." / "share" / "stationd" / "screens").lexically_normal();
    if (hasScreens(installed)) {
        return installed;
    }
    if (!sourceWeb.empty() && hasScreens(sourceWeb)) {
        return sourceWeb;
    }
    return installed;
}

ScreenApi::ScreenApi(HttpServer& server, Station& station, std::filesystem::path screensDir)
    : station_(station), preview_(station.config()) {
    using http::verb;
    const HttpServer::Roles open{access::kPublic};
    server.staticDirectory("/screens", std::move(screensDir));
    server.route(
        verb::get, "/",
        [](const Request&) {
            Response r;
            r.status = http::status::found;
            r.contentType = "text/plain; charset=utf-8";
            r.body = "the packing screen is at /screens/packing.html\n";
            r.headers.emplace_back("Location", "/screens/packing.html");
            return r;
        },
        open);
    // Before signing in too: the sign-in box speaks the station's language.
    server.route(
        verb::get, "/api/messages",
        [this](const Request& r) {
            const std::string lang = r.queryParam("lang").value_or(station_.config().language);
            if (lang != "en" && lang != "fr") {
                return Response::error(http::status::bad_request,
                                       "unknown language " + lang + ": en or fr");
            }
            return Response::json(
                http::status::ok,
                boost::json::object{{"language", lang},
                                    {"messages", messageCatalogue(languageFromCode(lang))}});
        },
        open);
    server.route(verb::get, "/api/activity", [this](const Request& r) { return activity(r); });
    server.route(verb::get, "/api/stats", [this](const Request&) {
        return Response::json(http::status::ok, station_.statsJson());
    });
    server.route(verb::get, "/api/labels/{name}", [this](const Request& r) { return label(r); });
    server.route(verb::post, "/api/approvals/approve",
                 [this](const Request& r) { return approve(r); },
                 {std::string(config::toString(config::Role::Supervisor))});
}

Response ScreenApi::activity(const Request& request) {
    int limit = kDefaultActivityRows;
    int64_t before = 0;
    try {
        if (auto l = request.queryParam("limit"); l && !l->empty()) {
            limit = std::stoi(*l);
        }
        if (auto b = request.queryParam("before"); b && !b->empty()) {
            before = std::stoll(*b);
        }
    } catch (const std::exception&) {
        return Response::error(http::status::bad_request, "limit and before must be numbers");
    }
    if (limit < 1 || limit > kMaxActivityRows) {
        return Response::error(http::status::bad_request,
                               "limit must be 1 to " + std::to_string(kMaxActivityRows));
    }
    return Response::json(
        http::status::ok,
        station_.activityJson(request.queryParam("q").value_or(""),
                              request.queryParam("order").value_or(""), limit, before));
}

Response ScreenApi::label(const Request& request) {
    std::string name = request.param("name");
    const bool png = name.size() > 4 && name.substr(name.size() - 4) == ".png";
    if (png) {
        name.resize(name.size() - 4);
    }
    std::optional<int64_t> id;
    if (name != "last") {
        try {
            std::size_t used = 0;
            id = std::stoll(name, &used);
            if (used != name.size()) {
                throw std::invalid_argument(name);
            }
        } catch (const std::exception&) {
            return Response::error(http::status::not_found,
                                   "no label " + request.param("name") +
                                       ": ask for /api/labels/last, /api/labels/ID or ID.png");
        }
    }
    if (!png) {
        auto json = LabelPreview::labelJson(station_.journal(), id);
        if (!json) {
            return Response::error(http::status::not_found,
                                   id ? "no label " + name : "no label printed yet");
        }
        return Response::json(http::status::ok, *json);
    }
    const auto picture = preview_.render(station_.journal(), id);
    if (!picture.found) {
        return Response::error(http::status::not_found,
                               id ? "no label " + name : "no label printed yet");
    }
    if (picture.png.empty()) {
        return Response::error(http::status::conflict, picture.error);
    }
    Response r;
    r.contentType = "image/png";
    r.body = picture.png;
    r.headers.emplace_back("Cache-Control", id ? "max-age=3600" : "no-cache");
    return r;
}

Response ScreenApi::approve(const Request& request) {
    // The approval is the supervisor's badge scan, under their name: it needs to know who.
    if (request.user.empty()) {
        return Response::error(http::status::unauthorized,
                               "sign in as a supervisor first: the approval is recorded under "
                               "their name");
    }
    const config::User* supervisor = nullptr;
    for (const auto& u : station_.config().users) {
        if (u.name == request.user && u.role == config::Role::Supervisor) {
            supervisor = &u;
        }
    }
    if (!supervisor) {
        return Response::error(http::status::forbidden, request.user + " is not a supervisor");
    }
    const auto status = station_.statusJson();
    const auto& pending = status.at("pending_approval");
    if (pending.is_null()) {
        return Response::json(http::status::conflict,
                              boost::json::object{{"error", "nothing is waiting for approval"},
                                                  {"message_key", "nothing_to_approve"},
                                                  {"params", boost::json::object{}}});
    }
    // The screen says what it approves; a request that changed since it was shown is not
    // approved in its place.
    if (!request.body.empty()) {
        std::string why;
        auto body = parseJsonBody(request, &why);
        if (!body) {
            return Response::error(http::status::bad_request, why);
        }
        const auto* kind = body->if_contains("kind");
        if (kind && kind->is_string() && kind->get_string() != pending.at("kind").get_string()) {
            return Response::error(http::status::conflict,
                                   "the request waiting is now " +
                                       std::string(pending.at("kind").get_string()) + ", not " +
                                       std::string(kind->get_string()) + ": look again");
        }
    }
    const ScanOutcome out = station_.handleScan("screen", supervisor->badge);
    return Response::json(http::status::ok, toJson(out));
}

}  // namespace station
