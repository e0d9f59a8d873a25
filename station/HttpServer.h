// The HTTP and WebSocket plumbing of stationd: routes with {named} path parameters, JSON
// responses and errors, WebSocket broadcast to screens, static files. No domain knowledge.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace station {

namespace http = boost::beast::http;

namespace detail {
struct HttpServerCore;
}

struct Request {
    http::verb method = http::verb::get;
    std::string target;                         // as received, still percent-encoded
    std::string path;                           // decoded, without the query
    std::map<std::string, std::string> query;   // decoded; for a repeated key the first wins
    std::map<std::string, std::string> params;  // captured {name} segments of the route
    std::string body;
    http::fields headers;
    std::string remoteAddress;  // "127.0.0.1", "::1", ...
    // Who the guard let in, for a caller that signed in; empty for a trusted or public call.
    std::string user;
    std::string role;

    // Empty when absent, so that handlers can treat "missing" and "empty" alike.
    std::string header(std::string_view name) const;
    std::string param(const std::string& name) const;
    std::optional<std::string> queryParam(const std::string& name) const;
};

struct Response {
    http::status status = http::status::ok;
    std::string body;
    std::string contentType = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;  // extra ones, e.g. Location

    static Response json(http::status status, const boost::json::value& value);
    // {"error": message}: the one shape of every error the API returns.
    static Response error(http::status status, std::string_view message);
};

// The body as a JSON object, or nullopt with the reason in *whyNot (for a 400 to the caller).
std::optional<boost::json::object> parseJsonBody(const Request& request,
                                                 std::string* whyNot = nullptr);

class HttpServer {
  public:
    using Handler = std::function<Response(const Request&)>;
    // Returns the first message sent to a new WebSocket client (a snapshot), or nullopt.
    using WebSocketOpenHandler = std::function<std::optional<std::string>()>;
    // The roles a route is declared for; what they mean is the guard's business (Access).
    using Roles = std::vector<std::string>;
    // Runs before a route's handler and before a WebSocket upgrade (with no roles); a Response
    // refuses the request, nullopt lets it through. May fill in Request::user and role.
    using Guard = std::function<std::optional<Response>(Request&, const Roles&)>;

    static constexpr std::size_t kBodyLimit = 64 * 1024;
    static constexpr std::size_t kWebSocketQueueLimit = 1000;
    static constexpr std::chrono::seconds kReadDeadline{30};
    static constexpr std::chrono::seconds kWriteDeadline{30};

    HttpServer(boost::asio::io_context& io, std::string address, unsigned short port);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Configuration: call these before start(), from the thread that will run the io_context.
    // A pattern is a path whose segments may be {name}, e.g. "/api/orders/{number}/notes".
    void route(http::verb method, std::string pattern, Handler handler, Roles roles = {});
    void guard(Guard check);
    void websocket(std::string path);
    void onWebSocketOpen(WebSocketOpenHandler handler);
    void staticDirectory(std::string urlPrefix, std::filesystem::path dir);

    // Binds and starts accepting; an error message (address in use, bad address) or empty.
    std::string start();
    // The port actually bound, useful when constructed with port 0.
    unsigned short boundPort() const;

    // Both are safe to call from any thread: the work is done on the io_context, so the
    // order of broadcasts is kept.
    void broadcast(std::string text);
    // Closes the acceptor and every HTTP and WebSocket session, so that run() can return.
    void stop();

    // Clients whose WebSocket handshake is done and that have not been dropped or closed.
    std::size_t webSocketClientCount() const;

  private:
    boost::asio::io_context& io_;
    // Shared with the sessions so that completions still queued after ~HttpServer stay safe.
    std::shared_ptr<detail::HttpServerCore> core_;
};

}  // namespace station
