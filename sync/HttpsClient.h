// A small blocking HTTP(S) client for the shop adapters: one connection per request, a deadline
// on the whole exchange, TLS verified by default, and failures that say whether the request left.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace shop {

// Where a shop's API lives: "https://shop.example/wp-json" or, for a simulator on this machine
// only, "http://127.0.0.1:8081/wp-json".
struct HttpEndpoint {
    std::string text;  // as given, without a trailing slash, for messages
    bool tls = true;
    std::string host;  // without the brackets of an IPv6 literal
    std::string port;
    std::string pathPrefix;  // without trailing slash, e.g. "/wp-json"
    std::string error;       // why the URL cannot be used, or empty
};
// Plain http:// is refused except for a loopback host: credentials must not cross a network
// in clear text.
HttpEndpoint parseHttpEndpoint(std::string_view url);

struct HttpsClientSettings {
    bool verifyTls = true;
    std::string caFile;  // PEM file of extra trusted certificates (a private CA), or empty
    std::chrono::milliseconds timeout{10000};  // for the whole exchange, connection included
    std::string userAgent = "stationd";
};

struct HttpResponse {
    enum class Failure {
        None,       // an HTTP answer came (any status)
        NotSent,    // nothing reached the server: refused, unknown host, TLS handshake failed
        MaybeSent,  // the connection broke or timed out after (part of) the request was written
        Untrusted,  // the server's certificate was refused: retrying will not help
        Unusable    // the client itself cannot work (bad URL, unreadable CA file)
    };
    Failure failure = Failure::None;
    int status = 0;
    std::string body;
    boost::beast::http::fields headers;
    std::string error;  // never contains the request target (it may carry credentials)

    bool answered() const { return failure == Failure::None; }
};

class HttpsClient {
  public:
    HttpsClient(std::string baseUrl, HttpsClientSettings settings);
    ~HttpsClient();
    HttpsClient(const HttpsClient&) = delete;
    HttpsClient& operator=(const HttpsClient&) = delete;

    // target is appended to the base URL's path, e.g. "/wc/v3/orders?page=2". Blocks until the
    // answer, a failure or the timeout.
    HttpResponse request(boost::beast::http::verb method, std::string_view target,
                         std::string body = "",
                         const boost::beast::http::fields& extraHeaders = {});

    const HttpEndpoint& endpoint() const { return endpoint_; }

  private:
    HttpEndpoint endpoint_;
    HttpsClientSettings settings_;
    std::string setupError_;  // e.g. the CA file cannot be read
    boost::asio::io_context io_;
    std::unique_ptr<boost::asio::ssl::context> ssl_;
};

// The delay a Retry-After header asks for: delta-seconds or an HTTP date (RFC 9110), measured
// from `now`. nullopt when the value is neither.
std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now);

std::string base64Encode(std::string_view bytes);

}  // namespace shop
