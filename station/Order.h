// The domain's value types: an order with its lines, and the parcels it is packed into.
// Loaded from and saved to the journal by OrderStore; no I/O here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace station {

// Order states, as stored and as the API and screens name them.
namespace order_state {
inline constexpr const char* kReady = "ready";
inline constexpr const char* kAwaitingPayment = "awaiting_payment";
inline constexpr const char* kInProgress = "in_progress";
inline constexpr const char* kPartiallyShipped = "partially_shipped";
inline constexpr const char* kShipped = "shipped";
inline constexpr const char* kCancelled = "cancelled";
}  // namespace order_state

// Parcel states: open (being filled), labelled (label printed, waiting for its scan),
// closed (tracking number final), shipped.
namespace parcel_state {
inline constexpr const char* kOpen = "open";
inline constexpr const char* kLabelled = "labelled";
inline constexpr const char* kClosed = "closed";
inline constexpr const char* kShipped = "shipped";
}  // namespace parcel_state

struct CustomerAddress {
    std::string name;
    std::string street;
    std::string postcode;
    std::string city;
    std::string country;
};

struct OrderLine {
    int64_t id = 0;
    int position = 0;
    std::string sku;
    std::string gtin14;
    std::string caseGtin14;
    int caseQuantity = 0;
    std::string name;
    int quantity = 0;
    int unitWeightGrams = 0;
    std::string bin;
    bool serialised = false;
    std::string shopLineId;  // the shop's id of this line, sent back with shipments
    int packed = 0;          // in any parcel of the order, shipped or not
    int shipped = 0;         // in shipped parcels
    std::vector<std::string> serials;
};

struct Order {
    std::string number;
    std::string shopId;
    std::string state;
    std::string payment;  // "paid", "awaiting_transfer", "awaiting_cheque"
    double riskScore = 0;
    std::string riskApprovedBy;
    std::string claimedBy;
    std::string shippingMethod;
    CustomerAddress customer;
    std::string customerNote;
    // Set by the shop sync when the shop cancelled, shipped or changed the order while a bench
    // packs it: "cancelled", "shipped_elsewhere" or "changed". Shown at the bench's next scan.
    std::string shopAlert;
    std::vector<OrderLine> lines;

    int itemCount() const;
    int packedCount() const;
    bool fullyPacked() const;
    OrderLine* line(int64_t id);
    // The line a scanned code stands for, as packing and returns both match: the SKU (any
    // case), then the GTIN-14, then a case GTIN, which sets `quantity` to the case's count.
    OrderLine* match(const std::string& text, const std::string& gtin14, int& quantity);
};

struct ParcelItem {
    int64_t lineId = 0;
    int quantity = 0;
    std::string serial;
    std::string batch;
    std::string expiry;
};

struct Parcel {
    int64_t id = 0;
    std::string orderNumber;
    int index = 0;
    std::string state;
    std::string boxCode;
    std::optional<int64_t> weightGrams;
    std::string weightApprovedBy;
    std::string trackingNumber;
    std::optional<int64_t> shipmentId;
    std::vector<ParcelItem> items;

    int itemCount() const;
};

}  // namespace station
