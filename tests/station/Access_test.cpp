// Access to the API over real HTTP on 127.0.0.1: signing in with a badge or PIN, the 401 of a
// station that needs a login, the 403 of a role that may not, and the refusals in the log and
// the activity. The station, API and access control are the ones stationd wires together.

#include "station/Access.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/Statement.h>
#include <unistd.h>

#include <fcntl.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <thread>

#include "StationFixture.h"
#include "station/Api.h"
#include "station/HttpClient.h"
#include "station/HttpServer.h"
#include "station/ScreenApi.h"

namespace station::test {
namespace {

namespace json = boost::json;
using http::verb;

json::value parse(const std::string& body) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    return ec ? json::value() : v;
}

std::string field(const json::value& v, std::string_view key) {
    const auto* o = v.if_object();
    const auto* f = o ? o->if_contains(key) : nullptr;
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
}

// Everything written to standard error (where the log goes outside systemd) while it lives.
class CapturedStderr {
  public:
    explicit CapturedStderr(const fs::path& file) : file_(file) {
        std::fflush(stderr);
        saved_ = ::dup(2);
        const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 2);
        ::close(fd);
    }
    ~CapturedStderr() { restore(); }
    std::string text() {
        restore();
        std::ifstream in(file_);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

  private:
    void restore() {
        if (saved_ >= 0) {
            std::fflush(stderr);
            ::dup2(saved_, 2);
            ::close(saved_);
            saved_ = -1;
        }
    }
    fs::path file_;
    int saved_ = -1;
};

// stationd's HTTP side on a free loopback port: Station, Api, ScreenApi and Access, the
// io_context on a thread of its own as in the daemon.
class AccessTest : public ::testing::Test {
  protected:
    void start(bool loginOnLoopback) {
        std::string toml = benchToml({});
        auto addPin = [&toml](const std::string& badge, const std::string& pin) {
            const std::string line = "badge = \"" + badge + "\"\n";
            toml.replace(toml.find(line), line.size(), line + "pin = \"" + pin + "\"\n");
        };
        addPin("U-1001", "4711");
        addPin("U-2001", "4721");
        addPin("U-9001", "9731");
        auto loaded = config::parseConfig(toml, "test.toml", dir_.path());
        ASSERT_TRUE(loaded.config) << (loaded.errors.empty() ? "" : loaded.errors[0].toString());
        config_ = *loaded.config;
        journal_ = std::make_unique<Journal>(dir_.path() / "journal.db");
        station_ = std::make_unique<Station>(io_, config_, *journal_);
        ASSERT_TRUE(station_->importOrders(demoOrders()).empty());
        server_ = std::make_unique<HttpServer>(io_, "127.0.0.1", 0);
        api_ = std::make_unique<Api>(*server_, *station_, nullptr);
        AccessSettings settings;
        settings.loginOnLoopback = loginOnLoopback;
        settings.failuresBeforeLockout = 3;
        access_ = std::make_unique<Access>(*server_, *journal_, config_, settings);
        screens_ = std::make_unique<ScreenApi>(*server_, *station_, dir_.path());
        ASSERT_EQ(server_->start(), "");
        url_ = "http://127.0.0.1:" + std::to_string(server_->boundPort());
        thread_ = std::thread([this] { io_.run(); });
    }

    void TearDown() override {
        if (server_) {
            // Everything that keeps the io_context busy: the sessions, the idle logout timer.
            boost::asio::post(io_, [this] { station_->stop(); });
            server_->stop();
        }
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    // The daemon stops and starts again on the same journal.
    void restart(bool loginOnLoopback) {
        TearDown();
        screens_.reset();
        access_.reset();
        api_.reset();
        server_.reset();
        station_.reset();
        journal_.reset();
        io_.restart();
        start(loginOnLoopback);
    }

    ClientResult call(verb method, const std::string& target, const std::string& body = "",
                      const std::string& token = "",
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
        HttpClient client(url_);
        if (!token.empty()) {
            client.setHeader("Authorization", "Bearer " + token);
        }
        for (auto& [name, value] : headers) {
            client.setHeader(name, value);
        }
        return client.request(method, target, body);
    }

    std::string signIn(const std::string& body) {
        const auto r = call(verb::post, "/api/login", body);
        EXPECT_EQ(r.status, 200) << r.body;
        return field(parse(r.body), "token");
    }

    TempDir dir_;
    boost::asio::io_context io_;
    config::StationConfig config_;
    std::unique_ptr<Journal> journal_;
    std::unique_ptr<Station> station_;
    std::unique_ptr<HttpServer> server_;
    std::unique_ptr<Api> api_;
    std::unique_ptr<Access> access_;
    std::unique_ptr<ScreenApi> screens_;
    std::thread thread_;
    std::string url_;
};

TEST_F(AccessTest, aPinOrABadgeSignsInWithATokenAndAnHttpOnlyCookie) {
    start(true);
    const auto r = call(verb::post, "/api/login", R"({"pin": "4711"})");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto answer = parse(r.body);
    const std::string token = field(answer, "token");
    EXPECT_EQ(token.size(), 64u);
    EXPECT_EQ(field(answer.at("user"), "name"), "Alice Martin");
    EXPECT_EQ(field(answer.at("user"), "role"), "packer");
    const std::string cookie(r.headers[http::field::set_cookie]);
    const std::string name = "stationd_session_" + std::to_string(config_.apiPort) + "=";
    EXPECT_EQ(cookie.rfind(name + token, 0), 0u) << cookie;
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;

    // The token opens the API, as a bearer token or as the cookie a browser sends back.
    EXPECT_EQ(call(verb::get, "/api/status", "", token).status, 200);
    EXPECT_EQ(
        call(verb::get, "/api/status", "", "", {{"Cookie", "lang=fr; " + name + token}}).status,
        200);

    const auto badge = parse(call(verb::post, "/api/login", R"({"badge": "U-9001"})").body);
    EXPECT_EQ(field(badge.at("user"), "name"), "Sophie Bernard");
    // A screen's single box sends "code": a badge or a PIN.
    const auto code = parse(call(verb::post, "/api/login", R"({"code": "4721"})").body);
    EXPECT_EQ(field(code.at("user"), "role"), "returns");
}

TEST_F(AccessTest, aScreenStaysSignedInAcrossARestartUntilItSignsOut) {
    start(true);
    const std::string token = signIn(R"({"pin": "4711"})");
    ASSERT_EQ(token.size(), 64u);
    restart(true);
    const auto status = call(verb::get, "/api/status", "", token);
    EXPECT_EQ(status.status, 200) << status.body;
    {
        // The journal keeps the token's hash, never the token.
        SQLite::Statement rows(journal_->db(), "SELECT token_hash, user FROM screen_sessions");
        ASSERT_TRUE(rows.executeStep());
        EXPECT_NE(rows.getColumn(0).getString(), token);
        EXPECT_EQ(rows.getColumn(1).getString(), "Alice Martin");
        EXPECT_FALSE(rows.executeStep());
    }

    EXPECT_EQ(call(verb::post, "/api/logout", "", token).status, 200);
    restart(true);
    EXPECT_EQ(call(verb::get, "/api/status", "", token).status, 401);
    EXPECT_EQ(journal_->db().execAndGet("SELECT COUNT(*) FROM screen_sessions").getInt(), 0);
}

TEST_F(AccessTest, aWrongBadgeOrPinIsRefusedWithoutEverBeingLogged) {
    start(true);
    CapturedStderr log(dir_.path() / "stderr.txt");
    const auto r = call(verb::post, "/api/login", R"({"pin": "4712"})");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(field(parse(r.body), "error"), "unknown badge or PIN");
    EXPECT_EQ(call(verb::post, "/api/login", R"({"badge": "U-1001x"})").status, 401);
    // The third wrong one in a row from this address makes it wait, even with a right PIN.
    EXPECT_EQ(call(verb::post, "/api/login", R"({"code": "0000"})").status, 401);
    const auto locked = call(verb::post, "/api/login", R"({"pin": "4711"})");
    EXPECT_EQ(locked.status, 429) << locked.body;
    EXPECT_NE(field(parse(locked.body), "error").find("wait"), std::string::npos);
    EXPECT_EQ(call(verb::post, "/api/login", R"({})").status, 429);

    const std::string text = log.text();
    EXPECT_NE(text.find("sign-in refused from 127.0.0.1: unknown badge or PIN"), std::string::npos)
        << text;
    for (const char* secret : {"4712", "U-1001x", "0000", "4711"}) {
        EXPECT_EQ(text.find(secret), std::string::npos) << secret << " was logged:\n" << text;
    }
}

TEST_F(AccessTest, withoutATokenEveryCallIsRefusedWhenTheStationRequiresALogin) {
    start(true);  // the test hook: loopback is treated as the network
    const auto status = call(verb::get, "/api/status");
    EXPECT_EQ(status.status, 401);
    EXPECT_EQ(field(parse(status.body), "error"),
              "sign in first: POST /api/login with your badge or PIN");
    EXPECT_EQ(field(parse(status.body), "message_key"), "access_login_required");
    EXPECT_FALSE(std::string(status.headers[http::field::www_authenticate]).empty());
    EXPECT_EQ(call(verb::post, "/api/scan", R"({"code": "U-1001"})").status, 401);
    EXPECT_EQ(call(verb::get, "/api/activity").status, 401);
    // Nobody was logged in at the bench by that refused scan.
    const auto token = signIn(R"({"pin": "9731"})");
    EXPECT_TRUE(parse(call(verb::get, "/api/status", "", token).body).at("user").is_null());

    // The live events need a login too.
    WebSocketClient ws(url_);
    EXPECT_NE(ws.connect("/api/events"), "");

    // What a screen needs before its user signs in stays open.
    EXPECT_EQ(call(verb::get, "/api/messages?lang=fr").status, 200);
    EXPECT_EQ(call(verb::get, "/api/session").status, 200);
    EXPECT_EQ(call(verb::get, "/metrics").status, 200);
}

TEST_F(AccessTest, aPackerIsRefusedASupervisorsCallAndTheRefusalIsLoggedAndJournaled) {
    start(true);
    const auto packer = signIn(R"({"pin": "4711"})");
    CapturedStderr log(dir_.path() / "stderr.txt");
    const auto refused = call(verb::post, "/api/sync/pull", "", packer);
    EXPECT_EQ(refused.status, 403);
    const auto body = parse(refused.body);
    EXPECT_EQ(field(body, "error"),
              "POST /api/sync/pull is not for the role packer: only for supervisor");
    EXPECT_EQ(field(body, "message_key"), "access_role_refused");
    EXPECT_EQ(call(verb::post, "/api/approvals/approve", "", packer).status, 403);
    // What a packer's role allows goes through.
    EXPECT_EQ(call(verb::post, "/api/scan", R"({"code": "U-1001"})", packer).status, 200);
    EXPECT_EQ(call(verb::get, "/api/status", "", packer).status, 200);

    const std::string text = log.text();
    EXPECT_NE(text.find("warning: refused POST /api/sync/pull to Alice Martin (packer) from "
                        "127.0.0.1"),
              std::string::npos)
        << text;

    // A supervisor passes the same check (409: no shop here) and finds the refusal in the log.
    const auto supervisor = signIn(R"({"badge": "U-9001"})");
    EXPECT_EQ(call(verb::post, "/api/sync/pull", "", supervisor).status, 409);
    const auto found =
        parse(call(verb::get, "/api/activity?q=access_role_refused", "", supervisor).body);
    const auto& rows = found.at("activity").as_array();
    ASSERT_EQ(rows.size(), 2u) << found;
    EXPECT_EQ(field(rows[1], "user"), "Alice Martin");
    EXPECT_EQ(field(rows[1].at("params"), "endpoint"), "/api/sync/pull");
    EXPECT_EQ(field(rows[0].at("params"), "endpoint"), "/api/approvals/approve");
}

TEST_F(AccessTest, signingOutEndsTheSession) {
    start(true);
    const auto token = signIn(R"({"pin": "4711"})");
    const auto out = call(verb::post, "/api/logout", "", token);
    EXPECT_EQ(out.status, 200);
    EXPECT_NE(std::string(out.headers[http::field::set_cookie]).find("Max-Age=0"),
              std::string::npos);
    const auto after = call(verb::get, "/api/status", "", token);
    EXPECT_EQ(after.status, 401);
    EXPECT_NE(field(parse(after.body), "error").find("sign in again"), std::string::npos);
}

TEST_F(AccessTest, thisComputerWithoutATokenIsTrustedAsBeforeButNotAPageOfAnotherSite) {
    start(false);
    EXPECT_EQ(call(verb::get, "/api/status").status, 200);
    EXPECT_EQ(call(verb::post, "/api/scan", R"({"code": "U-1001"})").status, 200);
    EXPECT_EQ(call(verb::post, "/api/sync/pull").status, 409);  // let in; no shop configured
    // A token speaks for its user, even from this computer.
    const auto packer = signIn(R"({"pin": "4711"})");
    EXPECT_EQ(call(verb::post, "/api/sync/pull", "", packer).status, 403);
    EXPECT_EQ(call(verb::get, "/api/status", "", "not-a-token").status, 401);
    // A page of another site, through the browser of this computer.
    const auto crossSite = call(verb::post, "/api/scan", R"({"code": "CMD-LOGOUT"})", "",
                                {{"Origin", "http://shop.example"}});
    EXPECT_EQ(crossSite.status, 403);
    EXPECT_EQ(field(parse(crossSite.body), "message_key"), "access_cross_site");
    // A page that rebound its own name to 127.0.0.1 asks for its own host.
    EXPECT_EQ(call(verb::get, "/api/status", "", "", {{"Host", "rebound.example:8080"}}).status,
              401);
    // The bench's own screens, same origin.
    const std::string host = "127.0.0.1:" + std::to_string(server_->boundPort());
    EXPECT_EQ(call(verb::get, "/api/status", "", "", {{"Origin", "http://" + host}, {"Host", host}})
                  .status,
              200);
}

TEST_F(AccessTest, anApprovalFromAScreenNeedsASignedInSupervisor) {
    start(false);
    const auto anonymous = call(verb::post, "/api/approvals/approve");
    EXPECT_EQ(anonymous.status, 401) << anonymous.body;
    const auto supervisor = signIn(R"({"pin": "9731"})");
    const auto nothing = call(verb::post, "/api/approvals/approve", "", supervisor);
    EXPECT_EQ(nothing.status, 409);
    EXPECT_EQ(field(parse(nothing.body), "message_key"), "nothing_to_approve");
    // Nothing happened at the bench: the supervisor's badge was not used to log in there.
    EXPECT_TRUE(parse(call(verb::get, "/api/status").body).at("user").is_null());

    // Order 1005 has a risk score of 92: held until a supervisor approves.
    EXPECT_EQ(call(verb::post, "/api/scan", R"({"code": "U-1001"})").status, 200);
    const auto held = parse(call(verb::post, "/api/scan", R"({"code": "1005"})").body);
    EXPECT_EQ(field(held, "reason"), "order_held") << held;
    // The screen approves what it showed; a different request is not approved in its place.
    const auto stale =
        call(verb::post, "/api/approvals/approve", R"({"kind": "weight_mismatch"})", supervisor);
    EXPECT_EQ(stale.status, 409) << stale.body;
    const auto approved =
        call(verb::post, "/api/approvals/approve", R"({"kind": "held_order"})", supervisor);
    ASSERT_EQ(approved.status, 200) << approved.body;
    const auto answer = parse(approved.body);
    bool granted = false;
    for (const auto& e : answer.at("events").as_array()) {
        if (field(e, "type") == "approval.granted") {
            granted = true;
            EXPECT_EQ(field(e, "message"), "Risk review of order 1005 approved by Sophie Bernard");
            EXPECT_EQ(field(e, "user"), "Sophie Bernard");
        }
    }
    EXPECT_TRUE(granted) << answer;
    const auto status = parse(call(verb::get, "/api/status").body);
    EXPECT_TRUE(status.at("pending_approval").is_null()) << status;
    EXPECT_EQ(field(status, "order"), "1005");
    EXPECT_EQ(field(status.at("user"), "name"), "Alice Martin");  // still the packer's bench
}

}  // namespace
}  // namespace station::test
