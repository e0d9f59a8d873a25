// End to end: a real stationd on a CSV exchange (docs/csv-exchange.md). An export renamed into
// the inbox is imported at once, although the configured pull comes only once an hour.

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "tests/e2e/StationDaemon.h"

namespace {

using namespace e2e;

TEST(CsvShopE2e, AnExportRenamedIntoTheInboxIsImportedWithoutWaitingForThePull) {
    ScratchDir scratch("stationd-csv");
    const fs::path& dir = scratch.path();

    const fs::path exchange = dir / "exchange";
    StationDaemon daemon(dir);
    daemon.editConfig(
        "adapter = \"none\"\nurl = \"http://127.0.0.1:8081/wp-json\"\n"
        "consumer_key = \"ck_demo\"\nconsumer_secret = \"cs_demo\"\n"
        "pull_interval_seconds = 30",
        "adapter = \"csv\"\ncsv_inbox = \"" + (exchange / "inbox").string() +
            "\"\ncsv_processed = \"" + (exchange / "processed").string() + "\"\ncsv_outbox = \"" +
            (exchange / "outbox").string() + "\"\npull_interval_seconds = 3600");
    const fs::path samples = fs::path(STATION_SOURCE_DIR) / "tests" / "sync" / "csv";
    ASSERT_EQ(daemon.start(), "");

    // The shop's export is written beside the inbox, then renamed into it, as exporters do.
    // Without the watch, a file the relay has not seen before waits for a second scan, an hour
    // away (pull_interval_seconds): it comes in at once only through the inotify notice.
    // The shop numbers its orders "#2001".
    ASSERT_EQ(daemon.get("/api/orders/%232001").status, 404);
    fs::copy_file(samples / "shopify-utf8-bom.csv", exchange / "second.csv.part");
    fs::rename(exchange / "second.csv.part", exchange / "inbox" / "second.csv");
    const bool imported =
        eventually([&] { return daemon.get("/api/orders/%232001").status == 200; });
    if (!imported) {
        scratch.keep();
        std::cerr << "---- stationd output (" << dir.string() << " kept) ----\n"
                  << daemon.log() << "---- end ----\n";
    }
    ASSERT_TRUE(imported) << "the export waited for the hourly pull";
    EXPECT_FALSE(fs::exists(exchange / "inbox" / "second.csv"));
}

}  // namespace
