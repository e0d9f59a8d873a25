#include "tests/crash/JournalAudit.h"

#include <sys/stat.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "sync/OutboxKind.h"

namespace crash {
namespace {

namespace fs = std::filesystem;

std::string readAll(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Runs a query whose every row is a violation, described by `describe`.
template <class Describe>
void forEachRow(SQLite::Database& db, const char* sql, std::vector<std::string>& violations,
                Describe describe) {
    SQLite::Statement q(db, sql);
    while (q.executeStep()) {
        violations.push_back(describe(q));
    }
}

std::string col(SQLite::Statement& q, int i) {
    return q.getColumn(i).isNull() ? std::string("NULL") : q.getColumn(i).getString();
}

}  // namespace

JournalAudit::JournalAudit(fs::path journal, fs::path labelsDir, uint64_t firstSscc)
    : journal_(std::move(journal)), labelsDir_(std::move(labelsDir)), firstSscc_(firstSscc) {}

Audit JournalAudit::check(int64_t afterScanId) {
    Audit audit;
    auto& v = audit.violations;
    try {
        SQLite::Database db(journal_.string(), SQLite::OPEN_READONLY);
        db.setBusyTimeout(5000);
        // One read transaction: every query below sees the same committed state, even while
        // the daemon goes on committing (it prints the labels it found queued at start).
        db.exec("BEGIN");

        {
            SQLite::Statement q(db, "PRAGMA integrity_check");
            std::vector<std::string> lines;
            while (q.executeStep()) {
                lines.push_back(q.getColumn(0).getString());
            }
            if (lines != std::vector<std::string>{"ok"}) {
                std::string all;
                for (const auto& l : lines) {
                    all += (all.empty() ? "" : "; ") + l;
                }
                v.push_back("PRAGMA integrity_check: " + all);
            }
        }
        forEachRow(db, "PRAGMA foreign_key_check", v, [](SQLite::Statement& q) {
            return "foreign key broken: table " + col(q, 0) + " rowid " + col(q, 1) + " -> " +
                   col(q, 2);
        });

        // Tracking numbers: one active per parcel, one parcel per number, and the parcel's
        // number is the active one.
        forEachRow(db,
                   "SELECT parcel_id, COUNT(*), GROUP_CONCAT(number) FROM tracking_numbers "
                   "WHERE state = 'active' GROUP BY parcel_id HAVING COUNT(*) > 1",
                   v, [](SQLite::Statement& q) {
                       return "parcel id " + col(q, 0) + " has " + col(q, 1) +
                              " active tracking numbers: " + col(q, 2);
                   });
        forEachRow(db,
                   "SELECT tracking_number, GROUP_CONCAT(order_number || '/' || idx) FROM "
                   "parcels WHERE COALESCE(tracking_number, '') != '' GROUP BY tracking_number "
                   "HAVING COUNT(*) > 1",
                   v, [](SQLite::Statement& q) {
                       return "tracking number " + col(q, 0) +
                              " is on several parcels: " + col(q, 1);
                   });
        // NOT IN over a subquery is evaluated once; a correlated NOT EXISTS on these unindexed
        // columns made every check quadratic in the size of the journal.
        forEachRow(db,
                   "SELECT p.order_number, p.idx, p.state, p.tracking_number FROM parcels p "
                   "WHERE p.state IN ('labelled', 'closed', 'shipped') AND (p.id, "
                   "COALESCE(p.tracking_number, '')) NOT IN (SELECT parcel_id, number FROM "
                   "tracking_numbers WHERE state = 'active')",
                   v, [](SQLite::Statement& q) {
                       return "parcel " + col(q, 0) + "/" + col(q, 1) + " is " + col(q, 2) +
                              " but its tracking number " + col(q, 3) + " is not its active one";
                   });
        forEachRow(db,
                   "SELECT p.order_number, p.idx, t.number FROM parcels p JOIN tracking_numbers "
                   "t ON t.parcel_id = p.id AND t.state = 'active' WHERE p.state = 'open'",
                   v, [](SQLite::Statement& q) {
                       return "open parcel " + col(q, 0) + "/" + col(q, 1) +
                              " holds active tracking number " + col(q, 2);
                   });
        {
            // Every SSCC is allocated from the counter in the transaction that stores it, so
            // the counter is exactly one past the last one issued.
            SQLite::Statement q(db,
                                "SELECT (SELECT COUNT(*) FROM tracking_numbers WHERE kind = "
                                "'sscc'), (SELECT value FROM counters WHERE name = 'sscc')");
            q.executeStep();
            const int64_t issued = q.getColumn(0).getInt64();
            audit.figures.trackingNumbers = issued;
            const int64_t expected = static_cast<int64_t>(firstSscc_) + issued;
            if (issued > 0 && (q.getColumn(1).isNull() || q.getColumn(1).getInt64() != expected)) {
                v.push_back("SSCC counter is " + col(q, 1) + " after " + std::to_string(issued) +
                            " SSCCs issued from " + std::to_string(firstSscc_) + " (expected " +
                            std::to_string(expected) + ")");
            }
        }

        // Labels: one original label per closed parcel, carrying its tracking number.
        forEachRow(db,
                   "SELECT parcel_id, GROUP_CONCAT(id) FROM labels WHERE state != 'voided' AND "
                   "reprint_of IS NULL GROUP BY parcel_id HAVING COUNT(*) > 1",
                   v, [](SQLite::Statement& q) {
                       return "parcel id " + col(q, 0) + " has several labels: " + col(q, 1);
                   });
        forEachRow(db,
                   "SELECT p.order_number, p.idx, p.state FROM parcels p WHERE p.state IN "
                   "('labelled', 'closed', 'shipped') AND p.id NOT IN (SELECT parcel_id FROM "
                   "labels WHERE state != 'voided' AND reprint_of IS NULL AND parcel_id IS NOT "
                   "NULL)",
                   v, [](SQLite::Statement& q) {
                       return "parcel " + col(q, 0) + "/" + col(q, 1) + " is " + col(q, 2) +
                              " but has no label";
                   });
        forEachRow(db,
                   "SELECT l.id, l.tracking_number, p.tracking_number FROM labels l JOIN "
                   "parcels p ON p.id = l.parcel_id WHERE l.state != 'voided' AND "
                   "l.tracking_number != COALESCE(p.tracking_number, '')",
                   v, [](SQLite::Statement& q) {
                       return "label " + col(q, 0) + " carries tracking number " + col(q, 1) +
                              " but its parcel has " + col(q, 2);
                   });
        // The folder printer keeps job ids, so a kill never leaves a label in doubt, and it is
        // never out of paper.
        forEachRow(db,
                   "SELECT id, state, error FROM labels WHERE state IN ('failed', 'held', "
                   "'uncertain')",
                   v, [](SQLite::Statement& q) {
                       return "label " + col(q, 0) + " is " + col(q, 1) + ": " + col(q, 2);
                   });
        std::map<int64_t, std::string> labelRows;  // id -> state
        {
            SQLite::Statement q(db,
                                "SELECT id, state, created_at, COALESCE(printed_at, '') FROM "
                                "labels");
            while (q.executeStep()) {
                labelRows[q.getColumn(0).getInt64()] = q.getColumn(1).getString();
                audit.labels.push_back({q.getColumn(2).getString(), q.getColumn(3).getString()});
            }
        }
        SQLite::Statement labelData(db, "SELECT data FROM labels WHERE id = ?");
        audit.figures.labels = static_cast<int64_t>(labelRows.size());

        // The printer's folder: one file per printed job, its bytes those of the label row,
        // written once and never replaced.
        std::set<int64_t> files;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(labelsDir_, ec)) {
            const std::string name = entry.path().filename().string();
            if (!name.empty() && name[0] == '.') {
                ++audit.figures.tempFiles;
                continue;
            }
            int64_t id = 0;
            size_t used = 0;
            const std::string prefix = "label-";
            const std::string suffix = ".zpl";
            bool parsed = name.size() > prefix.size() + suffix.size() &&
                          name.compare(0, prefix.size(), prefix) == 0 &&
                          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
            if (parsed) {
                const std::string digits =
                    name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
                try {
                    id = std::stoll(digits, &used);
                    parsed = used == digits.size();
                } catch (const std::exception&) {
                    parsed = false;
                }
            }
            if (!parsed) {
                v.push_back("unexpected file in the label folder: " + name);
                continue;
            }
            ++audit.figures.labelFiles;
            files.insert(id);
            auto row = labelRows.find(id);
            if (row == labelRows.end()) {
                v.push_back("label file " + name + " has no label row");
                continue;
            }
            struct stat st {};
            if (::stat(entry.path().c_str(), &st) != 0) {
                v.push_back("label file " + name + " cannot be read");
                continue;
            }
            const FileIdentity now{
                static_cast<uint64_t>(st.st_ino), st.st_size,
                static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
            auto [seen, inserted] = seenFiles_.try_emplace(name, now);
            if (!inserted) {
                if (seen->second.inode != now.inode || seen->second.size != now.size ||
                    seen->second.mtimeNs != now.mtimeNs) {
                    v.push_back("label file " + name + " was written again after it was printed");
                }
                continue;  // its bytes were compared when it first appeared
            }
            labelData.reset();
            labelData.bind(1, id);
            labelData.executeStep();
            const auto& data = labelData.getColumn(0);
            if (readAll(entry.path()) != std::string(static_cast<const char*>(data.getBlob()),
                                                     static_cast<size_t>(data.getBytes()))) {
                v.push_back("label file " + name + " differs from the label data in the journal");
            }
        }
        for (const auto& [name, identity] : seenFiles_) {
            if (!fs::exists(labelsDir_ / name)) {
                v.push_back("label file " + name + " disappeared");
            }
        }
        for (const auto& [id, row] : labelRows) {
            if (row == "queued" || row == "sending") {
                ++audit.figures.labelsQueued;
            }
            if (row == "printed" && !files.contains(id)) {
                v.push_back("label " + std::to_string(id) + " is marked printed but its file " +
                            "label-" + std::to_string(id) + ".zpl is missing");
            }
        }

        // Shipments and what the relay will push: one shipment outbox row per shipment, and
        // no parcel or tracking number pushed in two of them.
        std::map<int64_t, std::string> shipments;  // id -> order
        {
            SQLite::Statement q(db, "SELECT id, order_number FROM shipments");
            while (q.executeStep()) {
                shipments[q.getColumn(0).getInt64()] = q.getColumn(1).getString();
            }
        }
        audit.figures.shipments = static_cast<int64_t>(shipments.size());
        std::map<std::pair<std::string, int64_t>, std::pair<std::string, std::optional<int64_t>>>
            parcelsByKey;  // (order, idx) -> tracking, shipment
        {
            SQLite::Statement q(db,
                                "SELECT order_number, idx, COALESCE(tracking_number, ''), "
                                "shipment_id, state FROM parcels");
            while (q.executeStep()) {
                std::optional<int64_t> shipment;
                if (!q.getColumn(3).isNull()) {
                    shipment = q.getColumn(3).getInt64();
                }
                const std::string order = q.getColumn(0).getString();
                const int64_t idx = q.getColumn(1).getInt64();
                const std::string state = q.getColumn(4).getString();
                if ((state == "shipped") != shipment.has_value()) {
                    v.push_back("parcel " + order + "/" + std::to_string(idx) + " is " + state +
                                (shipment ? " with" : " without") + " a shipment");
                }
                parcelsByKey[{order, idx}] = {q.getColumn(2).getString(), shipment};
            }
        }
        std::map<int64_t, int> rowsPerShipment;
        std::map<std::pair<std::string, int64_t>, int> pushesPerParcel;
        std::map<std::string, int> pushesPerTracking;
        {
            SQLite::Statement q(db,
                                "SELECT id, order_number, payload FROM outbox WHERE kind = ? "
                                "ORDER BY id");
            q.bind(1, shop::kShipment);
            while (q.executeStep()) {
                const std::string rowId = q.getColumn(0).getString();
                const std::string order = q.getColumn(1).getString();
                boost::system::error_code jec;
                const auto payload = boost::json::parse(q.getColumn(2).getString(), jec);
                const auto* o = !jec && payload.is_object() ? &payload.get_object() : nullptr;
                const auto* sid = o ? o->if_contains("shipment_id") : nullptr;
                const auto* parcels = o ? o->if_contains("parcels") : nullptr;
                if (!sid || !sid->is_int64() || !parcels || !parcels->is_array()) {
                    v.push_back("outbox row " + rowId + " is not a shipment payload");
                    continue;
                }
                const int64_t shipmentId = sid->as_int64();
                ++rowsPerShipment[shipmentId];
                auto s = shipments.find(shipmentId);
                if (s == shipments.end() || s->second != order) {
                    v.push_back("outbox row " + rowId + " pushes shipment " +
                                std::to_string(shipmentId) + " of order " + order +
                                ", which the shipments table does not hold");
                }
                for (const auto& p : parcels->get_array()) {
                    const auto* idx = p.is_object() ? p.get_object().if_contains("index") : nullptr;
                    const auto* tn =
                        p.is_object() ? p.get_object().if_contains("tracking_number") : nullptr;
                    if (!idx || !idx->is_int64() || !tn || !tn->is_string()) {
                        v.push_back("outbox row " + rowId + " has a parcel without index or " +
                                    "tracking number");
                        continue;
                    }
                    const std::pair key{order, idx->as_int64()};
                    const std::string tracking(tn->get_string());
                    ++pushesPerParcel[key];
                    if (!tracking.empty()) {
                        ++pushesPerTracking[tracking];
                    }
                    auto parcel = parcelsByKey.find(key);
                    if (parcel == parcelsByKey.end() || parcel->second.first != tracking ||
                        parcel->second.second != shipmentId) {
                        v.push_back("outbox row " + rowId + " pushes parcel " + order + "/" +
                                    std::to_string(key.second) + " with tracking " + tracking +
                                    ", which does not match the parcel in the journal");
                    }
                }
            }
        }
        for (const auto& [id, order] : shipments) {
            const int rows = rowsPerShipment.contains(id) ? rowsPerShipment[id] : 0;
            if (rows != 1) {
                v.push_back("shipment " + std::to_string(id) + " of order " + order + " has " +
                            std::to_string(rows) + " shipment outbox rows (expected 1)");
            }
        }
        for (const auto& [key, count] : pushesPerParcel) {
            if (count > 1) {
                v.push_back("parcel " + key.first + "/" + std::to_string(key.second) + " is in " +
                            std::to_string(count) + " shipment outbox rows");
            }
        }
        for (const auto& [tracking, count] : pushesPerTracking) {
            if (count > 1) {
                v.push_back("tracking number " + tracking + " is pushed in " +
                            std::to_string(count) + " shipment outbox rows");
            }
        }

        // The per-order summary the bench reconciles against.
        {
            SQLite::Statement q(db,
                                "SELECT number, state, COALESCE(claimed_by, ''), "
                                "COALESCE(shop_id, ''), (SELECT COUNT(*) FROM parcels p WHERE "
                                "p.order_number = orders.number AND COALESCE(p.tracking_number, "
                                "'') != '') FROM orders");
            while (q.executeStep()) {
                auto& o = audit.orders[q.getColumn(0).getString()];
                o.state = q.getColumn(1).getString();
                o.claimedBy = q.getColumn(2).getString();
                o.shopId = q.getColumn(3).getString();
                o.trackedParcels = q.getColumn(4).getInt();
            }
        }
        {
            SQLite::Statement q(db,
                                "SELECT p.order_number, l.sku, SUM(pi.quantity) FROM "
                                "parcel_items pi JOIN parcels p ON p.id = pi.parcel_id JOIN "
                                "order_lines l ON l.id = pi.line_id GROUP BY p.order_number, "
                                "l.sku");
            while (q.executeStep()) {
                audit.orders[q.getColumn(0).getString()].packedBySku[q.getColumn(1).getString()] =
                    q.getColumn(2).getInt();
            }
        }
        {
            SQLite::Statement q(db,
                                "SELECT order_number, idx, weight_grams, state FROM parcels "
                                "ORDER BY order_number, idx");
            while (q.executeStep()) {
                auto& o = audit.orders[q.getColumn(0).getString()];
                if (++o.parcels == 1) {
                    if (!q.getColumn(2).isNull()) {
                        o.firstParcelWeight = q.getColumn(2).getInt64();
                    }
                    o.firstParcelState = q.getColumn(3).getString();
                }
            }
        }
        for (const auto& [id, order] : shipments) {
            ++audit.orders[order].shipments;
        }
        {
            SQLite::Statement q(db,
                                "SELECT order_number, kind, COUNT(*) FROM outbox WHERE kind IN "
                                "(?, ?) GROUP BY order_number, kind");
            q.bind(1, shop::kOrderInProgress);
            q.bind(2, shop::kShipment);
            while (q.executeStep()) {
                auto& o = audit.orders[q.getColumn(0).getString()];
                (q.getColumn(1).getString() == shop::kShipment ? o.shipmentRows
                                                               : o.inProgressRows) =
                    q.getColumn(2).getInt();
            }
        }

        {
            SQLite::Statement q(db, "SELECT COUNT(*) FROM scans");
            q.executeStep();
            audit.figures.scans = q.getColumn(0).getInt64();
        }
        {
            SQLite::Statement q(db,
                                "SELECT id, code, ok, reason, order_number FROM scans WHERE id > "
                                "? ORDER BY id");
            q.bind(1, afterScanId);
            while (q.executeStep()) {
                audit.newScans.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                                          q.getColumn(2).getInt() != 0, q.getColumn(3).getString(),
                                          q.getColumn(4).getString()});
            }
        }
        db.exec("COMMIT");
    } catch (const std::exception& e) {
        v.push_back(std::string("cannot read the journal: ") + e.what());
    }
    return audit;
}

}  // namespace crash
