#include "tools/shopsim/ShopSimulator.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <type_traits>

namespace shopsim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr std::size_t kRequestBodyLimit = 16 * 1024 * 1024;
constexpr std::size_t kBatchLimit = 100;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

std::string nowUtc() {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
    return buffer;
}

// WooCommerce's *_gmt fields have no zone; "2024-05-01T10:00:00Z", "...+00:00", "...123" and
// a bare date all compare as "YYYY-MM-DDTHH:MM:SS".
std::string normaliseDate(std::string date) {
    if (date.size() == 10) {
        return date + "T00:00:00";
    }
    return date.substr(0, std::min<std::size_t>(date.size(), 19));
}

std::string text(const json::value& value) {
    switch (value.kind()) {
        case json::kind::string:
            return std::string(value.get_string());
        case json::kind::int64:
            return std::to_string(value.get_int64());
        case json::kind::uint64:
            return std::to_string(value.get_uint64());
        case json::kind::bool_:
            return value.get_bool() ? "true" : "false";
        case json::kind::null:
            return "";
        default:
            return json::serialize(value);
    }
}

std::string field(const json::object& object, std::string_view key) {
    auto* value = object.if_contains(key);
    return value ? text(*value) : std::string();
}

long long integer(const json::value* value) {
    if (!value) {
        return 0;
    }
    if (value->is_int64()) {
        return value->get_int64();
    }
    if (value->is_uint64()) {
        return static_cast<long long>(value->get_uint64());
    }
    if (value->is_double()) {
        return std::llround(value->get_double());
    }
    if (value->is_string()) {
        try {
            return std::stoll(std::string(value->get_string()));
        } catch (const std::exception&) {
            return 0;
        }
    }
    return 0;
}

double decimal(const json::value* value) {
    if (!value) {
        return 0;
    }
    if (value->is_double()) {
        return value->get_double();
    }
    if (value->is_string()) {
        try {
            return std::stod(std::string(value->get_string()));
        } catch (const std::exception&) {
            return 0;
        }
    }
    return static_cast<double>(integer(value));
}

std::string money(double amount) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", amount);
    return buffer;
}

std::optional<std::string> base64Decode(std::string_view in) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z')
            return c - 'A';
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 26;
        if (c >= '0' && c <= '9')
            return c - '0' + 52;
        if (c == '+')
            return 62;
        if (c == '/')
            return 63;
        return -1;
    };
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') {
            break;
        }
        int v = value(c);
        if (v < 0) {
            return std::nullopt;
        }
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

bool isSlug(const std::string& word) {
    return !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
        return std::islower(c) || std::isdigit(c) || c == '-' || c == '_';
    });
}

std::vector<std::string> splitList(const std::string& list) {
    std::vector<std::string> words;
    std::stringstream in(list);
    std::string word;
    while (std::getline(in, word, ',')) {
        if (!word.empty()) {
            words.push_back(word);
        }
    }
    return words;
}

json::object wooError(const std::string& code, const std::string& message, int status) {
    return {{"code", code}, {"message", message}, {"data", json::object{{"status", status}}}};
}

Response jsonResponse(int status, const json::value& body) {
    Response response{static_cast<http::status>(status), 11};
    response.set(http::field::content_type, "application/json; charset=UTF-8");
    response.set(http::field::server, "shopsim");
    response.body() = json::serialize(body);
    return response;
}

Response errorResponse(const std::string& code, const std::string& message, int status) {
    return jsonResponse(status, wooError(code, message, status));
}

Response noRoute() {
    return errorResponse("rest_no_route", "No route was found matching the URL and request method.",
                         404);
}

Response invalidOrder() {
    return errorResponse("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404);
}

// The log must not show what the request authenticates with.
std::string redactTarget(std::string target) {
    std::size_t at = target.find("consumer_secret=");
    if (at != std::string::npos) {
        at += std::string_view("consumer_secret=").size();
        std::size_t end = target.find('&', at);
        target.replace(at, end == std::string::npos ? std::string::npos : end - at, "***");
    }
    return target;
}

struct Faults {
    int latencyMs = 0;
    int status = 0;
    std::string retryAfter;
    bool dropAfterApply = false;
    long count = -1;  // requests left to fault; -1: every request
    bool wrongCredentials = false;
    std::string match;  // only requests whose "METHOD /path" contains this

    bool active() const {
        return count != 0 && (latencyMs > 0 || status != 0 || dropAfterApply || wrongCredentials);
    }
    json::object toJson() const {
        return {{"latency_ms", latencyMs},
                {"status", status},
                {"retry_after", retryAfter},
                {"drop_after_apply", dropAfterApply},
                {"count", count},
                {"wrong_credentials", wrongCredentials},
                {"match", match}};
    }
};

struct Reply {
    Response response;
    bool drop = false;  // close the connection without answering
    std::chrono::milliseconds delay{0};
};

}  // namespace

struct ShopSimulator::Impl {
    Impl(asio::io_context& context, SimOptions simOptions)
        : io(context), options(std::move(simOptions)), acceptor(context) {}

    asio::io_context& io;
    SimOptions options;
    std::unique_ptr<ssl::context> sslContext;
    tcp::acceptor acceptor;
    unsigned short boundPort = 0;
    json::value seedStore = json::object{};

    // The shop.
    std::map<long long, json::object> orders;
    std::map<long long, json::object> products;  // products and variations (parent_id != 0)
    std::map<long long, json::array> notes;
    std::map<long long, json::array> trackings;
    std::map<long long, json::array> refunds;
    long long nextObjectId = 900000;  // notes, refunds and new orders
    bool trackingPlugin = true;
    Faults faults;

    // What was asked and done, for /_sim/counts.
    std::map<std::string, long> requests;
    std::map<std::string, long> auth;
    std::map<long long, long> trackingCounts, statusChanges, noteCounts, refundCounts;
    std::map<std::string, long> restocked;
    long faulted = 0;
    long dropped = 0;

    std::string load(const json::value& store);
    void reset();
    Reply handle(const Request& request, const std::string& peer);
    Reply control(const Request& request, const std::string& path);
    Response dispatch(const Request& request, const std::vector<std::string>& segments,
                      const boost::urls::params_view& params);
    bool authorised(const Request& request, const boost::urls::params_view& params);

    Response listOrders(const boost::urls::params_view& params);
    std::optional<std::string> updateOrder(json::object& order, const json::object& changes);
    Response batch(const json::value& body);
    Response addNote(long long id, const json::value& body);
    Response listNotes(long long id, const boost::urls::params_view& params);
    Response addRefund(long long id, const json::value& body);
    Response addTracking(long long id, const json::value& body);
    Response listProducts(const boost::urls::params_view& params, long long parent);
    json::object counts() const;
    void log(const Request& request, const std::string& peer, int status,
             const std::string& extra) const;
};

namespace {

std::optional<std::string> param(const boost::urls::params_view& params, std::string_view name) {
    auto found = params.find(name);
    if (found == params.end() || !(*found).has_value) {
        return std::nullopt;
    }
    return std::string((*found).value);
}

template <class Stream>
asio::awaitable<void> serveConnection(std::shared_ptr<ShopSimulator::Impl> impl, Stream stream,
                                      std::string peer) {
    constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
    auto& socket = beast::get_lowest_layer(stream);
    if constexpr (kTls) {
        socket.expires_after(kIdleTimeout);
        auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kTuple);
        if (ec) {
            if (impl->options.log) {
                std::cerr << "shopsim: " << peer << " TLS handshake failed: " << ec.message()
                          << std::endl;
            }
            co_return;
        }
    }
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(kRequestBodyLimit);
        socket.expires_after(kIdleTimeout);
        auto [readError, read] = co_await http::async_read(stream, buffer, parser, kTuple);
        (void)read;
        if (readError) {
            break;
        }
        Request request = parser.release();
        Reply reply = impl->handle(request, peer);
        if (reply.delay.count() > 0) {
            asio::steady_timer timer(co_await asio::this_coro::executor, reply.delay);
            co_await timer.async_wait(kTuple);
        }
        if (reply.drop) {
            break;
        }
        bool keepAlive = request.keep_alive();
        reply.response.keep_alive(keepAlive);
        reply.response.prepare_payload();
        socket.expires_after(kIdleTimeout);
        auto [writeError, written] = co_await http::async_write(stream, reply.response, kTuple);
        (void)written;
        if (writeError || !keepAlive) {
            break;
        }
    }
    beast::error_code ignored;
    socket.socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket.close();
}

asio::awaitable<void> acceptConnections(std::shared_ptr<ShopSimulator::Impl> impl) {
    for (;;) {
        auto [ec, socket] = co_await impl->acceptor.async_accept(kTuple);
        if (ec) {
            if (!impl->acceptor.is_open() || ec == asio::error::operation_aborted) {
                co_return;
            }
            continue;
        }
        beast::error_code peerError;
        auto remote = socket.remote_endpoint(peerError);
        std::string peer = peerError ? "?" : remote.address().to_string();
        if (impl->sslContext) {
            asio::co_spawn(
                impl->io,
                serveConnection(impl,
                                beast::ssl_stream<beast::tcp_stream>(
                                    beast::tcp_stream(std::move(socket)), *impl->sslContext),
                                peer),
                asio::detached);
        } else {
            asio::co_spawn(impl->io,
                           serveConnection(impl, beast::tcp_stream(std::move(socket)), peer),
                           asio::detached);
        }
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// State

std::string ShopSimulator::Impl::load(const json::value& store) {
    const json::array* orderList = nullptr;
    const json::array* productList = nullptr;
    if (store.is_array()) {
        orderList = &store.get_array();
    } else if (store.is_object()) {
        const auto& object = store.get_object();
        if (object.contains("id")) {
            // A single order.
            json::array single{store};
            return load(single);
        }
        if (auto* o = object.if_contains("orders"); o && o->is_array()) {
            orderList = &o->get_array();
        }
        if (auto* p = object.if_contains("products"); p && p->is_array()) {
            productList = &p->get_array();
        }
    } else {
        return "a store is an object with \"orders\" and \"products\", or an array of orders";
    }

    if (productList) {
        for (const auto& value : *productList) {
            if (!value.is_object() || integer(value.get_object().if_contains("id")) <= 0) {
                return "every product needs a numeric \"id\"";
            }
            json::object product = value.get_object();
            long long id = integer(product.if_contains("id"));
            json::array variationIds;
            if (auto* variations = product.if_contains("variations");
                variations && variations->is_array()) {
                for (const auto& variation : variations->get_array()) {
                    if (!variation.is_object()) {
                        continue;  // already a list of ids
                    }
                    json::object v = variation.get_object();
                    long long vid = integer(v.if_contains("id"));
                    if (vid <= 0) {
                        return "every variation needs a numeric \"id\"";
                    }
                    v["parent_id"] = id;
                    v["type"] = "variation";
                    variationIds.push_back(vid);
                    products[vid] = std::move(v);
                }
            }
            product["variations"] = std::move(variationIds);
            product["parent_id"] = 0;
            if (!product.contains("type")) {
                product["type"] = "simple";
            }
            products[id] = std::move(product);
        }
    }
    if (orderList) {
        for (const auto& value : *orderList) {
            if (!value.is_object()) {
                return "every order must be a JSON object";
            }
            json::object order = value.get_object();
            long long id = integer(order.if_contains("id"));
            if (id <= 0) {
                id = orders.empty() ? 1 : orders.rbegin()->first + 1;
                order["id"] = id;
            }
            if (field(order, "number").empty()) {
                order["number"] = std::to_string(id);
            }
            if (field(order, "status").empty()) {
                order["status"] = "processing";
            }
            std::string now = nowUtc();
            for (const char* key : {"date_created_gmt", "date_modified_gmt"}) {
                if (field(order, key).empty()) {
                    order[key] = now;
                }
            }
            order["date_created"] = order["date_created_gmt"];
            order["date_modified"] = order["date_modified_gmt"];
            for (const char* key : {"line_items", "shipping_lines", "meta_data", "refunds"}) {
                if (!order.contains(key)) {
                    order[key] = json::array{};
                }
            }
            orders[id] = std::move(order);
        }
    }
    return "";
}

void ShopSimulator::Impl::reset() {
    orders.clear();
    products.clear();
    notes.clear();
    trackings.clear();
    refunds.clear();
    trackingPlugin = true;
    faults = {};
    requests.clear();
    auth.clear();
    trackingCounts.clear();
    statusChanges.clear();
    noteCounts.clear();
    refundCounts.clear();
    restocked.clear();
    faulted = 0;
    dropped = 0;
    load(seedStore);
}

json::object ShopSimulator::Impl::counts() const {
    auto byOrder = [](const std::map<long long, long>& counts) {
        json::object out;
        for (const auto& [id, n] : counts) {
            out[std::to_string(id)] = n;
        }
        return out;
    };
    auto byName = [](const std::map<std::string, long>& counts) {
        json::object out;
        for (const auto& [name, n] : counts) {
            out[name] = n;
        }
        return out;
    };
    return {{"requests", byName(requests)},
            {"auth", byName(auth)},
            {"trackings", byOrder(trackingCounts)},
            {"status_changes", byOrder(statusChanges)},
            {"notes", byOrder(noteCounts)},
            {"refunds", byOrder(refundCounts)},
            {"restocked", byName(restocked)},
            {"faulted", faulted},
            {"dropped", dropped}};
}

void ShopSimulator::Impl::log(const Request& request, const std::string& peer, int status,
                              const std::string& extra) const {
    if (!options.log) {
        return;
    }
    std::cerr << "shopsim: " << peer << " " << request.method_string() << " "
              << redactTarget(std::string(request.target())) << " -> " << status << extra
              << std::endl;
}

// ---------------------------------------------------------------------------------------------
// Requests

Reply ShopSimulator::Impl::handle(const Request& request, const std::string& peer) {
    Reply reply;
    auto parsed = boost::urls::parse_origin_form(request.target());
    if (!parsed) {
        reply.response = errorResponse("rest_invalid_url", "Malformed request target.", 400);
        log(request, peer, 400, "");
        return reply;
    }
    std::string path = parsed->path();
    if (path.rfind("/_sim/", 0) == 0) {
        reply = control(request, path);
        log(request, peer, reply.response.result_int(), "");
        return reply;
    }

    std::vector<std::string> segments;
    for (auto segment : parsed->segments()) {
        segments.push_back(segment);
    }
    // Counted by route: ids become {id} so that a test can ask "how many PUT /orders/{id}".
    std::string route = std::string(request.method_string()) + " ";
    for (std::size_t i = 1; i < segments.size(); ++i) {
        bool id =
            !segments[i].empty() && std::all_of(segments[i].begin(), segments[i].end(),
                                                [](unsigned char c) { return std::isdigit(c); });
        route += "/" + (id ? std::string("{id}") : segments[i]);
    }
    ++requests[route];

    std::string extra;
    bool faultApplies = faults.active() &&
                        (faults.match.empty() ||
                         (std::string(request.method_string()) + " " + path).find(faults.match) !=
                             std::string::npos);
    if (faultApplies) {
        if (faults.count > 0) {
            --faults.count;
        }
        ++faulted;
        reply.delay = std::chrono::milliseconds(faults.latencyMs);
        if (faults.wrongCredentials) {
            ++auth["rejected"];
            reply.response = errorResponse("woocommerce_rest_cannot_view",
                                           "Sorry, you cannot list resources.", 401);
            log(request, peer, 401, " (fault: wrong credentials)");
            return reply;
        }
        if (faults.status != 0) {
            std::string message = faults.status == 429   ? "Too many requests (simulated)."
                                  : faults.status == 503 ? "Service unavailable (simulated)."
                                                         : "Internal server error (simulated).";
            reply.response = errorResponse("shopsim_fault", message, faults.status);
            if (!faults.retryAfter.empty()) {
                reply.response.set(http::field::retry_after, faults.retryAfter);
            }
            log(request, peer, faults.status, " (fault)");
            return reply;
        }
        if (faults.dropAfterApply) {
            reply.drop = true;
            ++dropped;
            extra = " (fault: applied, then dropped without an answer)";
        } else if (faults.latencyMs > 0) {
            extra = " (fault: answered after " + std::to_string(faults.latencyMs) + " ms)";
        }
    }

    if (segments.empty() || segments[0] != "wp-json") {
        reply.response = noRoute();
    } else if (!authorised(request, parsed->params())) {
        reply.response =
            errorResponse("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401);
    } else {
        reply.response = dispatch(request, segments, parsed->params());
    }
    log(request, peer, reply.response.result_int(), extra);
    return reply;
}

bool ShopSimulator::Impl::authorised(const Request& request,
                                     const boost::urls::params_view& params) {
    if (options.consumerKey.empty() && options.consumerSecret.empty()) {
        ++auth["none"];
        return true;
    }
    auto header = request.find(http::field::authorization);
    if (header != request.end()) {
        std::string value(header->value());
        if (value.rfind("Basic ", 0) == 0) {
            auto decoded = base64Decode(value.substr(6));
            if (decoded && *decoded == options.consumerKey + ":" + options.consumerSecret) {
                ++auth["basic"];
                return true;
            }
        }
        ++auth["rejected"];
        return false;
    }
    auto key = param(params, "consumer_key");
    auto secret = param(params, "consumer_secret");
    if (key && secret && *key == options.consumerKey && *secret == options.consumerSecret) {
        ++auth["query"];
        return true;
    }
    ++auth["rejected"];
    return false;
}

Response ShopSimulator::Impl::dispatch(const Request& request,
                                       const std::vector<std::string>& segments,
                                       const boost::urls::params_view& params) {
    auto method = request.method();
    bool get = method == http::verb::get;
    bool edit =
        method == http::verb::put || method == http::verb::post || method == http::verb::patch;
    json::value body;
    if (edit) {
        boost::system::error_code ec;
        body =
            request.body().empty() ? json::value(json::object{}) : json::parse(request.body(), ec);
        if (ec) {
            return errorResponse("rest_invalid_json", "Invalid JSON body passed.", 400);
        }
    }
    auto idAt = [&](std::size_t i) -> long long {
        if (i >= segments.size() || segments[i].empty() || segments[i].size() > 18 ||
            !std::all_of(segments[i].begin(), segments[i].end(),
                         [](unsigned char c) { return std::isdigit(c); })) {
            return -1;
        }
        return std::stoll(segments[i]);
    };
    std::size_t n = segments.size();

    // /wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings
    if (n == 6 && segments[1] == "wc-shipment-tracking" && segments[2] == "v3" &&
        segments[3] == "orders" && segments[5] == "shipment-trackings") {
        long long id = idAt(4);
        if (!trackingPlugin || id < 0) {
            return noRoute();
        }
        if (!orders.count(id)) {
            return errorResponse("woocommerce_rest_order_invalid_id", "Invalid order ID.", 404);
        }
        if (get) {
            return jsonResponse(200, trackings[id]);
        }
        if (method == http::verb::post) {
            return addTracking(id, body);
        }
        return noRoute();
    }
    if (n < 4 || segments[1] != "wc" || segments[2] != "v3") {
        return noRoute();
    }
    const std::string& collection = segments[3];

    if (collection == "products") {
        if (n == 4 && get) {
            return listProducts(params, 0);
        }
        if (n == 5 && get) {
            auto found = products.find(idAt(4));
            if (found == products.end()) {
                return errorResponse("woocommerce_rest_product_invalid_id", "Invalid ID.", 404);
            }
            return jsonResponse(200, found->second);
        }
        if (n == 6 && get && segments[5] == "variations" && idAt(4) > 0) {
            return listProducts(params, idAt(4));
        }
        return noRoute();
    }
    if (collection != "orders") {
        return noRoute();
    }
    if (n == 4) {
        return get ? listOrders(params) : noRoute();
    }
    if (n == 5 && segments[4] == "batch") {
        return method == http::verb::post || method == http::verb::put ? batch(body) : noRoute();
    }
    long long id = idAt(4);
    if (id < 0) {
        return noRoute();
    }
    auto found = orders.find(id);
    if (found == orders.end()) {
        return invalidOrder();
    }
    json::object& order = found->second;
    if (n == 5) {
        if (get) {
            return jsonResponse(200, order);
        }
        if (edit) {
            if (!body.is_object()) {
                return errorResponse("rest_invalid_json", "Invalid JSON body passed.", 400);
            }
            if (auto error = updateOrder(order, body.get_object())) {
                return errorResponse("rest_invalid_param", *error, 400);
            }
            return jsonResponse(200, order);
        }
        return noRoute();
    }
    if (n == 6 && segments[5] == "notes") {
        if (get) {
            return listNotes(id, params);
        }
        return method == http::verb::post ? addNote(id, body) : noRoute();
    }
    if (n == 6 && segments[5] == "refunds") {
        if (get) {
            return jsonResponse(200, refunds[id]);
        }
        return method == http::verb::post ? addRefund(id, body) : noRoute();
    }
    return noRoute();
}

Response ShopSimulator::Impl::listOrders(const boost::urls::params_view& params) {
    std::vector<std::string> statuses = splitList(param(params, "status").value_or("any"));
    bool any =
        statuses.empty() || std::find(statuses.begin(), statuses.end(), "any") != statuses.end();
    long perPage = 10;
    long page = 1;
    try {
        perPage = std::stol(param(params, "per_page").value_or("10"));
        page = std::stol(param(params, "page").value_or("1"));
    } catch (const std::exception&) {
        perPage = 0;
    }
    if (perPage < 1 || perPage > 100) {
        return errorResponse(
            "rest_invalid_param",
            "Invalid parameter(s): per_page (per_page must be between 1 (inclusive) "
            "and 100 (inclusive))",
            400);
    }
    if (page < 1) {
        return errorResponse("rest_invalid_param", "Invalid parameter(s): page", 400);
    }
    auto after = param(params, "modified_after");
    auto before = param(params, "modified_before");
    std::string orderBy = param(params, "orderby").value_or("date");
    bool ascending = param(params, "order").value_or("desc") == "asc";

    std::vector<const json::object*> matching;
    for (const auto& [id, order] : orders) {
        std::string status = field(order, "status");
        if (any ? status == "trash"
                : std::find(statuses.begin(), statuses.end(), status) == statuses.end()) {
            continue;
        }
        // The simulated shop's time zone is UTC: local and GMT dates are the same.
        std::string modified = normaliseDate(field(order, "date_modified_gmt"));
        if (after && !(modified > normaliseDate(*after))) {
            continue;
        }
        if (before && !(modified < normaliseDate(*before))) {
            continue;
        }
        matching.push_back(&order);
    }
    std::string sortField = orderBy == "modified" ? "date_modified_gmt"
                            : orderBy == "id"     ? ""
                                                  : "date_created_gmt";
    std::stable_sort(matching.begin(), matching.end(), [&](const auto* a, const auto* b) {
        std::string ka = sortField.empty() ? "" : normaliseDate(field(*a, sortField));
        std::string kb = sortField.empty() ? "" : normaliseDate(field(*b, sortField));
        auto ia = integer(a->if_contains("id"));
        auto ib = integer(b->if_contains("id"));
        if (ka != kb) {
            return ascending ? ka < kb : ka > kb;
        }
        return ascending ? ia < ib : ia > ib;
    });
    long total = static_cast<long>(matching.size());
    long pages = (total + perPage - 1) / perPage;
    if (total > 0 && page > pages) {
        return errorResponse("woocommerce_rest_invalid_page_number",
                             "The page number requested is larger than the number of pages "
                             "available.",
                             400);
    }
    json::array list;
    for (long i = (page - 1) * perPage; i < std::min(total, page * perPage); ++i) {
        list.push_back(*matching[static_cast<std::size_t>(i)]);
    }
    Response response = jsonResponse(200, list);
    response.set("X-WP-Total", std::to_string(total));
    response.set("X-WP-TotalPages", std::to_string(pages));
    return response;
}

std::optional<std::string> ShopSimulator::Impl::updateOrder(json::object& order,
                                                            const json::object& changes) {
    std::string now = nowUtc();
    if (auto* status = changes.if_contains("status")) {
        std::string next = text(*status);
        if (!isSlug(next)) {
            return "Invalid parameter(s): status";
        }
        std::string previous = field(order, "status");
        if (next != previous) {
            order["status"] = next;
            long long id = integer(order.if_contains("id"));
            ++statusChanges[id];
            if ((next == "processing" || next == "completed") &&
                field(order, "date_paid_gmt").empty()) {
                order["date_paid_gmt"] = now;
            }
            if (next == "completed") {
                order["date_completed_gmt"] = now;
            }
            // WooCommerce records each status change as a system note.
            notes[id].insert(notes[id].begin(),
                             json::object{{"id", ++nextObjectId},
                                          {"author", "system"},
                                          {"date_created_gmt", now},
                                          {"note", "Order status changed from " + previous +
                                                       " to " + next + "."},
                                          {"customer_note", false},
                                          {"added_by_user", false}});
        }
    }
    if (auto* note = changes.if_contains("customer_note")) {
        order["customer_note"] = text(*note);
    }
    for (const char* address : {"shipping", "billing"}) {
        if (auto* update = changes.if_contains(address); update && update->is_object()) {
            if (!order[address].is_object()) {
                order[address] = json::object{};
            }
            for (const auto& [key, value] : update->get_object()) {
                order[address].get_object()[key] = value;
            }
        }
    }
    if (auto* meta = changes.if_contains("meta_data"); meta && meta->is_array()) {
        if (!order["meta_data"].is_array()) {
            order["meta_data"] = json::array{};
        }
        auto& existing = order["meta_data"].get_array();
        for (const auto& entry : meta->get_array()) {
            if (!entry.is_object() || field(entry.get_object(), "key").empty()) {
                continue;
            }
            std::string key = field(entry.get_object(), "key");
            auto same = std::find_if(existing.begin(), existing.end(), [&](const json::value& e) {
                return e.is_object() && field(e.get_object(), "key") == key;
            });
            json::object stored{
                {"id", ++nextObjectId},
                {"key", key},
                {"value", entry.get_object().contains("value") ? entry.get_object().at("value")
                                                               : json::value(nullptr)}};
            if (same != existing.end()) {
                *same = std::move(stored);
            } else {
                existing.push_back(std::move(stored));
            }
        }
    }
    if (auto* items = changes.if_contains("line_items"); items && items->is_array()) {
        // As WooCommerce does: a line with an id changes that line (quantity 0 removes it),
        // one without is added.
        if (!order["line_items"].is_array()) {
            order["line_items"] = json::array{};
        }
        auto& lines = order["line_items"].get_array();
        for (const auto& entry : items->get_array()) {
            if (!entry.is_object()) {
                continue;
            }
            const auto& change = entry.get_object();
            long long id = integer(change.if_contains("id"));
            auto same = std::find_if(lines.begin(), lines.end(), [&](const json::value& l) {
                return id != 0 && l.is_object() && integer(l.get_object().if_contains("id")) == id;
            });
            if (same == lines.end()) {
                json::object added = change;
                added["id"] = ++nextObjectId;
                lines.push_back(std::move(added));
                continue;
            }
            if (change.contains("quantity") && integer(change.if_contains("quantity")) == 0) {
                lines.erase(same);
                continue;
            }
            for (const auto& [key, value] : change) {
                same->get_object()[key] = value;
            }
        }
    }
    order["date_modified_gmt"] = now;
    order["date_modified"] = now;
    return std::nullopt;
}

Response ShopSimulator::Impl::batch(const json::value& body) {
    if (!body.is_object()) {
        return errorResponse("rest_invalid_json", "Invalid JSON body passed.", 400);
    }
    const auto& request = body.get_object();
    std::size_t items = 0;
    for (const char* part : {"create", "update", "delete"}) {
        if (auto* list = request.if_contains(part); list && list->is_array()) {
            items += list->get_array().size();
        }
    }
    if (items > kBatchLimit) {
        return errorResponse("woocommerce_rest_request_entity_too_large",
                             "Unable to accept more than 100 items for this request.", 413);
    }
    json::object result;
    auto itemError = [](long long id, const std::string& code, const std::string& message,
                        int status) {
        return json::object{{"id", id}, {"error", wooError(code, message, status)}};
    };
    if (auto* list = request.if_contains("create"); list && list->is_array()) {
        json::array created;
        for (const auto& order : list->get_array()) {
            if (!order.is_object()) {
                continue;
            }
            json::object copy = order.get_object();
            copy["id"] = ++nextObjectId;
            load(json::array{copy});
            created.push_back(orders[nextObjectId]);
        }
        result["create"] = std::move(created);
    }
    if (auto* list = request.if_contains("update"); list && list->is_array()) {
        json::array updated;
        for (const auto& change : list->get_array()) {
            long long id = change.is_object() ? integer(change.get_object().if_contains("id")) : 0;
            auto found = orders.find(id);
            if (found == orders.end()) {
                updated.push_back(
                    itemError(id, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 400));
                continue;
            }
            if (auto error = updateOrder(found->second, change.get_object())) {
                updated.push_back(itemError(id, "rest_invalid_param", *error, 400));
                continue;
            }
            updated.push_back(found->second);
        }
        result["update"] = std::move(updated);
    }
    if (auto* list = request.if_contains("delete"); list && list->is_array()) {
        json::array deleted;
        for (const auto& idValue : list->get_array()) {
            long long id = integer(&idValue);
            auto found = orders.find(id);
            if (found == orders.end()) {
                deleted.push_back(
                    itemError(id, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 400));
                continue;
            }
            deleted.push_back(found->second);
            orders.erase(found);
        }
        result["delete"] = std::move(deleted);
    }
    return jsonResponse(200, result);
}

Response ShopSimulator::Impl::addNote(long long id, const json::value& body) {
    if (!body.is_object() || field(body.get_object(), "note").empty()) {
        return errorResponse("rest_missing_callback_param", "Missing parameter(s): note", 400);
    }
    const auto& request = body.get_object();
    bool customer = false;
    if (auto* flag = request.if_contains("customer_note")) {
        customer = flag->is_bool() ? flag->get_bool() : text(*flag) == "true";
    }
    json::object note{{"id", ++nextObjectId},         {"author", "shopsim API"},
                      {"date_created_gmt", nowUtc()}, {"note", field(request, "note")},
                      {"customer_note", customer},    {"added_by_user", true}};
    notes[id].insert(notes[id].begin(), note);  // WooCommerce lists the newest first
    ++noteCounts[id];
    orders[id]["date_modified_gmt"] = nowUtc();
    return jsonResponse(201, note);
}

Response ShopSimulator::Impl::listNotes(long long id, const boost::urls::params_view& params) {
    std::string type = param(params, "type").value_or("any");
    json::array list;
    for (const auto& value : notes[id]) {
        bool customer = value.get_object().at("customer_note").as_bool();
        if (type == "any" || (type == "customer") == customer) {
            list.push_back(value);
        }
    }
    return jsonResponse(200, list);
}

Response ShopSimulator::Impl::addRefund(long long id, const json::value& body) {
    if (!body.is_object()) {
        return errorResponse("rest_invalid_json", "Invalid JSON body passed.", 400);
    }
    const auto& request = body.get_object();
    json::object& order = orders[id];
    double amount = decimal(request.if_contains("amount"));
    if (amount <= 0) {
        return errorResponse("woocommerce_rest_cannot_create_order_refund",
                             "Refund amount must be greater than zero.", 400);
    }
    double refunded = 0;
    for (const auto& previous : refunds[id]) {
        refunded += decimal(previous.get_object().if_contains("amount"));
    }
    double total = decimal(order.if_contains("total"));
    if (amount > total - refunded + 0.005) {
        return errorResponse("woocommerce_rest_cannot_create_order_refund",
                             "Invalid refund amount.", 400);
    }
    json::array lines;
    bool restock = false;
    if (auto* flag = request.if_contains("restock_items"); flag && flag->is_bool()) {
        restock = flag->get_bool();
    }
    if (auto* items = request.if_contains("line_items"); items && items->is_array()) {
        for (const auto& item : items->get_array()) {
            if (!item.is_object()) {
                continue;
            }
            long long lineId = integer(item.get_object().if_contains("id"));
            long long quantity = integer(item.get_object().if_contains("quantity"));
            const json::object* line = nullptr;
            if (auto* orderLines = order.if_contains("line_items");
                orderLines && orderLines->is_array()) {
                for (const auto& candidate : orderLines->get_array()) {
                    if (candidate.is_object() &&
                        integer(candidate.get_object().if_contains("id")) == lineId) {
                        line = &candidate.get_object();
                    }
                }
            }
            if (!line) {
                return errorResponse("woocommerce_rest_cannot_create_order_refund",
                                     "Invalid line item ID " + std::to_string(lineId) + ".", 400);
            }
            if (restock && quantity > 0) {
                restocked[field(*line, "sku")] += quantity;
                long long productId = integer(line->if_contains("variation_id"));
                if (productId <= 0) {
                    productId = integer(line->if_contains("product_id"));
                }
                if (auto product = products.find(productId); product != products.end()) {
                    auto& stock = product->second["stock_quantity"];
                    stock = integer(&stock) + quantity;
                }
            }
            lines.push_back(
                json::object{{"id", lineId},
                             {"sku", field(*line, "sku")},
                             {"quantity", -quantity},
                             {"total", "-" + field(item.get_object(), "refund_total")}});
        }
    }
    json::object refund{{"id", ++nextObjectId},
                        {"date_created_gmt", nowUtc()},
                        {"amount", money(amount)},
                        {"reason", field(request, "reason")},
                        {"refunded_by", 1},
                        {"refunded_payment", false},
                        {"line_items", std::move(lines)}};
    refunds[id].insert(refunds[id].begin(), refund);
    ++refundCounts[id];
    order["refunds"].as_array().push_back(json::object{
        {"id", refund["id"]}, {"reason", refund["reason"]}, {"total", "-" + money(amount)}});
    if (refunded + amount >= total - 0.005) {
        updateOrder(order, json::object{{"status", "refunded"}});
    } else {
        order["date_modified_gmt"] = nowUtc();
    }
    return jsonResponse(201, refund);
}

Response ShopSimulator::Impl::addTracking(long long id, const json::value& body) {
    if (!body.is_object() || field(body.get_object(), "tracking_number").empty()) {
        return errorResponse("rest_missing_callback_param", "Missing parameter(s): tracking_number",
                             400);
    }
    const auto& request = body.get_object();
    char trackingId[40];
    std::snprintf(trackingId, sizeof trackingId, "%032llx", ++nextObjectId);
    json::object tracking{{"tracking_id", trackingId},
                          {"tracking_provider", field(request, "tracking_provider")},
                          {"custom_tracking_provider", field(request, "custom_tracking_provider")},
                          {"custom_tracking_link", field(request, "custom_tracking_link")},
                          {"tracking_number", field(request, "tracking_number")},
                          {"date_shipped", field(request, "date_shipped")}};
    trackings[id].push_back(tracking);
    ++trackingCounts[id];
    return jsonResponse(201, tracking);
}

Response ShopSimulator::Impl::listProducts(const boost::urls::params_view& params,
                                           long long parent) {
    std::vector<std::string> include = splitList(param(params, "include").value_or(""));
    long perPage = 10;
    long page = 1;
    try {
        perPage = std::stol(param(params, "per_page").value_or("10"));
        page = std::stol(param(params, "page").value_or("1"));
    } catch (const std::exception&) {
        perPage = 0;
    }
    if (perPage < 1 || perPage > 100 || page < 1) {
        return errorResponse("rest_invalid_param", "Invalid parameter(s): per_page", 400);
    }
    std::vector<const json::object*> matching;
    for (const auto& [id, product] : products) {
        if (integer(product.if_contains("parent_id")) != parent) {
            continue;
        }
        if (!include.empty() &&
            std::find(include.begin(), include.end(), std::to_string(id)) == include.end()) {
            continue;
        }
        matching.push_back(&product);
    }
    long total = static_cast<long>(matching.size());
    json::array list;
    for (long i = (page - 1) * perPage; i < std::min(total, page * perPage); ++i) {
        list.push_back(*matching[static_cast<std::size_t>(i)]);
    }
    Response response = jsonResponse(200, list);
    response.set("X-WP-Total", std::to_string(total));
    response.set("X-WP-TotalPages", std::to_string((total + perPage - 1) / perPage));
    return response;
}

Reply ShopSimulator::Impl::control(const Request& request, const std::string& path) {
    Reply reply;
    auto method = request.method();
    json::value body = json::object{};
    if (method == http::verb::post && !request.body().empty()) {
        boost::system::error_code ec;
        body = json::parse(request.body(), ec);
        if (ec) {
            reply.response = errorResponse("shopsim_bad_json", "the body is not JSON", 400);
            return reply;
        }
    }
    if (path == "/_sim/counts" && method == http::verb::get) {
        reply.response = jsonResponse(200, counts());
    } else if (path == "/_sim/faults" && method == http::verb::get) {
        reply.response = jsonResponse(200, faults.toJson());
    } else if (path == "/_sim/faults" && method == http::verb::post) {
        if (!body.is_object()) {
            reply.response = errorResponse("shopsim_bad_faults", "faults are a JSON object", 400);
            return reply;
        }
        const auto& f = body.get_object();
        Faults next;
        next.latencyMs = static_cast<int>(integer(f.if_contains("latency_ms")));
        next.status = static_cast<int>(integer(f.if_contains("status")));
        if (auto* retry = f.if_contains("retry_after")) {
            next.retryAfter = text(*retry);
        }
        next.dropAfterApply = f.contains("drop_after_apply") &&
                              f.at("drop_after_apply").is_bool() &&
                              f.at("drop_after_apply").get_bool();
        next.wrongCredentials = f.contains("wrong_credentials") &&
                                f.at("wrong_credentials").is_bool() &&
                                f.at("wrong_credentials").get_bool();
        if (f.contains("count")) {
            next.count = static_cast<long>(integer(f.if_contains("count")));
        }
        next.match = field(f, "match");
        if (next.status != 0 && (next.status < 400 || next.status > 599)) {
            reply.response = errorResponse("shopsim_bad_faults", "status must be 4xx or 5xx", 400);
            return reply;
        }
        faults = next;
        reply.response = jsonResponse(200, faults.toJson());
    } else if (path == "/_sim/orders" && method == http::verb::post) {
        std::size_t before = orders.size();
        std::string error = load(body);
        if (!error.empty()) {
            reply.response = errorResponse("shopsim_bad_orders", error, 400);
            return reply;
        }
        reply.response = jsonResponse(
            200, json::object{{"orders", orders.size()}, {"added", orders.size() - before}});
    } else if (path == "/_sim/config" && method == http::verb::post) {
        if (auto* plugin =
                body.is_object() ? body.get_object().if_contains("tracking_plugin") : nullptr;
            plugin && plugin->is_bool()) {
            trackingPlugin = plugin->get_bool();
        }
        reply.response = jsonResponse(200, json::object{{"tracking_plugin", trackingPlugin}});
    } else if (path == "/_sim/reset" && method == http::verb::post) {
        reset();
        reply.response = jsonResponse(200, json::object{{"orders", orders.size()}});
    } else {
        reply.response = errorResponse("shopsim_no_route",
                                       "control routes: GET /_sim/counts, GET|POST /_sim/faults, "
                                       "POST /_sim/orders, POST /_sim/config, POST /_sim/reset",
                                       404);
    }
    return reply;
}

// ---------------------------------------------------------------------------------------------

ShopSimulator::ShopSimulator(asio::io_context& io, SimOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

ShopSimulator::~ShopSimulator() {
    stop();
}

std::string ShopSimulator::seed(const json::value& store) {
    impl_->seedStore = store;
    impl_->orders.clear();
    impl_->products.clear();
    return impl_->load(store);
}

std::string ShopSimulator::listen(const std::string& address, unsigned short port) {
    const auto& options = impl_->options;
    if (!options.tlsCertFile.empty() || !options.tlsKeyFile.empty()) {
        if (options.tlsCertFile.empty() || options.tlsKeyFile.empty()) {
            return "HTTPS needs both a certificate and a key";
        }
        auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
        beast::error_code ec;
        context->use_certificate_chain_file(options.tlsCertFile, ec);
        if (ec) {
            return "cannot use the certificate '" + options.tlsCertFile + "': " + ec.message();
        }
        context->use_private_key_file(options.tlsKeyFile, ssl::context::pem, ec);
        if (ec) {
            return "cannot use the key '" + options.tlsKeyFile + "': " + ec.message();
        }
        impl_->sslContext = std::move(context);
    }
    beast::error_code ec;
    auto ip = asio::ip::make_address(address, ec);
    if (ec) {
        return "'" + address + "' is not an IP address";
    }
    tcp::endpoint endpoint(ip, port);
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        acceptor.set_option(asio::socket_base::reuse_address(true), ec);
        acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        acceptor.close();
        return "cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message();
    }
    impl_->boundPort = acceptor.local_endpoint().port();
    asio::co_spawn(impl_->io, acceptConnections(impl_), asio::detached);
    return "";
}

unsigned short ShopSimulator::port() const {
    return impl_->boundPort;
}

bool ShopSimulator::tls() const {
    return impl_->sslContext != nullptr;
}

void ShopSimulator::stop() {
    // Closing from the io_context's own thread: the acceptor is not thread-safe.
    asio::post(impl_->io, [impl = impl_]() {
        beast::error_code ignored;
        impl->acceptor.close(ignored);
    });
}

std::string loadStoreFile(const std::string& path, json::value& store) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return "cannot read '" + path + "'";
    }
    std::stringstream content;
    content << in.rdbuf();
    boost::system::error_code ec;
    store = json::parse(content.str(), ec);
    if (ec) {
        return "'" + path + "' is not JSON: " + ec.message();
    }
    return "";
}

}  // namespace shopsim
