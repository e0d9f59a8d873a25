// One interface for every shop the station syncs with (WooCommerce REST, CSV exchange, ...).
// Value types only: the station turns them into its own orders and outbox rows.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace shop {

struct Address {
    std::string name;
    std::string street;
    std::string postcode;
    std::string city;
    std::string country;
};

struct OrderLine {
    std::string shopLineId;
    std::string sku;
    std::string gtin;  // as the shop has it (8 to 14 digits), may be empty
    std::string name;
    int quantity = 0;
    int unitWeightGrams = 0;
    std::string bin;
    // Neither WooCommerce nor the CSV export carries these yet: they stay at their defaults.
    std::string caseGtin;  // the GTIN of a case of this item
    int caseQuantity = 0;  // items in that case
    bool serialised = false;
};

// An order as the shop sees it. `status` is already mapped to the station's words:
// "ready", "awaiting_payment", "in_progress", "shipped", "cancelled".
struct Order {
    std::string number;  // what is printed on the packing slip
    std::string shopId;  // the shop's own id, used in API paths
    std::string status;
    std::string payment;  // "paid", "awaiting_transfer", "awaiting_cheque"
    double riskScore = 0;
    std::string shippingMethod;
    Address customer;
    std::string customerNote;
    std::vector<OrderLine> lines;
    std::string modifiedAt;  // the shop's last change, ISO 8601
};

struct ParcelShipped {
    int index = 0;
    std::string trackingNumber;  // may be empty (customer pickup)
    std::string carrier;
    std::string shippedAt;  // ISO 8601
    struct Item {
        std::string sku;
        std::string shopLineId;
        int quantity = 0;
    };
    std::vector<Item> items;
};

struct Shipment {
    std::string orderNumber;
    std::string shopId;
    bool partial = false;  // a backorder remains: the order stays in progress in the shop
    // No earlier attempt ever left the station, so the shop cannot hold any part of it yet and
    // the adapter may skip reading the shop's record first. False whenever in doubt.
    bool firstAttempt = false;
    std::vector<ParcelShipped> parcels;
};

struct ReturnReceived {
    std::string orderNumber;
    std::string shopId;
    struct Item {
        std::string sku;
        int quantity = 0;
        std::string condition;  // "resellable", "damaged", "missing_parts", "wrong_item"
        bool restock = false;
    };
    std::vector<Item> items;
};

// How a call went. Expected failures are values, never exceptions.
struct Result {
    enum class Kind {
        Ok,
        Transient,  // retry later: timeout, 5xx, 429, connection refused
        Unclear,    // the request may have been applied (timeout or reset after sending):
                    // read the shop's own record before sending again
        Permanent   // 400, 401, 403, 404, 422: retrying will not help; a person must look
    };
    Kind kind = Kind::Ok;
    int httpStatus = 0;
    std::optional<std::chrono::seconds> retryAfter;  // from a Retry-After header
    std::string error;                               // for the supervisor screen

    bool ok() const { return kind == Kind::Ok; }
};

struct OrderPage {
    Result result;
    std::vector<Order> orders;
    bool more = false;  // another page follows
};

class ShopAdapter {
  public:
    virtual ~ShopAdapter() = default;
    virtual std::string name() const = 0;  // "woocommerce", "csv"

    // Orders ready to ship (and awaiting payment, so the bench can refuse them with the reason),
    // changed since `since` (ISO 8601, empty = all), one page at a time (page from 1).
    virtual OrderPage fetchOrders(const std::string& since, int page) = 0;
    // One order's current state, to catch a cancellation or an edit while it is packed.
    virtual std::optional<Order> fetchOrder(const std::string& shopId, Result& result) = 0;
    virtual Result markInProgress(const std::string& shopId) = 0;
    // A bench let go of the order without shipping it all: the shop may hand it out again.
    virtual Result releaseOrder(const std::string& shopId) = 0;
    // Every tracking number already recorded by the shop for this order (to never add twice).
    virtual std::optional<std::vector<std::string>> fetchTrackingNumbers(const std::string& shopId,
                                                                         Result& result) = 0;
    virtual Result pushShipment(const Shipment& shipment) = 0;
    // Several shipments of different orders, one result each in the same order. Adapters with a
    // batch endpoint override it to save round trips.
    virtual std::vector<Result> pushShipments(const std::vector<Shipment>& shipments) {
        std::vector<Result> results;
        results.reserve(shipments.size());
        for (const auto& shipment : shipments) {
            results.push_back(pushShipment(shipment));
        }
        return results;
    }
    virtual Result pushReturn(const ReturnReceived& ret) = 0;
    virtual Result addNote(const std::string& shopId, const std::string& text,
                           bool customerNote) = 0;
};

}  // namespace shop
