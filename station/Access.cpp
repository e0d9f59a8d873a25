#include "station/Access.h"

#include <openssl/evp.h>
#include <sys/random.h>

#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <string_view>

#include "station/Log.h"
#include "sync/IsoTime.h"

namespace station {

namespace {

constexpr std::size_t kMaxSessions = 1000;
constexpr std::size_t kMaxRemembered = 1000;

std::string lowered(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

// Compares every byte whatever the first difference, so that the time taken does not tell a
// guesser how much of a badge or token was right.
bool sameSecret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char difference = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return difference == 0;
}

// What the journal and the session table keep of a token: its SHA-256, so that a copy of the
// journal does not sign anyone in.
std::string tokenHash(const std::string& token) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(token.data(), token.size(), digest, &length, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0f];
    }
    return out;
}

std::string newToken() {
    unsigned char bytes[32];
    std::size_t got = 0;
    while (got < sizeof bytes) {
        const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
        if (n > 0) {
            got += static_cast<std::size_t>(n);
        }
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string token;
    for (unsigned char b : bytes) {
        token += kHex[b >> 4];
        token += kHex[b & 15];
    }
    return token;
}

bool isLoopbackAddress(const std::string& text) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(text, ec);
    if (ec) {
        return false;
    }
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
            .is_loopback();
    }
    return address.is_loopback();
}

// "127.0.0.1:8080", "localhost", "[::1]:8080" -> the host part.
std::string hostPart(std::string_view hostHeader) {
    if (!hostHeader.empty() && hostHeader.front() == '[') {
        const auto close = hostHeader.find(']');
        return std::string(
            hostHeader.substr(1, close == std::string_view::npos ? hostHeader.npos : close - 1));
    }
    const auto colon = hostHeader.find(':');
    return std::string(hostHeader.substr(0, colon));
}

// A page from another site must not act through a browser on this computer, which the
// station would trust: its Origin names the other site. A page that rebinds its own name to
// 127.0.0.1 passes that check, so the Host it asked for must be this computer's, too.
bool sameOrigin(const Request& request) {
    const std::string origin = request.header("Origin");
    if (origin.empty()) {
        return true;  // not sent by a page: stationctl, curl, a browser's own navigation
    }
    const auto scheme = origin.find("://");
    if (scheme == std::string::npos) {
        return false;  // "null": a sandboxed page or a file
    }
    return lowered(origin.substr(scheme + 3)) == lowered(request.header("Host"));
}

std::string describeRoles(const HttpServer::Roles& roles) {
    std::string out;
    for (const auto& r : roles) {
        out += (out.empty() ? "" : ", ") + r;
    }
    return out;
}

std::optional<std::string> stringField(const boost::json::object& body, std::string_view key) {
    const auto* v = body.if_contains(key);
    if (!v || !v->is_string() || v->get_string().empty()) {
        return std::nullopt;
    }
    return std::string(v->get_string());
}

// "Authorization: Bearer T" first, then the cookie; empty when neither is there.
std::string tokenOf(const Request& request, const std::string& cookieName) {
    const std::string authorization = request.header("Authorization");
    if (lowered(authorization.substr(0, 7)) == "bearer ") {
        return std::string(trimmed(std::string_view(authorization).substr(7)));
    }
    const std::string cookies = request.header("Cookie");
    const std::string name = cookieName + "=";
    std::string token;
    std::string_view rest = cookies;
    while (!rest.empty()) {
        const auto semicolon = rest.find(';');
        const std::string_view one = trimmed(rest.substr(0, semicolon));
        if (one.substr(0, name.size()) == name) {
            token = std::string(one.substr(name.size()));
        }
        rest =
            semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
    }
    return token;
}

std::string cookie(const std::string& name, const std::string& token, std::chrono::seconds maxAge) {
    // HttpOnly: no script can read it; SameSite=Strict: no other site's page can send it.
    return name + "=" + token +
           "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(maxAge.count());
}

}  // namespace

Access::Access(HttpServer& server, Journal& journal, const config::StationConfig& config,
               AccessSettings settings)
    : journal_(journal),
      config_(config),
      cookieName_(access::kCookie + std::to_string(config.apiPort)),
      settings_(settings) {
    loadSessions();
    server.guard([this](Request& r, const HttpServer::Roles& roles) { return check(r, roles); });
    const HttpServer::Roles open{access::kPublic};
    server.route(
        http::verb::post, "/api/login", [this](const Request& r) { return login(r); }, open);
    server.route(
        http::verb::post, "/api/logout", [this](const Request& r) { return logout(r); }, open);
    server.route(
        http::verb::get, "/api/session", [this](const Request& r) { return session(r); }, open);
}

void Access::loadSessions() {
    const auto wallNow = std::chrono::system_clock::now();
    const auto steadyNow = std::chrono::steady_clock::now();
    try {
        SQLite::Statement q(journal_.db(),
                            "SELECT token_hash, user, role, expires_at FROM screen_sessions");
        std::vector<std::string> gone;
        while (q.executeStep()) {
            const std::string hash = q.getColumn(0).getString();
            const std::string user = q.getColumn(1).getString();
            const auto expires = shop::parseIsoTime(q.getColumn(3).getString());
            const config::User* known = nullptr;
            for (const auto& u : config_.users) {
                known = u.name == user ? &u : known;
            }
            if (!expires || *expires <= wallNow || known == nullptr) {
                gone.push_back(hash);
                continue;
            }
            sessions_[hash] = {
                user, std::string(config::toString(known->role)),
                steadyNow + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                *expires - wallNow)};
        }
        for (const std::string& hash : gone) {
            forgetSession(hash);
        }
    } catch (const std::exception& e) {
        log::error(std::string("cannot read the screens' sessions; they must sign in again: ") +
                   e.what());
    }
}

void Access::saveSession(const std::string& tokenHash, const Session& session) {
    const auto expiresAt = std::chrono::system_clock::now() +
                           std::chrono::duration_cast<std::chrono::system_clock::duration>(
                               session.expires - std::chrono::steady_clock::now());
    try {
        SQLite::Statement q(journal_.db(),
                            "INSERT OR REPLACE INTO screen_sessions (token_hash, user, role, "
                            "expires_at) VALUES (?, ?, ?, ?)");
        q.bind(1, tokenHash);
        q.bind(2, session.user);
        q.bind(3, session.role);
        q.bind(4, isoTime(expiresAt));
        q.exec();
    } catch (const std::exception& e) {
        log::error(std::string("cannot keep a screen's session across restarts: ") + e.what());
    }
}

void Access::forgetSession(const std::string& tokenHash) {
    try {
        SQLite::Statement q(journal_.db(), "DELETE FROM screen_sessions WHERE token_hash = ?");
        q.bind(1, tokenHash);
        q.exec();
    } catch (const std::exception& e) {
        log::error(std::string("cannot forget a screen's session: ") + e.what());
    }
}

std::optional<Access::Session> Access::sessionOf(const Request& request) {
    const std::string token = tokenOf(request, cookieName_);
    if (token.empty()) {
        return std::nullopt;
    }
    const std::string hash = tokenHash(token);
    const auto it = sessions_.find(hash);
    if (it == sessions_.end()) {
        return Session{};
    }
    if (it->second.expires <= std::chrono::steady_clock::now()) {
        sessions_.erase(it);
        forgetSession(hash);
        return Session{};
    }
    return it->second;
}

bool Access::trusted(const Request& request) const {
    if (settings_.loginOnLoopback || !isLoopbackAddress(request.remoteAddress)) {
        return false;
    }
    // A browser always names the host it asked for; only a page that rebound its own name to
    // 127.0.0.1 names another one.
    const std::string host = lowered(hostPart(request.header("Host")));
    return host.empty() || host == "localhost" || isLoopbackAddress(host);
}

std::optional<Response> Access::check(Request& request, const HttpServer::Roles& roles) {
    const std::string method(http::to_string(request.method));
    if (!sameOrigin(request)) {
        return refuse(
            request, http::status::forbidden, request.remoteAddress, "access_cross_site",
            {{"method", method}, {"endpoint", request.path}, {"origin", request.header("Origin")}},
            "refused: sent by a page of another site (" + request.header("Origin") + ")");
    }
    const auto session = sessionOf(request);
    if (session && !session->user.empty()) {
        request.user = session->user;
        request.role = session->role;
    }
    if (std::find(roles.begin(), roles.end(), access::kPublic) != roles.end()) {
        return std::nullopt;
    }
    if (session && session->user.empty()) {
        return refuse(
            request, http::status::unauthorized, request.remoteAddress, "access_login_required",
            {{"method", method}, {"endpoint", request.path}, {"address", request.remoteAddress}},
            "your session has ended or is unknown: sign in again with your badge or PIN");
    }
    if (!session) {
        if (trusted(request)) {
            return std::nullopt;
        }
        return refuse(
            request, http::status::unauthorized, request.remoteAddress, "access_login_required",
            {{"method", method}, {"endpoint", request.path}, {"address", request.remoteAddress}},
            "sign in first: POST /api/login with your badge or PIN");
    }
    const bool reads = request.method == http::verb::get || request.method == http::verb::head;
    HttpServer::Roles allowed = roles;
    if (allowed.empty() && !reads) {
        allowed = {std::string(config::toString(config::Role::Supervisor))};
    }
    if (allowed.empty() ||
        std::find(allowed.begin(), allowed.end(), session->role) != allowed.end()) {
        return std::nullopt;
    }
    return refuse(request, http::status::forbidden, session->user, "access_role_refused",
                  {{"method", method},
                   {"endpoint", request.path},
                   {"user", session->user},
                   {"role", session->role},
                   {"roles", describeRoles(allowed)}},
                  method + " " + request.path + " is not for the role " + session->role +
                      ": only for " + describeRoles(allowed));
}

Response Access::refuse(const Request& request, http::status status, const std::string& who,
                        const std::string& messageKey, boost::json::object params,
                        const std::string& english) {
    const std::string method(http::to_string(request.method));
    const auto now = std::chrono::steady_clock::now();
    const std::string key = who + ' ' + method + ' ' + request.path;
    auto last = lastLogged_.find(key);
    if (last == lastLogged_.end() || now - last->second >= settings_.refusalLogPeriod) {
        if (lastLogged_.size() >= kMaxRemembered) {
            lastLogged_.clear();
        }
        lastLogged_[key] = now;
        log::Fields fields;
        fields.user = request.user;
        log::warning(
            "refused " + method + " " + request.path +
                (request.user.empty() ? "" : " to " + request.user + " (" + request.role + ")") +
                " from " + request.remoteAddress + ": " + english,
            fields);
        journal(request.user, messageKey, params);
    }
    Response response = Response::json(status, boost::json::object{{"error", english},
                                                                   {"message_key", messageKey},
                                                                   {"params", std::move(params)}});
    if (status == http::status::unauthorized) {
        response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"stationd\"");
    }
    return response;
}

void Access::journal(const std::string& user, const std::string& key,
                     const boost::json::object& params) {
    try {
        journal_.addActivity(isoTime(std::chrono::system_clock::now()), config_.stationId, user, "",
                             key, boost::json::serialize(params), true);
    } catch (const std::exception& e) {
        // The log line above already says what happened; the activity row is a copy.
        log::error(std::string("cannot write the activity of an access refusal: ") + e.what());
    }
}

Response Access::login(const Request& request) {
    const auto now = std::chrono::steady_clock::now();
    Failures& failures = failures_[request.remoteAddress];
    if (failures.lockedUntil > now) {
        const auto wait =
            std::chrono::duration_cast<std::chrono::seconds>(failures.lockedUntil - now).count() +
            1;
        return Response::error(
            http::status::too_many_requests,
            "too many wrong badges or PINs from this address: wait " + std::to_string(wait) + " s");
    }
    std::string why;
    const auto body = parseJsonBody(request, &why);
    if (!body) {
        return Response::error(http::status::bad_request, why);
    }
    // A badge, a PIN, or "code" for a field that takes either (a screen's one sign-in box).
    const auto badge = stringField(*body, "badge");
    const auto pin = stringField(*body, "pin");
    const auto code = stringField(*body, "code");
    if (!badge && !pin && !code) {
        return Response::error(http::status::bad_request,
                               "\"badge\" or \"pin\" (a string) is required");
    }
    const config::User* found = nullptr;
    for (const auto& user : config_.users) {
        const bool byBadge =
            (badge && sameSecret(*badge, user.badge)) || (code && sameSecret(*code, user.badge));
        const bool byPin = !user.pin.empty() && ((pin && sameSecret(*pin, user.pin)) ||
                                                 (code && sameSecret(*code, user.pin)));
        if (byBadge || byPin) {
            found = &user;
        }
    }
    if (!found) {
        if (++failures.count >= settings_.failuresBeforeLockout) {
            failures.count = 0;
            failures.lockedUntil = now + settings_.lockout;
        }
        // The attempt is described, never quoted: a wrong PIN is often one digit off.
        log::warning("sign-in refused from " + request.remoteAddress + ": unknown badge or PIN");
        journal("", "login_failed", {{"address", request.remoteAddress}});
        Response response =
            Response::json(http::status::unauthorized,
                           boost::json::object{{"error", "unknown badge or PIN"},
                                               {"message_key", "login_failed"},
                                               {"params", {{"address", request.remoteAddress}}}});
        response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"stationd\"");
        return response;
    }
    failures_.erase(request.remoteAddress);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (it->second.expires <= now) {
            forgetSession(it->first);
            it = sessions_.erase(it);
        } else {
            ++it;
        }
    }
    if (sessions_.size() >= kMaxSessions) {
        // The oldest one goes: a kiosk signs in once a day, a leak must not grow without end.
        auto oldest = std::min_element(
            sessions_.begin(), sessions_.end(),
            [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
        forgetSession(oldest->first);
        sessions_.erase(oldest);
    }
    const std::string token = newToken();
    const std::string role(config::toString(found->role));
    const std::string hash = tokenHash(token);
    sessions_[hash] = {found->name, role, now + settings_.sessionLifetime};
    saveSession(hash, sessions_[hash]);
    const auto expiresAt =
        std::chrono::system_clock::now() +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(settings_.sessionLifetime);
    log::Fields fields;
    fields.user = found->name;
    log::info("signed in on a screen from " + request.remoteAddress, fields);
    journal(found->name, "screen_login",
            {{"user", found->name}, {"address", request.remoteAddress}});
    Response response = Response::json(
        http::status::ok, boost::json::object{{"ok", true},
                                              {"user", {{"name", found->name}, {"role", role}}},
                                              {"token", token},
                                              {"expires_at", isoTime(expiresAt)}});
    response.headers.emplace_back(
        "Set-Cookie",
        cookie(cookieName_, token,
               std::chrono::duration_cast<std::chrono::seconds>(settings_.sessionLifetime)));
    return response;
}

Response Access::logout(const Request& request) {
    if (!request.user.empty()) {
        journal(request.user, "screen_logout", {{"user", request.user}});
    }
    const std::string hash = tokenHash(tokenOf(request, cookieName_));
    sessions_.erase(hash);
    forgetSession(hash);
    Response response = Response::json(http::status::ok, boost::json::object{{"ok", true}});
    response.headers.emplace_back("Set-Cookie", cookie(cookieName_, "", std::chrono::seconds(0)));
    return response;
}

Response Access::session(const Request& request) {
    const auto current = sessionOf(request);
    boost::json::object answer;
    answer["user"] = current && !current->user.empty()
                         ? boost::json::value({{"name", current->user}, {"role", current->role}})
                         : boost::json::value(nullptr);
    // Without a token, would this caller be let in? A screen shows the sign-in box if not.
    answer["trusted"] = trusted(request);
    answer["station"] = config_.stationId;
    answer["language"] = config_.language;
    Response response = Response::json(http::status::ok, answer);
    if (current && current->user.empty()) {
        // A token from before a restart: forget it, so that a trusted screen goes on without.
        response.headers.emplace_back("Set-Cookie",
                                      cookie(cookieName_, "", std::chrono::seconds(0)));
    }
    return response;
}

}  // namespace station
