// A journal written by stationd 0.1.0 (schema 1, kept in tests/fixtures) must open in every
// later version with nothing lost: orders, parcels, tracking numbers, the packing session.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "config/StationConfig.h"
#include "station/Journal.h"
#include "station/Station.h"

namespace fs = std::filesystem;

namespace {

class JournalUpgradeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("journal-upgrade-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        fs::copy_file(fs::path(STATION_SOURCE_DIR) / "tests/fixtures/journal-v1.db",
                      dir_ / "journal.db");
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(JournalUpgradeTest, JournalFromVersion1OpensWithEverythingKept) {
    auto loaded = config::loadConfig(fs::path(STATION_SOURCE_DIR) / "config/demo.toml");
    ASSERT_TRUE(loaded.config) << loaded.errors.front().toString();
    config::StationConfig cfg = *loaded.config;
    cfg.dataDir = dir_;

    station::Journal journal(dir_ / "journal.db");
    EXPECT_EQ(journal.schemaVersion(), station::Journal::latestSchemaVersion());
    EXPECT_EQ(journal.db().execAndGet("PRAGMA integrity_check").getString(), "ok");

    boost::asio::io_context io;
    station::Station st(io, cfg, journal);
    // The packing session of that day: Alice was packing 1002, one case scanned.
    const auto status = st.statusJson();
    EXPECT_EQ(status.at("user").at("name").as_string(), "Alice Martin");
    EXPECT_EQ(status.at("order").as_string(), "1002");
    const auto o1002 = st.orderJson("1002");
    ASSERT_TRUE(o1002);
    EXPECT_EQ(o1002->at("lines").at(0).at("packed").as_int64(), 10);

    // 1001 shipped then, with its SSCC, its activity and its internal note.
    const auto o1001 = st.orderJson("1001");
    ASSERT_TRUE(o1001);
    EXPECT_EQ(o1001->at("state").as_string(), "shipped");
    EXPECT_EQ(o1001->at("parcels").at(0).at("tracking_number").as_string(), "030123450000000017");
    bool note = false;
    for (const auto& a : o1001->at("activity").as_array()) {
        note = note || (a.at("kind").as_string() == "note" && a.at("internal").as_bool());
    }
    EXPECT_TRUE(note);

    // The SSCC counter carries on: the next parcel gets serial 2, never 1 again.
    EXPECT_EQ(journal.db().execAndGet("SELECT value FROM counters WHERE name = 'sscc'").getInt64(),
              2);
}

}  // namespace
