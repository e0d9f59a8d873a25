// The shop adapter for shops without an API: orders exports dropped in a folder, shipments,
// returns and notes written back as files. The exchange is described in docs/csv-exchange.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "sync/ShopAdapter.h"

namespace boost::asio {
class io_context;
}

namespace shop {

struct CsvSettings {
    std::filesystem::path inbox;  // where the shop drops its orders exports (*.csv)
    // Exports are moved here once read, renamed "<UTC time>-<n>-<name>"; they are the adapter's
    // memory: the orders are read back from them after a restart. Shipments already written are
    // recorded in its "shipments" subfolder.
    std::filesystem::path processed;
    std::filesystem::path outbox;  // shipments, returns and notes files for the shop
    // Exports older than this are not read back after a restart, and their orders are forgotten.
    std::chrono::hours remember{24 * 90};
    // Empty: the system clock. Stamps imports (an order's modifiedAt) and the files written.
    std::function<std::chrono::system_clock::time_point()> clock;
};

struct CsvScanReport {
    std::vector<Order> changed;         // new, or different from their last import
    std::vector<std::string> imported;  // files read and moved to the processed folder
    std::vector<std::string> waiting;   // files seen growing, or seen once: read at a later scan
    std::vector<std::string> errors;    // rejected files, reported once per version of the file
    Result result;                      // a folder that cannot be read or written

    bool empty() const { return changed.empty() && imported.empty() && errors.empty(); }
};

// Not thread-safe: call it from one thread (the io_context's).
class CsvAdapter final : public ShopAdapter {
  public:
    explicit CsvAdapter(CsvSettings settings);
    ~CsvAdapter() override;
    CsvAdapter(const CsvAdapter&) = delete;
    CsvAdapter& operator=(const CsvAdapter&) = delete;

    std::string name() const override { return "csv"; }

    // Reads the exports that are complete: a file renamed into the inbox (seen by watch()), or
    // one whose size and time did not change since the previous scan. A file with a problem stays
    // in the inbox and is read again once it changes.
    CsvScanReport scan();
    // Scans every `interval`, and at once when a file is renamed or written into the inbox
    // (inotify); `onScan` gets every report with something in it. Stops with the adapter.
    void watch(boost::asio::io_context& io, std::chrono::milliseconds interval,
               std::function<void(const CsvScanReport&)> onScan);
    // For an adapter that another thread reads (the relay's): only notes the files renamed or
    // written into the inbox, on `io`, and calls `onChange` so that the owner of the adapter
    // scans at once; no timer. Whether it could watch at all (a share without inotify: no).
    bool notifyChanges(boost::asio::io_context& io, std::function<void()> onChange);

    // Page 1 scans first. Every order imported or changed at or after `since`, oldest change
    // first, 100 a page, whatever its status (a cancellation comes this way). When an export was
    // rejected since the last call, the result is Permanent with its problems, and `orders` still
    // holds the orders of the files that were read.
    OrderPage fetchOrders(const std::string& since, int page) override;
    // The order as the latest export had it.
    std::optional<Order> fetchOrder(const std::string& shopId, Result& result) override;
    // A CSV exchange has no way to tell the shop: always Ok, nothing written.
    Result markInProgress(const std::string& shopId) override;
    // Likewise: always Ok, nothing written.
    Result releaseOrder(const std::string& shopId) override;
    // The tracking numbers of the shipments files written for the order, even those the shop
    // has already taken from the outbox.
    std::optional<std::vector<std::string>> fetchTrackingNumbers(const std::string& shopId,
                                                                 Result& result) override;
    // Writes "shipments-<order>-<time>-<n>.csv" with only the parcels not written before (by
    // order, parcel and tracking number); nothing at all when every parcel was.
    Result pushShipment(const Shipment& shipment) override;
    Result pushReturn(const ReturnReceived& ret) override;
    Result addNote(const std::string& shopId, const std::string& text, bool customerNote) override;

  private:
    struct FileSignature {
        std::uintmax_t size = 0;
        std::int64_t mtimeNs = 0;
        std::uintmax_t inode = 0;
        bool operator==(const FileSignature&) const = default;
    };
    struct StoredOrder {
        Order order;
        std::chrono::sys_seconds changedAt;
        std::uint64_t sequence = 0;
    };
    struct Watcher;

    std::chrono::system_clock::time_point now() const;
    Result ensureLoaded();
    void importOrders(std::vector<Order>& orders, std::chrono::sys_seconds at,
                      std::vector<Order>* changed);
    void forgetOldOrders();
    Result writeOutboxFile(const std::string& kind, const std::string& order,
                           const std::string& bytes);
    std::filesystem::path ledgerPath(const std::string& order) const;
    Result moveToProcessed(const std::string& name, const std::string& bytes,
                           std::chrono::sys_seconds at);

    CsvSettings settings_;
    bool loaded_ = false;
    std::map<std::string, StoredOrder> orders_;
    std::uint64_t sequence_ = 0;
    std::map<std::string, FileSignature> seen_;      // inbox files at the previous scan
    std::map<std::string, FileSignature> rejected_;  // inbox files refused, as they were then
    std::set<std::string> renamedIn_;                // complete by the writer's own word
    std::mutex renamedMutex_;                        // renamedIn_ is filled on the watcher's thread
    std::vector<std::string> unreportedErrors_;      // for the next fetchOrders
    std::chrono::sys_seconds lastImportAt_{};
    int importsInThatSecond_ = 0;
    std::shared_ptr<Watcher> watcher_;  // shared: its handlers hold it weakly
};

}  // namespace shop
