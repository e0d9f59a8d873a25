#include "station/HttpServer.h"

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <cstdint>
#include <deque>
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>

namespace station {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace urls = boost::urls;
using tcp = asio::ip::tcp;

// ---------------------------------------------------------------------------------------------
// Request, Response, JSON helpers

std::string Request::header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : std::string(it->value());
}

std::string Request::param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
}

std::optional<std::string> Request::queryParam(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) {
        return std::nullopt;
    }
    return it->second;
}

Response Response::json(http::status status, const boost::json::value& value) {
    Response response;
    response.status = status;
    response.body = boost::json::serialize(value);
    return response;
}

Response Response::error(http::status status, std::string_view message) {
    return json(status, boost::json::object{{"error", message}});
}

std::optional<boost::json::object> parseJsonBody(const Request& request, std::string* whyNot) {
    auto fail = [&](std::string reason) -> std::optional<boost::json::object> {
        if (whyNot != nullptr) {
            *whyNot = std::move(reason);
        }
        return std::nullopt;
    };
    if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return fail("request body is empty; expected a JSON object");
    }
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(request.body, ec);
    if (ec) {
        return fail("request body is not valid JSON: " + ec.message());
    }
    if (!value.is_object()) {
        return fail("request body must be a JSON object");
    }
    return std::move(value.as_object());
}

namespace detail {

namespace {

constexpr std::size_t kHeaderLimit = 16 * 1024;
// After refusing a request we read and discard what the client is still sending, so that
// closing the socket does not reset the connection before the client has read our answer.
constexpr std::size_t kDrainLimit = 1024 * 1024;
constexpr std::chrono::seconds kDrainDeadline{5};
constexpr std::chrono::seconds kWebSocketCloseDeadline{2};
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

// "/api/orders/{number}" -> {"api", "orders", "{number}"}; "/" -> {}. Same shape as the
// decoded segments Boost.URL gives for a request path.
std::vector<std::string> splitPath(std::string_view path) {
    std::vector<std::string> segments;
    if (!path.empty() && path.front() == '/') {
        path.remove_prefix(1);
    }
    if (path.empty()) {
        return segments;
    }
    std::size_t start = 0;
    while (true) {
        std::size_t slash = path.find('/', start);
        segments.emplace_back(path.substr(start, slash - start));
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    return segments;
}

bool isCapture(const std::string& segment) {
    return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

std::string contentTypeFor(const std::filesystem::path& file) {
    static const std::map<std::string, std::string> kTypes = {
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".png", "image/png"},
        {".svg", "image/svg+xml"},
        {".wav", "audio/wav"},
        {".txt", "text/plain; charset=utf-8"},
        {".ico", "image/x-icon"},
    };
    std::string extension = file.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto it = kTypes.find(extension);
    return it == kTypes.end() ? "application/octet-stream" : it->second;
}

}  // namespace

class HttpSession;
class WebSocketSession;

struct Route {
    http::verb method;
    std::string pattern;
    std::vector<std::string> segments;
    int literals = 0;  // a route with more literal segments wins: /orders/open over /orders/{n}
    HttpServer::Handler handler;
    HttpServer::Roles roles;
};

struct StaticDirectory {
    std::vector<std::string> prefix;
    std::filesystem::path dir;
};

struct ParsedTarget {
    std::string path;
    std::vector<std::string> segments;
    std::map<std::string, std::string> query;
};

std::optional<ParsedTarget> parseTarget(std::string_view target) {
    auto url = urls::parse_origin_form(target);
    if (!url) {
        return std::nullopt;
    }
    ParsedTarget parsed;
    parsed.path = url->path();
    for (std::string segment : url->segments()) {
        parsed.segments.push_back(std::move(segment));
    }
    // Forms encode spaces as '+', and a screen may send one.
    for (urls::param param : url->params(urls::encoding_opts(true))) {
        parsed.query.emplace(std::move(param.key), std::move(param.value));
    }
    return parsed;
}

struct HttpServerCore : std::enable_shared_from_this<HttpServerCore> {
    HttpServerCore(asio::io_context& ioContext, std::string addr, unsigned short portNumber)
        : io(ioContext),
          address(std::move(addr)),
          port(portNumber),
          acceptor(ioContext),
          acceptRetry(ioContext) {}

    asio::io_context& io;
    std::string address;
    unsigned short port;
    tcp::acceptor acceptor;
    asio::steady_timer acceptRetry;
    std::atomic<unsigned short> boundPort{0};
    bool stopped = false;

    std::vector<Route> routes;
    std::vector<std::string> webSocketPaths;
    std::vector<StaticDirectory> staticDirectories;
    HttpServer::WebSocketOpenHandler onWebSocketOpen;
    HttpServer::Guard guard;

    std::uint64_t nextSessionId = 1;
    std::map<std::uint64_t, std::weak_ptr<HttpSession>> httpSessions;
    // Every WebSocket session from the upgrade on; only open ones receive broadcasts.
    std::map<std::uint64_t, std::weak_ptr<WebSocketSession>> webSocketSessions;
    std::atomic<std::size_t> webSocketCount{0};  // open ones, read from other threads

    void accept();
    void stopNow();
    void broadcastNow(const std::string& text);

    bool isWebSocketPath(const std::string& path) const {
        return std::find(webSocketPaths.begin(), webSocketPaths.end(), path) !=
               webSocketPaths.end();
    }

    Response handle(const http::request<http::string_body>& message, const std::string& remote);
    // The guard's answer to a WebSocket upgrade: a refusal, or nullopt to go on.
    std::optional<Response> guardUpgrade(const http::request<http::string_body>& message,
                                         const ParsedTarget& target, const std::string& remote);
    std::optional<Response> serveStatic(const Request& request,
                                        const std::vector<std::string>& segments) const;
};

// ---------------------------------------------------------------------------------------------
// WebSocket session: a queue of outgoing text messages, one write at a time, reads only to
// answer pings and notice the close.

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
  public:
    WebSocketSession(std::shared_ptr<HttpServerCore> core, beast::tcp_stream stream,
                     std::string remote)
        : core_(std::move(core)),
          ws_(std::move(stream)),
          writeTimer_(core_->io),
          id_(core_->nextSessionId++),
          remote_(std::move(remote)) {}

    ~WebSocketSession() {
        finish();
        core_->webSocketSessions.erase(id_);
    }

    void run(http::request<http::string_body> request) {
        core_->webSocketSessions.emplace(id_, weak_from_this());
        request_ = std::move(request);
        // The websocket stream keeps its own handshake and idle timeouts (with pings).
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
            response.set(http::field::server, "stationd");
        }));
        ws_.async_accept(request_,
                         [self = shared_from_this()](beast::error_code ec) { self->onAccept(ec); });
    }

    void send(std::string text) {
        if (!open_ || closing_) {
            return;
        }
        if (queue_.size() >= HttpServer::kWebSocketQueueLimit) {
            std::cerr << "stationd: dropping WebSocket client " << remote_ << ": more than "
                      << HttpServer::kWebSocketQueueLimit << " messages waiting\n";
            abort();
            return;
        }
        queue_.push_back(std::move(text));
        if (!writing_) {
            writeNext();
        }
    }

    // Polite close for shutdown; the socket is closed anyway if the peer does not answer.
    void closeForShutdown() {
        if (!open_) {
            abort();
            return;
        }
        if (closing_) {
            return;
        }
        closing_ = true;
        if (writing_) {
            // The message being written must stay alive until its write completes.
            queue_.erase(std::next(queue_.begin()), queue_.end());
            return;  // onWrite starts the close
        }
        queue_.clear();
        startClose();
    }

    void abort() {
        finish();
        beast::get_lowest_layer(ws_).close();
    }

  private:
    void onAccept(beast::error_code ec) {
        if (ec) {
            return;  // handshake failed or timed out: nothing was registered
        }
        if (core_->stopped) {
            abort();
            return;
        }
        open_ = true;
        ++core_->webSocketCount;
        if (core_->onWebSocketOpen) {
            try {
                if (auto first = core_->onWebSocketOpen()) {
                    send(std::move(*first));
                }
            } catch (const std::exception& e) {
                std::cerr << "stationd: WebSocket open handler failed: " << e.what() << '\n';
            }
        }
        read();
    }

    void read() {
        ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                self->finish();
                return;
            }
            // Clients have nothing to tell us yet; reading keeps pings and close working.
            self->buffer_.consume(self->buffer_.size());
            self->read();
        });
    }

    void writeNext() {
        writing_ = true;
        ws_.text(true);
        armTimer(HttpServer::kWriteDeadline);
        ws_.async_write(
            asio::buffer(queue_.front()),
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onWrite(ec); });
    }

    void onWrite(beast::error_code ec) {
        writeTimer_.cancel();
        writing_ = false;
        if (ec) {
            abort();
            return;
        }
        queue_.pop_front();
        if (closing_) {
            queue_.clear();
            startClose();
        } else if (open_ && !queue_.empty()) {
            writeNext();
        }
    }

    void startClose() {
        armTimer(kWebSocketCloseDeadline);
        ws_.async_close(websocket::close_code::going_away,
                        [self = shared_from_this()](beast::error_code) {
                            self->writeTimer_.cancel();
                            self->abort();
                        });
    }

    // A write (or close) that does not finish in time means a peer that stopped reading.
    void armTimer(std::chrono::steady_clock::duration deadline) {
        writeTimer_.expires_after(deadline);
        writeTimer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
            if (ec) {
                return;
            }
            if (auto self = weak.lock()) {
                self->abort();
            }
        });
    }

    void finish() {
        if (open_) {
            open_ = false;
            --core_->webSocketCount;
        }
    }

    std::shared_ptr<HttpServerCore> core_;
    websocket::stream<beast::tcp_stream> ws_;
    asio::steady_timer writeTimer_;
    std::uint64_t id_;
    std::string remote_;
    http::request<http::string_body> request_;
    beast::flat_buffer buffer_;
    std::deque<std::string> queue_;
    bool open_ = false;
    bool writing_ = false;
    bool closing_ = false;
};

// ---------------------------------------------------------------------------------------------
// HTTP session: read a request, answer, repeat while keep-alive; hand over on upgrade.

class HttpSession : public std::enable_shared_from_this<HttpSession> {
  public:
    HttpSession(std::shared_ptr<HttpServerCore> core, tcp::socket socket)
        : core_(std::move(core)), stream_(std::move(socket)), id_(core_->nextSessionId++) {
        beast::error_code ec;
        auto endpoint = stream_.socket().remote_endpoint(ec);
        if (!ec) {
            remote_ = endpoint.address().to_string();
        }
    }

    ~HttpSession() { core_->httpSessions.erase(id_); }

    void run() {
        core_->httpSessions.emplace(id_, weak_from_this());
        readRequest();
    }

    void close() {
        beast::error_code ec;
        stream_.socket().close(ec);
    }

  private:
    void readRequest() {
        parser_.emplace();
        parser_->body_limit(HttpServer::kBodyLimit);
        parser_->header_limit(kHeaderLimit);
        stream_.expires_after(HttpServer::kReadDeadline);
        http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
    }

    void onRead(beast::error_code ec) {
        if (ec == http::error::end_of_stream) {
            shutdown();
            return;
        }
        if (ec == http::error::body_limit) {
            refuse(http::status::payload_too_large, "request body larger than 64 KiB");
            return;
        }
        if (ec == http::error::header_limit) {
            refuse(http::status::request_header_fields_too_large, "request headers too large");
            return;
        }
        if (ec && ec.category() == beast::error_code(http::error::end_of_stream).category() &&
            ec != http::error::partial_message) {
            refuse(http::status::bad_request, "malformed HTTP request: " + ec.message());
            return;
        }
        if (ec || core_->stopped) {
            close();  // timeout, reset, or shutting down: nobody to answer
            return;
        }

        http::request<http::string_body> request = parser_->release();
        if (websocket::is_upgrade(request)) {
            auto target = parseTarget(request.target());
            if (target && core_->isWebSocketPath(target->path)) {
                if (auto refused = core_->guardUpgrade(request, *target, remote_)) {
                    write(*refused, request.version(), false, false);
                    return;
                }
                std::make_shared<WebSocketSession>(core_, std::move(stream_), remote_)
                    ->run(std::move(request));
                return;
            }
        }
        Response response = core_->handle(request, remote_);
        write(response, request.version(), request.keep_alive(), false);
    }

    void refuse(http::status status, std::string_view message) {
        write(Response::error(status, message), 11, false, true);
    }

    void write(const Response& response, unsigned version, bool keepAlive, bool drain) {
        response_.emplace(response.status, version);
        response_->set(http::field::server, "stationd");
        response_->set(http::field::content_type, response.contentType);
        for (const auto& [name, value] : response.headers) {
            response_->set(name, value);
        }
        response_->keep_alive(keepAlive);
        response_->body() = response.body;
        response_->prepare_payload();
        drainAfterWrite_ = drain;
        stream_.expires_after(HttpServer::kWriteDeadline);
        http::async_write(
            stream_, *response_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onWrite(ec); });
    }

    void onWrite(beast::error_code ec) {
        if (ec) {
            close();
            return;
        }
        if (response_->need_eof() || core_->stopped) {
            shutdown();
            return;
        }
        response_.reset();
        readRequest();
    }

    void shutdown() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        if (!drainAfterWrite_ || core_->stopped) {
            close();
            return;
        }
        stream_.expires_after(kDrainDeadline);
        drain();
    }

    void drain() {
        stream_.async_read_some(
            asio::buffer(drainBuffer_),
            [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                self->drained_ += bytes;
                if (ec || self->drained_ > kDrainLimit || self->core_->stopped) {
                    self->close();
                    return;
                }
                self->drain();
            });
    }

    std::shared_ptr<HttpServerCore> core_;
    beast::tcp_stream stream_;
    std::uint64_t id_;
    std::string remote_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<http::response<http::string_body>> response_;
    bool drainAfterWrite_ = false;
    std::size_t drained_ = 0;
    std::array<char, 8192> drainBuffer_{};
};

// ---------------------------------------------------------------------------------------------
// Core: accepting, routing, static files, stop, broadcast

void HttpServerCore::accept() {
    acceptor.async_accept(
        io, [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
            if (self->stopped || ec == asio::error::operation_aborted) {
                return;
            }
            if (!ec) {
                std::make_shared<HttpSession>(self, std::move(socket))->run();
                self->accept();
                return;
            }
            // Out of file descriptors and the like: keep serving, without spinning.
            std::cerr << "stationd: accepting a connection failed: " << ec.message() << '\n';
            self->acceptRetry.expires_after(kAcceptRetryDelay);
            self->acceptRetry.async_wait([self](beast::error_code timerError) {
                if (!timerError && !self->stopped) {
                    self->accept();
                }
            });
        });
}

void HttpServerCore::stopNow() {
    stopped = true;
    beast::error_code ec;
    acceptor.close(ec);
    acceptRetry.cancel();
    // Copies: closing may end sessions, which erase themselves from these maps.
    auto http = httpSessions;
    for (auto& [id, weak] : http) {
        if (auto session = weak.lock()) {
            session->close();
        }
    }
    auto sockets = webSocketSessions;
    for (auto& [id, weak] : sockets) {
        if (auto session = weak.lock()) {
            session->closeForShutdown();
        }
    }
}

void HttpServerCore::broadcastNow(const std::string& text) {
    std::vector<std::shared_ptr<WebSocketSession>> targets;
    for (auto& [id, weak] : webSocketSessions) {
        if (auto session = weak.lock()) {
            targets.push_back(std::move(session));
        }
    }
    for (auto& session : targets) {
        session->send(text);
    }
}

namespace {

Request makeRequest(const http::request<http::string_body>& message, ParsedTarget& target,
                    const std::string& remote) {
    Request request;
    request.method = message.method();
    request.target = std::string(message.target());
    request.path = target.path;
    request.query = std::move(target.query);
    request.body = message.body();
    request.headers = message.base();
    request.remoteAddress = remote;
    return request;
}

}  // namespace

std::optional<Response> HttpServerCore::guardUpgrade(
    const http::request<http::string_body>& message, const ParsedTarget& target,
    const std::string& remote) {
    if (!guard) {
        return std::nullopt;
    }
    ParsedTarget copy = target;
    Request request = makeRequest(message, copy, remote);
    return guard(request, {});
}

Response HttpServerCore::handle(const http::request<http::string_body>& message,
                                const std::string& remote) {
    auto target = parseTarget(message.target());
    if (!target) {
        return Response::error(http::status::bad_request, "malformed request target");
    }

    Request request = makeRequest(message, *target, remote);

    const Route* chosen = nullptr;
    std::vector<http::verb> allowed;
    for (const Route& route : routes) {
        if (route.segments.size() != target->segments.size()) {
            continue;
        }
        std::map<std::string, std::string> captured;
        bool matches = true;
        for (std::size_t i = 0; i < route.segments.size() && matches; ++i) {
            const std::string& want = route.segments[i];
            if (isCapture(want)) {
                captured[want.substr(1, want.size() - 2)] = target->segments[i];
            } else {
                matches = want == target->segments[i];
            }
        }
        if (!matches) {
            continue;
        }
        if (route.method != request.method) {
            if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
                allowed.push_back(route.method);
            }
            continue;
        }
        if (chosen == nullptr || route.literals > chosen->literals) {
            chosen = &route;
            request.params = std::move(captured);
        }
    }

    if (chosen != nullptr) {
        try {
            if (guard) {
                if (auto refused = guard(request, chosen->roles)) {
                    return *refused;
                }
            }
            return chosen->handler(request);
        } catch (const std::exception& e) {
            std::cerr << "stationd: " << request.method << ' ' << request.path
                      << " failed: " << e.what() << '\n';
            return Response::error(http::status::internal_server_error,
                                   std::string("internal error: ") + e.what());
        } catch (...) {
            std::cerr << "stationd: " << request.method << ' ' << request.path
                      << " failed with an unknown exception\n";
            return Response::error(http::status::internal_server_error, "internal error");
        }
    }
    if (!allowed.empty()) {
        std::string allow;
        for (http::verb verb : allowed) {
            if (!allow.empty()) {
                allow += ", ";
            }
            allow += std::string(http::to_string(verb));
        }
        Response response =
            Response::error(http::status::method_not_allowed,
                            std::string(http::to_string(request.method)) + " is not allowed on " +
                                request.path + " (allowed: " + allow + ")");
        response.headers.emplace_back("Allow", allow);
        return response;
    }
    if (auto file = serveStatic(request, target->segments)) {
        return *file;
    }
    if (isWebSocketPath(request.path)) {
        return Response::error(http::status::upgrade_required,
                               request.path + " is a WebSocket endpoint");
    }
    return Response::error(http::status::not_found, "no such endpoint: " + request.path);
}

std::optional<Response> HttpServerCore::serveStatic(
    const Request& request, const std::vector<std::string>& segments) const {
    for (const StaticDirectory& directory : staticDirectories) {
        const auto& prefix = directory.prefix;
        if (segments.size() < prefix.size() ||
            !std::equal(prefix.begin(), prefix.end(), segments.begin())) {
            continue;
        }
        if (request.method != http::verb::get) {
            Response response =
                Response::error(http::status::method_not_allowed, "static files are read-only");
            response.headers.emplace_back("Allow", "GET");
            return response;
        }
        std::filesystem::path file = directory.dir;
        for (auto it = segments.begin() + static_cast<std::ptrdiff_t>(prefix.size());
             it != segments.end(); ++it) {
            // A decoded segment may hold "%2F" turned into '/', hence the check on '/' too.
            if (*it == ".." || it->find('/') != std::string::npos ||
                it->find('\0') != std::string::npos) {
                return Response::error(http::status::bad_request,
                                       "path leaves the static directory: " + request.path);
            }
            if (!it->empty()) {
                file /= *it;
            }
        }
        if (segments.size() == prefix.size() || segments.back().empty()) {
            file /= "index.html";
        }
        std::error_code ec;
        if (!std::filesystem::is_regular_file(file, ec)) {
            return Response::error(http::status::not_found, "no such file: " + request.path);
        }
        std::ifstream in(file, std::ios::binary);
        std::ostringstream content;
        content << in.rdbuf();
        if (!in) {
            return Response::error(http::status::internal_server_error,
                                   "cannot read " + request.path);
        }
        Response response;
        response.contentType = contentTypeFor(file);
        response.body = std::move(content).str();
        response.headers.emplace_back("Cache-Control", "no-cache");
        return response;
    }
    return std::nullopt;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// HttpServer

HttpServer::HttpServer(asio::io_context& io, std::string address, unsigned short port)
    : io_(io), core_(std::make_shared<detail::HttpServerCore>(io, std::move(address), port)) {}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::route(http::verb method, std::string pattern, Handler handler, Roles roles) {
    detail::Route route;
    route.method = method;
    route.roles = std::move(roles);
    route.segments = detail::splitPath(pattern);
    route.literals = static_cast<int>(
        std::count_if(route.segments.begin(), route.segments.end(),
                      [](const std::string& segment) { return !detail::isCapture(segment); }));
    route.pattern = std::move(pattern);
    route.handler = std::move(handler);
    core_->routes.push_back(std::move(route));
}

void HttpServer::guard(Guard check) {
    core_->guard = std::move(check);
}

void HttpServer::websocket(std::string path) {
    core_->webSocketPaths.push_back(std::move(path));
}

void HttpServer::onWebSocketOpen(WebSocketOpenHandler handler) {
    core_->onWebSocketOpen = std::move(handler);
}

void HttpServer::staticDirectory(std::string urlPrefix, std::filesystem::path dir) {
    auto prefix = detail::splitPath(urlPrefix);
    while (!prefix.empty() && prefix.back().empty()) {
        prefix.pop_back();
    }
    core_->staticDirectories.push_back({std::move(prefix), std::move(dir)});
}

std::string HttpServer::start() {
    auto& core = *core_;
    std::string where = core.address + ":" + std::to_string(core.port);
    beast::error_code ec;
    auto address = asio::ip::make_address(core.address, ec);
    if (ec) {
        return "cannot listen on " + where + ": '" + core.address + "' is not an IP address";
    }
    tcp::endpoint endpoint(address, core.port);
    core.acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        core.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        core.acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        core.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        beast::error_code ignored;
        core.acceptor.close(ignored);
        return "cannot listen on " + where + ": " + ec.message();
    }
    core.boundPort = core.acceptor.local_endpoint(ec).port();
    core.stopped = false;
    core.accept();
    return {};
}

unsigned short HttpServer::boundPort() const {
    return core_->boundPort;
}

void HttpServer::broadcast(std::string text) {
    asio::dispatch(io_, [core = core_, text = std::move(text)] { core->broadcastNow(text); });
}

void HttpServer::stop() {
    if (io_.stopped()) {
        // Nobody runs the io_context (after run() returned): safe to close right here.
        core_->stopNow();
        return;
    }
    asio::dispatch(io_, [core = core_] { core->stopNow(); });
}

std::size_t HttpServer::webSocketClientCount() const {
    return core_->webSocketCount;
}

}  // namespace station
