// HttpServer and its clients over real loopback TCP: routing, limits, errors, WebSocket
// broadcast, static files, stop().

#include "station/HttpServer.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "station/HttpClient.h"

namespace {

using namespace std::chrono_literals;
using station::HttpClient;
using station::HttpServer;
using station::Request;
using station::Response;
using station::WebSocketClient;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

json::value parse(const std::string& body) {
    boost::system::error_code ec;
    json::value value = json::parse(body, ec);
    return ec ? json::value() : value;
}

std::string errorOf(const std::string& body) {
    json::value value = parse(body);
    if (!value.is_object() || !value.as_object().contains("error") ||
        !value.at("error").is_string()) {
        return "<no error field in: " + body + ">";
    }
    return std::string(value.at("error").as_string());
}

// Waits for a condition that another thread makes true; fails the test when it never does.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::seconds limit = 30s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

class HttpServerTest : public ::testing::Test {
  protected:
    void TearDown() override { stopServer(); }

    void startServer() {
        ASSERT_EQ(server_.start(), "");
        ASSERT_NE(server_.boundPort(), 0);
        url_ = "http://127.0.0.1:" + std::to_string(server_.boundPort());
        thread_ = std::thread([this] { io_.run(); });
    }

    // Returns only if stop() really let io_context::run() finish.
    void stopServer() {
        server_.stop();
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    station::ClientResult get(const std::string& target) {
        return HttpClient(url_).request(http::verb::get, target);
    }

    asio::io_context io_;
    HttpServer server_{io_, "127.0.0.1", 0};
    std::thread thread_;
    std::string url_;
};

TEST_F(HttpServerTest, RoutesCapturePathParametersAndDecodedQuery) {
    server_.route(http::verb::get, "/api/orders/{number}/notes", [](const Request& request) {
        return Response::json(http::status::ok,
                              {{"number", request.param("number")},
                               {"state", request.queryParam("state").value_or("<none>")},
                               {"who", request.queryParam("who").value_or("<none>")},
                               {"path", request.path},
                               {"remote", request.remoteAddress}});
    });
    startServer();

    auto result = get("/api/orders/A%2010/notes?state=ready&who=Alice+Martin");
    ASSERT_EQ(result.error, "");
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.contentType, "application/json");
    json::value body = parse(result.body);
    EXPECT_EQ(body.at("number"), "A 10");
    EXPECT_EQ(body.at("state"), "ready");
    EXPECT_EQ(body.at("who"), "Alice Martin");
    EXPECT_EQ(body.at("path"), "/api/orders/A 10/notes");
    EXPECT_EQ(body.at("remote"), "127.0.0.1");

    auto noQuery = get("/api/orders/1001/notes");
    EXPECT_EQ(parse(noQuery.body).at("state"), "<none>");
}

TEST_F(HttpServerTest, LiteralSegmentWinsOverCapture) {
    server_.route(http::verb::get, "/api/orders/{number}", [](const Request& request) {
        return Response::json(http::status::ok,
                              {{"route", "one order"}, {"number", request.param("number")}});
    });
    server_.route(http::verb::get, "/api/orders/open", [](const Request&) {
        return Response::json(http::status::ok, {{"route", "open orders"}});
    });
    startServer();

    EXPECT_EQ(parse(get("/api/orders/open").body).at("route"), "open orders");
    json::value one = parse(get("/api/orders/1001").body);
    EXPECT_EQ(one.at("route"), "one order");
    EXPECT_EQ(one.at("number"), "1001");
}

TEST_F(HttpServerTest, PostBodyReachesHandlerAndBadJsonIsExplained) {
    server_.route(http::verb::post, "/api/scan", [](const Request& request) {
        std::string why;
        auto body = station::parseJsonBody(request, &why);
        if (!body) {
            return Response::error(http::status::bad_request, why);
        }
        return Response::json(http::status::created, {{"code", body->at("code")}});
    });
    startServer();
    HttpClient client(url_);

    auto accepted = client.request(http::verb::post, "/api/scan", R"({"code":"3700123456789"})");
    EXPECT_EQ(accepted.status, 201);
    EXPECT_EQ(parse(accepted.body).at("code"), "3700123456789");

    auto broken = client.request(http::verb::post, "/api/scan", R"({"code": )");
    EXPECT_EQ(broken.status, 400);
    EXPECT_NE(errorOf(broken.body).find("not valid JSON"), std::string::npos) << broken.body;

    auto notObject = client.request(http::verb::post, "/api/scan", "[1,2]");
    EXPECT_EQ(notObject.status, 400);
    EXPECT_EQ(errorOf(notObject.body), "request body must be a JSON object");
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
    auto ok = [](const Request&) { return Response::json(http::status::ok, {{"ok", true}}); };
    server_.route(http::verb::get, "/api/orders/{number}", ok);
    server_.route(http::verb::delete_, "/api/orders/{number}", ok);
    startServer();
    HttpClient client(url_);

    auto missing = get("/api/nothing-here");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.contentType, "application/json");
    EXPECT_EQ(errorOf(missing.body), "no such endpoint: /api/nothing-here");

    auto wrongMethod = client.request(http::verb::post, "/api/orders/1001", "{}");
    EXPECT_EQ(wrongMethod.status, 405);
    EXPECT_EQ(std::string(wrongMethod.headers[http::field::allow]), "GET, DELETE");
    EXPECT_NE(errorOf(wrongMethod.body).find("POST is not allowed"), std::string::npos);
}

TEST_F(HttpServerTest, BodyOver64KiBIsRefusedWith413) {
    server_.route(http::verb::post, "/api/notes", [](const Request& request) {
        return Response::json(http::status::ok, {{"size", request.body.size()}});
    });
    startServer();
    HttpClient client(url_);

    auto atLimit = client.request(http::verb::post, "/api/notes",
                                  std::string(HttpServer::kBodyLimit, 'x'), "text/plain");
    EXPECT_EQ(atLimit.status, 200);
    EXPECT_EQ(parse(atLimit.body).at("size"), HttpServer::kBodyLimit);

    auto overLimit = client.request(http::verb::post, "/api/notes",
                                    std::string(HttpServer::kBodyLimit + 1, 'x'), "text/plain");
    ASSERT_EQ(overLimit.error, "");
    EXPECT_EQ(overLimit.status, 413);
    EXPECT_EQ(errorOf(overLimit.body), "request body larger than 64 KiB");

    // The refused connection does not take the server with it.
    EXPECT_EQ(client.request(http::verb::post, "/api/notes", "small", "text/plain").status, 200);
}

TEST_F(HttpServerTest, ThrowingHandlerGives500AndServerKeepsAnswering) {
    int calls = 0;
    server_.route(http::verb::get, "/api/boom", [&calls](const Request&) -> Response {
        ++calls;
        throw std::runtime_error("journal is locked");
    });
    server_.route(http::verb::get, "/api/status", [](const Request&) {
        return Response::json(http::status::ok, {{"station", "bench-1"}});
    });
    startServer();

    auto failed = get("/api/boom");
    EXPECT_EQ(failed.status, 500);
    EXPECT_EQ(errorOf(failed.body), "internal error: journal is locked");
    EXPECT_EQ(get("/api/boom").status, 500);

    auto status = get("/api/status");
    EXPECT_EQ(status.status, 200);
    EXPECT_EQ(parse(status.body).at("station"), "bench-1");
    stopServer();
    EXPECT_EQ(calls, 2);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    int served = 0;
    server_.route(http::verb::get, "/api/status", [&served](const Request&) {
        ++served;
        return Response::json(http::status::ok, {{"served", served}});
    });
    startServer();

    asio::io_context clientIo;
    beast::tcp_stream stream(clientIo);
    stream.connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_.boundPort()));
    beast::flat_buffer buffer;
    for (int i = 1; i <= 3; ++i) {
        http::request<http::string_body> request{http::verb::get, "/api/status", 11};
        request.set(http::field::host, "127.0.0.1");
        http::write(stream, request);
        http::response<http::string_body> response;
        http::read(stream, buffer, response);
        EXPECT_EQ(response.result(), http::status::ok);
        EXPECT_TRUE(response.keep_alive());
        EXPECT_EQ(parse(response.body()).at("served"), i);
    }
}

TEST_F(HttpServerTest, BroadcastReachesEveryWebSocketClientInOrderAfterTheSnapshot) {
    int opened = 0;
    server_.websocket("/api/events");
    server_.onWebSocketOpen([&opened]() -> std::optional<std::string> {
        return json::serialize(json::value{{"snapshot", ++opened}});
    });
    startServer();

    WebSocketClient first(url_);
    WebSocketClient second(url_);
    ASSERT_EQ(first.connect("/api/events"), "");
    ASSERT_EQ(second.connect("/api/events"), "");
    // The snapshot comes first, and proves the server has registered the client.
    auto firstSnapshot = first.read(10s);
    auto secondSnapshot = second.read(10s);
    ASSERT_TRUE(firstSnapshot && secondSnapshot);
    EXPECT_TRUE(parse(*firstSnapshot).at("snapshot").is_int64());
    EXPECT_NE(*firstSnapshot, *secondSnapshot);
    EXPECT_EQ(server_.webSocketClientCount(), 2u);

    constexpr int kEvents = 200;
    for (int seq = 1; seq <= kEvents; ++seq) {
        server_.broadcast(json::serialize(json::value{{"seq", seq}}));
    }
    for (WebSocketClient* client : {&first, &second}) {
        for (int seq = 1; seq <= kEvents; ++seq) {
            auto message = client->read(10s);
            ASSERT_TRUE(message) << "event " << seq << " missing: " << client->closeReason();
            ASSERT_EQ(parse(*message).at("seq"), seq);
        }
    }
    // Nothing beyond what was broadcast.
    EXPECT_FALSE(first.read(50ms));
    EXPECT_TRUE(first.isOpen());
}

TEST_F(HttpServerTest, ClientThatStopsReadingIsDroppedInsteadOfQueuedForever) {
    server_.websocket("/api/events");
    startServer();

    WebSocketClient slow(url_);
    ASSERT_EQ(slow.connect("/api/events"), "");
    ASSERT_TRUE(eventually([&] { return server_.webSocketClientCount() == 1; }));

    // Far more than the socket buffers hold, so the queue has to grow past its limit.
    const std::string payload(32 * 1024, 'e');
    constexpr int kMessages = HttpServer::kWebSocketQueueLimit + 100;
    for (int i = 0; i < kMessages; ++i) {
        server_.broadcast(payload);
    }
    EXPECT_TRUE(eventually([&] { return server_.webSocketClientCount() == 0; }));

    int received = 0;
    while (slow.read(10s)) {
        ++received;
        ASSERT_LE(received, kMessages);
    }
    EXPECT_FALSE(slow.isOpen());
    EXPECT_LT(received, kMessages);

    // Others are still welcome afterwards.
    WebSocketClient fresh(url_);
    ASSERT_EQ(fresh.connect("/api/events"), "");
    ASSERT_TRUE(eventually([&] { return server_.webSocketClientCount() == 1; }));
    server_.broadcast("after");
    EXPECT_EQ(fresh.read(10s).value_or("<nothing>"), "after");
}

TEST_F(HttpServerTest, WebSocketPathWithoutUpgradeAndUnknownWebSocketPath) {
    server_.websocket("/api/events");
    startServer();

    auto plain = get("/api/events");
    EXPECT_EQ(plain.status, 426);
    EXPECT_EQ(errorOf(plain.body), "/api/events is a WebSocket endpoint");

    WebSocketClient client(url_);
    std::string error = client.connect("/api/nowhere");
    EXPECT_NE(error, "");
    EXPECT_FALSE(client.isOpen());
}

TEST_F(HttpServerTest, StopClosesWebSocketAndKeepAliveConnectionsSoRunReturns) {
    server_.websocket("/api/events");
    server_.onWebSocketOpen([]() -> std::optional<std::string> { return "hello"; });
    server_.route(http::verb::get, "/api/status", [](const Request&) {
        return Response::json(http::status::ok, {{"ok", true}});
    });
    startServer();

    WebSocketClient events(url_);
    ASSERT_EQ(events.connect("/api/events"), "");
    ASSERT_EQ(events.read(10s).value_or(""), "hello");

    // An idle keep-alive connection, as a browser leaves behind.
    asio::io_context clientIo;
    beast::tcp_stream idle(clientIo);
    idle.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_.boundPort()));
    http::request<http::string_body> request{http::verb::get, "/api/status", 11};
    request.set(http::field::host, "127.0.0.1");
    http::write(idle, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(idle, buffer, response);
    ASSERT_TRUE(response.keep_alive());

    server_.stop();
    EXPECT_FALSE(events.read(10s));
    EXPECT_FALSE(events.isOpen());
    EXPECT_EQ(events.closeReason(), "stationd closed the connection: shutting down");
    thread_.join();  // hangs (and the test times out) if a session kept the io_context busy

    EXPECT_NE(get("/api/status").error, "");
}

class StaticFilesTest : public HttpServerTest {
  protected:
    void SetUp() override {
        std::random_device random;
        root_ = std::filesystem::temp_directory_path() /
                ("stationd-http-test-" + std::to_string(random()));
        std::filesystem::create_directories(root_ / "screens" / "sounds");
        write(root_ / "secret.txt", "the shop's API key");
        write(root_ / "screens" / "index.html", "<h1>Bench</h1>");
        write(root_ / "screens" / "app.js", "console.log('bench')");
        write(root_ / "screens" / "style.css", "body{}");
        write(root_ / "screens" / "logo.png", std::string("\x89PNG\r\n\x1a\n\0\0", 10));
        write(root_ / "screens" / "logo.svg", "<svg/>");
        write(root_ / "screens" / "labels.json", "{}");
        write(root_ / "screens" / "sounds" / "refused.wav", "RIFF");
        server_.staticDirectory("/screens", root_ / "screens");
        startServer();
    }

    void TearDown() override {
        HttpServerTest::TearDown();
        std::error_code ignored;
        std::filesystem::remove_all(root_, ignored);
    }

    static void write(const std::filesystem::path& path, const std::string& content) {
        std::ofstream(path, std::ios::binary) << content;
    }

    std::filesystem::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirContentType) {
    struct Case {
        std::string target;
        std::string contentType;
        std::string body;
    };
    for (const Case& c : std::vector<Case>{
             {"/screens/", "text/html; charset=utf-8", "<h1>Bench</h1>"},
             {"/screens", "text/html; charset=utf-8", "<h1>Bench</h1>"},
             {"/screens/index.html", "text/html; charset=utf-8", "<h1>Bench</h1>"},
             {"/screens/app.js", "text/javascript; charset=utf-8", "console.log('bench')"},
             {"/screens/style.css", "text/css; charset=utf-8", "body{}"},
             {"/screens/logo.png", "image/png", std::string("\x89PNG\r\n\x1a\n\0\0", 10)},
             {"/screens/logo.svg", "image/svg+xml", "<svg/>"},
             {"/screens/labels.json", "application/json", "{}"},
             {"/screens/sounds/refused.wav", "audio/wav", "RIFF"},
         }) {
        auto result = get(c.target);
        EXPECT_EQ(result.status, 200) << c.target;
        EXPECT_EQ(result.contentType, c.contentType) << c.target;
        EXPECT_EQ(result.body, c.body) << c.target;
    }
    EXPECT_EQ(get("/screens/missing.js").status, 404);
    EXPECT_EQ(HttpClient(url_).request(http::verb::post, "/screens/app.js", "x").status, 405);
}

TEST_F(StaticFilesTest, RefusesPathsThatLeaveTheDirectory) {
    for (const std::string target :
         {"/screens/../secret.txt", "/screens/%2E%2E/secret.txt", "/screens/..%2Fsecret.txt",
          "/screens/sounds/../../secret.txt"}) {
        auto result = get(target);
        EXPECT_EQ(result.status, 400) << target;
        EXPECT_EQ(result.body.find("API key"), std::string::npos) << target;
    }
}

TEST(HttpClientTest, ClosedPortGivesAClearErrorValue) {
    // A port that was just free: nothing listens on it any more.
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    std::string url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
    acceptor.close();

    auto result = HttpClient(url).request(http::verb::get, "/api/status");
    EXPECT_EQ(result.status, 0);
    EXPECT_EQ(result.error, "cannot reach stationd at " + url + ": connection refused");

    WebSocketClient events(url);
    EXPECT_EQ(events.connect("/api/events"),
              "cannot reach stationd at " + url + ": connection refused");
    EXPECT_FALSE(events.read(10ms));
}

TEST(HttpClientTest, RefusesUrlsItCannotUse) {
    EXPECT_NE(HttpClient("https://127.0.0.1:8080").request(http::verb::get, "/").error, "");
    EXPECT_NE(HttpClient("127.0.0.1:8080").request(http::verb::get, "/").error, "");
    auto base = station::parseBaseUrl("http://[::1]:9000/bench/");
    EXPECT_EQ(base.error, "");
    EXPECT_EQ(base.host, "::1");
    EXPECT_EQ(base.port, "9000");
    EXPECT_EQ(base.pathPrefix, "/bench");
}

TEST(HttpServerStartTest, BindFailureIsAnErrorValue) {
    asio::io_context io;
    HttpServer first(io, "127.0.0.1", 0);
    ASSERT_EQ(first.start(), "");
    HttpServer second(io, "127.0.0.1", first.boundPort());
    std::string error = second.start();
    EXPECT_NE(error.find("cannot listen on 127.0.0.1:" + std::to_string(first.boundPort())),
              std::string::npos)
        << error;

    HttpServer bad(io, "bench-1.local", 8080);
    EXPECT_NE(bad.start(), "");
}

}  // namespace
