// Reads and writes orders and parcels in the journal; callers own the transaction.
// Also imports orders given as JSON (demo orders now, the shop adapters later).
#pragma once

#include <SQLiteCpp/Database.h>
#include <boost/json/array.hpp>

#include <optional>
#include <string>
#include <vector>

#include "station/Order.h"
#include "station/StatementCache.h"

namespace station {

class OrderStore {
  public:
    explicit OrderStore(SQLite::Database& db) : db_(db), cache_(db) {}

    std::optional<Order> load(const std::string& number);
    bool exists(const std::string& number);
    // Every order in a state ("" = all), newest numbers last.
    std::vector<Order> list(const std::string& state);
    void setState(const std::string& number, const std::string& state, const std::string& at);
    void setClaim(const std::string& number, const std::string& station, const std::string& at);
    void setRiskApproved(const std::string& number, const std::string& supervisor);

    std::vector<Parcel> parcels(const std::string& orderNumber);
    std::optional<Parcel> parcel(int64_t id);
    int64_t createParcel(const std::string& orderNumber, const std::string& boxCode,
                         const std::string& at);
    void addItem(int64_t parcelId, const ParcelItem& item);
    void setParcelBox(int64_t parcelId, const std::string& boxCode);
    void setParcelWeight(int64_t parcelId, std::optional<int64_t> grams,
                         const std::string& approvedBy);
    void setParcelState(int64_t parcelId, const std::string& state, const std::string& tracking,
                        const std::string& at);
    void deleteParcel(int64_t parcelId);

    // True when another line of any order has this SKU or GTIN: a real product, wrong order.
    bool isKnownProduct(const std::string& sku, const std::string& gtin14);

    // Adds the orders that are not in the journal yet; returns one message per rejected order.
    std::vector<std::string> importOrders(const boost::json::array& orders, const std::string& at);

  private:
    SQLite::Database& db_;
    StatementCache cache_;
};

}  // namespace station
