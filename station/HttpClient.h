// Synchronous HTTP and WebSocket clients for stationd's API, used by stationctl and the tests.
// Failures (daemon down, timeout) come back as values with a message fit for the terminal.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace station {

struct ClientResult {
    int status = 0;  // 0 when no HTTP answer was received
    std::string body;
    std::string contentType;
    boost::beast::http::fields headers;
    std::string error;  // "cannot reach stationd at http://...: connection refused", or empty

    bool reached() const { return error.empty(); }
    bool success() const { return error.empty() && status >= 200 && status < 300; }
};

// Where stationd listens: "http://127.0.0.1:8080", optionally with a path prefix.
struct BaseUrl {
    std::string text;  // as given, for messages
    std::string host;
    std::string port;
    std::string pathPrefix;  // without trailing slash, usually empty
    std::string error;       // why the URL cannot be used, or empty
};
BaseUrl parseBaseUrl(std::string_view url);

class HttpClient {
  public:
    static constexpr std::chrono::milliseconds kDefaultTimeout{5000};

    explicit HttpClient(std::string baseUrl, std::chrono::milliseconds timeout = kDefaultTimeout);

    // One connection per request; target is the path and query, e.g. "/api/orders?state=ready".
    ClientResult request(boost::beast::http::verb method, std::string_view target,
                         std::string body = "", std::string contentType = "application/json");

    const BaseUrl& baseUrl() const { return base_; }

    // Sent with every request from now on, replacing one of the same name; e.g.
    // "Authorization" = "Bearer TOKEN" for a station that needs a login.
    void setHeader(std::string name, std::string value) {
        headers_.emplace_back(std::move(name), std::move(value));
    }

  private:
    BaseUrl base_;
    std::chrono::milliseconds timeout_;
    std::vector<std::pair<std::string, std::string>> headers_;
};

class WebSocketClient {
  public:
    explicit WebSocketClient(std::string baseUrl,
                             std::chrono::milliseconds timeout = HttpClient::kDefaultTimeout);
    ~WebSocketClient();
    WebSocketClient(const WebSocketClient&) = delete;
    WebSocketClient& operator=(const WebSocketClient&) = delete;

    // Sent with the handshake (e.g. "Authorization"); before connect().
    void setHeader(std::string name, std::string value) {
        headers_.emplace_back(std::move(name), std::move(value));
    }
    // Connects and completes the handshake on path (e.g. "/api/events"): error or empty.
    std::string connect(std::string_view path);

    // The next message, or nullopt when none came within timeout or the connection ended
    // (then isOpen() is false and closeReason() says why).
    std::optional<std::string> read(std::chrono::milliseconds timeout);

    bool isOpen() const { return open_; }
    const std::string& closeReason() const { return closeReason_; }

  private:
    BaseUrl base_;
    std::chrono::milliseconds timeout_;
    // Declared before the stream so that it outlives it.
    boost::asio::io_context io_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    boost::beast::flat_buffer buffer_;
    bool open_ = false;
    std::vector<std::pair<std::string, std::string>> headers_;
    bool reading_ = false;  // a read started by an earlier call that timed out is still pending
    bool readDone_ = false;
    boost::beast::error_code readError_;
    std::string closeReason_;
};

}  // namespace station
