// End to end: a real stationd packs an order with a serial (CDC-ACM) scanner and a serial scale,
// MT-SICS then Toledo continuous, each played by the test on a pseudo-terminal. The scans carry
// the serial scanner's name, and the scale's stable weight closes the parcel.

#include <gtest/gtest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tests/drivers/SerialPeers.h"
#include "tests/e2e/StationDaemon.h"

namespace {

using namespace e2e;
using serial_peers::FakeMtSicsScale;
using serial_peers::FakeSerialPort;
using serial_peers::FakeToledoScale;

constexpr const char* kTshirt = "3760123450010";
constexpr const char* kMug = "3760123450027";

class SerialDevicesE2e : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/stationd-serial-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr) << std::strerror(errno);
        dir_ = pattern;
    }

    void TearDown() override {
        if (daemon_ && HasFailure()) {
            std::cerr << "---- stationd output (" << dir_.string() << " kept) ----\n"
                      << daemon_->log() << "---- end of stationd output ----\n";
            daemon_.reset();
            return;
        }
        daemon_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    // stationd with a serial scanner beside its TCP one, and a serial scale of this kind.
    void startDaemon(const std::string& scaleKind) {
        daemon_ = std::make_unique<StationDaemon>(dir_);
        daemon_->editConfig(
            "[scale]\nname = \"bench-scale\"\nkind = \"simulated\"",
            "[[scanners]]\nname = \"serial-bench\"\nkind = \"serial\"\ndevice = \"" +
                scannerPort_.terminal() + "\"\n\n[scale]\nname = \"bench-scale\"\nkind = \"" +
                scaleKind + "\"\ndevice = \"" + scalePort_.terminal() + "\"");
        ASSERT_EQ(daemon_->start(), "");
    }

    json::value device(const std::string& name) {
        const json::value status = daemon_->status();
        for (const auto& d : arr(status, "devices")) {
            if (str(d, "name") == name) {
                return d;
            }
        }
        return nullptr;
    }

    bool up(const std::string& name) {
        const json::value d = device(name);
        return d.is_object() && d.at("up").as_bool();
    }

    // One code as the serial scanner sends it: the digits, then CR LF.
    void scan(const std::string& code) { scannerPort_.write(code + "\r\n"); }

    int64_t packed(const std::string& number, const std::string& sku) {
        const json::value o = daemon_->order(number);
        for (const auto& l : arr(o, "lines")) {
            if (str(l, "sku") == sku) {
                return num(l, "packed");
            }
        }
        return -1;
    }

    // The scanner name the journal recorded for each scan, oldest first.
    std::vector<std::string> scanners() {
        SQLite::Database db(daemon_->journalPath().string(), SQLite::OPEN_READONLY);
        db.setBusyTimeout(5000);
        SQLite::Statement q(db, "SELECT scanner FROM scans ORDER BY rowid");
        std::vector<std::string> out;
        while (q.executeStep()) {
            out.push_back(q.getColumn(0).getString());
        }
        return out;
    }

    // Order 1001 through the serial scanner: badge, order, two T-shirts and the mug.
    void packOrder1001() {
        ASSERT_TRUE(eventually([&] { return up("serial-bench"); }, 20s)) << device("serial-bench");
        for (const char* code : {"U-1001", "1001", kTshirt, kTshirt, kMug}) {
            scan(code);
        }
        ASSERT_TRUE(eventually([&] { return packed("1001", "MUG-CAFE") == 1; }, 20s))
            << daemon_->order("1001");
        EXPECT_EQ(packed("1001", "TSHIRT-M-BLEU"), 2);
        EXPECT_EQ(str(daemon_->order("1001"), "state"), "in_progress");
    }

    void expectShippedAt(int64_t grams) {
        json::value o;
        ASSERT_TRUE(eventually(
            [&] {
                o = daemon_->order("1001");
                return str(o, "state") == "shipped";
            },
            20s))
            << o;
        EXPECT_EQ(num(item(o, "parcels", 0), "weight_grams"), grams);
        const auto names = scanners();
        ASSERT_GE(names.size(), 5u);
        for (const auto& name : names) {
            EXPECT_EQ(name, "serial-bench");
        }
    }

    fs::path dir_;
    FakeSerialPort scannerPort_;
    FakeSerialPort scalePort_;
    std::unique_ptr<StationDaemon> daemon_;
};

TEST_F(SerialDevicesE2e, SerialScannerAndMtSicsScalePackAnOrder) {
    FakeMtSicsScale scale(scalePort_);
    scale.set(FakeMtSicsScale::Mode::Moving, "    0.000 kg");
    startDaemon("mt-sics");
    ASSERT_TRUE(eventually([&] { return up("bench-scale"); }, 20s)) << device("bench-scale");
    packOrder1001();

    // The packer zeroes the empty scale from the command sheet: "Z" goes down the line.
    scan("CMD-ZERO-SCALE");
    ASSERT_TRUE(eventually([&] { return scale.zeroCommands() == 1; })) << daemon_->log();
    ASSERT_TRUE(eventually([&] {
        const json::value o = daemon_->order("1001");
        for (const auto& a : arr(o, "activity")) {
            if (str(a, "kind") == "scale_zeroed") {
                return true;
            }
        }
        return false;
    }));

    // The parcel goes on the scale: swinging first, which closes nothing, then settled.
    scale.set(FakeMtSicsScale::Mode::Moving, "    1.050 kg");
    ASSERT_TRUE(eventually([&] {
        const json::value s = get(daemon_->status(), "scale");
        return str(s, "status") == "in_motion";
    }));
    EXPECT_EQ(str(daemon_->order("1001"), "state"), "in_progress");
    scale.set(FakeMtSicsScale::Mode::Stable, "    1.045 kg");
    expectShippedAt(1045);
}

TEST_F(SerialDevicesE2e, SerialScannerAndToledoContinuousScalePackAnOrder) {
    FakeToledoScale scale(scalePort_);
    startDaemon("toledo");
    ASSERT_TRUE(eventually([&] { return up("bench-scale"); }, 20s)) << device("bench-scale");
    packOrder1001();

    scale.set(true, "001050");
    ASSERT_TRUE(eventually([&] {
        const json::value s = get(daemon_->status(), "scale");
        return str(s, "status") == "in_motion" && num(s, "grams") == 1050;
    }));
    EXPECT_EQ(str(daemon_->order("1001"), "state"), "in_progress");
    scale.set(false, "001040");
    expectShippedAt(1040);
}

}  // namespace
