#include "sync/WooCommerceAdapter.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

namespace shop {

namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kTrackingBase = "/wc-shipment-tracking/v3/orders/";
// Written before each number in fallback notes, and looked for when reading them back.
constexpr std::string_view kTrackingMarker = "tracking number ";

std::string percentEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ',') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

bool isOrderId(const std::string& id) {
    return !id.empty() && id.size() < 20 &&
           std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool contains(const std::vector<std::string>& list, const std::string& word) {
    return std::find(list.begin(), list.end(), word) != list.end();
}

std::string join(const std::vector<std::string>& words, const std::string& separator) {
    std::string out;
    for (const auto& word : words) {
        if (!out.empty()) {
            out += separator;
        }
        out += word;
    }
    return out;
}

// WooCommerce sends ids as numbers and many values as strings or numbers depending on the
// plugin that wrote them; the station wants text.
std::string text(const json::value& value) {
    switch (value.kind()) {
        case json::kind::string:
            return std::string(value.get_string());
        case json::kind::int64:
            return std::to_string(value.get_int64());
        case json::kind::uint64:
            return std::to_string(value.get_uint64());
        case json::kind::double_: {
            double d = value.get_double();
            if (d == std::floor(d) && std::abs(d) < 1e15) {
                return std::to_string(static_cast<long long>(d));
            }
            return json::serialize(value);
        }
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

long long integer(const json::object& object, std::string_view key) {
    auto* value = object.if_contains(key);
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

const json::object* objectAt(const json::object& object, std::string_view key) {
    auto* value = object.if_contains(key);
    return value && value->is_object() ? &value->get_object() : nullptr;
}

const json::array* arrayAt(const json::object& object, std::string_view key) {
    auto* value = object.if_contains(key);
    return value && value->is_array() ? &value->get_array() : nullptr;
}

std::optional<std::string> metaValue(const json::object& object, const std::string& key) {
    if (key.empty()) {
        return std::nullopt;
    }
    if (auto* meta = arrayAt(object, "meta_data")) {
        for (const auto& entry : *meta) {
            if (entry.is_object() && field(entry.get_object(), "key") == key) {
                if (auto* value = entry.get_object().if_contains("value")) {
                    std::string result = text(*value);
                    if (!result.empty()) {
                        return result;
                    }
                }
            }
        }
    }
    return std::nullopt;
}

std::optional<double> number(const std::string& value) {
    if (value.empty()) {
        return std::nullopt;
    }
    try {
        std::size_t used = 0;
        double d = std::stod(value, &used);
        if (used != value.size() || !std::isfinite(d)) {
            return std::nullopt;
        }
        return d;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<int> grams(const std::string& value, const std::string& unit) {
    auto weight = number(value);
    if (!weight || *weight < 0) {
        return std::nullopt;
    }
    double factor = 1000;  // kg
    if (unit == "g") {
        factor = 1;
    } else if (unit == "lbs" || unit == "lb") {
        factor = 453.59237;
    } else if (unit == "oz") {
        factor = 28.349523125;
    }
    return static_cast<int>(std::lround(*weight * factor));
}

std::string money(double amount) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", std::round(amount * 100) / 100);
    return buffer;
}

// WooCommerce's *_gmt dates carry no zone designator although they are UTC.
std::string isoUtc(std::string date) {
    if (!date.empty() && date.back() != 'Z' && date.find('+') == std::string::npos) {
        date += 'Z';
    }
    return date;
}

std::vector<std::string> trackingNumbersInNote(const std::string& note) {
    std::vector<std::string> numbers;
    std::size_t at = 0;
    while ((at = note.find(kTrackingMarker, at)) != std::string::npos) {
        at += kTrackingMarker.size();
        std::size_t end = at;
        while (end < note.size() &&
               (std::isalnum(static_cast<unsigned char>(note[end])) || note[end] == '-')) {
            ++end;
        }
        if (end > at) {
            numbers.push_back(note.substr(at, end - at));
        }
        at = end;
    }
    return numbers;
}

Result okResult() {
    return Result{};
}

Result permanent(std::string error) {
    Result result;
    result.kind = Result::Kind::Permanent;
    result.error = std::move(error);
    return result;
}

Result badOrderId(const std::string& shopId) {
    return permanent("'" + shopId + "' is not a WooCommerce order id");
}

std::string parcelItems(const ParcelShipped& parcel) {
    std::vector<std::string> items;
    for (const auto& item : parcel.items) {
        items.push_back(std::to_string(item.quantity) + " x " + item.sku);
    }
    return items.empty() ? "no items" : join(items, ", ");
}

}  // namespace

struct WooCommerceAdapter::Call {
    Result result;
    json::value body;  // the parsed answer when result is ok
    int totalPages = 0;
    std::string code;  // WooCommerce's error code ("rest_no_route", ...)
};

struct WooCommerceAdapter::ProductInfo {
    json::object product;
    long long parentId = 0;
};

WooCommerceAdapter::WooCommerceAdapter(WooCommerceSettings settings)
    : settings_(std::move(settings)) {
    HttpsClientSettings http;
    http.verifyTls = settings_.verifyTls;
    http.caFile = settings_.caFile;
    http.timeout = settings_.timeout;
    client_ = std::make_unique<HttpsClient>(settings_.baseUrl, http);
}

WooCommerceAdapter::~WooCommerceAdapter() = default;

std::string WooCommerceAdapter::redact(std::string message) const {
    const std::string& secret = settings_.consumerSecret;
    // WooCommerce secrets are 43 characters; masking a test secret of one letter would mangle
    // every word that contains it.
    if (secret.size() < 6) {
        return message;
    }
    for (const std::string& form : {secret, percentEncode(secret)}) {
        std::size_t at = 0;
        while ((at = message.find(form, at)) != std::string::npos) {
            message.replace(at, form.size(), "***");
            at += 3;
        }
    }
    return message;
}

WooCommerceAdapter::Call WooCommerceAdapter::call(http::verb method, const std::string& path,
                                                  Query query, std::string body) {
    Call call;
    http::fields headers;
    if (settings_.auth == WooCommerceSettings::Auth::Basic) {
        headers.set(
            http::field::authorization,
            "Basic " + base64Encode(settings_.consumerKey + ":" + settings_.consumerSecret));
    } else {
        query.emplace_back("consumer_key", settings_.consumerKey);
        query.emplace_back("consumer_secret", settings_.consumerSecret);
    }
    std::string target = path;
    for (std::size_t i = 0; i < query.size(); ++i) {
        target += (i == 0 ? "?" : "&") + percentEncode(query[i].first) + "=" +
                  percentEncode(query[i].second);
    }
    // Names the request without its query: that is where the secret travels in query mode.
    const std::string what = std::string(http::to_string(method)) + " " + path;

    HttpResponse response = client_->request(method, target, std::move(body), headers);
    Result& result = call.result;
    result.httpStatus = response.status;
    switch (response.failure) {
        case HttpResponse::Failure::None:
            break;
        case HttpResponse::Failure::Unusable:
        case HttpResponse::Failure::Untrusted:
            result.kind = Result::Kind::Permanent;
            result.error = redact(response.error);
            return call;
        case HttpResponse::Failure::NotSent:
            result.kind = Result::Kind::Transient;
            result.error = redact(response.error);
            return call;
        case HttpResponse::Failure::MaybeSent:
            // A read changes nothing in the shop: asking again is always safe.
            result.kind =
                method == http::verb::get ? Result::Kind::Transient : Result::Kind::Unclear;
            result.error = redact(what + ": " + response.error);
            return call;
    }

    int status = response.status;
    if (auto retryAfter = response.headers.find(http::field::retry_after);
        retryAfter != response.headers.end()) {
        result.retryAfter = parseRetryAfter(retryAfter->value(), std::chrono::system_clock::now());
    }
    boost::system::error_code parseError;
    json::value parsed = json::parse(response.body, parseError);
    if (status >= 200 && status < 300) {
        if (parseError) {
            result.kind = Result::Kind::Permanent;
            result.error = "WooCommerce answered " + what +
                           " with something that is not JSON: is the base URL " +
                           client_->endpoint().text + " the shop's /wp-json?";
            return call;
        }
        call.body = std::move(parsed);
        if (auto pages = response.headers.find("X-WP-TotalPages");
            pages != response.headers.end()) {
            call.totalPages = std::atoi(std::string(pages->value()).c_str());
        }
        return call;
    }

    std::string message;
    if (!parseError && parsed.is_object()) {
        call.code = field(parsed.get_object(), "code");
        message = field(parsed.get_object(), "message");
    }
    if (message.empty()) {
        message = std::string(http::obsolete_reason(static_cast<http::status>(status)));
    }
    if (status == 404 && (call.code == "rest_no_route" || parseError)) {
        message += " (does the base URL " + client_->endpoint().text +
                   " point at the shop's /wp-json, with WooCommerce active?)";
    }
    if (status >= 300 && status < 400) {
        auto location = response.headers.find(http::field::location);
        message = "redirected to " +
                  (location != response.headers.end() ? std::string(location->value())
                                                      : std::string("another address")) +
                  ": fix the base URL";
    }
    result.error =
        redact("WooCommerce answered " + std::to_string(status) + " to " + what + ": " + message);
    result.kind = (status == 408 || status == 429 || status >= 500) ? Result::Kind::Transient
                                                                    : Result::Kind::Permanent;
    return call;
}

std::string WooCommerceAdapter::stationStatus(const std::string& wooStatus) const {
    if (contains(settings_.readyStatuses, wooStatus)) {
        return "ready";
    }
    if (contains(settings_.awaitingPaymentStatuses, wooStatus)) {
        return "awaiting_payment";
    }
    if (wooStatus == settings_.shippedStatus || wooStatus == "completed") {
        return "shipped";
    }
    if (contains(settings_.cancelledStatuses, wooStatus)) {
        return "cancelled";
    }
    return "in_progress";
}

Result WooCommerceAdapter::loadProducts(const std::vector<const json::object*>& orders,
                                        std::map<long long, ProductInfo>& products) {
    // Only lines whose own meta lacks something the bench needs send us to the products.
    std::set<long long> parents;
    std::map<long long, std::set<long long>> variationsByParent;
    for (const auto* order : orders) {
        const auto* lines = arrayAt(*order, "line_items");
        if (!lines) {
            continue;
        }
        for (const auto& value : *lines) {
            if (!value.is_object()) {
                continue;
            }
            const auto& line = value.get_object();
            bool complete = metaValue(line, settings_.weightMetaKey) &&
                            metaValue(line, settings_.gtinMetaKey) &&
                            metaValue(line, settings_.binMetaKey);
            long long productId = integer(line, "product_id");
            if (complete || productId <= 0) {
                continue;
            }
            parents.insert(productId);
            if (long long variationId = integer(line, "variation_id"); variationId > 0) {
                variationsByParent[productId].insert(variationId);
            }
        }
    }

    auto fetchChunked = [&](const std::string& path, const std::set<long long>& ids,
                            long long parentId) -> Result {
        std::vector<std::string> chunk;
        auto flush = [&]() -> Result {
            if (chunk.empty()) {
                return okResult();
            }
            Call answer =
                call(http::verb::get, path,
                     {{"include", join(chunk, ",")},
                      {"per_page", std::to_string(std::max<std::size_t>(chunk.size(), 1))}});
            chunk.clear();
            if (!answer.result.ok()) {
                return answer.result;
            }
            if (answer.body.is_array()) {
                for (const auto& value : answer.body.get_array()) {
                    if (value.is_object()) {
                        ProductInfo info{value.get_object(), parentId};
                        products[integer(info.product, "id")] = std::move(info);
                    }
                }
            }
            return okResult();
        };
        for (long long id : ids) {
            chunk.push_back(std::to_string(id));
            if (chunk.size() == 100) {
                if (auto result = flush(); !result.ok()) {
                    return result;
                }
            }
        }
        return flush();
    };

    if (auto result = fetchChunked("/wc/v3/products", parents, 0); !result.ok()) {
        return result;
    }
    for (const auto& [parent, variations] : variationsByParent) {
        auto path = "/wc/v3/products/" + std::to_string(parent) + "/variations";
        if (auto result = fetchChunked(path, variations, parent); !result.ok()) {
            return result;
        }
    }
    return okResult();
}

Order WooCommerceAdapter::mapOrder(const json::object& o,
                                   const std::map<long long, ProductInfo>& products) const {
    Order order;
    order.shopId = field(o, "id");
    order.number = field(o, "number");
    if (order.number.empty()) {
        order.number = order.shopId;
    }
    std::string wooStatus = field(o, "status");
    order.status = stationStatus(wooStatus);
    std::string method = field(o, "payment_method");
    bool paid = !field(o, "date_paid_gmt").empty();
    if (order.status == "awaiting_payment" || (order.status == "cancelled" && !paid)) {
        auto mapped = settings_.paymentMethods.find(method);
        order.payment =
            mapped != settings_.paymentMethods.end() ? mapped->second : "awaiting_payment";
    } else {
        order.payment = "paid";
    }
    if (auto risk = metaValue(o, settings_.riskScoreMetaKey)) {
        order.riskScore = number(*risk).value_or(0);
    }
    if (const auto* shippingLines = arrayAt(o, "shipping_lines");
        shippingLines && !shippingLines->empty() && shippingLines->front().is_object()) {
        std::string methodId = field(shippingLines->front().get_object(), "method_id");
        auto mapped = settings_.shippingMethods.find(methodId);
        order.shippingMethod =
            mapped != settings_.shippingMethods.end() ? mapped->second : methodId;
    }

    // A pickup or a virtual order may have an empty shipping address: the billing one names
    // the customer then.
    const json::object* address = objectAt(o, "shipping");
    if (!address || (field(*address, "first_name").empty() &&
                     field(*address, "last_name").empty() && field(*address, "company").empty())) {
        if (const auto* billing = objectAt(o, "billing")) {
            address = billing;
        }
    }
    if (address) {
        std::string name = field(*address, "first_name");
        std::string last = field(*address, "last_name");
        if (!last.empty()) {
            name += (name.empty() ? "" : " ") + last;
        }
        std::string company = field(*address, "company");
        if (!company.empty()) {
            name = name.empty() ? company : name + ", " + company;
        }
        order.customer.name = name;
        order.customer.street = field(*address, "address_1");
        if (std::string second = field(*address, "address_2"); !second.empty()) {
            order.customer.street += ", " + second;
        }
        order.customer.postcode = field(*address, "postcode");
        order.customer.city = field(*address, "city");
        order.customer.country = field(*address, "country");
    }
    order.customerNote = field(o, "customer_note");
    order.modifiedAt = isoUtc(field(o, "date_modified_gmt"));

    if (const auto* lines = arrayAt(o, "line_items")) {
        for (const auto& value : *lines) {
            if (!value.is_object()) {
                continue;
            }
            const auto& l = value.get_object();
            OrderLine line;
            line.shopLineId = field(l, "id");
            line.sku = field(l, "sku");
            line.name = field(l, "name");
            line.quantity = static_cast<int>(integer(l, "quantity"));

            // The line's own meta, then the variation's, then the product's.
            std::vector<const json::object*> sources{&l};
            for (long long id : {integer(l, "variation_id"), integer(l, "product_id")}) {
                if (auto found = products.find(id); id > 0 && found != products.end()) {
                    sources.push_back(&found->second.product);
                }
            }
            auto lookup = [&](const std::string& key) -> std::string {
                for (const auto* source : sources) {
                    if (auto found = metaValue(*source, key)) {
                        return *found;
                    }
                }
                return "";
            };
            line.gtin = lookup(settings_.gtinMetaKey);
            for (std::size_t i = 1; i < sources.size() && line.gtin.empty(); ++i) {
                line.gtin = field(*sources[i], "global_unique_id");
            }
            line.bin = lookup(settings_.binMetaKey);
            line.caseGtin = lookup(settings_.caseGtinMetaKey);
            const std::string caseQuantity = lookup(settings_.caseQuantityMetaKey);
            line.caseQuantity = 0;
            std::from_chars(caseQuantity.data(), caseQuantity.data() + caseQuantity.size(),
                            line.caseQuantity);
            if (line.caseQuantity <= 0 || line.caseGtin.empty()) {
                line.caseGtin.clear();  // one without the other says nothing usable
                line.caseQuantity = 0;
            }
            std::string serialised = lookup(settings_.serialisedMetaKey);
            std::transform(serialised.begin(), serialised.end(), serialised.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            line.serialised = serialised == "yes" || serialised == "true" || serialised == "1";
            std::optional<int> weight;
            if (auto meta = lookup(settings_.weightMetaKey); !meta.empty()) {
                weight = grams(meta, settings_.weightUnit);
            }
            for (std::size_t i = 1; i < sources.size() && !weight; ++i) {
                weight = grams(field(*sources[i], "weight"), settings_.weightUnit);
            }
            line.unitWeightGrams = weight.value_or(0);
            order.lines.push_back(std::move(line));
        }
    }
    return order;
}

OrderPage WooCommerceAdapter::fetchOrders(const std::string& since, int page) {
    OrderPage result;
    std::vector<std::string> statuses = settings_.readyStatuses;
    statuses.insert(statuses.end(), settings_.awaitingPaymentStatuses.begin(),
                    settings_.awaitingPaymentStatuses.end());
    Query query{{"status", join(statuses, ",")},
                {"per_page", std::to_string(settings_.perPage)},
                {"page", std::to_string(std::max(page, 1))},
                {"orderby", "modified"},
                {"order", "asc"}};
    if (!since.empty()) {
        query.emplace_back("modified_after", since);
        query.emplace_back("dates_are_gmt", "true");
    }
    Call answer = call(http::verb::get, "/wc/v3/orders", std::move(query));
    if (answer.code == "woocommerce_rest_invalid_page_number" ||
        answer.code == "rest_post_invalid_page_number") {
        // Orders left the list between two pages (shipped elsewhere): the list simply ended.
        return result;
    }
    result.result = answer.result;
    if (!answer.result.ok()) {
        return result;
    }
    if (!answer.body.is_array()) {
        result.result = permanent("WooCommerce answered GET /wc/v3/orders with no list of orders");
        return result;
    }
    std::vector<const json::object*> orders;
    for (const auto& value : answer.body.get_array()) {
        if (value.is_object()) {
            orders.push_back(&value.get_object());
        }
    }
    std::map<long long, ProductInfo> products;
    if (auto loaded = loadProducts(orders, products); !loaded.ok()) {
        // Without the products the weights would be missing and every weighing would fail.
        result.result = loaded;
        return result;
    }
    for (const auto* order : orders) {
        result.orders.push_back(mapOrder(*order, products));
    }
    result.more = page < answer.totalPages;
    return result;
}

std::optional<json::value> WooCommerceAdapter::fetchOrderJson(const std::string& shopId,
                                                              Result& result) {
    if (!isOrderId(shopId)) {
        result = badOrderId(shopId);
        return std::nullopt;
    }
    Call answer = call(http::verb::get, "/wc/v3/orders/" + shopId, {});
    result = answer.result;
    if (!result.ok()) {
        return std::nullopt;
    }
    if (!answer.body.is_object()) {
        result = permanent("WooCommerce answered GET /wc/v3/orders/" + shopId + " with no order");
        return std::nullopt;
    }
    return std::move(answer.body);
}

std::optional<Order> WooCommerceAdapter::fetchOrder(const std::string& shopId, Result& result) {
    auto body = fetchOrderJson(shopId, result);
    if (!body) {
        return std::nullopt;
    }
    std::map<long long, ProductInfo> products;
    if (auto loaded = loadProducts({&body->get_object()}, products); !loaded.ok()) {
        result = loaded;
        return std::nullopt;
    }
    return mapOrder(body->get_object(), products);
}

Result WooCommerceAdapter::markInProgress(const std::string& shopId) {
    if (settings_.inProgressStatus.empty() ||
        contains(settings_.readyStatuses, settings_.inProgressStatus)) {
        return okResult();
    }
    // Read first: writing the status of an order cancelled meanwhile would revive it.
    Result result;
    auto body = fetchOrderJson(shopId, result);
    if (!body) {
        return result;
    }
    std::string current = field(body->get_object(), "status");
    if (current == settings_.inProgressStatus) {
        return okResult();
    }
    if (!contains(settings_.readyStatuses, current)) {
        return permanent("order " + field(body->get_object(), "number") + " is '" + current +
                         "' in WooCommerce, not ready to pack");
    }
    json::object update{{"status", settings_.inProgressStatus}};
    return call(http::verb::put, "/wc/v3/orders/" + shopId, {}, json::serialize(update)).result;
}

Result WooCommerceAdapter::releaseOrder(const std::string& shopId) {
    if (settings_.inProgressStatus.empty() ||
        contains(settings_.readyStatuses, settings_.inProgressStatus)) {
        return okResult();  // markInProgress changed nothing: nothing to undo
    }
    Result result;
    auto body = fetchOrderJson(shopId, result);
    if (!body) {
        return result;
    }
    // Only undo our own change: a status someone set in the shop since then stays.
    if (field(body->get_object(), "status") != settings_.inProgressStatus) {
        return okResult();
    }
    json::object update{{"status", settings_.readyStatuses.front()}};
    return call(http::verb::put, "/wc/v3/orders/" + shopId, {}, json::serialize(update)).result;
}

std::optional<std::vector<std::string>> WooCommerceAdapter::readTrackings(const std::string& shopId,
                                                                          Result& result,
                                                                          bool& pluginPresent) {
    pluginPresent = true;
    if (!isOrderId(shopId)) {
        result = badOrderId(shopId);
        return std::nullopt;
    }
    Call answer = call(http::verb::get, kTrackingBase + shopId + "/shipment-trackings", {});
    std::vector<std::string> numbers;
    if (answer.result.ok()) {
        result = answer.result;
        if (answer.body.is_array()) {
            for (const auto& value : answer.body.get_array()) {
                if (value.is_object()) {
                    numbers.push_back(field(value.get_object(), "tracking_number"));
                }
            }
        }
        return numbers;
    }
    if (answer.result.httpStatus != 404 || answer.code != "rest_no_route") {
        result = answer.result;
        return std::nullopt;
    }
    // No Shipment Tracking extension: the numbers live in the notes we wrote.
    pluginPresent = false;
    auto notes = fetchNoteTexts(shopId, result);
    if (!notes) {
        return std::nullopt;
    }
    for (const auto& note : *notes) {
        for (auto& number : trackingNumbersInNote(note)) {
            numbers.push_back(std::move(number));
        }
    }
    return numbers;
}

std::optional<std::vector<std::string>> WooCommerceAdapter::fetchTrackingNumbers(
    const std::string& shopId, Result& result) {
    bool pluginPresent = true;
    return readTrackings(shopId, result, pluginPresent);
}

std::optional<std::vector<std::string>> WooCommerceAdapter::fetchNoteTexts(
    const std::string& shopId, Result& result) {
    if (!isOrderId(shopId)) {
        result = badOrderId(shopId);
        return std::nullopt;
    }
    Call answer = call(http::verb::get, "/wc/v3/orders/" + shopId + "/notes", {{"type", "any"}});
    result = answer.result;
    if (!result.ok()) {
        return std::nullopt;
    }
    std::vector<std::string> notes;
    if (answer.body.is_array()) {
        for (const auto& value : answer.body.get_array()) {
            if (value.is_object()) {
                notes.push_back(field(value.get_object(), "note"));
            }
        }
    }
    return notes;
}

Result WooCommerceAdapter::addNoteOnce(const std::string& shopId, const std::string& text,
                                       bool customerNote) {
    Result result;
    auto notes = fetchNoteTexts(shopId, result);
    if (!notes) {
        return result;
    }
    if (contains(*notes, text)) {
        return okResult();
    }
    json::object note{{"note", text}, {"customer_note", customerNote}};
    return call(http::verb::post, "/wc/v3/orders/" + shopId + "/notes", {}, json::serialize(note))
        .result;
}

Result WooCommerceAdapter::addNote(const std::string& shopId, const std::string& text,
                                   bool customerNote) {
    return addNoteOnce(shopId, text, customerNote);
}

Result WooCommerceAdapter::pushTrackings(const Shipment& shipment) {
    if (!isOrderId(shipment.shopId)) {
        return badOrderId(shipment.shopId);
    }
    Result result;
    bool pluginPresent = true;
    std::optional<std::vector<std::string>> existing;
    if (shipment.firstAttempt) {
        // Nothing of this shipment ever left: the shop holds none of its numbers. A missing
        // extension still shows on the first POST (rest_no_route), and falls back to a note.
        existing.emplace();
    } else {
        existing = readTrackings(shipment.shopId, result, pluginPresent);
    }
    if (!existing) {
        return result;
    }
    std::vector<const ParcelShipped*> fresh;
    std::set<std::string> seen(existing->begin(), existing->end());
    for (const auto& parcel : shipment.parcels) {
        if (!parcel.trackingNumber.empty() && seen.insert(parcel.trackingNumber).second) {
            fresh.push_back(&parcel);
        }
    }

    auto providerName = [this](const std::string& carrier) {
        auto known = settings_.trackingProviders.find(carrier);
        return known != settings_.trackingProviders.end() ? known->second : carrier;
    };
    for (std::size_t i = 0; i < fresh.size() && pluginPresent; ++i) {
        const ParcelShipped& parcel = *fresh[i];
        json::object tracking{{"tracking_number", parcel.trackingNumber}};
        if (auto known = settings_.trackingProviders.find(parcel.carrier);
            known != settings_.trackingProviders.end()) {
            tracking["tracking_provider"] = known->second;
        } else {
            tracking["custom_tracking_provider"] = parcel.carrier;
            if (auto link = settings_.trackingLinks.find(parcel.carrier);
                link != settings_.trackingLinks.end()) {
                std::string url = link->second;
                if (auto at = url.find("%s"); at != std::string::npos) {
                    url.replace(at, 2, parcel.trackingNumber);
                }
                tracking["custom_tracking_link"] = url;
            }
        }
        if (parcel.shippedAt.size() >= 10) {
            tracking["date_shipped"] = parcel.shippedAt.substr(0, 10);
        }
        Call answer =
            call(http::verb::post, kTrackingBase + shipment.shopId + "/shipment-trackings", {},
                 json::serialize(tracking));
        if (answer.result.httpStatus == 404 && answer.code == "rest_no_route") {
            pluginPresent = false;  // removed between the read and now: fall back to a note
            fresh.erase(fresh.begin(), fresh.begin() + static_cast<long>(i));
            break;
        }
        if (!answer.result.ok()) {
            return answer.result;
        }
    }
    if (!pluginPresent && !fresh.empty()) {
        std::string note = fresh.size() == 1 ? "Your order has shipped."
                                             : "Your order has shipped in " +
                                                   std::to_string(fresh.size()) + " parcels.";
        for (const auto* parcel : fresh) {
            note += "\nParcel " + std::to_string(parcel->index) + ": " +
                    providerName(parcel->carrier) + " " + std::string(kTrackingMarker) +
                    parcel->trackingNumber;
        }
        if (auto noted = addNoteOnce(shipment.shopId, note, settings_.trackingNoteToCustomer);
            !noted.ok()) {
            return noted;
        }
    }

    if (shipment.partial) {
        // The backorder keeps the order open in the shop; the note tells the staff what left.
        std::string note = "Partial shipment from the packing station (order " +
                           shipment.orderNumber + "), the rest follows:";
        for (const auto& parcel : shipment.parcels) {
            note += "\nParcel " + std::to_string(parcel.index);
            if (!parcel.trackingNumber.empty()) {
                note += " (" + providerName(parcel.carrier) + " " + parcel.trackingNumber + ")";
            }
            note += ": " + parcelItems(parcel);
        }
        return addNoteOnce(shipment.shopId, note, false);
    }
    return okResult();
}

Result WooCommerceAdapter::pushShipment(const Shipment& shipment) {
    if (Result pushed = pushTrackings(shipment); !pushed.ok() || shipment.partial) {
        return pushed;
    }
    json::object update{{"status", settings_.shippedStatus}};
    return call(http::verb::put, "/wc/v3/orders/" + shipment.shopId, {}, json::serialize(update))
        .result;
}

std::vector<Result> WooCommerceAdapter::pushShipments(const std::vector<Shipment>& shipments) {
    std::vector<Result> results(shipments.size());
    std::vector<std::size_t> toComplete;
    for (std::size_t i = 0; i < shipments.size(); ++i) {
        results[i] = pushTrackings(shipments[i]);
        if (!results[i].ok() && results[i].kind != Result::Kind::Permanent) {
            // The shop is unwell: leave the rest for the relay's next attempt.
            for (std::size_t j = i + 1; j < shipments.size(); ++j) {
                results[j] = results[i];
            }
            toComplete.clear();
            for (std::size_t j = 0; j < i; ++j) {
                if (results[j].ok() && !shipments[j].partial) {
                    toComplete.push_back(j);
                }
            }
            break;
        }
        if (results[i].ok() && !shipments[i].partial) {
            toComplete.push_back(i);
        }
    }
    for (std::size_t start = 0; start < toComplete.size(); start += 100) {
        const std::size_t end = std::min(toComplete.size(), start + 100);
        json::array updates;
        for (std::size_t k = start; k < end; ++k) {
            updates.push_back(json::object{{"id", std::stoll(shipments[toComplete[k]].shopId)},
                                           {"status", settings_.shippedStatus}});
        }
        Call answer = call(http::verb::post, "/wc/v3/orders/batch", {},
                           json::serialize(json::object{{"update", std::move(updates)}}));
        const json::array* answered = answer.result.ok() && answer.body.is_object()
                                          ? arrayAt(answer.body.get_object(), "update")
                                          : nullptr;
        for (std::size_t k = start; k < end; ++k) {
            Result& r = results[toComplete[k]];
            if (!answer.result.ok()) {
                r = answer.result;
                continue;
            }
            const std::size_t at = k - start;
            if (!answered || at >= answered->size() || !(*answered)[at].is_object()) {
                r = permanent("WooCommerce's batch answer lacks order " +
                              shipments[toComplete[k]].orderNumber);
                continue;
            }
            if (const json::object* error = objectAt((*answered)[at].get_object(), "error")) {
                r = permanent("WooCommerce refused the status of order " +
                              shipments[toComplete[k]].orderNumber + ": " +
                              field(*error, "message"));
            }
        }
    }
    return results;
}

Result WooCommerceAdapter::pushReturn(const ReturnReceived& ret) {
    if (!isOrderId(ret.shopId)) {
        return badOrderId(ret.shopId);
    }
    std::string note = "Return received at the packing station (order " + ret.orderNumber + "):";
    for (const auto& item : ret.items) {
        note += "\n" + std::to_string(item.quantity) + " x " + item.sku + ": " + item.condition +
                (item.restock ? ", back in stock" : ", not restocked");
    }
    if (auto noted = addNoteOnce(ret.shopId, note, false); !noted.ok()) {
        return noted;
    }
    return settings_.refundReturns ? refundReturn(ret) : okResult();
}

Result WooCommerceAdapter::refundReturn(const ReturnReceived& ret) {
    Result result;
    auto order = fetchOrderJson(ret.shopId, result);
    if (!order) {
        return result;
    }
    Call existing =
        call(http::verb::get, "/wc/v3/orders/" + ret.shopId + "/refunds", {{"per_page", "100"}});
    if (!existing.result.ok()) {
        return existing.result;
    }
    std::vector<std::string> reasons;
    if (existing.body.is_array()) {
        for (const auto& value : existing.body.get_array()) {
            if (value.is_object()) {
                reasons.push_back(field(value.get_object(), "reason"));
            }
        }
    }
    const json::array* lines = arrayAt(order->get_object(), "line_items");

    // restock_items covers a whole refund: restocked and other items make two refunds.
    for (bool restock : {true, false}) {
        json::array refundLines;
        std::vector<std::string> described;
        double amount = 0;
        for (const auto& item : ret.items) {
            if (item.restock != restock || item.quantity <= 0) {
                continue;
            }
            const json::object* line = nullptr;
            for (std::size_t i = 0; lines && i < lines->size() && !line; ++i) {
                if ((*lines)[i].is_object() && field((*lines)[i].get_object(), "sku") == item.sku) {
                    line = &(*lines)[i].get_object();
                }
            }
            if (!line) {
                return permanent("cannot refund " + item.sku + ": order " + ret.orderNumber +
                                 " has no such line in WooCommerce");
            }
            double ordered = std::max<double>(1, static_cast<double>(integer(*line, "quantity")));
            double share = item.quantity / ordered;
            double total = number(field(*line, "total")).value_or(0) * share;
            json::array taxes;
            if (const auto* lineTaxes = arrayAt(*line, "taxes")) {
                for (const auto& tax : *lineTaxes) {
                    if (!tax.is_object()) {
                        continue;
                    }
                    double taxTotal = number(field(tax.get_object(), "total")).value_or(0) * share;
                    amount += std::round(taxTotal * 100) / 100;
                    taxes.push_back(json::object{{"id", tax.get_object().at("id")},
                                                 {"refund_total", money(taxTotal)}});
                }
            }
            amount += std::round(total * 100) / 100;
            refundLines.push_back(json::object{{"id", line->at("id")},
                                               {"quantity", item.quantity},
                                               {"refund_total", money(total)},
                                               {"refund_tax", std::move(taxes)}});
            described.push_back(std::to_string(item.quantity) + " x " + item.sku + " (" +
                                item.condition + ")");
        }
        if (refundLines.empty()) {
            continue;
        }
        // The reason identifies the refund: one already recorded is not made again.
        std::string reason = "Return " + join(described, ", ");
        if (contains(reasons, reason)) {
            continue;
        }
        json::object refund{{"amount", money(amount)},
                            {"reason", reason},
                            {"line_items", std::move(refundLines)},
                            {"restock_items", restock},
                            {"api_refund", settings_.refundThroughGateway}};
        Call answer = call(http::verb::post, "/wc/v3/orders/" + ret.shopId + "/refunds", {},
                           json::serialize(refund));
        if (!answer.result.ok()) {
            return answer.result;
        }
    }
    return okResult();
}

}  // namespace shop
