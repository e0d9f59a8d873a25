// The journal file: schema migrations, refusal of a newer schema, durability settings, and the
// activity and outbox rows every change writes.

#include "station/Journal.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>

#include "tests/station/StationFixture.h"

namespace station::test {
namespace {

TEST(JournalTest, NewFileIsMigratedToTheLatestSchema) {
    TempDir tmp;
    Journal journal(tmp.path() / "data" / "journal.db");
    EXPECT_TRUE(fs::exists(tmp.path() / "data" / "journal.db"));
    EXPECT_GE(Journal::latestSchemaVersion(), 1);
    EXPECT_EQ(journal.schemaVersion(), Journal::latestSchemaVersion());
    EXPECT_EQ(journal.db().execAndGet("PRAGMA user_version").getInt(),
              Journal::latestSchemaVersion());
    // The packing session has its one row from the start.
    EXPECT_EQ(journal.db().execAndGet("SELECT COUNT(*) FROM session").getInt(), 1);
}

TEST(JournalTest, WalAndFullSynchronousAreOn) {
    TempDir tmp;
    Journal journal(tmp.path() / "journal.db");
    EXPECT_EQ(journal.db().execAndGet("PRAGMA journal_mode").getString(), "wal");
    EXPECT_EQ(journal.db().execAndGet("PRAGMA synchronous").getInt(), 2);  // FULL
    EXPECT_EQ(journal.db().execAndGet("PRAGMA foreign_keys").getInt(), 1);
}

TEST(JournalTest, ReopeningKeepsWhatWasWritten) {
    TempDir tmp;
    {
        Journal journal(tmp.path() / "journal.db");
        journal.addActivity("2024-03-05T09:00:00.000Z", "bench-1", "Alice Martin", "1001",
                            "order_opened", R"({"order":"1001","items":3})");
        journal.addOutbox("2024-03-05T09:00:00.000Z", "1001", "order_in_progress",
                          R"({"order":"1001"})");
    }
    Journal journal(tmp.path() / "journal.db");
    EXPECT_EQ(journal.schemaVersion(), Journal::latestSchemaVersion());
    SQLite::Statement a(journal.db(),
                        "SELECT user, order_number, kind, params, internal FROM activity");
    ASSERT_TRUE(a.executeStep());
    EXPECT_EQ(a.getColumn(0).getString(), "Alice Martin");
    EXPECT_EQ(a.getColumn(1).getString(), "1001");
    EXPECT_EQ(a.getColumn(2).getString(), "order_opened");
    EXPECT_EQ(a.getColumn(3).getString(), R"({"order":"1001","items":3})");
    EXPECT_EQ(a.getColumn(4).getInt(), 0);
    // An outbox row waits for the relay.
    SQLite::Statement o(journal.db(), "SELECT kind, state, attempts FROM outbox");
    ASSERT_TRUE(o.executeStep());
    EXPECT_EQ(o.getColumn(0).getString(), "order_in_progress");
    EXPECT_EQ(o.getColumn(1).getString(), "pending");
    EXPECT_EQ(o.getColumn(2).getInt(), 0);
    EXPECT_EQ(journal.db().execAndGet("SELECT COUNT(*) FROM session").getInt(), 1);
}

TEST(JournalTest, InternalActivityIsMarked) {
    TempDir tmp;
    Journal journal(tmp.path() / "journal.db");
    journal.addActivity("2024-03-05T09:00:00.000Z", "bench-1", "Alice Martin", "1001", "note",
                        R"({"text":"x"})", true);
    EXPECT_EQ(journal.db().execAndGet("SELECT internal FROM activity").getInt(), 1);
}

TEST(JournalTest, JournalOfANewerStationdIsRefusedWithAClearMessage) {
    TempDir tmp;
    const fs::path file = tmp.path() / "journal.db";
    const int newer = Journal::latestSchemaVersion() + 1;
    {
        SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("CREATE TABLE future (x INTEGER)");
        db.exec("PRAGMA user_version = " + std::to_string(newer));
    }
    try {
        Journal journal(file);
        FAIL() << "a journal with schema version " << newer << " was opened";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(file.string()), std::string::npos) << what;
        EXPECT_NE(what.find("schema version " + std::to_string(newer)), std::string::npos) << what;
        EXPECT_NE(what.find("newer"), std::string::npos) << what;
    }
    // Nothing was migrated or dropped.
    SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), newer);
    EXPECT_TRUE(db.tableExists("future"));
    EXPECT_FALSE(db.tableExists("orders"));
}

TEST(JournalTest, UnopenableFileIsAClearError) {
    TempDir tmp;
    { std::ofstream(tmp.path() / "not-a-folder") << "x"; }
    const fs::path file = tmp.path() / "not-a-folder" / "journal.db";
    try {
        Journal journal(file);
        FAIL() << "a journal was opened under a regular file";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("cannot open the journal"), std::string::npos) << what;
        EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    }
}

TEST(JournalTest, TimesAreIsoUtcWithMilliseconds) {
    using namespace std::chrono;
    const auto t =
        sys_days(year(2024) / 3 / 5) + hours(9) + minutes(7) + seconds(2) + milliseconds(45);
    EXPECT_EQ(isoTime(t), "2024-03-05T09:07:02.045Z");
    EXPECT_EQ(isoTime(sys_days(year(1999) / 12 / 31) + hours(23) + minutes(59) + seconds(59)),
              "1999-12-31T23:59:59.000Z");
}

}  // namespace
}  // namespace station::test
