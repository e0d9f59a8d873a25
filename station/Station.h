// The packing workflow of one bench: who is logged in, which order and parcel are open,
// and what each scan, weight and command does to them. Every change is one journal transaction.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/StationConfig.h"
#include "drivers/Printer.h"
#include "drivers/Scale.h"
#include "drivers/Scanner.h"
#include "station/Documents.h"
#include "station/Event.h"
#include "station/Journal.h"
#include "station/Messages.h"
#include "station/Metrics.h"
#include "station/Order.h"
#include "station/OrderStore.h"
#include "sync/ShopAdapter.h"

namespace labels {
struct ShippingLabel;
}

namespace station {

struct ScanOutcome {
    bool ok = false;
    std::string reason;   // empty when ok
    std::string message;  // the last thing said, in the station's language
    std::vector<Event> events;
};

// What POST /api/scan answers: {"ok", "reason" (null when ok), "message", "event" (the last,
// or null), "events"}.
boost::json::object toJson(const ScanOutcome& outcome);

// The command barcodes, documented in docs/barcodes.md. Their values never change.
namespace command {
inline constexpr const char* kNewParcel = "CMD-NEW-PARCEL";
inline constexpr const char* kCloseParcel = "CMD-CLOSE-PARCEL";
inline constexpr const char* kShipPartial = "CMD-SHIP-PARTIAL";
inline constexpr const char* kVoid = "CMD-VOID-LABEL";
inline constexpr const char* kReprint = "CMD-REPRINT";
inline constexpr const char* kCancel = "CMD-CANCEL";
inline constexpr const char* kLogout = "CMD-LOGOUT";
inline constexpr const char* kApprove = "CMD-APPROVE";
// Sets the scale's zero (empty platter), for anyone signed in, at the packing or returns desk.
inline constexpr const char* kZeroScale = "CMD-ZERO-SCALE";
// The returns desk (Returns.cpp): the grade of the item just scanned, and closing the return.
inline constexpr const char* kGradeResellable = "CMD-GRADE-RESELLABLE";
inline constexpr const char* kGradeDamaged = "CMD-GRADE-DAMAGED";
inline constexpr const char* kGradeMissingParts = "CMD-GRADE-MISSING-PARTS";
inline constexpr const char* kGradeWrongItem = "CMD-GRADE-WRONG-ITEM";
inline constexpr const char* kCloseReturn = "CMD-CLOSE-RETURN";
}  // namespace command

// The conditions a returned item is graded in, as stored, sent to the shop and shown.
namespace return_condition {
inline constexpr const char* kResellable = "resellable";
inline constexpr const char* kDamaged = "damaged";
inline constexpr const char* kMissingParts = "missing_parts";
inline constexpr const char* kWrongItem = "wrong_item";
}  // namespace return_condition

// What grading an item of the open return from a screen came to
// (POST /api/returns/current/items/{index}/grade).
struct GradeOutcome {
    enum class Status { Graded, NoReturnOpen, NoSuchItem, UnknownCondition, NotSaved };
    Status status = Status::Graded;
    std::string message;  // for the person at the screen, in the station's language
    std::vector<Event> events;
};

class Station {
  public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;
    using EventSink = std::function<void(const Event&)>;

    Station(
        boost::asio::io_context& io, const config::StationConfig& config, Journal& journal,
        Clock clock = [] { return std::chrono::system_clock::now(); });
    ~Station();

    void setEventSink(EventSink sink) { sink_ = std::move(sink); }
    // Printers by role ("shipping", "documents", "restock"); loans, they must outlive the
    // station.
    void addPrinter(const std::string& role, drivers::Printer* printer);
    void setScale(drivers::Scale* scale) { scale_ = scale; }
    // The config gives whole minutes; tests shorten it. Zero never logs out.
    void setIdleLogoutAfter(std::chrono::milliseconds after) {
        idleAfter_ = after;
        armIdleTimer();
    }
    void addScanner(drivers::Scanner* scanner) { scanners_.push_back(scanner); }

    // Settles the print jobs the daemon left (Printing.cpp): those queued are offered, those
    // in flight are offered again to a printer that remembers job ids and otherwise marked
    // "may have printed"; arms the idle logout.
    void start();
    void stop();
    // Offers the held print jobs again to each printer that is ready, oldest first, once the
    // station has checked that each still applies (a voided parcel's label, or one for an order
    // cancelled meanwhile, is withdrawn). Runs every second while jobs are held.
    void offerHeldJobs();

    ScanOutcome handleScan(const std::string& scanner, const std::string& code);
    // A read the scanner's driver could not trust (a keyboard layout mismatch, a malformed
    // report): refused with the driver's reason and recorded, never matched against the order.
    ScanOutcome refuseScan(const std::string& scanner, const std::string& code,
                           const std::string& problem);
    void handleScaleReading(const drivers::ScaleReading& reading);
    // A note on an order; internal notes never leave the station. Returns false if no order.
    bool addNote(const std::string& order, const std::string& text, bool internal,
                 const std::string& user);
    std::vector<std::string> importOrders(const boost::json::array& orders);

    // The shop sync (ShopOrders.cpp). Orders the relay pulled: new ones imported, changes
    // applied, or left as an alert for the bench packing them, shown at its next scan. A
    // non-empty `cursor` is saved with them, in the same transaction.
    void applyShopOrders(const std::vector<shop::Order>& orders, const std::string& cursor);
    // Called after every commit that wrote outbox rows, so that the relay sends them at once.
    void setOutboxListener(std::function<void()> listener) {
        outboxListener_ = std::move(listener);
    }
    // Which adapter delivers the outbox ("none" when no shop is configured), and how to ask it
    // for a pull now.
    void setShopLink(std::string adapter, std::function<void()> requestPull) {
        shopAdapter_ = std::move(adapter);
        requestPull_ = std::move(requestPull);
    }
    // GET /api/sync: the outbox depth, the oldest pending row's age, the last success and error,
    // and the rows parked for a person, with their errors.
    boost::json::object syncJson();
    // False when no shop is configured.
    bool requestPull();
    // A parked row goes back in line once its cause is fixed. False if no parked row has `id`.
    bool retryOutboxRow(int64_t id, const std::string& user);

    // Pick list and packing slips (Documents.cpp), from the journal's orders with the
    // configured templates, sent to the printer whose role is "documents". Nothing is printed
    // when an order is unknown or there is no such printer: the answer says why.
    PrintedDocument printPickList(const std::vector<std::string>& orders);
    PrintedDocument printPackingSlips(const std::vector<std::string>& orders);
    // The bench's command sheet (docs/barcodes.md): every command barcode and the configured
    // boxes, captioned in French and English; never the badges, which are passwords.
    PrintedDocument printCommandSheet();
    // The pick list as it would be sent, without sending it (benchmarks, previews).
    PrintedDocument renderPickList(const std::vector<std::string>& orders);

    // The returns desk (Returns.cpp). The screen grades item `index` (1, 2, ... in scan order)
    // of the open return: one of the return_condition values; `user` empty means who is
    // logged in.
    GradeOutcome gradeReturnItem(int index, const std::string& condition, const std::string& user);
    // GET /api/returns?state= ("" = all, "open", "closed", "cancelled"), newest first, and one
    // return in full; `currentReturnId` is the one open on this bench.
    boost::json::object returnsJson(const std::string& state);
    std::optional<boost::json::object> returnJson(int64_t id);
    std::optional<int64_t> currentReturnId() const { return session_.returnId; }

    // POST /api/labels/{id}/reprint: a label printed again (a copy of one that printed; the
    // same job for one held, failed, or that may have printed and a person found missing), for
    // any order, open or not. `user` is who asked.
    struct Reprint {
        bool ok = false;
        bool unknown = false;  // no such label
        std::string reason;    // when !ok: "nothing_to_reprint", "label_in_progress"
        std::string message;   // in the station's language
        int64_t job = 0;       // the label row that goes to the printer
    };
    Reprint reprintLabel(int64_t labelId, const std::string& user);
    // GET /api/labels?state=held,uncertain,failed: newest first, at most 200.
    boost::json::object labelsJson(const std::vector<std::string>& states);

    // Read side, for the API.
    boost::json::object statusJson();
    boost::json::object ordersJson(const std::string& state);
    std::optional<boost::json::object> orderJson(const std::string& number);
    // GET /api/activity: newest first; `text` matches the user, order, message key or a value,
    // `order` one order; at most `limit` rows, older than `beforeId` when it is not 0.
    boost::json::object activityJson(const std::string& text, const std::string& order, int limit,
                                     int64_t beforeId);
    // GET /api/stats: today's scans, refusals, parcels and orders shipped, in total and per hour.
    boost::json::object statsJson();
    // GET /metrics: the Prometheus text format.
    std::string metricsText();
    // One line for systemd's STATUS=: who is packing what.
    std::string statusLine() const;
    Language language() const { return language_; }
    const config::StationConfig& config() const { return config_; }
    Journal& journal() { return journal_; }

  private:
    struct Session {
        std::string userName;
        std::string userRole;
        std::string order;
        std::optional<int64_t> parcelId;
        std::string awaiting;  // "", "serial", "carrier_label", "label_scan"
        std::optional<int64_t> awaitingLineId;
        std::string awaitingData;  // JSON: batch/expiry kept from the item scan
        std::string
            approvalKind;  // "", "held_order", "weight_mismatch", "partial_shipment", "void_label"
        std::string approvalOrder;
        std::optional<int64_t> approvalParcelId;
        std::string approvalDetail;
        std::optional<int64_t> lastLabelId;
        std::string lastActivityAt;
        std::optional<int64_t> returnId;  // the return open at the returns desk
    };

    // What one scan (or weight, or print result) changes, collected until its commit.
    struct Context {
        std::string at;
        std::string scanner;
        bool ok = true;
        std::string reason;
        std::string lastMessage;
        std::vector<Event> events;
        std::vector<int64_t> labelsToPrint;
        std::vector<int64_t> returnDocumentsToPrint;  // return slips and restock labels
        bool reoffer = false;    // the jobs above are held ones offered again by offerHeldJobs
        bool zeroScale = false;  // CMD-ZERO-SCALE: sent to the scale after the commit
        std::optional<int64_t> reprintedLabel;  // the job a reprint queued
        std::string actor;  // who acts when not the logged-in user (a supervisor approving)
        bool codeIsBadge = false;
    };

    // Workflow steps (Station.cpp: session, login, commands; Packing.cpp: items, parcels).
    void dispatchScan(Context& ctx, const std::string& code);
    // True when the open order carried an alert from the shop: the scan was refused with it.
    bool handleShopAlert(Context& ctx);
    void applyShopOrder(Context& ctx, const shop::Order& order);
    void handleBadge(Context& ctx, const config::User& user);
    void handleCommand(Context& ctx, const std::string& cmd);
    void approve(Context& ctx, const std::string& supervisor);
    void openOrder(Context& ctx, const std::string& code);
    void claimOrder(Context& ctx, Order& order);
    void scanItem(Context& ctx, const std::string& code);
    void scanSerial(Context& ctx, const std::string& code);
    void scanCarrierLabel(Context& ctx, const std::string& code);
    void scanLabelCheck(Context& ctx, const std::string& code);
    void setBox(Context& ctx, const config::Box& box);
    void countItem(Context& ctx, Order& order, OrderLine& line, int quantity,
                   const ParcelItem& item);
    bool closeParcel(Context& ctx);
    void finishClose(Context& ctx, Order& order, Parcel& parcel, const std::string& tracking,
                     const std::string& trackingKind);
    void maybeShip(Context& ctx, const std::string& orderNumber);
    void ship(Context& ctx, Order& order, bool partial, const std::string& approvedBy);
    void newParcel(Context& ctx);
    void requestPartial(Context& ctx);
    void requestVoid(Context& ctx);
    void voidLabel(Context& ctx, const std::string& supervisor);
    void reprint(Context& ctx);
    void reprintLabel(Context& ctx, int64_t labelId);
    void cancel(Context& ctx);
    void requestZero(Context& ctx);
    void onScaleZeroed(const std::string& error);
    void logout(Context& ctx, const std::string& messageKey, boost::json::object params);
    void recordWeight(Context& ctx, const Parcel& parcel, int64_t grams);
    int64_t expectedWeight(const Order& order, const Parcel& parcel) const;
    int64_t tolerance(int64_t expected) const;
    std::optional<std::string> allocateSscc(Context& ctx);
    int64_t queueLabel(Context& ctx, const Order& order, const Parcel& parcel,
                       const std::string& tracking, bool sscc);
    std::optional<Parcel> currentParcel();
    // The parcel items go into: the current one if open, else another open one, else a new one.
    std::optional<Parcel> openParcel(Context& ctx, const std::string& orderNumber);
    const config::Box* findBox(const std::string& code) const;
    const config::ShippingMethod* findMethod(const std::string& id) const;

    // The returns desk (Returns.cpp). True when the code was the returns desk's to handle: a
    // returns user's scans, a supervisor's while a return is open or when the code opens one,
    // and the refusals of return codes to anyone else.
    bool handleReturnsDesk(Context& ctx, const std::string& code);
    void openReturn(Context& ctx, const std::string& orderNumber, const std::string& rma);
    void scanReturnItem(Context& ctx, const std::string& code);
    void gradeItem(Context& ctx, int64_t itemId, const std::string& condition);
    void closeReturn(Context& ctx);
    void cancelReturn(Context& ctx);
    // The scale's latest stable reading, recorded and compared when new or when `closing`.
    void checkReturnWeight(Context& ctx, bool closing);
    // Called in every transaction: a shipment made in it gets its RMA code, and its return
    // slip when [packing] print_return_slip is set.
    void issueRmaCodes(Context& ctx);
    void queueReturnSlip(Context& ctx, const std::string& orderNumber, int64_t shipmentId,
                         const std::string& rma);
    void queueRestockLabel(Context& ctx, int64_t itemId);
    boost::json::object returnObject(int64_t id);

    // Bookkeeping.
    void say(Context& ctx, const std::string& type, const std::string& key,
             boost::json::object params, const std::string& order, bool internal = false);
    void refuse(Context& ctx, const std::string& reason, boost::json::object params,
                const std::string& order = "");
    // A refusal whose message differs from its reason (several wordings of "order_unpaid").
    void refuseAs(Context& ctx, const std::string& reason, const std::string& key,
                  boost::json::object params, const std::string& order);
    std::string approvalWhat() const;
    // Runs `fn` and saves the session in one transaction, then publishes what it said.
    // On a journal error nothing is kept, in the database or in memory.
    bool transact(Context& ctx, const std::function<void()>& fn);
    void publish(Context& ctx);
    void loadSession();
    void saveSession();
    void clearAwaiting();
    void clearApproval();
    void armIdleTimer();
    void onIdleTimer();
    // The print spool (Printing.cpp): shipping labels, and the returns desk's slips and restock
    // labels, each a row whose state goes queued -> sending -> printed, or held (the printer
    // cannot take it now: offered again when it can), uncertain (it may have printed: a person
    // looks), failed (it cannot print there), voided or withdrawn (no longer applies).
    enum class Spool { Labels, ReturnDocuments };
    struct SpoolRow;
    std::optional<SpoolRow> spoolRow(Spool spool, int64_t id);
    void recoverPrintJobs();
    void dispatchJob(Spool spool, int64_t id, bool reoffer);
    void onJobDone(Spool spool, int64_t id, bool reoffer, const drivers::PrintResult& result);
    // Why a held job no longer applies ("" when it does): its parcel was voided or reopened,
    // its order cancelled or shipped by someone else.
    std::string heldJobObsolete(Spool spool, int64_t id);
    void armHeldTimer();
    drivers::Printer* printerNamed(const std::string& name) const;
    std::string now() const { return isoTime(clock_()); }
    // Documents.cpp: the shipping label in the shipping printer's language, laid out from the
    // template of its size at its resolution; `language` is set to what the bytes are.
    std::string renderShippingLabel(const labels::ShippingLabel& label, std::string& language);
    struct DocumentState;
    DocumentState& documents();  // made on first use
    // Hands a document to its printer under a new job id, unless the printer is down; a failure
    // after that is said on the screens and in the activity log.
    PrintedDocument submitDocument(PrintedDocument document, drivers::Printer* printer,
                                   const std::string& kind);

    boost::asio::io_context& io_;
    const config::StationConfig& config_;
    Journal& journal_;
    OrderStore orders_;
    Clock clock_;
    Language language_;
    EventSink sink_;
    // Orders holding an alert from the shop, so that a scan queries the journal only then.
    std::set<std::string> shopAlertOrders_;
    std::function<void()> outboxListener_;
    std::string shopAdapter_ = "none";
    std::function<void()> requestPull_;
    std::map<std::string, drivers::Printer*> printers_;
    std::shared_ptr<DocumentState> documents_;
    drivers::Scale* scale_ = nullptr;
    std::vector<drivers::Scanner*> scanners_;
    Session session_;
    boost::asio::steady_timer idleTimer_;
    boost::asio::steady_timer heldTimer_;
    bool heldTimerArmed_ = false;
    // A printer that was up yet failed the held jobs offered again is given more time before
    // the next offer: 2, 4, 8... up to 60 s, reset when it prints.
    struct Backoff {
        int failures = 0;
        std::chrono::steady_clock::time_point notBefore;
    };
    std::map<std::string, Backoff> printerBackoff_;
    std::chrono::milliseconds idleAfter_;
    uint64_t seq_ = 0;
    std::optional<drivers::ScaleReading> lastReading_;
    // After a parcel closes, its weight on the scale must change before it counts again,
    // so a weight never carries over from one parcel to the next.
    std::optional<int64_t> scaleLockedAt_;
    std::optional<Event> lastEvent_;
    Metrics metrics_;
    bool stopped_ = false;
};

}  // namespace station
