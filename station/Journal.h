// The station's durable memory: one SQLite file (WAL, synchronous=FULL) holding orders,
// parcels, scans, the activity log, the outbox and the packing session, with versioned migrations.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "station/StatementCache.h"

namespace station {

class Journal {
  public:
    // Opens (creating if needed) and migrates. Throws std::runtime_error with a message for
    // the admin when the file cannot be opened or was written by a newer stationd.
    explicit Journal(const std::filesystem::path& file);

    SQLite::Database& db() { return db_; }
    // Prepared once, reused by every scan.
    StatementCache& statements() { return statements_; }
    int schemaVersion() const { return schemaVersion_; }
    static int latestSchemaVersion();
    const std::filesystem::path& file() const { return file_; }

    // Rows written with every state change: the activity log and the outbox.
    // `params` is a JSON object text used to render the message in either language.
    void addActivity(const std::string& at, const std::string& station, const std::string& user,
                     const std::string& order, const std::string& kind, const std::string& params,
                     bool internal = false);
    void addOutbox(const std::string& at, const std::string& order, const std::string& kind,
                   const std::string& payload);
    // True once since rows were added to the outbox (whether or not their transaction kept
    // them: a spurious wake of the relay costs one empty query).
    bool takeOutboxWritten() { return std::exchange(outboxWritten_, false); }

  private:
    void migrate();

    std::filesystem::path file_;
    SQLite::Database db_;
    StatementCache statements_{db_};
    int schemaVersion_ = 0;
    bool outboxWritten_ = false;
};

// ISO 8601 UTC with milliseconds, as stored everywhere in the journal.
std::string isoTime(std::chrono::system_clock::time_point t);
// Whole seconds from such a time to `now`; 0 when the text is not one.
int64_t secondsSince(const std::string& iso, std::chrono::system_clock::time_point now);

}  // namespace station
