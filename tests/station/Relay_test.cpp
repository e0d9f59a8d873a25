// The outbox relay between a real station journal and the WooCommerce simulator on 127.0.0.1,
// on a clock the test controls: hours of outage pass in a few seconds.
#include <gtest/gtest.h>

#include <SQLiteCpp/Statement.h>
#include <boost/json.hpp>

#include <map>
#include <set>

#include "StationFixture.h"
#include "station/JournalOutbox.h"
#include "sync/Relay.h"
#include "sync/WooCommerceAdapter.h"
#include "tests/sync/ShopSimServer.h"

namespace station::test {
namespace {

namespace json = boost::json;
using verb = boost::beast::http::verb;
using namespace std::chrono_literals;

constexpr long long kFirstId = 7001;

json::object shopOrder(long long id, const std::string& sku, int quantity = 1) {
    return {{"id", id},
            {"number", std::to_string(id)},
            {"status", "processing"},
            {"payment_method", "stripe"},
            {"date_modified_gmt", "2024-03-05T08:00:00"},
            {"total", "20.00"},
            {"shipping", json::object{{"first_name", "Ada"},
                                      {"last_name", "Lovelace"},
                                      {"address_1", "1 Analytical Row"},
                                      {"postcode", "75001"},
                                      {"city", "Paris"},
                                      {"country", "FR"}}},
            {"line_items", json::array{json::object{{"id", id * 10 + 1},
                                                    {"product_id", 1},
                                                    {"variation_id", 0},
                                                    {"sku", sku},
                                                    {"name", sku},
                                                    {"quantity", quantity},
                                                    {"total", "20.00"},
                                                    {"taxes", json::array{}},
                                                    {"meta_data", json::array{}}}}},
            {"shipping_lines", json::array{json::object{{"method_id", "colissimo"}}}}};
}

json::object shopStore(int orders) {
    json::array list;
    for (long long id = kFirstId; id < kFirstId + orders; ++id) {
        list.push_back(shopOrder(id, "SKU-" + std::to_string(id)));
    }
    return {{"orders", std::move(list)},
            {"products", json::array{json::object{{"id", 1},
                                                  {"sku", "SKU"},
                                                  {"name", "Item"},
                                                  {"weight", "0.2"},
                                                  {"meta_data", json::array{}}}}}};
}

// A bench, the simulator, and the relay between them on the bench's clock.
class ShopBench {
  public:
    explicit ShopBench(int orders, std::chrono::milliseconds timeout = 2000ms)
        : sim_(shoptest::SimServer::defaultOptions(), shopStore(orders)), bench_(dir_.path()) {
        shop::WooCommerceSettings s;
        s.baseUrl = sim_.baseUrl();
        s.consumerKey = shoptest::kKey;
        s.consumerSecret = shoptest::kSecret;
        s.timeout = timeout;
        // A status of its own while packing, so that the order of the rows shows in the shop:
        // "packing" arriving after "completed" would leave the order at "packing".
        s.inProgressStatus = "packing";
        s.shippingMethods["colissimo"] = "colissimo";
        adapter_ = std::make_unique<shop::WooCommerceAdapter>(s);
        outbox_ = std::make_unique<JournalOutbox>(dir_.path() / "journal.db", bench_.io(),
                                                  bench_.station(), "bench-1");
        shop::RelaySettings rs;
        rs.firstRetry = 2s;
        rs.maxRetry = 15min;
        rs.pullInterval = 0ms;  // pulls only when the test asks
        relay_ = std::make_unique<shop::Relay>(
            *adapter_, *outbox_, rs, [this] { return bench_.now(); }, [] { return 0.5; });
        bench_.station().setShopLink("woocommerce", [this] { relay_->requestPull(); });
    }

    Bench& bench() { return bench_; }
    shoptest::SimServer& sim() { return sim_; }
    shop::Relay& relay() { return *relay_; }

    // One relay pass, then the station applies what it pulled.
    shop::RelayPass pass() {
        auto p = relay_->runOnce();
        bench_.settle();
        return p;
    }
    void pull() {
        relay_->requestPull();
        pass();
    }
    // Passes, moving the clock to each wake-up, until nothing is left to send.
    void drain(int maxPasses = 200) {
        for (int i = 0; i < maxPasses; ++i) {
            auto p = pass();
            if (pending() == 0) {
                return;
            }
            if (p.wakeAt && *p.wakeAt > bench_.now()) {
                bench_.advance(
                    std::chrono::duration_cast<std::chrono::seconds>(*p.wakeAt - bench_.now()) +
                    1s);
            }
        }
    }
    int64_t rows(const std::string& state) {
        SQLite::Statement q(bench_.db(), "SELECT COUNT(*) FROM outbox WHERE state = ?");
        q.bind(1, state);
        q.executeStep();
        return q.getColumn(0).getInt64();
    }
    int64_t pending() { return rows("pending"); }

    // The shop's record of an order.
    json::object shopOrderNow(long long id) {
        auto r = sim_.admin(verb::get, "/wc/v3/orders/" + std::to_string(id));
        EXPECT_EQ(r.status, 200) << r.body << r.error;
        auto v = json::parse(r.body);
        return v.is_object() ? v.get_object() : json::object{};
    }
    std::vector<std::string> shopTrackings(long long id) {
        auto r = sim_.admin(verb::get, "/wc-shipment-tracking/v3/orders/" + std::to_string(id) +
                                           "/shipment-trackings");
        EXPECT_EQ(r.status, 200) << r.body;
        std::vector<std::string> out;
        const json::value list = json::parse(r.body);
        for (const auto& t : list.as_array()) {
            out.emplace_back(t.as_object().at("tracking_number").as_string());
        }
        return out;
    }

    // Opens the order and packs its one item; without a scale the parcel closes and ships.
    void pack(long long id) {
        ASSERT_TRUE(accepted(bench_.scan(std::to_string(id))));
        ASSERT_TRUE(accepted(bench_.scan("SKU-" + std::to_string(id))));
        ASSERT_EQ(bench_.orderState(std::to_string(id)), "shipped");
    }

  private:
    TempDir dir_;
    shoptest::SimServer sim_;
    Bench bench_;
    std::unique_ptr<shop::WooCommerceAdapter> adapter_;
    std::unique_ptr<JournalOutbox> outbox_;
    std::unique_ptr<shop::Relay> relay_;
};

TEST(RetryDelay, FullJitterUpToAnExponentialCeilingAndNeverBeforeRetryAfter) {
    shop::RelaySettings s;
    s.firstRetry = 2s;
    s.maxRetry = 60s;
    EXPECT_EQ(shop::retryDelay(s, 1, std::nullopt, 0.0), 0ms);
    EXPECT_EQ(shop::retryDelay(s, 1, std::nullopt, 0.999), 1998ms);
    EXPECT_EQ(shop::retryDelay(s, 3, std::nullopt, 0.5), 4000ms);    // ceiling 8 s
    EXPECT_EQ(shop::retryDelay(s, 20, std::nullopt, 0.5), 30000ms);  // capped at 60 s
    EXPECT_EQ(shop::retryDelay(s, 1, 120s, 0.5), 120000ms);          // the shop's own wait
    EXPECT_EQ(shop::retryDelay(s, 20, 10s, 0.9), 54000ms);
}

TEST(Relay, PullImportsTheShopsOrdersIntoTheJournal) {
    ShopBench shop(30);
    shop.pull();
    for (long long id = kFirstId; id < kFirstId + 30; ++id) {
        EXPECT_EQ(shop.bench().orderState(std::to_string(id)), "ready") << id;
    }
    auto sync = shop.bench().station().syncJson();
    EXPECT_EQ(sync.at("adapter").as_string(), "woocommerce");
    EXPECT_FALSE(sync.at("last_pull_at").is_null());
}

TEST(Relay, OutageOfHoursWithEveryFaultKindDeliversEachShipmentExactlyOnceInOrder) {
    constexpr int kOrders = 200;
    ShopBench shop(kOrders, 400ms);
    shop.pull();
    ASSERT_TRUE(accepted(shop.bench().scan("U-1001")));

    // Each phase of the outage packs a share of the orders while the shop misbehaves in one
    // way; the relay keeps trying on the bench's clock, 3 minutes per order: 10 hours in all.
    const std::vector<json::object> phases = {
        {{"status", 503}, {"retry_after", "600"}},
        {{"status", 500}},
        {{"status", 429}, {"retry_after", "120"}},
        {{"latency_ms", 1000}},  // applied, but answered after the client gave up
        {{"drop_after_apply", true}},
        {{"wrong_credentials", true}},
    };
    long long next = kFirstId;
    for (std::size_t phase = 0; phase < phases.size(); ++phase) {
        shop.sim().faults(phases[phase]);
        const long long end = phase + 1 == phases.size()
                                  ? kFirstId + kOrders
                                  : next + kOrders / static_cast<long long>(phases.size());
        for (; next < end; ++next) {
            shop.pack(next);
            shop.bench().advance(3min);
            shop.pass();
        }
    }
    EXPECT_GT(shop.pending() + shop.rows("parked"), 0);
    EXPECT_GT(shop.sim().counts().at("faulted").as_int64(), 0);
    EXPECT_GT(shop.sim().counts().at("dropped").as_int64(), 0);

    // The shop is back. Rows refused for the credentials wait for a person: retry them.
    shop.sim().faults({});
    shop.bench().advance(1h);
    shop.drain();
    EXPECT_GT(shop.rows("parked"), 0) << "a 401 must park its row for a person";
    for (int round = 0; round < 10 && shop.rows("parked") > 0; ++round) {
        const auto sync = shop.bench().station().syncJson();
        for (const auto& row : sync.at("parked_rows").as_array()) {
            EXPECT_NE(std::string(row.at("error").as_string()).find("401"), std::string::npos)
                << row;
            EXPECT_TRUE(shop.bench().station().retryOutboxRow(row.at("id").as_int64(), "Sophie"));
        }
        shop.drain();
    }
    EXPECT_EQ(shop.pending(), 0);
    EXPECT_EQ(shop.rows("parked"), 0);

    // Every parcel's tracking number is in the shop exactly once, and the order completed
    // (had "packing" overtaken "completed", the order would still be packing).
    const auto counts = shop.sim().counts();
    for (long long id = kFirstId; id < kFirstId + kOrders; ++id) {
        const std::string number = std::to_string(id);
        const auto order = shop.bench().order(number);
        const auto& parcels = order.at("parcels").as_array();
        ASSERT_EQ(parcels.size(), 1u) << number;
        const std::string tracking(parcels[0].as_object().at("tracking_number").as_string());
        EXPECT_EQ(shop.shopTrackings(id), std::vector<std::string>{tracking}) << number;
        EXPECT_EQ(counts.at("trackings").as_object().at(number).as_int64(), 1) << number;
        EXPECT_EQ(shop.shopOrderNow(id).at("status").as_string(), "completed") << number;
    }
    auto sync = shop.bench().station().syncJson();
    EXPECT_EQ(sync.at("pending").as_int64(), 0);
    EXPECT_FALSE(sync.at("last_success_at").is_null());
    EXPECT_NE(std::string(sync.at("last_error").as_string()), "");
}

TEST(Relay, APermanentErrorParksItsRowWithoutHoldingTheOthers) {
    ShopBench shop(3);
    shop.pull();
    // An order the shop does not know: its shipment can only fail with 404.
    auto ghost = makeOrder("9999", {LineSpec{"GHOST-1", "", 1, 100, false}});
    ghost["shop_id"] = "9999";
    ASSERT_TRUE(shop.bench().import(ghost).empty());
    ASSERT_TRUE(accepted(shop.bench().scan("U-1001")));
    ASSERT_TRUE(accepted(shop.bench().scan("9999")));
    ASSERT_TRUE(accepted(shop.bench().scan("GHOST-1")));
    shop.pack(kFirstId);
    shop.pack(kFirstId + 1);
    shop.drain();
    EXPECT_EQ(shop.pending(), 0);
    // Both of its rows (in progress, then the shipment) wait for a person, with the reason.
    auto sync = shop.bench().station().syncJson();
    ASSERT_EQ(sync.at("parked_rows").as_array().size(), 2u) << sync;
    for (const auto& row : sync.at("parked_rows").as_array()) {
        EXPECT_EQ(row.at("order").as_string(), "9999");
        EXPECT_NE(std::string(row.at("error").as_string()).find("404"), std::string::npos) << row;
    }
    EXPECT_EQ(shop.shopOrderNow(kFirstId).at("status").as_string(), "completed");
    EXPECT_EQ(shop.shopOrderNow(kFirstId + 1).at("status").as_string(), "completed");
}

TEST(Relay, AnOrderCancelledInTheShopWhilePackedStopsTheBenchAtItsNextScan) {
    ShopBench shop(2);
    shop.pull();
    ASSERT_TRUE(accepted(shop.bench().scan("U-1001")));
    ASSERT_TRUE(accepted(shop.bench().scan(std::to_string(kFirstId))));
    shop.drain();  // the shop learns the order is being packed
    EXPECT_EQ(shop.shopOrderNow(kFirstId).at("status").as_string(), "packing");

    auto r = shop.sim().admin(verb::put, "/wc/v3/orders/" + std::to_string(kFirstId),
                              json::object{{"status", "cancelled"}});
    ASSERT_EQ(r.status, 200) << r.body;
    shop.pull();

    auto out = shop.bench().scan("SKU-" + std::to_string(kFirstId));
    EXPECT_TRUE(refused(out, "order_cancelled_in_shop"));
    EXPECT_NE(out.message.find("cancelled in the shop"), std::string::npos) << out.message;
    EXPECT_EQ(shop.bench().orderState(std::to_string(kFirstId)), "cancelled");
    EXPECT_TRUE(shop.bench().status().at("order").is_null()) << shop.bench().status();
    // Nothing was shipped, and the bench goes on with the next order.
    shop.pack(kFirstId + 1);
    shop.drain();
    EXPECT_TRUE(shop.shopTrackings(kFirstId).empty());
    EXPECT_EQ(shop.shopOrderNow(kFirstId).at("status").as_string(), "cancelled");
}

TEST(Relay, AnOrderShippedElsewhereIsRefusedAtTheBench) {
    ShopBench shop(1);
    shop.pull();
    auto r = shop.sim().admin(verb::put, "/wc/v3/orders/" + std::to_string(kFirstId),
                              json::object{{"status", "completed"}});
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(accepted(shop.bench().scan("U-1001")));
    ASSERT_TRUE(accepted(shop.bench().scan(std::to_string(kFirstId))));
    shop.pass();  // reading the order before marking it in progress shows it left already
    auto out = shop.bench().scan("SKU-" + std::to_string(kFirstId));
    EXPECT_TRUE(refused(out, "order_shipped_elsewhere")) << out.message;
    EXPECT_EQ(shop.bench().orderState(std::to_string(kFirstId)), "shipped");
    EXPECT_TRUE(refused(shop.bench().scan(std::to_string(kFirstId)), "order_already_shipped"));
    EXPECT_EQ(shop.rows("skipped"), 1);
}

TEST(Relay, AnOrderChangedInTheShopWhilePackedIsPackedAgainWithItsNewLines) {
    ShopBench shop(1);
    shop.pull();
    const std::string number = std::to_string(kFirstId);
    ASSERT_TRUE(accepted(shop.bench().scan("U-1001")));
    ASSERT_TRUE(accepted(shop.bench().scan(number)));
    shop.drain();
    // The customer asked for two; the shop's staff edited the order.
    auto r = shop.sim().admin(
        verb::put, "/wc/v3/orders/" + number,
        json::object{
            {"line_items", json::array{json::object{{"id", kFirstId * 10 + 1}, {"quantity", 2}}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    shop.pull();
    auto out = shop.bench().scan("SKU-" + number);
    EXPECT_TRUE(refused(out, "order_changed_in_shop")) << out.message;
    ASSERT_TRUE(accepted(shop.bench().scan(number)));
    ASSERT_TRUE(accepted(shop.bench().scan("SKU-" + number)));
    ASSERT_TRUE(accepted(shop.bench().scan("SKU-" + number)));
    EXPECT_EQ(shop.bench().orderState(number), "shipped");
}

}  // namespace
}  // namespace station::test
