// End to end: a real stationd printing to a ZPL printer on TCP (a fake Zebra on 127.0.0.1).
// Labels wait while the printer is out of paper and come out once each, in order, when it is
// fixed; a label in flight when the daemon is killed is marked "may have printed" and is not
// sent again until the packer asks for it.

#include <gtest/gtest.h>
#include <signal.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tests/drivers/FakeZebra.h"
#include "tests/e2e/StationDaemon.h"

namespace {

using namespace e2e;
using fake_zebra::FakeZebra;

constexpr const char* kAlice = "U-1001";
constexpr const char* kTshirt = "3760123450010";
constexpr const char* kMug = "3760123450027";
constexpr const char* kLamp = "3760123450089";
constexpr const char* kRug = "3760123450096";

class PrintingE2e : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/stationd-print-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr) << std::strerror(errno);
        dir_ = pattern;
    }

    void TearDown() override {
        scanner_.reset();
        daemon_.reset();
        if (HasFailure() && fs::exists(dir_ / "stationd.log")) {
            std::cerr << "---- stationd output (" << dir_.string() << " kept) ----\n"
                      << readFile(dir_ / "stationd.log") << "---- end of stationd output ----\n";
        } else {
            std::error_code ec;
            fs::remove_all(dir_, ec);
        }
    }

    // stationd with its shipping printer on the fake Zebra's port.
    void startDaemon(unsigned short printerPort) {
        daemon_ = std::make_unique<StationDaemon>(dir_);
        daemon_->editConfig(
            "role = \"shipping\"\nkind = \"directory\"\nlanguage = \"zpl\"\npath = \"labels\"",
            "role = \"shipping\"\nkind = \"zpl-tcp\"\nlanguage = \"zpl\"\nhost = "
            "\"127.0.0.1\"\nport = " +
                std::to_string(printerPort));
        ASSERT_EQ(daemon_->start(), "");
        connectScanner();
    }

    void restart() {
        scanner_.reset();
        ASSERT_EQ(daemon_->start(), "");
        connectScanner();
    }

    void connectScanner() {
        scanner_ = std::make_unique<ScannerConnection>(daemon_->scannerPort());
        ASSERT_EQ(scanner_->error(), "");
    }

    void accept(const std::string& code) {
        const ScanReply r = scanner_->scan(code);
        EXPECT_TRUE(r.ok) << "scan " << code << " answered: " << r.raw;
    }

    void weigh(int64_t grams) {
        for (int64_t g : {int64_t{0}, grams}) {
            const auto r =
                daemon_->post("/api/scale", json::object{{"grams", g}, {"stable", true}});
            EXPECT_TRUE(r.success()) << r.status << " " << r.error << r.body;
        }
    }

    bool waitOrderState(const std::string& number, const std::string& state) {
        return eventually([&] { return str(daemon_->order(number), "state") == state; }, 20s);
    }

    // The label rows, oldest first: state and tracking number.
    std::vector<std::pair<std::string, std::string>> labels() {
        SQLite::Database db(daemon_->journalPath().string(), SQLite::OPEN_READONLY);
        db.setBusyTimeout(5000);
        SQLite::Statement q(db, "SELECT state, tracking_number FROM labels ORDER BY id");
        std::vector<std::pair<std::string, std::string>> out;
        while (q.executeStep()) {
            out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getString());
        }
        return out;
    }

    bool labelsAre(const std::vector<std::string>& states) {
        std::vector<std::string> now;
        for (const auto& [state, tracking] : labels()) {
            now.push_back(state);
        }
        return now == states;
    }

    // The printer row of GET /api/status.
    json::value printerStatus() {
        const json::value status = daemon_->status();
        for (const auto& d : arr(status, "devices")) {
            if (str(d, "name") == "zebra-1") {
                return d;
            }
        }
        return nullptr;
    }

    // The jobs the printer received, one per connection that carried bytes.
    static std::vector<std::string> jobs(const FakeZebra& zebra) {
        std::vector<std::string> out;
        for (const auto& c : zebra.connections()) {
            if (!c.job.empty()) {
                out.push_back(c.job);
            }
        }
        return out;
    }

    fs::path dir_;
    std::unique_ptr<StationDaemon> daemon_;
    std::unique_ptr<ScannerConnection> scanner_;
};

TEST_F(PrintingE2e, LabelsWaitForAPrinterOutOfPaperThenComeOutOnceEachInOrder) {
    FakeZebra zebra(FakeZebra::Mode::PaperOut);
    startDaemon(zebra.port());

    // Order 1007 in two parcels, each weighed and closed while the printer has no paper.
    accept(kAlice);
    accept("1007");
    accept(kLamp);
    weigh(2100 + 300);
    ASSERT_TRUE(eventually([&] {
        const json::value o = daemon_->order("1007");
        const auto& parcels = arr(o, "parcels");
        return !parcels.empty() && num(parcels[0], "weight_grams") == 2400;
    }));
    accept("CMD-NEW-PARCEL");
    accept("BOX-L");
    accept(kRug);
    weigh(3400 + 550);
    ASSERT_TRUE(waitOrderState("1007", "shipped"));
    ASSERT_TRUE(eventually([&] { return labelsAre({"held", "held"}); })) << labels().size();
    // The supervisor sees them waiting; the packer was told of each.
    ASSERT_TRUE(eventually([&] { return num(printerStatus(), "held") == 2; })) << printerStatus();
    int told = 0;
    const json::value o = daemon_->order("1007");
    for (const auto& a : arr(o, "activity")) {
        told += str(a, "kind") == "label_held" ? 1 : 0;
    }
    EXPECT_EQ(told, 2);
    EXPECT_TRUE(jobs(zebra).empty()) << "a job went to a printer out of paper";

    // Paper is loaded: the printer's next status answer lets them out.
    zebra.setMode(FakeZebra::Mode::Ready);
    ASSERT_TRUE(eventually(
        [&] {
            return labelsAre({"printed", "printed"});
        },
        30s))
        << "labels never printed once the printer was ready";
    const auto rows = labels();
    const auto received = jobs(zebra);
    ASSERT_EQ(received.size(), 2u) << "each label exactly once";
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_NE(received[i].find(rows[i].second), std::string::npos)
            << "job " << i + 1 << " is not the label of parcel " << i + 1;
    }
    EXPECT_EQ(num(printerStatus(), "held"), 0);
}

TEST_F(PrintingE2e, ALabelInFlightWhenKilledIsMarkedMayHavePrintedAndNotSentAgain) {
    // The printer takes the job and is silent after it; the daemon dies while it waits.
    FakeZebra zebra(FakeZebra::Mode::SilentAfterJob);
    startDaemon(zebra.port());
    const pid_t pid = daemon_->pid();
    zebra.onJob([pid] { ::kill(pid, SIGKILL); });

    accept(kAlice);
    accept("1001");
    accept(kTshirt);
    accept(kTshirt);
    accept(kMug);
    weigh(1045);
    ASSERT_TRUE(eventually([&] { return jobs(zebra).size() == 1; }, 20s));
    daemon_->killHard();
    ASSERT_TRUE(labelsAre({"sending"})) << "the label was not in flight at the kill";
    const std::string job = jobs(zebra).front();

    zebra.onJob(nullptr);
    zebra.setMode(FakeZebra::Mode::Ready);
    const int queriesBefore = zebra.statusQueries();
    restart();
    EXPECT_TRUE(eventually([&] { return labelsAre({"uncertain"}); }));
    ASSERT_TRUE(eventually([&] { return num(printerStatus(), "uncertain") == 1; }));
    // The daemon has asked the printer since, so it could have resent; it did not.
    ASSERT_TRUE(eventually([&] { return zebra.statusQueries() > queriesBefore; }, 20s));
    ASSERT_TRUE(eventually([&] { return printerStatus().at("up").as_bool(); }, 20s));
    EXPECT_EQ(zebra.timesReceived(job), 1);
    int told = 0;
    const json::value o = daemon_->order("1001");
    for (const auto& a : arr(o, "activity")) {
        told += str(a, "kind") == "label_uncertain" ? 1 : 0;
    }
    EXPECT_EQ(told, 1);

    // The supervisor sees it among the labels to check, looks: nothing came out. Printed
    // again, as the same label, once.
    const json::value listed = daemon_->getJson("/api/labels?state=uncertain");
    ASSERT_EQ(arr(listed, "labels").size(), 1u) << listed;
    const auto r = daemon_->post("/api/labels/1/reprint", json::object{});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(eventually([&] { return labelsAre({"printed"}); }, 20s));
    EXPECT_EQ(zebra.timesReceived(job), 2);
    EXPECT_EQ(daemon_->get("/api/labels?state=bogus").status, 400);
    EXPECT_EQ(daemon_->post("/api/labels/99/reprint", json::object{}).status, 404);
}

}  // namespace
