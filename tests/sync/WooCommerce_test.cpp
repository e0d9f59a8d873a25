// The WooCommerce adapter against the shop simulator over real TCP (and TLS) on 127.0.0.1.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <set>

#include "ShopSimServer.h"
#include "sync/WooCommerceAdapter.h"

namespace {

namespace json = boost::json;
using http = boost::beast::http::verb;
using shop::Result;
using shoptest::SimServer;

shop::WooCommerceSettings settingsFor(const SimServer& sim) {
    shop::WooCommerceSettings settings;
    settings.baseUrl = sim.baseUrl();
    settings.consumerKey = shoptest::kKey;
    settings.consumerSecret = shoptest::kSecret;
    settings.timeout = std::chrono::milliseconds(5000);
    return settings;
}

json::value demoShop() {
    json::value store;
    EXPECT_EQ(shopsim::loadStoreFile(STATION_SOURCE_DIR "/tools/shopsim/demo-shop.json", store),
              "");
    return store;
}

json::object product(long long id, const std::string& sku, const std::string& weightKg) {
    return {{"id", id},
            {"sku", sku},
            {"name", sku},
            {"weight", weightKg},
            {"meta_data", json::array{}}};
}

json::object order(long long id, const std::string& status, const std::string& modified,
                   long long productId = 1, const std::string& sku = "SKU-1") {
    return {{"id", id},
            {"number", std::to_string(id)},
            {"status", status},
            {"payment_method", "stripe"},
            {"date_modified_gmt", modified},
            {"total", "20.00"},
            {"shipping", json::object{{"first_name", "Ada"},
                                      {"last_name", "Lovelace"},
                                      {"address_1", "1 Analytical Row"},
                                      {"postcode", "N1 1AA"},
                                      {"city", "London"},
                                      {"country", "GB"}}},
            {"line_items",
             json::array{json::object{
                 {"id", id * 10 + 1},
                 {"product_id", productId},
                 {"variation_id", 0},
                 {"sku", sku},
                 {"name", sku},
                 {"quantity", 2},
                 {"total", "20.00"},
                 {"taxes", json::array{}},
                 {"meta_data",
                  json::array{json::object{{"key", "_gtin"}, {"value", "4006381333931"}},
                              json::object{{"key", "_bin_location"}, {"value", "Z-9"}}}}}}},
            {"shipping_lines", json::array{json::object{{"method_id", "flat_rate"}}}}};
}

shop::Shipment shipmentOf(const std::string& shopId, const std::string& number,
                          std::vector<std::pair<std::string, std::string>> parcels,
                          bool partial = false) {
    shop::Shipment shipment;
    shipment.shopId = shopId;
    shipment.orderNumber = number;
    shipment.partial = partial;
    int index = 0;
    for (auto& [tracking, sku] : parcels) {
        shop::ParcelShipped parcel;
        parcel.index = ++index;
        parcel.trackingNumber = tracking;
        parcel.carrier = "colissimo";
        parcel.shippedAt = "2024-11-05T10:00:00Z";
        parcel.items.push_back({sku, "", 1});
        shipment.parcels.push_back(parcel);
    }
    return shipment;
}

std::vector<std::string> trackingNumbersIn(SimServer& sim, const std::string& shopId) {
    auto response =
        sim.admin(http::get, "/wc-shipment-tracking/v3/orders/" + shopId + "/shipment-trackings");
    EXPECT_EQ(response.status, 200);
    std::vector<std::string> numbers;
    json::value list = json::parse(response.body);
    for (const auto& t : list.as_array()) {
        numbers.emplace_back(t.at("tracking_number").as_string());
    }
    std::sort(numbers.begin(), numbers.end());
    return numbers;
}

json::array notesOf(SimServer& sim, const std::string& shopId) {
    auto response = sim.admin(http::get, "/wc/v3/orders/" + shopId + "/notes");
    EXPECT_EQ(response.status, 200);
    json::array added;  // without WooCommerce's own status-change notes
    json::value all = json::parse(response.body);
    for (auto& note : all.as_array()) {
        if (note.at("added_by_user").as_bool()) {
            added.push_back(note);
        }
    }
    return added;
}

std::string statusOf(SimServer& sim, const std::string& shopId) {
    auto response = sim.admin(http::get, "/wc/v3/orders/" + shopId);
    EXPECT_EQ(response.status, 200);
    return std::string(json::parse(response.body).at("status").as_string());
}

TEST(WooCommerceAdapter, PagesThroughAllOrdersInModificationOrder) {
    json::array orders;
    for (int i = 1; i <= 250; ++i) {
        // Listed out of order on purpose: the adapter asks for the oldest change first.
        int minute = (i * 37) % 250;
        char stamp[32];
        std::snprintf(stamp, sizeof stamp, "2024-10-01T%02d:%02d:00", minute / 60, minute % 60);
        orders.push_back(order(1000 + i, i % 2 ? "processing" : "on-hold", stamp));
    }
    orders.push_back(order(2000, "completed", "2024-10-01T01:00:00"));
    SimServer sim(
        SimServer::defaultOptions(),
        json::object{{"orders", orders}, {"products", json::array{product(1, "SKU-1", "0.25")}}});
    shop::WooCommerceAdapter adapter(settingsFor(sim));

    std::set<std::string> seen;
    std::vector<std::size_t> pageSizes;
    std::string lastModified;
    bool more = true;
    for (int page = 1; more && page < 10; ++page) {
        auto result = adapter.fetchOrders("", page);
        ASSERT_TRUE(result.result.ok()) << result.result.error;
        pageSizes.push_back(result.orders.size());
        for (const auto& o : result.orders) {
            EXPECT_GE(o.modifiedAt, lastModified);
            lastModified = o.modifiedAt;
            seen.insert(o.number);
            EXPECT_EQ(o.lines.at(0).unitWeightGrams, 250);
        }
        more = result.more;
    }
    EXPECT_EQ(pageSizes, (std::vector<std::size_t>{100, 100, 50}));
    EXPECT_EQ(seen.size(), 250u);
    EXPECT_FALSE(seen.count("2000")) << "a completed order is not offered for packing";

    // Only what changed after `since`: minutes 200..249 of the day.
    auto recent = adapter.fetchOrders("2024-10-01T03:19:00Z", 1);
    ASSERT_TRUE(recent.result.ok()) << recent.result.error;
    EXPECT_EQ(recent.orders.size(), 50u);
    EXPECT_FALSE(recent.more);

    // The list shrank under the relay's feet: a page past the end is an empty last page.
    auto beyond = adapter.fetchOrders("2024-10-01T03:19:00Z", 2);
    EXPECT_TRUE(beyond.result.ok()) << beyond.result.error;
    EXPECT_TRUE(beyond.orders.empty());
    EXPECT_FALSE(beyond.more);
}

TEST(WooCommerceAdapter, MapsTheDemoShopLikeTheDemoOrders) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    shop::WooCommerceAdapter adapter(settingsFor(sim));
    auto page = adapter.fetchOrders("", 1);
    ASSERT_TRUE(page.result.ok()) << page.result.error;
    EXPECT_FALSE(page.more);

    std::map<std::string, shop::Order> byNumber;
    for (auto& o : page.orders) {
        byNumber[o.number] = o;
    }
    EXPECT_FALSE(byNumber.count("1009")) << "cancelled";
    EXPECT_FALSE(byNumber.count("1010")) << "already shipped";
    EXPECT_EQ(byNumber.size(), 12u);

    const shop::Order& first = byNumber.at("1001");
    EXPECT_EQ(first.shopId, "5001");
    EXPECT_EQ(first.status, "ready");
    EXPECT_EQ(first.payment, "paid");
    EXPECT_EQ(first.riskScore, 3);
    EXPECT_EQ(first.shippingMethod, "colissimo");
    EXPECT_EQ(first.customer.name, "Élodie Durand");
    EXPECT_EQ(first.customer.street, "5 place Bellecour");
    EXPECT_EQ(first.customer.postcode, "69002");
    EXPECT_EQ(first.customer.city, "Lyon");
    EXPECT_EQ(first.customer.country, "FR");
    EXPECT_EQ(first.customerNote, "Merci de bien protéger le mug !");
    EXPECT_EQ(first.modifiedAt, "2024-11-04T08:00:00Z");
    EXPECT_EQ(first.lines.at(0).shopLineId, "50011");

    EXPECT_EQ(byNumber.at("1003").status, "awaiting_payment");
    EXPECT_EQ(byNumber.at("1003").payment, "awaiting_transfer");
    EXPECT_EQ(byNumber.at("1004").status, "awaiting_payment");
    EXPECT_EQ(byNumber.at("1004").payment, "awaiting_cheque");
    EXPECT_EQ(byNumber.at("1005").riskScore, 92);
    EXPECT_EQ(byNumber.at("1012").shippingMethod, "pickup");

    // Every line as the station's own demo file has it: the two files stay in step.
    json::value demo;
    ASSERT_EQ(shopsim::loadStoreFile(STATION_SOURCE_DIR "/config/demo-orders.json", demo), "");
    for (const auto& expected : demo.at("orders").as_array()) {
        std::string number(expected.at("number").as_string());
        if (!byNumber.count(number)) {
            continue;
        }
        const auto& lines = byNumber.at(number).lines;
        const auto& expectedLines = expected.at("lines").as_array();
        ASSERT_EQ(lines.size(), expectedLines.size()) << number;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            const auto& e = expectedLines[i].as_object();
            EXPECT_EQ(lines[i].sku, e.at("sku").as_string()) << number;
            EXPECT_EQ(lines[i].gtin, e.at("gtin").as_string()) << number;
            EXPECT_EQ(lines[i].bin, e.at("bin").as_string()) << number;
            EXPECT_EQ(lines[i].name, e.at("name").as_string()) << number;
            EXPECT_EQ(lines[i].quantity, e.at("quantity").as_int64()) << number;
            EXPECT_EQ(lines[i].unitWeightGrams, e.at("unit_weight_grams").as_int64()) << number;
            // Case packs and serialised items, from the products' meta.
            const auto* caseGtin = e.if_contains("case_gtin");
            EXPECT_EQ(lines[i].caseGtin, caseGtin ? std::string(caseGtin->as_string()) : "")
                << number << " " << lines[i].sku;
            const auto* caseQuantity = e.if_contains("case_quantity");
            EXPECT_EQ(lines[i].caseQuantity, caseQuantity ? caseQuantity->as_int64() : 0)
                << number << " " << lines[i].sku;
            const auto* serialised = e.if_contains("serialised");
            EXPECT_EQ(lines[i].serialised, serialised && serialised->as_bool())
                << number << " " << lines[i].sku;
        }
    }
}

TEST(WooCommerceAdapter, TakesWhatALineLacksFromItsVariationAndProduct) {
    json::object parent{
        {"id", 40},
        {"sku", "TEE"},
        {"weight", "200"},
        {"meta_data", json::array{json::object{{"key", "_bin_location"}, {"value", "C-07"}}}},
        {"variations", json::array{json::object{{"id", 41},
                                                {"sku", "TEE-L"},
                                                {"weight", "230"},
                                                {"global_unique_id", "4006381333931"},
                                                {"meta_data", json::array{}}}}}};
    json::object o = order(7001, "processing", "2024-10-01T00:00:00", 40, "TEE-L");
    auto& line = o["line_items"].as_array()[0].as_object();
    line["variation_id"] = 41;
    line["meta_data"] = json::array{};
    o["shipping"] = json::object{{"first_name", ""}, {"last_name", ""}};
    o["billing"] =
        json::object{{"first_name", "Grace"},   {"last_name", "Hopper"}, {"company", "Navy"},
                     {"address_1", "1 Harbor"}, {"address_2", "Dock 3"}, {"city", "Arlington"}};
    SimServer sim(SimServer::defaultOptions(),
                  json::object{{"orders", json::array{o}}, {"products", json::array{parent}}});
    auto settings = settingsFor(sim);
    settings.weightUnit = "g";
    shop::WooCommerceAdapter adapter(settings);

    Result result;
    auto fetched = adapter.fetchOrder("7001", result);
    ASSERT_TRUE(fetched) << result.error;
    const auto& l = fetched->lines.at(0);
    EXPECT_EQ(l.gtin, "4006381333931");                       // the variation's global_unique_id
    EXPECT_EQ(l.unitWeightGrams, 230);                        // the variation's, not the parent's
    EXPECT_EQ(l.bin, "C-07");                                 // the parent's meta
    EXPECT_EQ(fetched->customer.name, "Grace Hopper, Navy");  // billing, as shipping is empty
    EXPECT_EQ(fetched->customer.street, "1 Harbor, Dock 3");
}

TEST(WooCommerceAdapter, FetchOrderCatchesACancellation) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    shop::WooCommerceAdapter adapter(settingsFor(sim));
    Result result;
    auto before = adapter.fetchOrder("5001", result);
    ASSERT_TRUE(before) << result.error;
    EXPECT_EQ(before->status, "ready");

    ASSERT_EQ(
        sim.admin(http::put, "/wc/v3/orders/5001", json::object{{"status", "cancelled"}}).status,
        200);
    auto after = adapter.fetchOrder("5001", result);
    ASSERT_TRUE(after) << result.error;
    EXPECT_EQ(after->status, "cancelled");
    EXPECT_EQ(after->lines.size(), before->lines.size());

    auto missing = adapter.fetchOrder("4242", result);
    EXPECT_FALSE(missing);
    EXPECT_EQ(result.kind, Result::Kind::Permanent);
    EXPECT_EQ(result.httpStatus, 404);
    EXPECT_NE(result.error.find("Invalid ID."), std::string::npos) << result.error;

    EXPECT_FALSE(adapter.fetchOrder("../products", result));
    EXPECT_EQ(result.kind, Result::Kind::Permanent);
}

TEST(WooCommerceAdapter, PushShipmentAddsEachTrackingOnceAndCompletesTheOrder) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    shop::WooCommerceAdapter adapter(settingsFor(sim));
    auto shipment =
        shipmentOf("5007", "1007", {{"6A111", "LAMPE-ARCHI"}, {"6A222", "TAPIS-BERBERE"}});
    shipment.parcels[1].carrier = "mondial_relay";

    auto result = adapter.pushShipment(shipment);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(trackingNumbersIn(sim, "5007"), (std::vector<std::string>{"6A111", "6A222"}));
    EXPECT_EQ(statusOf(sim, "5007"), "completed");

    auto list = json::parse(
        sim.admin(http::get, "/wc-shipment-tracking/v3/orders/5007/shipment-trackings").body);
    for (const auto& t : list.as_array()) {
        if (t.at("tracking_number") == "6A111") {
            EXPECT_EQ(t.at("tracking_provider"), "Colissimo");
            EXPECT_EQ(t.at("date_shipped"), "2024-11-05");
        } else {
            EXPECT_EQ(t.at("custom_tracking_provider"), "mondial_relay");
        }
    }

    // Told twice (the relay lost our answer): nothing is added again.
    result = adapter.pushShipment(shipment);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(sim.count("trackings", "5007"), 2);
    EXPECT_EQ(sim.count("status_changes", "5007"), 1);

    Result read;
    auto numbers = adapter.fetchTrackingNumbers("5007", read);
    ASSERT_TRUE(numbers) << read.error;
    EXPECT_EQ(numbers->size(), 2u);
}

TEST(WooCommerceAdapter, RetryAfterAnUnclearShipmentDoesNotAddATrackingTwice) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    shop::WooCommerceAdapter adapter(settingsFor(sim));
    auto shipment =
        shipmentOf("5007", "1007", {{"6A111", "LAMPE-ARCHI"}, {"6A222", "TAPIS-BERBERE"}});

    sim.faults({{"drop_after_apply", true},
                {"count", 1},
                {"match", "POST /wp-json/wc-shipment-tracking"}});
    auto first = adapter.pushShipment(shipment);
    EXPECT_EQ(first.kind, Result::Kind::Unclear) << first.error;
    EXPECT_EQ(sim.count("trackings", "5007"), 1) << "the shop applied the dropped request";
    EXPECT_EQ(statusOf(sim, "5007"), "processing");

    auto second = adapter.pushShipment(shipment);
    ASSERT_TRUE(second.ok()) << second.error;
    EXPECT_EQ(trackingNumbersIn(sim, "5007"), (std::vector<std::string>{"6A111", "6A222"}));
    EXPECT_EQ(sim.count("trackings", "5007"), 2);
    EXPECT_EQ(statusOf(sim, "5007"), "completed");
}

TEST(WooCommerceAdapter, PartialShipmentKeepsTheStatusAndSaysWhatLeft) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    shop::WooCommerceAdapter adapter(settingsFor(sim));
    auto shipment = shipmentOf("5014", "1014", {{"6A333", "THE-VERT"}}, true);
    shipment.parcels[0].items[0].quantity = 2;

    auto result = adapter.pushShipment(shipment);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(statusOf(sim, "5014"), "processing");
    EXPECT_EQ(trackingNumbersIn(sim, "5014"), (std::vector<std::string>{"6A333"}));
    auto notes = notesOf(sim, "5014");
    ASSERT_EQ(notes.size(), 1u);
    std::string text(notes[0].at("note").as_string());
    EXPECT_NE(text.find("Parcel 1"), std::string::npos) << text;
    EXPECT_NE(text.find("2 x THE-VERT"), std::string::npos) << text;
    EXPECT_NE(text.find("6A333"), std::string::npos) << text;
    EXPECT_FALSE(notes[0].at("customer_note").as_bool());

    ASSERT_TRUE(adapter.pushShipment(shipment).ok());
    EXPECT_EQ(notesOf(sim, "5014").size(), 1u) << "the same note is not written twice";
    EXPECT_EQ(sim.count("status_changes", "5014"), 0);
}

TEST(WooCommerceAdapter, WithoutTheTrackingExtensionTheNumbersGoIntoOneNote) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    sim.control(http::post, "/_sim/config", json::object{{"tracking_plugin", false}});
    shop::WooCommerceAdapter adapter(settingsFor(sim));
    auto shipment = shipmentOf("5001", "1001", {{"6A444", "TSHIRT-M-BLEU"}, {"6A555", "MUG-CAFE"}});

    ASSERT_TRUE(adapter.pushShipment(shipment).ok());
    ASSERT_TRUE(adapter.pushShipment(shipment).ok());
    auto notes = notesOf(sim, "5001");
    ASSERT_EQ(notes.size(), 1u);
    std::string text(notes[0].at("note").as_string());
    EXPECT_NE(text.find("6A444"), std::string::npos) << text;
    EXPECT_NE(text.find("6A555"), std::string::npos) << text;
    EXPECT_TRUE(notes[0].at("customer_note").as_bool());
    EXPECT_EQ(statusOf(sim, "5001"), "completed");

    Result read;
    auto numbers = adapter.fetchTrackingNumbers("5001", read);
    ASSERT_TRUE(numbers) << read.error;
    std::sort(numbers->begin(), numbers->end());
    EXPECT_EQ(*numbers, (std::vector<std::string>{"6A444", "6A555"}));
}

TEST(WooCommerceAdapter, TooManyRequestsIsTransientWithRetryAfter) {
    SimServer sim;
    shop::WooCommerceAdapter adapter(settingsFor(sim));
    sim.faults({{"status", 429}, {"retry_after", 7}, {"count", 1}});
    auto page = adapter.fetchOrders("", 1);
    EXPECT_EQ(page.result.kind, Result::Kind::Transient);
    EXPECT_EQ(page.result.httpStatus, 429);
    ASSERT_TRUE(page.result.retryAfter);
    EXPECT_EQ(*page.result.retryAfter, std::chrono::seconds(7));

    EXPECT_TRUE(adapter.fetchOrders("", 1).result.ok()) << "the fault was for one request";
}

TEST(WooCommerceAdapter, ServerErrorsAreTransient) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    shop::WooCommerceAdapter adapter(settingsFor(sim));
    for (int status : {503, 500}) {
        sim.faults({{"status", status}, {"count", 1}});
        auto result = adapter.addNote("5001", "Fragile", false);
        EXPECT_EQ(result.kind, Result::Kind::Transient) << status;
        EXPECT_EQ(result.httpStatus, status);
        EXPECT_FALSE(result.retryAfter);
    }
    EXPECT_EQ(sim.count("notes", "5001"), 0);
}

TEST(WooCommerceAdapter, DroppedAnswerIsUnclearAndTheNoteIsNotRepeated) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    shop::WooCommerceAdapter adapter(settingsFor(sim));
    sim.faults({{"drop_after_apply", true},
                {"count", 1},
                {"match", "POST /wp-json/wc/v3/orders/5002/notes"}});
    auto result = adapter.addNote("5002", "Gift wrap, please", true);
    EXPECT_EQ(result.kind, Result::Kind::Unclear) << result.error;
    EXPECT_EQ(sim.count("notes", "5002"), 1);
    EXPECT_EQ(sim.counts().at("dropped").as_int64(), 1);

    ASSERT_TRUE(adapter.addNote("5002", "Gift wrap, please", true).ok());
    EXPECT_EQ(sim.count("notes", "5002"), 1);
}

TEST(WooCommerceAdapter, NoAnswerInTimeAfterSendingIsUnclear) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    auto settings = settingsFor(sim);
    settings.timeout = std::chrono::milliseconds(300);
    settings.inProgressStatus = "packing";
    shop::WooCommerceAdapter adapter(settings);
    sim.faults({{"latency_ms", 1500}, {"count", 1}, {"match", "PUT "}});
    auto result = adapter.markInProgress("5001");
    EXPECT_EQ(result.kind, Result::Kind::Unclear) << result.error;
    EXPECT_NE(result.error.find("no answer within 300 ms"), std::string::npos) << result.error;
    EXPECT_EQ(sim.count("status_changes", "5001"), 1);
}

TEST(WooCommerceAdapter, RefusedConnectionIsTransient) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    auto port = probe.local_endpoint().port();
    probe.close();
    shop::WooCommerceSettings settings;
    settings.baseUrl = "http://127.0.0.1:" + std::to_string(port) + "/wp-json";
    shop::WooCommerceAdapter adapter(settings);
    auto result = adapter.addNote("5001", "hello", false);
    EXPECT_EQ(result.kind, Result::Kind::Transient);
    EXPECT_NE(result.error.find("connection refused"), std::string::npos) << result.error;
}

TEST(WooCommerceAdapter, WrongCredentialsArePermanentWithTheShopsMessageAndNoSecret) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    for (auto auth :
         {shop::WooCommerceSettings::Auth::Basic, shop::WooCommerceSettings::Auth::Query}) {
        auto settings = settingsFor(sim);
        settings.consumerSecret = "cs_wrong_but_still_secret";
        settings.auth = auth;
        shop::WooCommerceAdapter adapter(settings);
        auto page = adapter.fetchOrders("", 1);
        EXPECT_EQ(page.result.kind, Result::Kind::Permanent);
        EXPECT_EQ(page.result.httpStatus, 401);
        EXPECT_NE(page.result.error.find("Sorry, you cannot list resources."), std::string::npos)
            << page.result.error;
        EXPECT_EQ(page.result.error.find("cs_wrong_but_still_secret"), std::string::npos)
            << page.result.error;
    }

    // The right secret, but the shop revoked the key.
    shop::WooCommerceAdapter adapter(settingsFor(sim));
    sim.faults({{"wrong_credentials", true}, {"count", 1}});
    auto result = adapter.addNote("5001", "hello", false);
    EXPECT_EQ(result.kind, Result::Kind::Permanent);
    EXPECT_EQ(result.httpStatus, 401);
    EXPECT_EQ(result.error.find(shoptest::kSecret), std::string::npos) << result.error;
    EXPECT_EQ(sim.count("notes", "5001"), 0);
}

TEST(WooCommerceAdapter, QueryStringAuthentication) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    auto settings = settingsFor(sim);
    settings.auth = shop::WooCommerceSettings::Auth::Query;
    shop::WooCommerceAdapter adapter(settings);
    auto page = adapter.fetchOrders("", 1);
    ASSERT_TRUE(page.result.ok()) << page.result.error;
    EXPECT_EQ(page.orders.size(), 12u);
    EXPECT_GT(sim.count("auth", "query"), 0);
    EXPECT_EQ(sim.count("auth", "basic"), 0);
}

TEST(WooCommerceAdapter, PlainHttpIsRefusedBeyondThisMachine) {
    shop::WooCommerceSettings settings;
    settings.baseUrl = "http://shop.example/wp-json";
    settings.consumerSecret = "cs_never_sent";
    shop::WooCommerceAdapter adapter(settings);
    auto page = adapter.fetchOrders("", 1);
    EXPECT_EQ(page.result.kind, Result::Kind::Permanent);
    EXPECT_NE(page.result.error.find("https://"), std::string::npos) << page.result.error;
}

TEST(WooCommerceAdapter, VerifiesTheShopsCertificate) {
    shoptest::TempDir dir;
    std::string cert = dir.file("cert.pem");
    std::string key = dir.file("key.pem");
    shoptest::writeSelfSignedCertificate(cert, key);
    auto options = SimServer::defaultOptions();
    options.tlsCertFile = cert;
    options.tlsKeyFile = key;
    SimServer sim(options, demoShop());
    ASSERT_EQ(sim.baseUrl().rfind("https://", 0), 0u);

    auto settings = settingsFor(sim);
    {
        shop::WooCommerceAdapter adapter(settings);  // verification on, CA unknown
        auto page = adapter.fetchOrders("", 1);
        EXPECT_EQ(page.result.kind, Result::Kind::Permanent);
        EXPECT_NE(page.result.error.find("certificate"), std::string::npos) << page.result.error;
        EXPECT_NE(page.result.error.find("self-signed"), std::string::npos) << page.result.error;
    }
    settings.caFile = cert;
    {
        shop::WooCommerceAdapter adapter(settings);
        auto page = adapter.fetchOrders("", 1);
        ASSERT_TRUE(page.result.ok()) << page.result.error;
        EXPECT_EQ(page.orders.size(), 12u);
    }
    {
        // Trusted CA, but the certificate names 127.0.0.1 only.
        auto byName = settings;
        byName.baseUrl = "https://localhost:" + std::to_string(sim.port()) + "/wp-json";
        shop::WooCommerceAdapter adapter(byName);
        auto page = adapter.fetchOrders("", 1);
        EXPECT_EQ(page.result.kind, Result::Kind::Permanent);
        EXPECT_NE(page.result.error.find("not issued for 'localhost'"), std::string::npos)
            << page.result.error;
    }
    {
        auto unverified = settingsFor(sim);
        unverified.verifyTls = false;
        shop::WooCommerceAdapter adapter(unverified);
        EXPECT_TRUE(adapter.fetchOrders("", 1).result.ok());
    }
    {
        auto missingCa = settingsFor(sim);
        missingCa.caFile = dir.file("nothing-here.pem");
        shop::WooCommerceAdapter adapter(missingCa);
        auto page = adapter.fetchOrders("", 1);
        EXPECT_EQ(page.result.kind, Result::Kind::Permanent);
        EXPECT_NE(page.result.error.find("nothing-here.pem"), std::string::npos)
            << page.result.error;
    }
}

TEST(WooCommerceAdapter, MarkInProgressWritesACustomStatusOnlyOnAReadyOrder) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    {
        shop::WooCommerceAdapter adapter(settingsFor(sim));  // "processing": nothing to write
        ASSERT_TRUE(adapter.markInProgress("5001").ok());
        EXPECT_EQ(sim.count("requests", "PUT /wc/v3/orders/{id}"), 0);
    }
    auto settings = settingsFor(sim);
    settings.inProgressStatus = "packing";
    shop::WooCommerceAdapter adapter(settings);
    ASSERT_TRUE(adapter.markInProgress("5001").ok());
    EXPECT_EQ(statusOf(sim, "5001"), "packing");
    Result result;
    auto fetched = adapter.fetchOrder("5001", result);
    ASSERT_TRUE(fetched);
    EXPECT_EQ(fetched->status, "in_progress");
    ASSERT_TRUE(adapter.markInProgress("5001").ok());
    EXPECT_EQ(sim.count("status_changes", "5001"), 1);

    // A cancelled order is not revived by a bench that starts packing it.
    auto refused = adapter.markInProgress("5009");
    EXPECT_EQ(refused.kind, Result::Kind::Permanent);
    EXPECT_NE(refused.error.find("cancelled"), std::string::npos) << refused.error;
    EXPECT_EQ(statusOf(sim, "5009"), "cancelled");
}

TEST(WooCommerceAdapter, ReturnAddsANoteAndRefundsOnce) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    auto settings = settingsFor(sim);
    settings.refundReturns = true;
    shop::WooCommerceAdapter adapter(settings);
    shop::ReturnReceived ret;
    ret.shopId = "5001";
    ret.orderNumber = "1001";
    ret.items.push_back({"TSHIRT-M-BLEU", 1, "resellable", true});
    ret.items.push_back({"MUG-CAFE", 1, "damaged", false});

    ASSERT_TRUE(adapter.pushReturn(ret).ok());
    ASSERT_TRUE(adapter.pushReturn(ret).ok());
    auto notes = notesOf(sim, "5001");
    ASSERT_EQ(notes.size(), 1u);
    std::string text(notes[0].at("note").as_string());
    EXPECT_NE(text.find("1 x MUG-CAFE: damaged"), std::string::npos) << text;
    EXPECT_FALSE(notes[0].at("customer_note").as_bool());

    EXPECT_EQ(sim.count("refunds", "5001"), 2);  // one restocking, one not
    EXPECT_EQ(sim.count("restocked", "TSHIRT-M-BLEU"), 1);
    EXPECT_EQ(sim.count("restocked", "MUG-CAFE"), 0);
    auto refunds = json::parse(sim.admin(http::get, "/wc/v3/orders/5001/refunds").body).as_array();
    std::set<std::string> amounts;
    for (const auto& r : refunds) {
        amounts.insert(std::string(r.at("amount").as_string()));
    }
    EXPECT_EQ(amounts, (std::set<std::string>{"19.90", "12.50"}));
}

TEST(ShopSimulator, BatchUpdatesUpToAHundredOrders) {
    SimServer sim(SimServer::defaultOptions(), demoShop());
    json::array updates{json::object{{"id", 5001}, {"status", "completed"}},
                        json::object{{"id", 4242}, {"status", "completed"}}};
    auto response = sim.admin(http::post, "/wc/v3/orders/batch", json::object{{"update", updates}});
    ASSERT_EQ(response.status, 200);
    auto answer = json::parse(response.body).at("update").as_array();
    ASSERT_EQ(answer.size(), 2u);
    EXPECT_EQ(answer[0].at("status"), "completed");
    EXPECT_TRUE(answer[1].as_object().contains("error"));
    EXPECT_EQ(statusOf(sim, "5001"), "completed");

    json::array tooMany;
    for (int i = 0; i < 101; ++i) {
        tooMany.push_back(json::object{{"id", 5002}, {"status", "completed"}});
    }
    EXPECT_EQ(
        sim.admin(http::post, "/wc/v3/orders/batch", json::object{{"update", tooMany}}).status,
        413);
    EXPECT_EQ(statusOf(sim, "5002"), "processing");
}

TEST(RetryAfter, ReadsSecondsAndHttpDates) {
    auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
    EXPECT_EQ(shop::parseRetryAfter("30", now), std::chrono::seconds(30));
    EXPECT_EQ(shop::parseRetryAfter("Sun, 06 Nov 1994 08:51:37 GMT", now),
              std::chrono::seconds(120));
    EXPECT_EQ(shop::parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), std::chrono::seconds(0));
    EXPECT_FALSE(shop::parseRetryAfter("soon", now));
    EXPECT_FALSE(shop::parseRetryAfter("", now));
}

}  // namespace
