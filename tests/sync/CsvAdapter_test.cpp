#include "sync/CsvAdapter.h"

#include <gtest/gtest.h>

#include <stdlib.h>
#include <thread>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using shop::CsvAdapter;
using shop::CsvScanReport;
using shop::CsvSettings;
using shop::Result;

class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "sync-csv-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void writeFile(const fs::path& path, const std::string& bytes, bool append = false) {
    std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
    out << bytes;
}

std::string sample(const std::string& name) {
    return readFile(fs::path(STATION_SOURCE_DIR) / "tests/sync/csv" / name);
}

std::vector<std::string> listDir(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> numbers(const std::vector<shop::Order>& orders) {
    std::vector<std::string> out;
    for (const auto& o : orders) {
        out.push_back(o.number);
    }
    return out;
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
        text.replace(pos, from.size(), to);
        pos += to.size();
    }
    return text;
}

constexpr auto kMay2 = std::chrono::sys_days{std::chrono::year{2024} / 5 / 2};

class CsvAdapterTest : public ::testing::Test {
  protected:
    CsvSettings settings() {
        CsvSettings s;
        s.inbox = tmp_.path() / "inbox";
        s.processed = tmp_.path() / "processed";
        s.outbox = tmp_.path() / "outbox";
        s.clock = [now = now_] { return *now; };
        return s;
    }
    fs::path inbox() const { return tmp_.path() / "inbox"; }
    fs::path processed() const { return tmp_.path() / "processed"; }
    fs::path outbox() const { return tmp_.path() / "outbox"; }

    // Writes the file beside the inbox and renames it in, as the documentation asks of shops;
    // the adapter without watch() still waits for a second scan to see it unchanged.
    void drop(const std::string& name, const std::string& bytes) {
        fs::create_directories(inbox());
        writeFile(tmp_.path() / name, bytes);
        fs::rename(tmp_.path() / name, inbox() / name);
    }

    // Two scans: the first sees the file, the second finds it unchanged and reads it.
    CsvScanReport importNow(CsvAdapter& adapter) {
        const CsvScanReport first = adapter.scan();
        EXPECT_TRUE(first.changed.empty());
        return adapter.scan();
    }

    shop::Shipment shipment(const std::string& order, std::vector<std::string> tracking) {
        shop::Shipment s;
        s.orderNumber = order;
        s.shopId = order;
        int index = 0;
        for (const auto& number : tracking) {
            shop::ParcelShipped p;
            p.index = ++index;
            p.trackingNumber = number;
            p.carrier = "Colissimo";
            p.shippedAt = "2024-05-02T10:15:00Z";
            p.items.push_back({"SKU", "1", 1});
            s.parcels.push_back(p);
        }
        return s;
    }

    TempDir tmp_;
    std::shared_ptr<std::chrono::system_clock::time_point> now_ =
        std::make_shared<std::chrono::system_clock::time_point>(kMay2 + 10h + 15min);
};

TEST_F(CsvAdapterTest, ImportsTheFrenchExportOnceItStopsChangingAndMovesItAway) {
    CsvAdapter adapter(settings());
    drop("export.csv", sample("excel-fr-windows1252.csv"));

    const CsvScanReport first = adapter.scan();
    EXPECT_TRUE(first.result.ok()) << first.result.error;
    EXPECT_EQ(first.waiting, std::vector<std::string>{"export.csv"});
    EXPECT_TRUE(first.changed.empty());

    const CsvScanReport second = adapter.scan();
    EXPECT_EQ(second.imported, std::vector<std::string>{"export.csv"});
    EXPECT_EQ(numbers(second.changed),
              (std::vector<std::string>{"FR-1001", "FR-1002", "FR-1003", "FR-1004"}));
    EXPECT_TRUE(second.errors.empty());

    EXPECT_TRUE(listDir(inbox()).empty());
    EXPECT_EQ(listDir(processed()),
              (std::vector<std::string>{"20240502T101500Z-1-export.csv", "shipments"}));
    EXPECT_EQ(readFile(processed() / "20240502T101500Z-1-export.csv"),
              sample("excel-fr-windows1252.csv"));

    const shop::OrderPage page = adapter.fetchOrders("", 1);
    ASSERT_TRUE(page.result.ok()) << page.result.error;
    EXPECT_FALSE(page.more);
    ASSERT_EQ(page.orders.size(), 4u);
    EXPECT_EQ(page.orders[0].modifiedAt, "2024-05-02T10:15:00Z");
    EXPECT_EQ(page.orders[0].customer.name, "Élodie Durand");
    EXPECT_EQ(page.orders[0].lines[1].name, "Mug « Cœur de bœuf »");
    EXPECT_EQ(page.orders[1].customer.postcode, "01000");
    EXPECT_EQ(page.orders[3].status, "cancelled");

    EXPECT_TRUE(adapter.scan().empty()) << "a file is read once";
}

TEST_F(CsvAdapterTest, AFileStillBeingWrittenIsNotRead) {
    CsvAdapter adapter(settings());
    const std::string whole = sample("shopify-utf8-bom.csv");
    const std::size_t cut = whole.find("221B");  // inside the quoted address of the first order
    fs::create_directories(inbox());
    writeFile(inbox() / "orders_export.csv", whole.substr(0, cut));

    EXPECT_EQ(adapter.scan().waiting, std::vector<std::string>{"orders_export.csv"});
    writeFile(inbox() / "orders_export.csv", whole.substr(cut, 40), true);
    const CsvScanReport grown = adapter.scan();
    EXPECT_EQ(grown.waiting, std::vector<std::string>{"orders_export.csv"});
    EXPECT_TRUE(grown.errors.empty()) << "a half-written file must not be judged";
    writeFile(inbox() / "orders_export.csv", whole.substr(cut + 40), true);
    EXPECT_TRUE(adapter.scan().imported.empty());
    EXPECT_TRUE(adapter.fetchOrders("", 2).orders.empty());

    const CsvScanReport done = adapter.scan();
    ASSERT_TRUE(done.errors.empty()) << done.errors.front();
    EXPECT_EQ(numbers(done.changed), (std::vector<std::string>{"#2001", "#2002"}));
    ASSERT_EQ(done.changed[0].lines.size(), 2u);
    EXPECT_EQ(done.changed[0].customer.street, "Flat 2, \"The Mews\"\n221B Baker Street");
}

TEST_F(CsvAdapterTest, ARejectedFileStaysInTheInboxAndIsReportedOnce) {
    CsvAdapter adapter(settings());
    drop("missing-columns.csv", sample("missing-columns.csv"));
    drop("unclosed-quote.csv", sample("unclosed-quote.csv"));
    drop("good.csv", sample("excel-fr-windows1252.csv"));

    const CsvScanReport report = importNow(adapter);
    ASSERT_EQ(report.errors.size(), 2u);
    std::string all = report.errors[0] + "\n" + report.errors[1];
    EXPECT_NE(all.find("missing-columns.csv: missing columns postcode (code postal), quantity"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("unclosed-quote.csv line 3: a quoted field starts here"), std::string::npos)
        << all;
    EXPECT_EQ(report.imported, std::vector<std::string>{"good.csv"});
    EXPECT_EQ(listDir(inbox()),
              (std::vector<std::string>{"missing-columns.csv", "unclosed-quote.csv"}));

    EXPECT_TRUE(adapter.scan().errors.empty()) << "the same version is not reported again";

    // The relay hears of it once, with the orders of the good file all the same.
    const shop::OrderPage withError = adapter.fetchOrders("", 1);
    EXPECT_EQ(withError.result.kind, Result::Kind::Permanent);
    EXPECT_NE(withError.result.error.find("unclosed-quote.csv line 3"), std::string::npos);
    EXPECT_NE(withError.result.error.find("missing-columns.csv"), std::string::npos);
    EXPECT_EQ(withError.orders.size(), 4u);
    const shop::OrderPage after = adapter.fetchOrders("", 1);
    EXPECT_TRUE(after.result.ok()) << after.result.error;
    EXPECT_EQ(after.orders.size(), 4u);

    // Once the shop fixes the file, it is read like any other.
    writeFile(inbox() / "unclosed-quote.csv",
              replaceAll(sample("unclosed-quote.csv"), "\"1 rue", "1 rue"));
    const CsvScanReport fixed = importNow(adapter);
    EXPECT_EQ(fixed.imported, std::vector<std::string>{"unclosed-quote.csv"});
    EXPECT_EQ(numbers(fixed.changed), (std::vector<std::string>{"3001", "3002", "3003"}));
}

TEST_F(CsvAdapterTest, AfterARestartTheOrdersAreStillThereAndOnlyChangesAreNew) {
    {
        CsvAdapter adapter(settings());
        drop("export.csv", sample("excel-fr-windows1252.csv"));
        ASSERT_EQ(importNow(adapter).changed.size(), 4u);
    }
    *now_ += 2h;
    CsvAdapter adapter(settings());
    const shop::OrderPage reloaded = adapter.fetchOrders("", 1);
    ASSERT_TRUE(reloaded.result.ok()) << reloaded.result.error;
    ASSERT_EQ(reloaded.orders.size(), 4u);
    EXPECT_EQ(reloaded.orders[0].modifiedAt, "2024-05-02T10:15:00Z");
    Result result;
    const auto cancelled = adapter.fetchOrder("FR-1004", result);
    ASSERT_TRUE(result.ok()) << result.error;
    ASSERT_TRUE(cancelled.has_value());
    EXPECT_EQ(cancelled->status, "cancelled");

    // The next export repeats every order; only FR-1001, cancelled meanwhile, has changed.
    drop("export.csv", replaceAll(sample("excel-fr-windows1252.csv"),
                                  "Pay\xE9"
                                  "e;",
                                  "Annul\xE9"
                                  "e;"));
    const CsvScanReport report = importNow(adapter);
    EXPECT_EQ(report.imported, std::vector<std::string>{"export.csv"});
    EXPECT_EQ(numbers(report.changed), std::vector<std::string>{"FR-1001"});

    const shop::OrderPage since = adapter.fetchOrders("2024-05-02T14:15:00+02:00", 1);
    ASSERT_TRUE(since.result.ok()) << since.result.error;
    EXPECT_EQ(numbers(since.orders), std::vector<std::string>{"FR-1001"});
    EXPECT_EQ(since.orders[0].status, "cancelled");
    EXPECT_EQ(since.orders[0].modifiedAt, "2024-05-02T12:15:00Z");
    EXPECT_EQ(numbers(adapter.fetchOrders("2024-05-02", 1).orders),
              (std::vector<std::string>{"FR-1002", "FR-1003", "FR-1004", "FR-1001"}));

    const auto latest = adapter.fetchOrder("FR-1001", result);
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(latest->status, "cancelled");
    EXPECT_FALSE(adapter.fetchOrder("FR-9999", result).has_value());
    EXPECT_EQ(result.kind, Result::Kind::Permanent);
}

TEST_F(CsvAdapterTest, FetchOrdersPagesByHundredAndRefusesABadSince) {
    CsvAdapter adapter(settings());
    std::string bytes = "order;status;name;street;postcode;city;country;sku;quantity\r\n";
    for (int i = 1; i <= 250; ++i) {
        bytes += std::to_string(5000 + i) + ";paid;Client " + std::to_string(i) +
                 ";1 rue Haute;75001;Paris;FR;SKU-1;1\r\n";
    }
    drop("big.csv", bytes);

    const shop::OrderPage p1 = adapter.fetchOrders("", 1);  // first sight of the file
    EXPECT_TRUE(p1.orders.empty());
    const shop::OrderPage first = adapter.fetchOrders("", 1);
    ASSERT_EQ(first.orders.size(), 100u);
    EXPECT_TRUE(first.more);
    EXPECT_EQ(first.orders.front().number, "5001");
    const shop::OrderPage third = adapter.fetchOrders("", 3);
    ASSERT_EQ(third.orders.size(), 50u);
    EXPECT_FALSE(third.more);
    EXPECT_EQ(third.orders.back().number, "5250");
    EXPECT_TRUE(adapter.fetchOrders("", 4).orders.empty());

    EXPECT_EQ(adapter.fetchOrders("yesterday", 1).result.kind, Result::Kind::Permanent);
    EXPECT_EQ(adapter.fetchOrders("", 0).result.kind, Result::Kind::Permanent);
    EXPECT_TRUE(adapter.fetchOrders("2024-05-02T10:15:01Z", 1).orders.empty());
}

TEST_F(CsvAdapterTest, WritesEachShipmentAtomicallyAndNeverTheSameParcelTwice) {
    CsvAdapter adapter(settings());
    const Result pushed = adapter.pushShipment(shipment("FR-1001", {"6A12345678901"}));
    ASSERT_TRUE(pushed.ok()) << pushed.error;

    const std::string file = "shipments-FR_1001-20240502T101500Z-1.csv";
    EXPECT_EQ(listDir(outbox()), std::vector<std::string>{file}) << "no temp file left";
    EXPECT_EQ(readFile(outbox() / file),
              "\xEF\xBB\xBForder;parcel;tracking_number;carrier;date\r\n"
              "FR-1001;1;6A12345678901;Colissimo;2024-05-02T10:15:00Z\r\n");

    ASSERT_TRUE(adapter.pushShipment(shipment("FR-1001", {"6A12345678901"})).ok());
    EXPECT_EQ(listDir(outbox()), std::vector<std::string>{file});

    // The backorder leaves later: only the new parcel is written.
    ASSERT_TRUE(adapter.pushShipment(shipment("FR-1001", {"6A12345678901", "6A99"})).ok());
    const std::string second = "shipments-FR_1001-20240502T101500Z-2.csv";
    EXPECT_EQ(listDir(outbox()), (std::vector<std::string>{file, second}));
    EXPECT_EQ(readFile(outbox() / second),
              "\xEF\xBB\xBForder;parcel;tracking_number;carrier;date\r\n"
              "FR-1001;2;6A99;Colissimo;2024-05-02T10:15:00Z\r\n");

    Result result;
    auto tracking = adapter.fetchTrackingNumbers("FR-1001", result);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(tracking, (std::vector<std::string>{"6A12345678901", "6A99"}));
    EXPECT_EQ(adapter.fetchTrackingNumbers("FR-1002", result), std::vector<std::string>{});

    // The shop takes its files; the station still knows what it wrote, also after a restart.
    fs::remove(outbox() / file);
    fs::remove(outbox() / second);
    CsvAdapter restarted(settings());
    ASSERT_TRUE(restarted.pushShipment(shipment("FR-1001", {"6A12345678901", "6A99"})).ok());
    EXPECT_TRUE(listDir(outbox()).empty());
    EXPECT_EQ(restarted.fetchTrackingNumbers("FR-1001", result),
              (std::vector<std::string>{"6A12345678901", "6A99"}));
}

TEST_F(CsvAdapterTest, ACrashBeforeTheShipmentWasRecordedDoesNotWriteItTwice) {
    {
        CsvAdapter adapter(settings());
        ASSERT_TRUE(adapter.pushShipment(shipment("#2001/B", {"XY1"})).ok());
    }
    // The crash came between the outbox file and the station's own record of it.
    fs::remove(processed() / "shipments" / "_2001_B.csv");

    CsvAdapter adapter(settings());
    ASSERT_TRUE(adapter.pushShipment(shipment("#2001/B", {"XY1"})).ok());
    EXPECT_EQ(listDir(outbox()),
              std::vector<std::string>{"shipments-_2001_B-20240502T101500Z-1.csv"});
    EXPECT_NE(
        readFile(outbox() / "shipments-_2001_B-20240502T101500Z-1.csv").find("\r\n#2001/B;1;XY1;"),
        std::string::npos);
    // And the record is whole again: the shop taking the file changes nothing.
    fs::remove(outbox() / "shipments-_2001_B-20240502T101500Z-1.csv");
    Result result;
    EXPECT_EQ(adapter.fetchTrackingNumbers("#2001/B", result), std::vector<std::string>{"XY1"});
}

TEST_F(CsvAdapterTest, ACrashBetweenTempWriteAndRenameLeavesTheOldFilesIntact) {
    {
        CsvAdapter adapter(settings());
        ASSERT_TRUE(adapter.pushShipment(shipment("FR-1001", {"OLD1"})).ok());
    }
    const fs::path ledger = processed() / "shipments" / "FR_1001.csv";
    const std::string before = readFile(ledger);
    const std::string outboxBefore =
        readFile(outbox() / "shipments-FR_1001-20240502T101500Z-1.csv");
    // What a crash just before the renames leaves: complete temp files under hidden names.
    writeFile(ledger.parent_path() / ".FR_1001.csv.tmp-a1B2c3",
              "\xEF\xBB\xBForder;parcel;tracking_number;carrier;date\r\n"
              "FR-1001;1;OLD1;Colissimo;2024-05-02T10:15:00Z\r\n"
              "FR-1001;2;NEW2;Colissimo;2024-05-02T10:15:00Z\r\n");
    writeFile(outbox() / ".shipments-FR_1001-20240502T101500Z-2.csv.tmp-x9Y8z7",
              "\xEF\xBB\xBForder;parcel;tracking_number;carrier;date\r\n"
              "FR-1001;2;NEW2;Colis");

    CsvAdapter adapter(settings());
    Result result;
    EXPECT_EQ(adapter.fetchTrackingNumbers("FR-1001", result), std::vector<std::string>{"OLD1"});
    EXPECT_EQ(readFile(ledger), before);
    EXPECT_EQ(listDir(ledger.parent_path()), std::vector<std::string>{"FR_1001.csv"})
        << "the start removes what the crash left";
    EXPECT_EQ(listDir(outbox()),
              std::vector<std::string>{"shipments-FR_1001-20240502T101500Z-1.csv"});
    EXPECT_EQ(readFile(outbox() / "shipments-FR_1001-20240502T101500Z-1.csv"), outboxBefore);

    // Sending again after the crash writes the parcel that was lost, once.
    ASSERT_TRUE(adapter.pushShipment(shipment("FR-1001", {"OLD1", "NEW2"})).ok());
    EXPECT_EQ(adapter.fetchTrackingNumbers("FR-1001", result),
              (std::vector<std::string>{"OLD1", "NEW2"}));
    EXPECT_EQ(listDir(outbox()).size(), 2u);
}

TEST_F(CsvAdapterTest, WritesReturnsAndNotesAndHasNoInProgressChannel) {
    CsvAdapter adapter(settings());
    EXPECT_TRUE(adapter.markInProgress("FR-1001").ok());

    shop::ReturnReceived ret;
    ret.orderNumber = "FR-1001";
    ret.items.push_back({"MUG-COEUR", 1, "damaged", false});
    ret.items.push_back({"TSHIRT-M-BLEU", 2, "resellable", true});
    ASSERT_TRUE(adapter.pushReturn(ret).ok());
    ASSERT_TRUE(
        adapter.addNote("FR-1001", "Colis déposé chez le gardien;\nsigné \"M. Roy\"", true).ok());

    EXPECT_EQ(listDir(outbox()),
              (std::vector<std::string>{"notes-FR_1001-20240502T101500Z-1.csv",
                                        "returns-FR_1001-20240502T101500Z-1.csv"}));
    EXPECT_EQ(readFile(outbox() / "returns-FR_1001-20240502T101500Z-1.csv"),
              "\xEF\xBB\xBForder;sku;quantity;condition;restock;date\r\n"
              "FR-1001;MUG-COEUR;1;damaged;no;2024-05-02T10:15:00Z\r\n"
              "FR-1001;TSHIRT-M-BLEU;2;resellable;yes;2024-05-02T10:15:00Z\r\n");
    EXPECT_EQ(readFile(outbox() / "notes-FR_1001-20240502T101500Z-1.csv"),
              "\xEF\xBB\xBForder;visibility;note;date\r\n"
              "FR-1001;customer;\"Colis déposé chez le gardien;\nsigné \"\"M. Roy\"\"\";"
              "2024-05-02T10:15:00Z\r\n");

    EXPECT_EQ(adapter.addNote("FR-1001", "", false).kind, Result::Kind::Permanent);
    EXPECT_EQ(adapter.pushShipment(shop::Shipment{}).kind, Result::Kind::Permanent);
}

TEST_F(CsvAdapterTest, WatchReadsAFileRenamedIntoTheInboxWithoutWaitingForTheTimer) {
    boost::asio::io_context io;
    CsvAdapter adapter(settings());  // the inbox does not exist yet: watch() creates it
    std::vector<CsvScanReport> reports;
    // An hour: only the inotify event can bring the file in during this test.
    adapter.watch(io, 1h, [&](const CsvScanReport& r) {
        reports.push_back(r);
        io.stop();
    });
    boost::asio::post(io, [&] {
        writeFile(tmp_.path() / "export.csv", sample("excel-fr-windows1252.csv"));
        fs::rename(tmp_.path() / "export.csv", inbox() / "export.csv");
    });
    boost::asio::steady_timer guard(io, 20s);  // keeps a broken watcher from hanging the suite
    guard.async_wait([&](const boost::system::error_code&) { io.stop(); });
    io.run();

    ASSERT_EQ(reports.size(), 1u) << "no scan after the rename";
    EXPECT_EQ(reports[0].imported, std::vector<std::string>{"export.csv"});
    EXPECT_EQ(reports[0].changed.size(), 4u);
}

TEST_F(CsvAdapterTest, NotifyChangesOnlyTellsAndTheOwnerReadsTheRenamedFileAtOnce) {
    boost::asio::io_context io;
    CsvAdapter adapter(settings());
    int told = 0;
    ASSERT_TRUE(adapter.notifyChanges(io, [&] {
        ++told;
        io.stop();
    }));
    boost::asio::post(io, [&] {
        writeFile(tmp_.path() / "export.csv", sample("excel-fr-windows1252.csv"));
        fs::rename(tmp_.path() / "export.csv", inbox() / "export.csv");
    });
    boost::asio::steady_timer guard(io, 20s);
    guard.async_wait([&](const boost::system::error_code&) { io.stop(); });
    io.run();
    ASSERT_GE(told, 1) << "no notice of the rename";

    // The adapter's owner (the relay, on its own thread) scans: the renamed file is complete
    // by the writer's word, so one scan imports it.
    CsvScanReport report;
    std::thread owner([&] { report = adapter.scan(); });
    owner.join();
    EXPECT_EQ(report.imported, std::vector<std::string>{"export.csv"});
    EXPECT_EQ(report.changed.size(), 4u);
}

}  // namespace
