#include "station/JournalOutbox.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/asio/post.hpp>

#include <ctime>

#include "station/Journal.h"
#include "station/Station.h"
#include "sync/IsoTime.h"

namespace station {

namespace {

std::optional<shop::TimePoint> parseIso(const std::string& iso) {
    return shop::parseIsoTime(iso);
}

}  // namespace

JournalOutbox::JournalOutbox(const std::filesystem::path& journalFile, boost::asio::io_context& io,
                             Station& station, std::string stationId)
    : db_(journalFile.string(), SQLite::OPEN_READWRITE),
      io_(io),
      station_(station),
      stationId_(std::move(stationId)) {
    db_.setBusyTimeout(5000);
    db_.exec("PRAGMA synchronous=FULL");
    db_.exec("PRAGMA foreign_keys=ON");
}

std::vector<shop::OutboxRow> JournalOutbox::dueRows(shop::TimePoint now, int limit) {
    // Only the oldest pending row of each order may go: rows of one order keep their order.
    // Parked and sent rows are not pending, so they never hold the rows behind them.
    auto q = statements_.get(
        "SELECT o.id, o.order_number, COALESCE(d.shop_id, ''), o.kind, o.payload, o.attempts "
        "FROM outbox o LEFT JOIN orders d ON d.number = o.order_number "
        "WHERE o.state = 'pending' AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?) "
        "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.state = 'pending' AND "
        "p.order_number = o.order_number AND p.id < o.id) ORDER BY o.id LIMIT ?");
    q->bind(1, isoTime(now));
    q->bind(2, limit);
    std::vector<shop::OutboxRow> rows;
    while (q->executeStep()) {
        shop::OutboxRow row;
        row.id = q->getColumn(0).getInt64();
        row.orderNumber = q->getColumn(1).getString();
        row.shopId = q->getColumn(2).getString();
        row.kind = q->getColumn(3).getString();
        row.payload = q->getColumn(4).getString();
        row.attempts = q->getColumn(5).getInt();
        rows.push_back(std::move(row));
    }
    q->reset();
    return rows;
}

void JournalOutbox::beginAttempts(const std::vector<int64_t>& ids, shop::TimePoint) {
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    auto q = statements_.get("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?");
    for (int64_t id : ids) {
        q->bind(1, id);
        q->exec();
        q->reset();
    }
    tx.commit();
}

void JournalOutbox::finishAttempts(const std::vector<shop::Delivery>& results,
                                   shop::TimePoint now) {
    const std::string at = isoTime(now);
    std::string lastError;
    bool anySent = false;
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    auto sent = statements_.get(
        "UPDATE outbox SET state = 'sent', sent_at = ?, last_error = '', next_attempt_at = NULL "
        "WHERE id = ?");
    auto retry =
        statements_.get("UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?");
    auto done = statements_.get(
        "UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = NULL WHERE id = ?");
    for (const auto& d : results) {
        switch (d.outcome) {
            case shop::Delivery::Outcome::Sent:
                sent->bind(1, at);
                sent->bind(2, d.id);
                sent->exec();
                sent->reset();
                anySent = true;
                break;
            case shop::Delivery::Outcome::Retry:
                retry->bind(1, isoTime(d.nextAttempt));
                retry->bind(2, d.error);
                retry->bind(3, d.id);
                retry->exec();
                retry->reset();
                if (!d.error.empty()) {
                    lastError = d.error;
                }
                break;
            case shop::Delivery::Outcome::Parked:
            case shop::Delivery::Outcome::Skipped:
                done->bind(1, d.outcome == shop::Delivery::Outcome::Parked ? "parked" : "skipped");
                done->bind(2, d.error);
                done->bind(3, d.id);
                done->exec();
                done->reset();
                if (d.outcome == shop::Delivery::Outcome::Parked) {
                    lastError = d.error;
                }
                break;
        }
    }
    if (anySent) {
        auto q = statements_.get("UPDATE sync_state SET last_success_at = ? WHERE id = 1");
        q->bind(1, at);
        q->exec();
        q->reset();
    }
    if (!lastError.empty()) {
        auto q =
            statements_.get("UPDATE sync_state SET last_error = ?, last_error_at = ? WHERE id = 1");
        q->bind(1, lastError);
        q->bind(2, at);
        q->exec();
        q->reset();
    }
    tx.commit();
}

std::optional<shop::TimePoint> JournalOutbox::nextDue() {
    auto q = statements_.get(
        "SELECT MIN(COALESCE(next_attempt_at, created_at)) FROM outbox WHERE state = 'pending'");
    std::optional<shop::TimePoint> due;
    if (q->executeStep() && !q->getColumn(0).isNull()) {
        due = parseIso(q->getColumn(0).getString());
    }
    q->reset();
    return due;
}

std::string JournalOutbox::pullCursor() {
    auto q = statements_.get("SELECT pull_cursor FROM sync_state WHERE id = 1");
    std::string cursor;
    if (q->executeStep()) {
        cursor = q->getColumn(0).getString();
    }
    q->reset();
    return cursor;
}

void JournalOutbox::ordersPulled(const std::vector<shop::Order>& orders, const std::string& cursor,
                                 shop::TimePoint) {
    // The station's journal connection and its session belong to its thread.
    boost::asio::post(
        io_, [station = &station_, orders, cursor] { station->applyShopOrders(orders, cursor); });
}

void JournalOutbox::pullFailed(const shop::Result& result, shop::TimePoint now) {
    auto q =
        statements_.get("UPDATE sync_state SET last_error = ?, last_error_at = ? WHERE id = 1");
    q->bind(1, result.httpStatus != 0
                   ? "HTTP " + std::to_string(result.httpStatus) + ": " + result.error
                   : result.error);
    q->bind(2, isoTime(now));
    q->exec();
    q->reset();
}

std::vector<std::string> JournalOutbox::ordersBeingPacked() {
    auto q = statements_.get(
        "SELECT shop_id FROM orders WHERE state = 'in_progress' AND claimed_by = ? AND "
        "COALESCE(shop_id, '') != ''");
    q->bind(1, stationId_);
    std::vector<std::string> ids;
    while (q->executeStep()) {
        ids.push_back(q->getColumn(0).getString());
    }
    q->reset();
    return ids;
}

}  // namespace station
