// Who may call the API: a screen on another computer signs in with a badge or PIN and gets a
// session token; each route names the roles it serves; every refusal is logged and journaled.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "config/StationConfig.h"
#include "station/HttpServer.h"
#include "station/Journal.h"

namespace station {

namespace access {
// A route anybody may call, signed in or not: the sign-in itself, the message catalogue.
inline const std::string kPublic = "public";
// The cookie the screens carry, "stationd_session_<api port>": cookies do not tell ports
// apart, and two stations on one computer must not sign each other's screens out. A program
// may send the same token as "Authorization: Bearer".
inline constexpr const char* kCookie = "stationd_session_";
}  // namespace access

struct AccessSettings {
    // [api] require_login = "always": even a request from this computer must sign in.
    bool loginOnLoopback = false;
    std::chrono::minutes sessionLifetime{12 * 60};  // a working day at a kiosk
    // Wrong badges or PINs in a row from one address before it must wait: a 4-digit PIN must
    // not be guessable by trying them all.
    int failuresBeforeLockout = 5;
    std::chrono::seconds lockout{30};
    // The same refusal (who, method, endpoint) is logged once per this period, so that a screen
    // left signed out does not flood the log and the activity.
    std::chrono::seconds refusalLogPeriod{60};
};

// The rule (docs/api.md, "Access"): a request that carries a token is judged by its user's
// role; one without a token from this computer is trusted as before (stationctl), unless
// loginOnLoopback; any other must sign in. A route declared with no roles serves every
// signed-in user when it only reads (GET), and only supervisors when it changes something.
class Access {
  public:
    // Installs itself as the server's guard and adds POST /api/login, POST /api/logout and
    // GET /api/session. `config` and `journal` must outlive it.
    Access(HttpServer& server, Journal& journal, const config::StationConfig& config,
           AccessSettings settings = {});

    std::size_t sessionCount() const { return sessions_.size(); }

    // The sessions the journal kept from before a restart, still valid, of users the config
    // still has (with the role it gives them now). Called by the constructor.
    void loadSessions();

  private:
    struct Session {
        std::string user;
        std::string role;
        std::chrono::steady_clock::time_point expires;
    };
    struct Failures {
        int count = 0;
        std::chrono::steady_clock::time_point lockedUntil;
    };

    std::optional<Response> check(Request& request, const HttpServer::Roles& roles);
    // Null when the request carries no token; the session, or an empty user when it is unknown.
    std::optional<Session> sessionOf(const Request& request);
    bool trusted(const Request& request) const;
    Response refuse(const Request& request, http::status status, const std::string& who,
                    const std::string& messageKey, boost::json::object params,
                    const std::string& english);
    void journal(const std::string& user, const std::string& key,
                 const boost::json::object& params);

    Response login(const Request& request);
    Response logout(const Request& request);
    Response session(const Request& request);

    Journal& journal_;
    const config::StationConfig& config_;
    std::string cookieName_;
    AccessSettings settings_;
    // The journal's copy of sessions_ (screen_sessions); failures are logged, the session in
    // memory stands.
    void saveSession(const std::string& tokenHash, const Session& session);
    void forgetSession(const std::string& tokenHash);

    std::map<std::string, Session> sessions_;   // by the token's SHA-256, in hex
    std::map<std::string, Failures> failures_;  // by remote address
    std::map<std::string, std::chrono::steady_clock::time_point> lastLogged_;
};

}  // namespace station
