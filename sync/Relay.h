// The outbox relay: delivers what the station wrote in its journal's outbox to the shop, at
// least once, in order per order, and pulls the shop's orders back; one thread, blocking calls.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sync/ShopAdapter.h"

namespace shop {

using TimePoint = std::chrono::system_clock::time_point;

// One outbox row as the journal holds it. `attempts` counts the attempts begun: more than zero
// means some request of it may have reached the shop.
struct OutboxRow {
    int64_t id = 0;
    std::string orderNumber;
    std::string shopId;  // the order's id in the shop, from the journal's order
    std::string kind;    // OutboxKind.h
    std::string payload;
    int attempts = 0;
};

struct Delivery {
    enum class Outcome {
        Sent,    // the shop has it
        Retry,   // try again at `nextAttempt`
        Parked,  // a person must look: `error` says why; rows behind it are not held
        Skipped  // no longer applies (the order was cancelled in the shop): `error` says why
    };
    int64_t id = 0;
    Outcome outcome = Outcome::Sent;
    TimePoint nextAttempt{};
    std::string error;
};

// What the relay needs from the journal. The station implements it over its own SQLite
// connection; every call is made from the relay's thread.
class OutboxStore {
  public:
    virtual ~OutboxStore() = default;
    // Rows to deliver at `now`, oldest first: for each order only its oldest pending row, and
    // only when that row is due. At most `limit` rows.
    virtual std::vector<OutboxRow> dueRows(TimePoint now, int limit) = 0;
    // Durably counts an attempt of each row before any request leaves, so that a crash in the
    // middle of sending is seen as "may have been applied" after the restart.
    virtual void beginAttempts(const std::vector<int64_t>& ids, TimePoint now) = 0;
    virtual void finishAttempts(const std::vector<Delivery>& results, TimePoint now) = 0;
    // The earliest next attempt of a pending row, if any row waits.
    virtual std::optional<TimePoint> nextDue() = 0;

    // The pull: where the last one stopped (the shop's modification time, ISO 8601).
    virtual std::string pullCursor() = 0;
    // New and changed orders, and the cursor to resume from. The station applies them (import,
    // or alert the bench packing them) in one transaction with the cursor.
    virtual void ordersPulled(const std::vector<Order>& orders, const std::string& cursor,
                              TimePoint now) = 0;
    // A pull that failed, for the status.
    virtual void pullFailed(const Result& result, TimePoint now) = 0;
    // The shop ids of the orders benches are packing, read again at each pull: a cancellation
    // takes them out of the ready list, so the incremental pull alone would never see it.
    virtual std::vector<std::string> ordersBeingPacked() = 0;
};

struct RelaySettings {
    std::chrono::milliseconds firstRetry{2000};  // the backoff's first step
    std::chrono::milliseconds maxRetry{900000};  // and its ceiling
    int batchSize = 100;
    std::chrono::milliseconds pullInterval{60000};  // zero: only on demand
};

// Full jitter: a random wait between zero and min(maxRetry, firstRetry * 2^(attempt-1)), so
// that the benches of a warehouse coming back online do not all call the shop at once. Never
// shorter than the shop's own Retry-After. `random01` returns a value in [0, 1).
std::chrono::milliseconds retryDelay(const RelaySettings& settings, int attempt,
                                     std::optional<std::chrono::seconds> retryAfter,
                                     double random01);

struct RelayPass {
    int sent = 0;
    int retried = 0;
    int parked = 0;
    int skipped = 0;
    int pulled = 0;                   // orders handed to the station
    bool shopDown = false;            // a transient failure ended the pass early
    std::optional<TimePoint> wakeAt;  // when there is something to do next
};

class Relay {
  public:
    using Clock = std::function<TimePoint()>;
    using Random = std::function<double()>;  // in [0, 1)

    // Empty clock: the system clock; empty random: a seeded PRNG.
    Relay(ShopAdapter& adapter, OutboxStore& store, RelaySettings settings, Clock clock = {},
          Random random = {});
    ~Relay();
    Relay(const Relay&) = delete;
    Relay& operator=(const Relay&) = delete;

    // One pass, on the caller's thread: the pull when it is due (or asked for), then every row
    // due now, batch after batch, until none is due or the shop fails. Tests drive it with a
    // controlled clock; the thread below calls nothing else.
    RelayPass runOnce();

    // The thread: runs passes when something is due, when woken, and at each pull interval.
    void start();
    void stop();
    // New outbox rows: deliver without waiting for the next timer.
    void wake();
    // Pull at the next pass, then wake.
    void requestPull();

  private:
    void deliver(const std::vector<OutboxRow>& rows, TimePoint now, RelayPass& pass,
                 std::vector<Delivery>& results);
    Delivery deliverOne(const OutboxRow& row, TimePoint now);
    Delivery fromResult(const OutboxRow& row, const Result& result, TimePoint now);
    void pull(TimePoint now, RelayPass& pass);
    void noteFailure(const Result& result, TimePoint now);
    void run();

    ShopAdapter& adapter_;
    OutboxStore& store_;
    RelaySettings settings_;
    Clock clock_;
    Random random_;

    // The shop as a whole: after a transient failure nothing is sent before `pausedUntil_`.
    int consecutiveFailures_ = 0;
    std::optional<TimePoint> pausedUntil_;
    std::optional<TimePoint> nextPullAt_;

    std::mutex mutex_;
    std::condition_variable wakeUp_;
    bool woken_ = false;
    bool stopping_ = false;
    std::atomic<bool> pullRequested_{true};  // the first pass pulls
    std::thread thread_;
};

}  // namespace shop
