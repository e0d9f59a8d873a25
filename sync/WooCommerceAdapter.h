// The WooCommerce REST v3 shop adapter (with the Shipment Tracking extension when installed):
// maps WooCommerce orders to shop::Order and pushes shipments, returns and notes back.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sync/HttpsClient.h"
#include "sync/ShopAdapter.h"

namespace boost::json {
class object;
class value;
}  // namespace boost::json

namespace shop {

struct WooCommerceSettings {
    enum class Auth {
        Basic,  // Authorization: Basic key:secret, WooCommerce's default over HTTPS
        Query   // consumer_key/consumer_secret in the query, for servers that strip the header
    };

    std::string baseUrl;  // "https://shop.example/wp-json"
    std::string consumerKey;
    std::string consumerSecret;
    Auth auth = Auth::Basic;
    bool verifyTls = true;
    std::string caFile;  // PEM of a private CA to trust in addition to the system's
    std::chrono::milliseconds timeout{15000};
    int perPage = 100;  // WooCommerce's maximum

    // WooCommerce statuses -> the station's words.
    std::vector<std::string> readyStatuses{"processing"};
    std::vector<std::string> awaitingPaymentStatuses{"on-hold", "pending"};
    // payment_method of an order awaiting payment -> the station's payment word; a method not
    // listed here gives "awaiting_payment".
    std::map<std::string, std::string> paymentMethods{{"bacs", "awaiting_transfer"},
                                                      {"cheque", "awaiting_cheque"}};
    // Set while a bench packs the order; one of readyStatuses (the default) means "leave the
    // status alone", another (a custom "packing" status) is written by markInProgress.
    std::string inProgressStatus = "processing";
    std::string shippedStatus = "completed";
    std::vector<std::string> cancelledStatuses{"cancelled", "refunded", "failed", "trash"};
    // shipping_lines[0].method_id -> the station's shipping method; others pass unchanged.
    std::map<std::string, std::string> shippingMethods{{"local_pickup", "pickup"},
                                                       {"pickup_location", "pickup"}};

    // Where the values the bench needs live. A line item's meta_data is looked at first, then
    // the product's (the variation's, then its parent's).
    std::string riskScoreMetaKey = "_fraud_score";  // on the order
    std::string weightMetaKey;                      // empty: the product's "weight" field
    std::string weightUnit = "kg";  // the shop's woocommerce_weight_unit: kg, g, lbs, oz
    std::string binMetaKey = "_bin_location";
    std::string gtinMetaKey = "_gtin";  // the product's global_unique_id is the fallback
    // A case of the item with its own GTIN (a carton of 10 capsule boxes), and items that need
    // a serial number at packing: looked up like the GTIN. "yes", "true", "1" are yes.
    std::string caseGtinMetaKey = "_case_gtin";
    std::string caseQuantityMetaKey = "_case_quantity";
    std::string serialisedMetaKey = "_serialised";

    // Shipment Tracking provider names by the station's carrier word; any other carrier is sent
    // as custom_tracking_provider with trackingLinks[carrier] ("%s" = the number) when known.
    std::map<std::string, std::string> trackingProviders{{"colissimo", "Colissimo"},
                                                         {"chronopost", "Chronopost"},
                                                         {"dhl", "DHL"},
                                                         {"ups", "UPS"},
                                                         {"fedex", "Fedex"},
                                                         {"dpd", "DPD"},
                                                         {"gls", "GLS"},
                                                         {"usps", "USPS"}};
    std::map<std::string, std::string> trackingLinks;
    // Without the Shipment Tracking extension the numbers go into an order note; a customer
    // note so that WooCommerce mails it.
    bool trackingNoteToCustomer = true;

    // A received return also refunds its items in WooCommerce (restocking those marked so).
    bool refundReturns = false;
    // false: the refund is recorded in WooCommerce and the money is sent back by a person;
    // true: WooCommerce asks the payment gateway to pay it back at once.
    bool refundThroughGateway = false;
};

// Blocking calls, one connection each; use an adapter from one thread at a time (the relay's).
class WooCommerceAdapter : public ShopAdapter {
  public:
    explicit WooCommerceAdapter(WooCommerceSettings settings);
    ~WooCommerceAdapter() override;

    std::string name() const override { return "woocommerce"; }

    OrderPage fetchOrders(const std::string& since, int page) override;
    std::optional<Order> fetchOrder(const std::string& shopId, Result& result) override;
    Result markInProgress(const std::string& shopId) override;
    Result releaseOrder(const std::string& shopId) override;
    std::optional<std::vector<std::string>> fetchTrackingNumbers(const std::string& shopId,
                                                                 Result& result) override;
    Result pushShipment(const Shipment& shipment) override;
    // Trackings one order at a time (the extension has no batch endpoint), then the status of
    // every complete shipment through /orders/batch, 100 orders a request.
    std::vector<Result> pushShipments(const std::vector<Shipment>& shipments) override;
    Result pushReturn(const ReturnReceived& ret) override;
    Result addNote(const std::string& shopId, const std::string& text, bool customerNote) override;

    // The word for a WooCommerce status: "ready", "awaiting_payment", "in_progress", "shipped",
    // "cancelled"; a status the settings do not name gives "in_progress" (someone in the shop
    // moved the order on: the bench must not pack it).
    std::string stationStatus(const std::string& wooStatus) const;

  private:
    struct Call;  // one request's answer, parsed
    Call call(boost::beast::http::verb method, const std::string& path,
              std::vector<std::pair<std::string, std::string>> query, std::string body = "");

    struct ProductInfo;
    Result loadProducts(const std::vector<const boost::json::object*>& orders,
                        std::map<long long, ProductInfo>& products);
    Order mapOrder(const boost::json::object& json,
                   const std::map<long long, ProductInfo>& products) const;
    std::optional<boost::json::value> fetchOrderJson(const std::string& shopId, Result& result);
    // The notes' texts, to never write the same note twice after an unclear failure.
    std::optional<std::vector<std::string>> fetchNoteTexts(const std::string& shopId,
                                                           Result& result);
    Result addNoteOnce(const std::string& shopId, const std::string& text, bool customerNote);
    // The tracking numbers the shop holds; without the Shipment Tracking extension (pluginPresent
    // false) those written into notes by the fallback.
    std::optional<std::vector<std::string>> readTrackings(const std::string& shopId, Result& result,
                                                          bool& pluginPresent);
    Result refundReturn(const ReturnReceived& ret);
    // The tracking numbers and notes of a shipment, without the status change.
    Result pushTrackings(const Shipment& shipment);
    std::string redact(std::string text) const;

    WooCommerceSettings settings_;
    std::unique_ptr<HttpsClient> client_;
};

}  // namespace shop
