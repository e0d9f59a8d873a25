#include "station/HttpClient.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/url/parse.hpp>
#include <cctype>

namespace station {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kResponseBodyLimit = 64 * 1024 * 1024;

std::string describeTimeout(std::chrono::milliseconds timeout) {
    if (timeout.count() % 1000 == 0) {
        return std::to_string(timeout.count() / 1000) + " s";
    }
    return std::to_string(timeout.count()) + " ms";
}

std::string describe(const beast::error_code& ec, std::chrono::milliseconds timeout) {
    if (ec == asio::error::connection_refused) {
        return "connection refused";
    }
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
        return "no answer within " + describeTimeout(timeout);
    }
    if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again) {
        return "unknown host";
    }
    std::string message = ec.message();
    if (!message.empty()) {
        message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
    }
    return message;
}

// Runs the io_context until the operation started by `start` completes; every operation
// started this way carries its own deadline, so this returns. Not run(): that would also
// wait for timers left behind, such as the websocket handshake timer after a refusal.
template <class Start>
beast::error_code runOne(asio::io_context& io, Start&& start) {
    beast::error_code result;
    bool done = false;
    start([&result, &done](beast::error_code ec, auto&&...) {
        result = ec;
        done = true;
    });
    io.restart();
    while (!done && io.run_one() != 0) {
    }
    return result;
}

// Resolves and connects `stream` before `deadline`.
beast::error_code connectTo(asio::io_context& io, beast::tcp_stream& stream, const BaseUrl& base,
                            std::chrono::steady_clock::time_point deadline) {
    tcp::resolver resolver(io);
    asio::steady_timer timer(io, deadline);
    timer.async_wait([&resolver](beast::error_code ec) {
        if (!ec) {
            resolver.cancel();
        }
    });
    tcp::resolver::results_type endpoints;
    beast::error_code ec = runOne(io, [&](auto handler) {
        resolver.async_resolve(base.host, base.port,
                               [&endpoints, &timer, handler](beast::error_code resolveError,
                                                             tcp::resolver::results_type results) {
                                   timer.cancel();
                                   endpoints = std::move(results);
                                   handler(resolveError);
                               });
    });
    if (ec) {
        return ec;
    }
    stream.expires_at(deadline);
    return runOne(io, [&](auto handler) { stream.async_connect(endpoints, handler); });
}

}  // namespace

BaseUrl parseBaseUrl(std::string_view url) {
    BaseUrl base;
    base.text = std::string(url);
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        base.error = "'" + base.text + "' is not a URL (expected e.g. http://127.0.0.1:8080)";
        return base;
    }
    if (parsed->scheme() != "http") {
        base.error = "'" + base.text + "': only http:// URLs are supported";
        return base;
    }
    base.host = parsed->host();
    if (base.host.empty()) {
        base.error = "'" + base.text + "' has no host";
        return base;
    }
    // Boost.URL keeps the brackets of an IPv6 literal; the resolver wants the bare address.
    if (base.host.size() > 2 && base.host.front() == '[' && base.host.back() == ']') {
        base.host = base.host.substr(1, base.host.size() - 2);
    }
    base.port = parsed->has_port() ? std::string(parsed->port()) : "80";
    base.pathPrefix = std::string(parsed->encoded_path());
    while (!base.pathPrefix.empty() && base.pathPrefix.back() == '/') {
        base.pathPrefix.pop_back();
    }
    // Messages name the daemon by the URL as the user would type it again.
    while (base.text.size() > 1 && base.text.back() == '/') {
        base.text.pop_back();
    }
    return base;
}

// ---------------------------------------------------------------------------------------------

HttpClient::HttpClient(std::string baseUrl, std::chrono::milliseconds timeout)
    : base_(parseBaseUrl(baseUrl)), timeout_(timeout) {}

ClientResult HttpClient::request(http::verb method, std::string_view target, std::string body,
                                 std::string contentType) {
    ClientResult result;
    if (!base_.error.empty()) {
        result.error = base_.error;
        return result;
    }
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    asio::io_context io;
    beast::tcp_stream stream(io);
    if (auto ec = connectTo(io, stream, base_, deadline)) {
        result.error = "cannot reach stationd at " + base_.text + ": " + describe(ec, timeout_);
        return result;
    }

    http::request<http::string_body> request{method, base_.pathPrefix + std::string(target), 11};
    request.set(http::field::host, base_.host + ":" + base_.port);
    request.set(http::field::user_agent, "stationctl");
    for (const auto& [name, value] : headers_) {
        request.set(name, value);
    }
    request.keep_alive(false);
    if (!body.empty() || method == http::verb::post || method == http::verb::put ||
        method == http::verb::patch) {
        request.set(http::field::content_type, contentType);
        request.body() = std::move(body);
    }
    request.prepare_payload();

    stream.expires_at(deadline);
    auto ec = runOne(io, [&](auto handler) { http::async_write(stream, request, handler); });
    http::response_parser<http::string_body> parser;
    parser.body_limit(kResponseBodyLimit);
    beast::flat_buffer buffer;
    if (!ec) {
        stream.expires_at(deadline);
        ec = runOne(io, [&](auto handler) { http::async_read(stream, buffer, parser, handler); });
    }
    if (ec) {
        result.error =
            ec == beast::error::timeout
                ? "stationd at " + base_.text + " did not answer within " +
                      describeTimeout(timeout_)
                : "connection to stationd at " + base_.text + " failed: " + describe(ec, timeout_);
        return result;
    }

    auto& response = parser.get();
    result.status = static_cast<int>(response.result_int());
    result.body = std::move(response.body());
    if (auto it = response.find(http::field::content_type); it != response.end()) {
        result.contentType = std::string(it->value());
    }
    result.headers = response.base();
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return result;
}

// ---------------------------------------------------------------------------------------------

WebSocketClient::WebSocketClient(std::string baseUrl, std::chrono::milliseconds timeout)
    : base_(parseBaseUrl(baseUrl)), timeout_(timeout), ws_(io_) {}

WebSocketClient::~WebSocketClient() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    // Let a read left pending by a timed-out read() finish (aborted) while ws_ still exists.
    io_.restart();
    io_.poll();
}

std::string WebSocketClient::connect(std::string_view path) {
    if (!base_.error.empty()) {
        return base_.error;
    }
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    if (auto ec = connectTo(io_, beast::get_lowest_layer(ws_), base_, deadline)) {
        return "cannot reach stationd at " + base_.text + ": " + describe(ec, timeout_);
    }
    // From here the websocket stream's own timeouts apply, not the TCP stream's.
    beast::get_lowest_layer(ws_).expires_never();
    auto options = websocket::stream_base::timeout::suggested(beast::role_type::client);
    options.handshake_timeout = timeout_;
    ws_.set_option(options);
    ws_.set_option(
        websocket::stream_base::decorator([headers = headers_](websocket::request_type& request) {
            request.set(http::field::user_agent, "stationctl");
            for (const auto& [name, value] : headers) {
                request.set(name, value);
            }
        }));
    std::string host = base_.host + ":" + base_.port;
    std::string target = base_.pathPrefix + std::string(path);
    auto ec = runOne(io_, [&](auto handler) { ws_.async_handshake(host, target, handler); });
    if (ec) {
        return "stationd at " + base_.text + " refused a WebSocket on " + std::string(path) + ": " +
               describe(ec, timeout_);
    }
    open_ = true;
    return {};
}

std::optional<std::string> WebSocketClient::read(std::chrono::milliseconds timeout) {
    if (!open_) {
        return std::nullopt;
    }
    // A websocket read cannot be cancelled without ruining the stream, so a read that
    // timed out stays pending and the next call waits for that same read.
    if (!reading_) {
        reading_ = true;
        readDone_ = false;
        ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
            reading_ = false;
            readDone_ = true;
            readError_ = ec;
        });
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!readDone_) {
        if (io_.stopped()) {
            io_.restart();
        }
        if (io_.run_one_until(deadline) == 0) {
            break;
        }
    }
    if (!readDone_) {
        return std::nullopt;
    }
    readDone_ = false;
    if (readError_) {
        open_ = false;
        if (readError_ == websocket::error::closed) {
            std::string reason(ws_.reason().reason.c_str());
            if (reason.empty() && ws_.reason().code == websocket::close_code::going_away) {
                reason = "shutting down";
            }
            closeReason_ = "stationd closed the connection" + (reason.empty() ? "" : ": " + reason);
        } else {
            closeReason_ = "connection to stationd lost: " + describe(readError_, timeout);
        }
        return std::nullopt;
    }
    std::string message = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    return message;
}

}  // namespace station
