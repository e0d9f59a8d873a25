// Orders and parcels in the journal: what an import accepts and refuses, and how packed and
// shipped counts follow the parcels.

#include "station/OrderStore.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/Transaction.h>
#include <boost/json.hpp>

#include <string>
#include <vector>

#include "station/Journal.h"
#include "tests/station/StationFixture.h"

namespace station::test {
namespace {

constexpr const char* kAt = "2024-03-05T09:00:00.000Z";

class OrderStoreTest : public ::testing::Test {
  protected:
    std::vector<std::string> import(const boost::json::array& orders) {
        SQLite::Transaction tx(journal_.db());
        auto errors = store_.importOrders(orders, kAt);
        tx.commit();
        return errors;
    }
    int64_t count(const std::string& sql) { return journal_.db().execAndGet(sql).getInt64(); }

    TempDir tmp_;
    Journal journal_{tmp_.path() / "journal.db"};
    OrderStore store_{journal_.db()};
};

TEST_F(OrderStoreTest, DemoOrdersImportWhole) {
    const auto errors = import(demoOrders());
    EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.front());
    EXPECT_EQ(store_.list("").size(), 14u);
    EXPECT_EQ(store_.list("ready").size(), 10u);
    EXPECT_EQ(store_.list("awaiting_payment").size(), 2u);

    auto o = store_.load("1002");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->state, "ready");
    EXPECT_EQ(o->customer.city, "London");
    ASSERT_EQ(o->lines.size(), 3u);
    EXPECT_EQ(o->lines[0].sku, "CAPS-ESPRESSO");
    EXPECT_EQ(o->lines[0].gtin14, "03760123450034");
    EXPECT_EQ(o->lines[0].caseGtin14, "13760123450031");
    EXPECT_EQ(o->lines[0].caseQuantity, 10);
    EXPECT_EQ(o->lines[1].gtin14, "00000096380048");  // EAN-8, kept as GTIN-14
    EXPECT_EQ(o->lines[2].gtin14, "00036000290059");  // UPC-A
    EXPECT_EQ(o->itemCount(), 22);
    EXPECT_EQ(o->packedCount(), 0);

    EXPECT_EQ(store_.load("1003")->state, "awaiting_payment");
    EXPECT_EQ(store_.load("1003")->payment, "awaiting_transfer");
    EXPECT_EQ(store_.load("1011")->claimedBy, "bench-2");
    EXPECT_DOUBLE_EQ(store_.load("1005")->riskScore, 92);
    EXPECT_TRUE(store_.load("1005")->lines[0].serialised);
    EXPECT_FALSE(store_.load("9999"));
}

TEST_F(OrderStoreTest, ImportingAgainKeepsWhatTheStationChanged) {
    ASSERT_TRUE(import(demoOrders()).empty());
    store_.setState("1001", order_state::kInProgress, kAt);
    store_.setClaim("1001", "bench-1", kAt);
    EXPECT_TRUE(import(demoOrders()).empty());
    EXPECT_EQ(count("SELECT COUNT(*) FROM orders"), 14);
    EXPECT_EQ(count("SELECT COUNT(*) FROM order_lines WHERE order_number = '1001'"), 2);
    EXPECT_EQ(store_.load("1001")->state, "in_progress");
    EXPECT_EQ(store_.load("1001")->claimedBy, "bench-1");
}

TEST_F(OrderStoreTest, BadOrdersAreRefusedOneByOneWithTheirNumber) {
    auto good = makeOrder("OK-1", {{"SKU-1", gtin13("376012345990"), 1, 100, false}});
    auto noLines = makeOrder("BAD-1", {});
    auto badGtin = makeOrder("BAD-2", {{"SKU-2", "3760123450011", 1, 100, false}});
    auto noQuantity = makeOrder("BAD-3", {{"SKU-3", "", 0, 100, false}});
    auto nothingToScan = makeOrder("BAD-4", {{"", "", 1, 100, false}});
    auto badPayment = makeOrder("BAD-5", {{"SKU-5", "", 1, 100, false}});
    badPayment["payment"] = "card";
    auto noNumber = makeOrder("", {{"SKU-6", "", 1, 100, false}});
    const auto errors = import(
        {good, noLines, badGtin, noQuantity, nothingToScan, badPayment, noNumber, "not an order"});
    ASSERT_EQ(errors.size(), 7u);
    EXPECT_NE(errors[0].find("BAD-1"), std::string::npos) << errors[0];
    EXPECT_NE(errors[1].find("BAD-2"), std::string::npos) << errors[1];
    EXPECT_NE(errors[1].find("3760123450011"), std::string::npos) << errors[1];
    EXPECT_NE(errors[2].find("BAD-3"), std::string::npos) << errors[2];
    EXPECT_NE(errors[3].find("BAD-4"), std::string::npos) << errors[3];
    EXPECT_NE(errors[4].find("BAD-5"), std::string::npos) << errors[4];
    EXPECT_NE(errors[5].find("no number"), std::string::npos) << errors[5];
    EXPECT_NE(errors[6].find("not a JSON object"), std::string::npos) << errors[6];
    // Only the good one is there, and no line of a refused order.
    EXPECT_EQ(count("SELECT COUNT(*) FROM orders"), 1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM order_lines"), 1);
}

TEST_F(OrderStoreTest, KnownProductsMatchSkuInAnyCaseAndGtins) {
    ASSERT_TRUE(import(demoOrders()).empty());
    EXPECT_TRUE(store_.isKnownProduct("mug-cafe", ""));
    EXPECT_TRUE(store_.isKnownProduct("", "03760123450034"));
    EXPECT_TRUE(store_.isKnownProduct("", "13760123450031"));  // a case
    EXPECT_FALSE(store_.isKnownProduct("NO-SUCH", ""));
    EXPECT_FALSE(store_.isKnownProduct("", "04006381333931"));
    EXPECT_FALSE(store_.isKnownProduct("", ""));
}

TEST_F(OrderStoreTest, PackedAndShippedFollowTheParcels) {
    ASSERT_TRUE(import(demoOrders()).empty());
    auto order = *store_.load("1001");
    const int64_t tshirt = order.lines[0].id;
    const int64_t mug = order.lines[1].id;

    const int64_t p1 = store_.createParcel("1001", "BOX-M", kAt);
    const int64_t p2 = store_.createParcel("1001", "BOX-S", kAt);
    EXPECT_EQ(store_.parcel(p1)->index, 1);
    EXPECT_EQ(store_.parcel(p2)->index, 2);
    EXPECT_EQ(store_.parcel(p2)->state, "open");
    store_.addItem(p1, {tshirt, 2, "", "LOT1", "261231"});
    store_.addItem(p2, {mug, 1, "SN-1", "", ""});

    order = *store_.load("1001");
    EXPECT_EQ(order.lines[0].packed, 2);
    EXPECT_EQ(order.lines[1].packed, 1);
    EXPECT_EQ(order.lines[1].serials, std::vector<std::string>{"SN-1"});
    EXPECT_TRUE(order.fullyPacked());
    EXPECT_EQ(order.lines[0].shipped, 0);

    journal_.db().exec("UPDATE parcels SET state = 'shipped' WHERE id = " + std::to_string(p1));
    order = *store_.load("1001");
    EXPECT_EQ(order.lines[0].shipped, 2);
    EXPECT_EQ(order.lines[1].shipped, 0);

    auto parcel = *store_.parcel(p1);
    ASSERT_EQ(parcel.items.size(), 1u);
    EXPECT_EQ(parcel.items[0].batch, "LOT1");
    EXPECT_EQ(parcel.items[0].expiry, "261231");
    EXPECT_EQ(parcel.itemCount(), 2);

    store_.setParcelWeight(p2, 650, "Sophie Bernard");
    store_.setParcelState(p2, parcel_state::kClosed, "030123450000000017", kAt);
    parcel = *store_.parcel(p2);
    EXPECT_EQ(parcel.weightGrams, 650);
    EXPECT_EQ(parcel.weightApprovedBy, "Sophie Bernard");
    EXPECT_EQ(parcel.trackingNumber, "030123450000000017");
    store_.setParcelState(p2, parcel_state::kOpen, "", kAt);
    EXPECT_EQ(store_.parcel(p2)->trackingNumber, "");

    store_.deleteParcel(p2);
    EXPECT_FALSE(store_.parcel(p2));
    EXPECT_EQ(store_.load("1001")->lines[1].packed, 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM parcel_items"), 1);
    // A new parcel takes the next free index.
    EXPECT_EQ(store_.parcel(store_.createParcel("1001", "", kAt))->index, 2);
}

}  // namespace
}  // namespace station::test
