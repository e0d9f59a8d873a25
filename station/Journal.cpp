#include "station/Journal.h"

#include <SQLiteCpp/Statement.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "sync/IsoTime.h"

namespace station {
namespace {

// Each entry moves the schema from version i to i + 1. Never edit a shipped entry: add one.
constexpr std::array kMigrations = {
    R"sql(
CREATE TABLE orders (
    number TEXT PRIMARY KEY,
    shop_id TEXT,
    state TEXT NOT NULL,
    payment TEXT NOT NULL,
    risk_score REAL NOT NULL DEFAULT 0,
    risk_approved_by TEXT,
    claimed_by TEXT,
    shipping_method TEXT NOT NULL,
    customer_name TEXT NOT NULL DEFAULT '',
    street TEXT NOT NULL DEFAULT '',
    postcode TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    customer_note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX orders_state ON orders(state);
CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY,
    order_number TEXT NOT NULL REFERENCES orders(number),
    position INTEGER NOT NULL,
    sku TEXT NOT NULL DEFAULT '',
    gtin14 TEXT NOT NULL DEFAULT '',
    case_gtin14 TEXT NOT NULL DEFAULT '',
    case_quantity INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL DEFAULT '',
    quantity INTEGER NOT NULL,
    unit_weight_grams INTEGER NOT NULL DEFAULT 0,
    bin TEXT NOT NULL DEFAULT '',
    serialised INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX order_lines_order ON order_lines(order_number);
CREATE INDEX order_lines_gtin ON order_lines(gtin14);
CREATE INDEX order_lines_sku ON order_lines(sku COLLATE NOCASE);
CREATE INDEX order_lines_case_gtin ON order_lines(case_gtin14);
CREATE TABLE shipments (
    id INTEGER PRIMARY KEY,
    order_number TEXT NOT NULL REFERENCES orders(number),
    partial INTEGER NOT NULL,
    approved_by TEXT,
    station TEXT NOT NULL,
    user TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE parcels (
    id INTEGER PRIMARY KEY,
    order_number TEXT NOT NULL REFERENCES orders(number),
    idx INTEGER NOT NULL,
    state TEXT NOT NULL,
    box_code TEXT NOT NULL DEFAULT '',
    weight_grams INTEGER,
    weight_approved_by TEXT,
    tracking_number TEXT,
    shipment_id INTEGER REFERENCES shipments(id),
    created_at TEXT NOT NULL,
    closed_at TEXT,
    UNIQUE(order_number, idx)
);
CREATE TABLE parcel_items (
    id INTEGER PRIMARY KEY,
    parcel_id INTEGER NOT NULL REFERENCES parcels(id),
    line_id INTEGER NOT NULL REFERENCES order_lines(id),
    quantity INTEGER NOT NULL,
    serial TEXT NOT NULL DEFAULT '',
    batch TEXT NOT NULL DEFAULT '',
    expiry TEXT NOT NULL DEFAULT '',
    scan_id INTEGER
);
CREATE INDEX parcel_items_parcel ON parcel_items(parcel_id);
CREATE INDEX parcel_items_line ON parcel_items(line_id);
-- One row per tracking number ever issued: the primary key is what makes a number unique.
CREATE TABLE tracking_numbers (
    number TEXT PRIMARY KEY,
    parcel_id INTEGER NOT NULL REFERENCES parcels(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE labels (
    id INTEGER PRIMARY KEY,
    parcel_id INTEGER REFERENCES parcels(id),
    tracking_number TEXT NOT NULL DEFAULT '',
    printer TEXT NOT NULL,
    language TEXT NOT NULL,
    data BLOB NOT NULL,
    state TEXT NOT NULL,
    reprint_of INTEGER REFERENCES labels(id),
    error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    printed_at TEXT
);
CREATE INDEX labels_state ON labels(state);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    station TEXT NOT NULL,
    scanner TEXT NOT NULL,
    user TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL,
    ok INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    order_number TEXT NOT NULL DEFAULT ''
);
CREATE INDEX scans_at ON scans(at);
CREATE TABLE activity (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    station TEXT NOT NULL,
    user TEXT NOT NULL DEFAULT '',
    order_number TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    internal INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX activity_order ON activity(order_number);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    order_number TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    sent_at TEXT
);
CREATE INDEX outbox_state ON outbox(state);
-- The packing session of this station: one row, so a restart resumes exactly where it was.
CREATE TABLE session (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    user_name TEXT NOT NULL DEFAULT '',
    user_role TEXT NOT NULL DEFAULT '',
    order_number TEXT NOT NULL DEFAULT '',
    parcel_id INTEGER,
    awaiting TEXT NOT NULL DEFAULT '',
    awaiting_line_id INTEGER,
    awaiting_data TEXT NOT NULL DEFAULT '{}',
    approval_kind TEXT NOT NULL DEFAULT '',
    approval_order TEXT NOT NULL DEFAULT '',
    approval_parcel_id INTEGER,
    approval_detail TEXT NOT NULL DEFAULT '{}',
    last_label_id INTEGER,
    last_activity_at TEXT NOT NULL DEFAULT ''
);
INSERT INTO session (id) VALUES (1);
)sql",
    // v2: the shop sync. What the shop last said of an order, the alert a bench must see at its
    // next scan, the shop's own line ids, and where the relay and the pull stand.
    R"sql(
ALTER TABLE orders ADD COLUMN shop_modified_at TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN shop_alert TEXT NOT NULL DEFAULT '';
ALTER TABLE order_lines ADD COLUMN shop_line_id TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_pending ON outbox(state, order_number, id);
CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    adapter TEXT NOT NULL DEFAULT '',
    pull_cursor TEXT NOT NULL DEFAULT '',
    last_pull_at TEXT,
    last_success_at TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    last_error_at TEXT
);
INSERT INTO sync_state (id) VALUES (1);
)sql",
    // v3: the returns desk. Each shipment's RMA code (the barcode on its return slip), the
    // returns with their graded items, the slips and restock labels they print, and the open
    // return in the session row so that a restart resumes it. Shipments made before this
    // version get their codes here, numbered the same way (RMA-<order>-<n>, n from 1 per order).
    R"sql(
CREATE INDEX shipments_order ON shipments(order_number);
CREATE TABLE rma_codes (
    code TEXT PRIMARY KEY,
    shipment_id INTEGER NOT NULL UNIQUE REFERENCES shipments(id),
    order_number TEXT NOT NULL REFERENCES orders(number),
    created_at TEXT NOT NULL
);
CREATE INDEX rma_codes_order ON rma_codes(order_number);
INSERT INTO rma_codes (code, shipment_id, order_number, created_at)
    SELECT 'RMA-' || order_number || '-' ||
               ROW_NUMBER() OVER (PARTITION BY order_number ORDER BY id),
           id, order_number, at
    FROM shipments;
CREATE TABLE returns (
    id INTEGER PRIMARY KEY,
    order_number TEXT NOT NULL REFERENCES orders(number),
    rma_code TEXT REFERENCES rma_codes(code),
    state TEXT NOT NULL,
    station TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    weight_grams INTEGER,
    expected_grams INTEGER,
    tolerance_grams INTEGER,
    closed_by TEXT,
    closed_at TEXT
);
CREATE INDEX returns_state ON returns(state);
CREATE INDEX returns_order ON returns(order_number);
CREATE TABLE return_items (
    id INTEGER PRIMARY KEY,
    return_id INTEGER NOT NULL REFERENCES returns(id),
    idx INTEGER NOT NULL,
    line_id INTEGER NOT NULL REFERENCES order_lines(id),
    quantity INTEGER NOT NULL,
    serial TEXT NOT NULL DEFAULT '',
    condition TEXT NOT NULL DEFAULT '',
    graded_by TEXT,
    graded_at TEXT,
    scanned_at TEXT NOT NULL,
    UNIQUE(return_id, idx)
);
CREATE INDEX return_items_line ON return_items(line_id);
CREATE TABLE return_documents (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    shipment_id INTEGER REFERENCES shipments(id),
    return_item_id INTEGER REFERENCES return_items(id),
    order_number TEXT NOT NULL,
    printer TEXT NOT NULL,
    language TEXT NOT NULL,
    data BLOB NOT NULL,
    state TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    printed_at TEXT
);
CREATE INDEX return_documents_state ON return_documents(state);
ALTER TABLE session ADD COLUMN return_id INTEGER REFERENCES returns(id);
)sql",
    // v4: the screens' sign-in sessions, so that a restart does not sign out every screen on
    // the network. The token itself is never stored: only its SHA-256.
    R"sql(
CREATE TABLE screen_sessions (
    token_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
)sql",
};

}  // namespace

std::string isoTime(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
    const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms.count() % 1000));
    return buf;
}

int64_t secondsSince(const std::string& iso, std::chrono::system_clock::time_point now) {
    // Whole seconds, as before the milliseconds were written: an age, not a duration.
    const auto then = shop::parseIsoTime(iso.substr(0, 19));
    if (!then) {
        return 0;
    }
    return std::chrono::duration_cast<std::chrono::seconds>(now - *then).count();
}

Journal::Journal(const std::filesystem::path& file)
    : file_(file), db_([&] {
          std::error_code ec;
          if (file.has_parent_path()) {
              std::filesystem::create_directories(file.parent_path(), ec);
          }
          try {
              return SQLite::Database(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
          } catch (const SQLite::Exception& e) {
              throw std::runtime_error("cannot open the journal " + file.string() + ": " +
                                       e.what());
          }
      }()) {
    db_.setBusyTimeout(5000);
    db_.exec("PRAGMA journal_mode=WAL");
    // A shipment, a label or an outbox row must survive a power cut once acknowledged.
    db_.exec("PRAGMA synchronous=FULL");
    db_.exec("PRAGMA foreign_keys=ON");
    migrate();
}

int Journal::latestSchemaVersion() {
    return static_cast<int>(kMigrations.size());
}

void Journal::migrate() {
    schemaVersion_ = db_.execAndGet("PRAGMA user_version").getInt();
    if (schemaVersion_ > latestSchemaVersion()) {
        throw std::runtime_error(
            "the journal " + file_.string() + " has schema version " +
            std::to_string(schemaVersion_) + ", newer than this stationd knows (" +
            std::to_string(latestSchemaVersion()) +
            "): install the newer stationd or restore an older copy of the journal");
    }
    while (schemaVersion_ < latestSchemaVersion()) {
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        db_.exec(kMigrations[schemaVersion_]);
        db_.exec("PRAGMA user_version = " + std::to_string(schemaVersion_ + 1));
        tx.commit();
        ++schemaVersion_;
    }
}

void Journal::addActivity(const std::string& at, const std::string& station,
                          const std::string& user, const std::string& order,
                          const std::string& kind, const std::string& params, bool internal) {
    auto q = statements_.get(
        "INSERT INTO activity (at, station, user, order_number, kind, params, "
        "internal) VALUES (?, ?, ?, ?, ?, ?, ?)");
    q->bind(1, at);
    q->bind(2, station);
    q->bind(3, user);
    q->bind(4, order);
    q->bind(5, kind);
    q->bind(6, params);
    q->bind(7, internal ? 1 : 0);
    q->exec();
}

void Journal::addOutbox(const std::string& at, const std::string& order, const std::string& kind,
                        const std::string& payload) {
    auto q = statements_.get(
        "INSERT INTO outbox (created_at, order_number, kind, payload) VALUES (?, "
        "?, ?, ?)");
    q->bind(1, at);
    q->bind(2, order);
    q->bind(3, kind);
    q->bind(4, payload);
    q->exec();
    outboxWritten_ = true;
}

}  // namespace station
