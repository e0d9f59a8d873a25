#include "sync/HttpsClient.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <ctime>
#include <exception>
#include <iomanip>
#include <locale>
#include <sstream>
#include <type_traits>

namespace shop {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kResponseBodyLimit = 64 * 1024 * 1024;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

bool isLoopbackHost(const std::string& host) {
    if (host == "localhost") {
        return true;
    }
    beast::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    return !ec && address.is_loopback();
}

bool isIpLiteral(const std::string& host) {
    beast::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

std::string describeTimeout(std::chrono::milliseconds timeout) {
    if (timeout.count() % 1000 == 0) {
        return std::to_string(timeout.count() / 1000) + " s";
    }
    return std::to_string(timeout.count()) + " ms";
}

std::string lowerFirst(std::string message) {
    if (!message.empty()) {
        message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
    }
    return message;
}

std::string describe(const beast::error_code& ec, std::chrono::milliseconds timeout) {
    if (ec == asio::error::connection_refused) {
        return "connection refused";
    }
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::timed_out) {
        return "no answer within " + describeTimeout(timeout);
    }
    if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again) {
        return "unknown host";
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == ssl::error::stream_truncated) {
        return "the connection was closed without an answer";
    }
    if (ec == asio::error::connection_reset) {
        return "the connection was reset";
    }
    return lowerFirst(ec.message());
}

// Everything one request needs and produces; lives on request()'s stack while the coroutine
// runs on the client's io_context.
struct Exchange {
    const HttpEndpoint& endpoint;
    std::chrono::milliseconds timeout;
    std::chrono::steady_clock::time_point deadline;
    http::request<http::string_body> request;
    HttpResponse response;
    std::string untrustedWhy;  // set by the verify callback when it refuses the certificate
};

void fail(Exchange& x, HttpResponse::Failure failure, std::string message) {
    x.response.failure = failure;
    x.response.error = std::move(message);
}

template <class Stream>
asio::awaitable<void> runExchange(Stream& stream, Exchange& x) {
    constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
    const std::string where = x.endpoint.text;
    auto executor = co_await asio::this_coro::executor;

    // The resolver has no deadline of its own: a timer cancels it.
    tcp::resolver resolver(executor);
    asio::steady_timer resolveTimer(executor, x.deadline);
    resolveTimer.async_wait([&resolver](beast::error_code ec) {
        if (!ec) {
            resolver.cancel();
        }
    });
    auto [resolveError, endpoints] =
        co_await resolver.async_resolve(x.endpoint.host, x.endpoint.port, kTuple);
    resolveTimer.cancel();
    if (resolveError) {
        fail(x, HttpResponse::Failure::NotSent,
             "cannot reach " + where + ": " + describe(resolveError, x.timeout));
        co_return;
    }

    auto& socket = beast::get_lowest_layer(stream);
    socket.expires_at(x.deadline);
    auto [connectError, connected] = co_await socket.async_connect(endpoints, kTuple);
    (void)connected;
    if (connectError) {
        fail(x, HttpResponse::Failure::NotSent,
             "cannot reach " + where + ": " + describe(connectError, x.timeout));
        co_return;
    }

    if constexpr (kTls) {
        socket.expires_at(x.deadline);
        auto [handshakeError] = co_await stream.async_handshake(ssl::stream_base::client, kTuple);
        if (handshakeError) {
            if (!x.untrustedWhy.empty()) {
                fail(x, HttpResponse::Failure::Untrusted,
                     "refusing the TLS certificate of " + where + ": " + x.untrustedWhy +
                         " (fix the certificate, or trust its CA with caFile)");
            } else {
                fail(x, HttpResponse::Failure::NotSent,
                     "TLS handshake with " + where +
                         " failed: " + describe(handshakeError, x.timeout) + " (does port " +
                         x.endpoint.port + " serve HTTPS?)");
            }
            co_return;
        }
    }

    socket.expires_at(x.deadline);
    auto [writeError, written] = co_await http::async_write(stream, x.request, kTuple);
    (void)written;
    if (writeError) {
        // Part of the request may have reached the server: only its own record can tell.
        fail(x, HttpResponse::Failure::MaybeSent,
             "sending to " + where + " failed: " + describe(writeError, x.timeout));
        co_return;
    }

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kResponseBodyLimit);
    socket.expires_at(x.deadline);
    auto [readError, read] = co_await http::async_read(stream, buffer, parser, kTuple);
    (void)read;
    if (readError) {
        fail(x, HttpResponse::Failure::MaybeSent,
             "no complete answer from " + where + ": " + describe(readError, x.timeout));
        co_return;
    }
    auto message = parser.release();
    x.response.status = static_cast<int>(message.result_int());
    x.response.headers = message.base();
    x.response.body = std::move(message.body());
    // Connection: close was asked for; no TLS close_notify wait, the answer is complete.
    beast::error_code ignored;
    socket.socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket.close();
}

}  // namespace

HttpEndpoint parseHttpEndpoint(std::string_view url) {
    HttpEndpoint endpoint;
    endpoint.text = std::string(url);
    while (endpoint.text.size() > 1 && endpoint.text.back() == '/') {
        endpoint.text.pop_back();
    }
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        endpoint.error =
            "'" + endpoint.text + "' is not a URL (expected e.g. https://shop.example/wp-json)";
        return endpoint;
    }
    if (parsed->has_userinfo()) {
        // Keeps the credentials out of every message that names the URL.
        endpoint.text = "the shop URL";
        endpoint.error =
            "the shop URL must not contain credentials: set the key and secret instead";
        return endpoint;
    }
    if (parsed->has_query() || parsed->has_fragment()) {
        endpoint.error = "'" + endpoint.text + "' must not have a query or fragment";
        return endpoint;
    }
    if (parsed->scheme() == "https") {
        endpoint.tls = true;
    } else if (parsed->scheme() == "http") {
        endpoint.tls = false;
    } else {
        endpoint.error = "'" + endpoint.text + "': only https:// URLs are supported";
        return endpoint;
    }
    endpoint.host = parsed->host();
    if (endpoint.host.size() > 2 && endpoint.host.front() == '[' && endpoint.host.back() == ']') {
        endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
    }
    if (endpoint.host.empty()) {
        endpoint.error = "'" + endpoint.text + "' has no host";
        return endpoint;
    }
    if (!endpoint.tls && !isLoopbackHost(endpoint.host)) {
        endpoint.error = "'" + endpoint.text +
                         "': plain http:// would send the shop credentials in clear text; use "
                         "https:// (http:// is accepted for 127.0.0.1 and localhost only)";
        return endpoint;
    }
    endpoint.port =
        parsed->has_port() ? std::string(parsed->port()) : (endpoint.tls ? "443" : "80");
    endpoint.pathPrefix = std::string(parsed->encoded_path());
    while (!endpoint.pathPrefix.empty() && endpoint.pathPrefix.back() == '/') {
        endpoint.pathPrefix.pop_back();
    }
    return endpoint;
}

HttpsClient::HttpsClient(std::string baseUrl, HttpsClientSettings settings)
    : endpoint_(parseHttpEndpoint(baseUrl)), settings_(std::move(settings)) {
    if (!endpoint_.error.empty() || !endpoint_.tls) {
        return;
    }
    ssl_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    ssl_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (!settings_.verifyTls) {
        ssl_->set_verify_mode(ssl::verify_none);
        return;
    }
    ssl_->set_verify_mode(ssl::verify_peer);
    beast::error_code ec;
    ssl_->set_default_verify_paths(ec);
    if (!settings_.caFile.empty()) {
        ssl_->load_verify_file(settings_.caFile, ec);
        if (ec) {
            setupError_ =
                "cannot read the CA file '" + settings_.caFile + "': " + lowerFirst(ec.message());
        }
    }
}

HttpsClient::~HttpsClient() = default;

HttpResponse HttpsClient::request(http::verb method, std::string_view target, std::string body,
                                  const http::fields& extraHeaders) {
    if (!endpoint_.error.empty() || !setupError_.empty()) {
        HttpResponse response;
        response.failure = HttpResponse::Failure::Unusable;
        response.error = endpoint_.error.empty() ? setupError_ : endpoint_.error;
        return response;
    }

    Exchange x{
        endpoint_, settings_.timeout, std::chrono::steady_clock::now() + settings_.timeout, {}, {},
        {}};
    x.request = {method, endpoint_.pathPrefix + std::string(target), 11};
    for (const auto& field : extraHeaders) {
        x.request.set(field.name_string(), field.value());
    }
    bool defaultPort = endpoint_.port == (endpoint_.tls ? "443" : "80");
    std::string hostHeader =
        endpoint_.host.find(':') != std::string::npos ? "[" + endpoint_.host + "]" : endpoint_.host;
    x.request.set(http::field::host, defaultPort ? hostHeader : hostHeader + ":" + endpoint_.port);
    x.request.set(http::field::user_agent, settings_.userAgent);
    x.request.set(http::field::accept, "application/json");
    x.request.keep_alive(false);
    if (!body.empty() || method == http::verb::post || method == http::verb::put) {
        x.request.set(http::field::content_type, "application/json");
        x.request.body() = std::move(body);
        x.request.prepare_payload();
    }

    std::exception_ptr crashed;
    auto done = [&crashed](std::exception_ptr e) { crashed = e; };
    // Declared after x and before the spawn: destroyed (closing the socket) before x goes.
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
    if (endpoint_.tls) {
        secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, *ssl_);
        if (!isIpLiteral(endpoint_.host)) {
            // SNI: a shared host serves the right certificate only when told the name.
            SSL_set_tlsext_host_name(secure->native_handle(), endpoint_.host.c_str());
        }
        if (settings_.verifyTls) {
            secure->set_verify_callback([verifier = ssl::host_name_verification(endpoint_.host),
                                         &x](bool preverified, ssl::verify_context& context) {
                if (!preverified) {
                    int error = X509_STORE_CTX_get_error(context.native_handle());
                    x.untrustedWhy = X509_verify_cert_error_string(error);
                    return false;
                }
                if (!verifier(preverified, context)) {
                    x.untrustedWhy = "the certificate is not issued for '" + x.endpoint.host + "'";
                    return false;
                }
                return true;
            });
        }
        asio::co_spawn(io_, runExchange(*secure, x), done);
    } else {
        plain = std::make_unique<beast::tcp_stream>(io_);
        asio::co_spawn(io_, runExchange(*plain, x), done);
    }
    io_.restart();
    io_.run();
    if (crashed) {
        try {
            std::rethrow_exception(crashed);
        } catch (const std::exception& e) {
            // Beyond the expected failures (allocation, a parser limit): the request may have left.
            x.response = {};
            x.response.failure = HttpResponse::Failure::MaybeSent;
            x.response.error = "request to " + endpoint_.text + " failed: " + e.what();
        }
    }
    return std::move(x.response);
}

std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now) {
    while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
    }
    while (!value.empty() && value.back() == ' ') {
        value.remove_suffix(1);
    }
    if (value.empty()) {
        return std::nullopt;
    }
    bool digits = true;
    for (char c : value) {
        digits = digits && std::isdigit(static_cast<unsigned char>(c));
    }
    if (digits) {
        if (value.size() > 9) {
            return std::chrono::seconds(999999999);
        }
        return std::chrono::seconds(std::stol(std::string(value)));
    }
    // IMF-fixdate, the only date form senders may use: "Sun, 06 Nov 1994 08:49:37 GMT".
    std::tm tm{};
    std::istringstream in{std::string(value)};
    in.imbue(std::locale::classic());
    in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
    if (in.fail()) {
        return std::nullopt;
    }
    auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
    auto delay = std::chrono::duration_cast<std::chrono::seconds>(when - now);
    return delay.count() < 0 ? std::chrono::seconds(0) : delay;
}

std::string base64Encode(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16 |
                     static_cast<unsigned char>(bytes[i + 1]) << 8 |
                     static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (i + 1 == bytes.size()) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16 |
                     static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

}  // namespace shop
