// The packing workflow as a packer and a supervisor live it: badges, orders, items, serials,
// weights, parcels, labels and shipments, driven in process on a real journal file.

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "station/Station.h"
#include "tests/station/StationFixture.h"

namespace station::test {
namespace {

using drivers::ScaleStatus;

std::string str(const boost::json::value& v) {
    if (v.is_string()) {
        return std::string(v.get_string());
    }
    if (v.is_null()) {
        return "<null>";
    }
    return boost::json::serialize(v);
}

// Written apart from Barcode.cpp: weights 3 and 1 from the right, over the first 17 digits.
bool ssccCheckDigitHolds(const std::string& sscc) {
    if (sscc.size() != 18) {
        return false;
    }
    int sum = 0;
    for (int i = 16, weight = 3; i >= 0; --i, weight = 4 - weight) {
        sum += (sscc[static_cast<size_t>(i)] - '0') * weight;
    }
    return sscc[17] - '0' == (10 - sum % 10) % 10;
}

class StationTest : public ::testing::Test {
  protected:
    // A station with the demo orders imported.
    Bench& open(BenchOptions options = {}) {
        finish();
        bench_ = std::make_unique<Bench>(tmp_.path(), std::move(options));
        const auto errors = bench_->importDemo();
        EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.front());
        return *bench_;
    }
    // The daemon stops, without running what was still pending, and starts again.
    Bench& restart(BenchOptions options = {}) {
        finish();
        bench_ = std::make_unique<Bench>(tmp_.path(), std::move(options));
        return *bench_;
    }
    void TearDown() override { finish(); }

    // Whatever the workflow said, a person could read it: a catalogue entry, every
    // placeholder filled.
    void finish() {
        if (!bench_) {
            return;
        }
        for (const auto& e : bench_->events()) {
            if (e.type == "scale.reading") {
                continue;
            }
            EXPECT_TRUE(hasMessage(e.messageKey)) << "no message for " << e.messageKey;
            EXPECT_EQ(e.message.find('{'), std::string::npos)
                << e.messageKey << " left a placeholder: " << e.message;
        }
        bench_.reset();
    }

    TempDir tmp_;
    std::unique_ptr<Bench> bench_;
};

// ---------------------------------------------------------------------------------------------
// Login

TEST_F(StationTest, NothingButABadgeWorksBeforeLogin) {
    auto& b = open();
    EXPECT_TRUE(refused(b.scan("1001"), "not_logged_in"));
    EXPECT_TRUE(refused(b.scan("U-1999"), "not_logged_in"));  // looks like a badge, is not one
    EXPECT_TRUE(refused(b.scan("CMD-NEW-PARCEL"), "not_logged_in"));
    EXPECT_EQ(b.orderState("1001"), "ready");
    EXPECT_TRUE(b.status().at("user").is_null());

    auto in = b.scan("U-1001");
    ASSERT_TRUE(accepted(in));
    EXPECT_EQ(in.message, "Hello Alice Martin");
    auto user = b.status().at("user");
    EXPECT_EQ(str(user.at("name")), "Alice Martin");
    EXPECT_EQ(str(user.at("role")), "packer");
    EXPECT_TRUE(accepted(b.scan("1001")));
    EXPECT_EQ(b.orderState("1001"), "in_progress");
}

TEST_F(StationTest, AnotherBadgeLogsTheFirstPackerOut) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    auto sw = b.scan("U-1002");
    ASSERT_TRUE(accepted(sw));
    ASSERT_EQ(sw.events.size(), 2u);
    EXPECT_EQ(sw.events[0].messageKey, "logged_out");
    EXPECT_EQ(str(sw.events[0].params.at("user")), "Alice Martin");
    EXPECT_EQ(sw.events[1].messageKey, "logged_in");
    EXPECT_EQ(str(b.status().at("user").at("name")), "Bruno Lefevre");
    // The same badge again is not a second login.
    EXPECT_TRUE(said(b.scan("U-1002"), "already_logged_in"));
}

TEST_F(StationTest, LogoutCommandEndsTheSession) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    auto out = b.scan(command::kLogout);
    ASSERT_TRUE(accepted(out));
    EXPECT_TRUE(said(out, "logged_out"));
    EXPECT_TRUE(b.status().at("user").is_null());
    EXPECT_TRUE(refused(b.scan("TSHIRT-M-BLEU"), "not_logged_in"));
    EXPECT_EQ(b.packed("1001", "TSHIRT-M-BLEU"), 0);
}

TEST_F(StationTest, IdlePackerIsLoggedOutButTheOrderStays) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    b.station().setIdleLogoutAfter(std::chrono::milliseconds(30));
    // A scan restarts the idle time; then nothing happens until the timer logs Alice out.
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    for (int i = 0; i < 200 && !b.status().at("user").is_null(); ++i) {
        b.io().restart();
        b.io().run_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(b.status().at("user").is_null()) << "still logged in after the idle time";
    EXPECT_EQ(str(b.status().at("order")), "1001");
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM activity WHERE order_number = '1001' AND kind = "
                      "'logged_out_idle' AND user = 'Alice Martin'"),
              1);
    EXPECT_TRUE(refused(b.scan("TSHIRT-M-BLEU"), "not_logged_in"));
    EXPECT_EQ(b.packed("1001", "TSHIRT-M-BLEU"), 1);
}

TEST_F(StationTest, RepeatedScaleReadingsReachTheScreensOnce) {
    auto& b = open();
    auto readings = [&] {
        return std::count_if(b.events().begin(), b.events().end(),
                             [](const Event& e) { return e.type == "scale.reading"; });
    };
    b.weigh(1200);
    b.weigh(1200);
    b.weigh(1200);
    EXPECT_EQ(readings(), 1);
    b.weigh(1250);
    EXPECT_EQ(readings(), 2);
}

TEST_F(StationTest, BadgeCodesNeverReachTheJournal) {
    {
        auto& b = open();
        ASSERT_TRUE(accepted(b.scan("U-1001")));
        ASSERT_TRUE(accepted(b.scan("U-1002")));
        ASSERT_TRUE(refused(b.scan("1005"), "order_held"));
        ASSERT_TRUE(accepted(b.scan("U-9001")));  // the supervisor approves the held order
        ASSERT_TRUE(accepted(b.scan(" U-1001\r\n")));
        EXPECT_EQ(b.count("SELECT COUNT(*) FROM scans WHERE code = '[badge]'"), 4);
        EXPECT_EQ(b.count("SELECT COUNT(*) FROM scans WHERE code LIKE '%U-1001%' OR code LIKE "
                          "'%U-1002%' OR code LIKE '%U-9001%'"),
                  0);
        // The badge scans still count as scans of a person.
        EXPECT_EQ(b.text("SELECT user FROM scans WHERE code = '[badge]' ORDER BY id DESC"),
                  "Alice Martin");
    }
    finish();
    // Not in any table, not in the write-ahead log.
    for (const char* file : {"journal.db", "journal.db-wal"}) {
        const std::string bytes = Bench::readFile(tmp_.path() / file);
        for (const char* badge : {"U-1001", "U-1002", "U-9001"}) {
            EXPECT_EQ(bytes.find(badge), std::string::npos) << badge << " found in " << file;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Opening an order

TEST_F(StationTest, UnpaidCancelledShippedAndForeignOrdersDoNotOpen) {
    auto& b = open();
    ASSERT_TRUE(accepted(b.scan("U-1001")));

    auto transfer = b.scan("1003");
    EXPECT_TRUE(refused(transfer, "order_unpaid"));
    EXPECT_NE(transfer.message.find("bank transfer"), std::string::npos) << transfer.message;
    auto cheque = b.scan("1004");
    EXPECT_TRUE(refused(cheque, "order_unpaid"));
    EXPECT_NE(cheque.message.find("cheque"), std::string::npos) << cheque.message;
    EXPECT_NE(transfer.message, cheque.message);

    EXPECT_TRUE(refused(b.scan("1009"), "order_cancelled"));
    EXPECT_TRUE(refused(b.scan("1010"), "order_already_shipped"));
    auto foreign = b.scan("1011");
    EXPECT_TRUE(refused(foreign, "order_on_other_station"));
    EXPECT_NE(foreign.message.find("bench-2"), std::string::npos) << foreign.message;
    EXPECT_TRUE(refused(b.scan("9999"), "unknown_order"));

    EXPECT_EQ(b.orderState("1003"), "awaiting_payment");
    EXPECT_EQ(b.orderState("1004"), "awaiting_payment");
    EXPECT_EQ(b.orderState("1009"), "cancelled");
    EXPECT_EQ(b.orderState("1010"), "shipped");
    EXPECT_EQ(str(b.order("1011").at("claimed_by")), "bench-2");
    EXPECT_TRUE(b.status().at("order").is_null());
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM outbox"), 0);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM scans WHERE ok = 0"), 6);

    // A packing slip with a leading '#' opens like the bare number.
    EXPECT_TRUE(accepted(b.scan("#1001")));
    EXPECT_EQ(str(b.status().at("order")), "1001");
}

TEST_F(StationTest, ReturnsClerkCannotPack) {
    auto& b = open();
    ASSERT_TRUE(accepted(b.scan("U-2001")));
    EXPECT_TRUE(refused(b.scan("1001"), "role_not_allowed"));
    EXPECT_EQ(b.orderState("1001"), "ready");
}

TEST_F(StationTest, HeldOrderOpensOnceASupervisorApproves) {
    auto& b = open();
    ASSERT_TRUE(accepted(b.scan("U-1001")));
    auto held = b.scan("1005");
    ASSERT_TRUE(refused(held, "order_held"));
    EXPECT_NE(held.message.find("92"), std::string::npos) << held.message;
    auto pending = b.status().at("pending_approval");
    ASSERT_TRUE(pending.is_object());
    EXPECT_EQ(str(pending.at("kind")), "held_order");
    EXPECT_EQ(str(b.status().at("awaiting")), "approval");
    EXPECT_EQ(b.orderState("1005"), "ready");
    EXPECT_TRUE(b.order("1005").at("held").as_bool());

    // Nothing else goes on while the supervisor is awaited, and a packer cannot approve.
    EXPECT_TRUE(refused(b.scan("1001"), "approval_required"));
    EXPECT_TRUE(refused(b.scan(command::kApprove), "supervisor_required"));
    EXPECT_EQ(b.orderState("1001"), "ready");

    auto ok = b.scan("U-9001");
    ASSERT_TRUE(accepted(ok));
    EXPECT_TRUE(said(ok, "order_held_approved"));
    EXPECT_TRUE(said(ok, "order_opened"));
    // The supervisor approved; the packer stays logged in and packs.
    EXPECT_EQ(str(b.status().at("user").at("name")), "Alice Martin");
    EXPECT_EQ(str(b.status().at("order")), "1005");
    EXPECT_TRUE(b.status().at("pending_approval").is_null());
    auto order = b.order("1005");
    EXPECT_EQ(str(order.at("state")), "in_progress");
    EXPECT_EQ(str(order.at("risk_approved_by")), "Sophie Bernard");
    EXPECT_FALSE(order.at("held").as_bool());
    EXPECT_EQ(b.text("SELECT user FROM activity WHERE kind = 'order_held_approved' AND "
                     "order_number = '1005'"),
              "Sophie Bernard");
    EXPECT_EQ(b.outbox("order_in_progress").size(), 1u);
}

TEST_F(StationTest, CancelWithdrawsAPendingHeldApproval) {
    auto& b = open();
    ASSERT_TRUE(accepted(b.scan("U-1001")));
    ASSERT_TRUE(refused(b.scan("1005"), "order_held"));
    auto cancel = b.scan(command::kCancel);
    ASSERT_TRUE(accepted(cancel));
    EXPECT_TRUE(said(cancel, "request_withdrawn"));
    EXPECT_TRUE(b.status().at("pending_approval").is_null());
    EXPECT_TRUE(b.status().at("awaiting").is_null());
    auto order = b.order("1005");
    EXPECT_EQ(str(order.at("state")), "ready");
    EXPECT_TRUE(order.at("risk_approved_by").is_null());
    EXPECT_TRUE(order.at("claimed_by").is_null());
    // The packer goes on with another order.
    EXPECT_TRUE(accepted(b.scan("1001")));
    EXPECT_EQ(str(b.status().at("order")), "1001");
}

TEST_F(StationTest, HeldOrderShowsAFractionalRiskScoreReadably) {
    auto& b = open();
    auto risky = makeOrder("R-1", {{"RISKY", "", 1, 100, false}});
    risky["risk_score"] = 80.5;
    ASSERT_TRUE(b.import(risky).empty());
    ASSERT_TRUE(accepted(b.scan("U-1001")));
    auto held = b.scan("R-1");
    ASSERT_TRUE(refused(held, "order_held"));
    EXPECT_NE(held.message.find("(score 80.5)"), std::string::npos) << held.message;
}

// ---------------------------------------------------------------------------------------------
// Items

TEST_F(StationTest, EveryFormOfAnItemsBarcodeMatchesItsLine) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1002"));
    // SKU in any case, EAN-13, GTIN-14 and EAN-13 with its AIM prefix: the same capsules.
    EXPECT_TRUE(accepted(b.scan("caps-espresso")));
    EXPECT_TRUE(accepted(b.scan("3760123450034")));
    EXPECT_TRUE(accepted(b.scan("03760123450034")));
    EXPECT_TRUE(accepted(b.scan("]E03760123450034")));
    EXPECT_EQ(b.packed("1002", "CAPS-ESPRESSO"), 4);

    // The pen's UPC-A, then the same GTIN as EAN-13 and as GTIN-14: one pen, then too many.
    auto pen = b.scan("036000290059");
    ASSERT_TRUE(accepted(pen));
    EXPECT_EQ(pen.message, "Fountain pen, black: 1/1");
    EXPECT_TRUE(refused(b.scan("0036000290059"), "too_many"));
    EXPECT_TRUE(refused(b.scan("00036000290059"), "too_many"));
    EXPECT_EQ(b.packed("1002", "STYLO-PLUME"), 1);

    // EAN-8.
    EXPECT_TRUE(accepted(b.scan("96380048")));
    EXPECT_EQ(b.packed("1002", "CARNET-A5"), 1);
}

TEST_F(StationTest, Gs1CodesKeepBatchAndExpiryAndCasesCountTheirQuantity) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1002"));
    auto gs1 = b.scan(
        "]C10103760123450034"
        "10LOT42\x1D"
        "17261231");
    ASSERT_TRUE(accepted(gs1));
    EXPECT_EQ(b.packed("1002", "CAPS-ESPRESSO"), 1);
    EXPECT_EQ(b.text("SELECT batch || '/' || expiry FROM parcel_items ORDER BY id DESC"),
              "LOT42/261231");

    auto boxOfTen = b.scan("13760123450031");
    ASSERT_TRUE(accepted(boxOfTen));
    EXPECT_TRUE(said(boxOfTen, "item_packed_case"));
    EXPECT_EQ(b.packed("1002", "CAPS-ESPRESSO"), 11);
    EXPECT_EQ(b.text("SELECT quantity FROM parcel_items ORDER BY id DESC"), "10");

    // A second case would make 21 of 20: refused whole, nothing counted.
    auto tooMany = b.scan("]C10113760123450031");
    EXPECT_TRUE(refused(tooMany, "too_many"));
    EXPECT_EQ(b.packed("1002", "CAPS-ESPRESSO"), 11);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM parcel_items"), 2);
}

TEST_F(StationTest, RefusedItemScansSayWhyAndChangeNothing) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1002"));
    ASSERT_TRUE(accepted(b.scan("CAPS-ESPRESSO")));
    const auto itemsBefore = b.count("SELECT COUNT(*) FROM parcel_items");
    const auto parcelsBefore = b.count("SELECT COUNT(*) FROM parcels");

    auto wrong = b.scan("3760123450010");  // the T-shirt of order 1001
    EXPECT_TRUE(refused(wrong, "wrong_item"));
    EXPECT_EQ(wrong.message, "Wrong item: 3760123450010 is not in order 1002");
    EXPECT_TRUE(refused(b.scan("tshirt-m-bleu"), "wrong_item"));
    EXPECT_TRUE(refused(b.scan("NO-SUCH-THING"), "unknown_code"));
    EXPECT_TRUE(refused(b.scan("3760123450035"), "bad_check_digit"));
    EXPECT_TRUE(refused(b.scan("]C10103760123450034"
                               "17261340"),
                        "malformed_code"));  // month 13
    EXPECT_TRUE(refused(b.scan("1001"), "order_already_open"));
    EXPECT_TRUE(accepted(b.scan("STYLO-PLUME")));
    EXPECT_TRUE(refused(b.scan("STYLO-PLUME"), "too_many"));

    EXPECT_EQ(b.packed("1002", "CAPS-ESPRESSO"), 1);
    EXPECT_EQ(b.packed("1002", "STYLO-PLUME"), 1);
    EXPECT_EQ(b.packed("1002", "CARNET-A5"), 0);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM parcel_items"), itemsBefore + 1);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM parcels"), parcelsBefore);
    EXPECT_EQ(b.orderState("1001"), "ready");
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM scans WHERE ok = 0 AND order_number = '1002'"), 7);
}

// ---------------------------------------------------------------------------------------------
// Serial numbers

TEST_F(StationTest, SerialisedItemWaitsForItsSerialAndRefusesProductCodes) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1006"));
    auto item = b.scan("3760123450065");
    ASSERT_TRUE(accepted(item));
    EXPECT_TRUE(said(item, "serial_required"));
    EXPECT_EQ(str(b.status().at("awaiting")), "serial");
    EXPECT_EQ(b.packed("1006", "CASQUE-BT"), 0);

    EXPECT_TRUE(refused(b.scan("3760123450065"), "serial_invalid"));
    EXPECT_TRUE(refused(b.scan("casque-bt"), "serial_invalid"));
    EXPECT_TRUE(refused(b.scan("3760123450072"), "serial_invalid"));  // the cable of this order
    EXPECT_TRUE(refused(b.scan("MUG-CAFE"), "serial_invalid"));       // a product of another order
    EXPECT_TRUE(refused(b.scan(command::kCloseParcel), "serial_required"));
    EXPECT_EQ(b.packed("1006", "CASQUE-BT"), 0);

    ASSERT_TRUE(accepted(b.scan("SN-0001")));
    EXPECT_TRUE(b.status().at("awaiting").is_null());
    EXPECT_EQ(b.packed("1006", "CASQUE-BT"), 1);
    EXPECT_EQ(b.text("SELECT serial FROM parcel_items"), "SN-0001");
}

// The packing slip lying next to the item is scanned by mistake: its number is no serial.
TEST_F(StationTest, OrderNumberIsNotTakenAsASerial) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1006"));
    ASSERT_TRUE(said(b.scan("3760123450065"), "serial_required"));
    EXPECT_TRUE(refused(b.scan("1006"), "serial_invalid"));
    EXPECT_EQ(b.packed("1006", "CASQUE-BT"), 0);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM parcel_items WHERE serial != ''"), 0);
}

// Same with the barcode on the box about to be filled.
TEST_F(StationTest, BoxCodeIsNotTakenAsASerial) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1006"));
    ASSERT_TRUE(said(b.scan("3760123450065"), "serial_required"));
    b.scan("BOX-S");
    EXPECT_EQ(b.packed("1006", "CASQUE-BT"), 0);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM parcel_items WHERE serial != ''"), 0);
}

TEST_F(StationTest, DuplicateSerialRefusedAndGs1SerialCountsAtOnce) {
    auto& b = open();
    const std::string gtin = gtin13("376012345990");
    ASSERT_TRUE(b.import(makeOrder("S-100", {{"PHONE", gtin, 4, 200, true}})).empty());
    ASSERT_TRUE(b.openAs("U-1001", "S-100"));
    ASSERT_TRUE(said(b.scan(gtin), "serial_required"));
    ASSERT_TRUE(accepted(b.scan("SN-1")));
    ASSERT_TRUE(said(b.scan(gtin), "serial_required"));
    EXPECT_TRUE(refused(b.scan("SN-1"), "serial_duplicate"));
    EXPECT_EQ(str(b.status().at("awaiting")), "serial");
    ASSERT_TRUE(accepted(b.scan("SN-2")));

    const std::string gs1 = "]C101" + std::string("0") + gtin + "21";
    EXPECT_TRUE(refused(b.scan(gs1 + "SN-1"), "serial_duplicate"));
    auto direct = b.scan(gs1 + "SN-3");
    ASSERT_TRUE(accepted(direct));
    EXPECT_TRUE(said(direct, "item_packed"));
    EXPECT_TRUE(b.status().at("awaiting").is_null());
    EXPECT_EQ(b.packed("S-100", "PHONE"), 3);
    EXPECT_EQ(b.column("SELECT serial FROM parcel_items ORDER BY id"),
              (std::vector<std::string>{"SN-1", "SN-2", "SN-3"}));
}

// ---------------------------------------------------------------------------------------------
// Weights

TEST_F(StationTest, UnstableReadingsAreIgnoredAndAParcelMustBeWeighed) {
    auto& b = open({.withScale = true});
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    auto last = b.scan("MUG-CAFE");
    ASSERT_TRUE(said(last, "order_complete"));
    EXPECT_EQ(b.text("SELECT state FROM parcels WHERE order_number = '1001'"), "open");
    EXPECT_TRUE(refused(b.scan(command::kCloseParcel), "weigh_first"));

    b.weigh(1010, ScaleStatus::InMotion);
    b.weigh(1010, ScaleStatus::Overload);
    EXPECT_TRUE(b.order("1001").at("parcels").at(0).at("weight_grams").is_null());
    EXPECT_EQ(b.orderState("1001"), "in_progress");

    b.weigh(1010);
    EXPECT_EQ(b.orderState("1001"), "shipped");
    EXPECT_EQ(b.order("1001").at("parcels").at(0).at("weight_grams").as_int64(), 1010);
}

TEST_F(StationTest, ZeroCommandSetsTheScaleToZeroSoAParcelWeighsOnlyItself) {
    auto& b = open({.withScale = true});
    ASSERT_TRUE(accepted(b.scan("U-1001")));
    // A 120 g mat lies on the platter.
    b.scale().set({ScaleStatus::Stable, 120});
    b.settle();
    auto out = b.scan(command::kZeroScale);
    ASSERT_TRUE(accepted(out));
    EXPECT_TRUE(said(out, "scale_zero_requested"));
    EXPECT_TRUE(b.everSaid("scale_zeroed"));
    EXPECT_EQ(b.scale().last(), (drivers::ScaleReading{ScaleStatus::AtZero, 0}));

    ASSERT_TRUE(accepted(b.scan("1001")));
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    b.scale().set({ScaleStatus::Stable, 120 + 1010});
    b.settle();
    EXPECT_EQ(b.orderState("1001"), "shipped");
    EXPECT_EQ(b.order("1001").at("parcels").at(0).at("weight_grams").as_int64(), 1010);

    // A platter that moves is not zeroed; the bench is told why.
    b.scale().set({ScaleStatus::InMotion, 400});
    b.settle();
    ASSERT_TRUE(accepted(b.scan(command::kZeroScale)));
    EXPECT_EQ(b.events().back().messageKey, "scale_zero_failed");
    EXPECT_FALSE(b.events().back().ok);
}

TEST_F(StationTest, ZeroCommandOnABenchWithoutAScaleIsRefused) {
    auto& b = open();
    ASSERT_TRUE(accepted(b.scan("U-1001")));
    EXPECT_TRUE(refused(b.scan(command::kZeroScale), "no_scale"));
}

TEST_F(StationTest, WeightOutOfToleranceWaitsUntilReweighed) {
    auto& b = open({.withScale = true});
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    // Expected 2 x 180 + 350 + 300 (box) = 1010 g, tolerance max(50 g, 5 %) = 50 g.
    b.weigh(1061);
    auto pending = b.status().at("pending_approval");
    ASSERT_TRUE(pending.is_object());
    EXPECT_EQ(str(pending.at("kind")), "weight_mismatch");
    EXPECT_EQ(b.events().back().messageKey, "weight_mismatch");
    EXPECT_EQ(b.events().back().params.at("tolerance").as_int64(), 50);
    EXPECT_TRUE(refused(b.scan(command::kCloseParcel), "approval_required"));
    EXPECT_TRUE(refused(b.scan("TSHIRT-M-BLEU"), "approval_required"));
    EXPECT_EQ(b.orderState("1001"), "in_progress");

    b.weigh(1060);
    EXPECT_TRUE(b.status().at("pending_approval").is_null());
    EXPECT_EQ(b.orderState("1001"), "shipped");
    EXPECT_EQ(b.order("1001").at("parcels").at(0).at("weight_grams").as_int64(), 1060);
}

TEST_F(StationTest, SupervisorApprovesAWeightMismatch) {
    auto& b = open({.withScale = true});
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    b.weigh(1500);
    ASSERT_TRUE(b.status().at("pending_approval").is_object());
    EXPECT_TRUE(refused(b.scan(command::kApprove), "supervisor_required"));
    auto ok = b.scan("U-9001");
    ASSERT_TRUE(accepted(ok));
    EXPECT_TRUE(said(ok, "weight_approved"));
    EXPECT_EQ(b.orderState("1001"), "shipped");
    auto parcel = b.order("1001").at("parcels").at(0);
    EXPECT_EQ(parcel.at("weight_grams").as_int64(), 1500);
    EXPECT_EQ(str(parcel.at("weight_approved_by")), "Sophie Bernard");
    EXPECT_EQ(str(b.status().at("user").at("name")), "Alice Martin");
}

TEST_F(StationTest, ToleranceIsTheLargerOfGramsAndPercent) {
    auto& b = open({.withScale = true});
    ASSERT_TRUE(b.openAs("U-1001", "1007"));
    ASSERT_TRUE(accepted(b.scan("LAMPE-ARCHI")));
    ASSERT_TRUE(accepted(b.scan("TAPIS-BERBERE")));
    // Expected 2100 + 3400 + 300 = 5800 g: 5 % (290 g) is more than 50 g.
    b.weigh(6091);
    ASSERT_TRUE(b.status().at("pending_approval").is_object());
    EXPECT_EQ(b.events().back().params.at("tolerance").as_int64(), 290);
    b.weigh(5510);
    EXPECT_TRUE(b.status().at("pending_approval").is_null());
    EXPECT_EQ(b.orderState("1007"), "shipped");
}

TEST_F(StationTest, AddingAnItemForgetsTheRecordedWeight) {
    auto& b = open({.withScale = true});
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    b.weigh(660);  // 2 x 180 + 300: right for what is in the box so far
    EXPECT_EQ(b.order("1001").at("parcels").at(0).at("weight_grams").as_int64(), 660);
    ASSERT_TRUE(accepted(b.scan("MUG-CAFE")));
    EXPECT_TRUE(b.order("1001").at("parcels").at(0).at("weight_grams").is_null());
    EXPECT_TRUE(refused(b.scan(command::kCloseParcel), "weigh_first"));
    EXPECT_EQ(b.orderState("1001"), "in_progress");
    b.weigh(1010);
    EXPECT_EQ(b.orderState("1001"), "shipped");
}

TEST_F(StationTest, WeightOfAClosedParcelIsNotCarriedToTheNextOne) {
    auto& b = open({.withScale = true});
    ASSERT_TRUE(b.openAs("U-1001", "1007"));
    ASSERT_TRUE(accepted(b.scan("LAMPE-ARCHI")));
    b.weigh(2400);
    ASSERT_TRUE(accepted(b.scan(command::kNewParcel)));
    EXPECT_EQ(b.text("SELECT state FROM parcels WHERE order_number = '1007' AND idx = 1"),
              "closed");
    ASSERT_TRUE(accepted(b.scan("TAPIS-BERBERE")));
    // The scale reports the same stable weight again: still the parcel just closed.
    b.weigh(2400);
    EXPECT_TRUE(b.order("1007").at("parcels").at(1).at("weight_grams").is_null());
    EXPECT_TRUE(refused(b.scan(command::kCloseParcel), "weigh_first"));
    b.weigh(3700);
    EXPECT_EQ(b.orderState("1007"), "shipped");
}

TEST_F(StationTest, WeightOfAShippedOrderIsNotCarriedToTheNextOrder) {
    auto& b = open({.withScale = true});
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    b.weigh(1010);
    ASSERT_EQ(b.orderState("1001"), "shipped");
    // 1012: two mugs, 2 x 350 + 300 = 1000 g; 1010 g would be within tolerance.
    ASSERT_TRUE(accepted(b.scan("1012")));
    ASSERT_TRUE(accepted(b.scan("MUG-CAFE")));
    ASSERT_TRUE(accepted(b.scan("MUG-CAFE")));
    b.weigh(1010);
    EXPECT_EQ(b.orderState("1012"), "in_progress");
    EXPECT_TRUE(b.order("1012").at("parcels").at(0).at("weight_grams").is_null());
    b.weigh(0, ScaleStatus::AtZero);
    b.weigh(1010);  // lifted and put back: now it counts
    EXPECT_EQ(b.orderState("1012"), "shipped");
}

TEST_F(StationTest, ScannedBoxSetsTheTare) {
    auto& b = open({.withScale = true});
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    auto box = b.scan("BOX-S");
    ASSERT_TRUE(accepted(box));
    EXPECT_EQ(box.message, "Box Small box for parcel 1");
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    // 710 g of items in a 150 g box; the default 300 g box would make this a mismatch.
    b.weigh(860);
    EXPECT_EQ(b.orderState("1001"), "shipped");
    EXPECT_EQ(str(b.outbox("shipment").at(0).at("parcels").at(0).at("box")), "BOX-S");
}

// ---------------------------------------------------------------------------------------------
// Closing, labels and shipping

TEST_F(StationTest, CompleteOrderShipsWithAnSsccLabelAndTellsTheShop) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan("3760123450010")));
    auto last = b.scan("MUG-CAFE");
    ASSERT_TRUE(accepted(last));
    EXPECT_TRUE(said(last, "parcel_closed"));
    EXPECT_TRUE(said(last, "order_shipped"));

    const std::string sscc = str(b.order("1001").at("parcels").at(0).at("tracking_number"));
    EXPECT_EQ(sscc, "030123450000000017");
    EXPECT_TRUE(ssccCheckDigitHolds(sscc)) << sscc;
    EXPECT_EQ(
        b.text("SELECT kind || '/' || state FROM tracking_numbers WHERE number = '" + sscc + "'"),
        "sscc/active");

    // The label came out of the printer, with the SSCC in its barcode.
    EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "printed");
    ASSERT_TRUE(fs::exists(b.labelPath(1)));
    const std::string zpl = Bench::readFile(b.labelPath(1));
    EXPECT_NE(zpl.find(sscc), std::string::npos);
    EXPECT_TRUE(b.everSaid("label_printed"));

    auto order = b.order("1001");
    EXPECT_EQ(str(order.at("state")), "shipped");
    EXPECT_TRUE(order.at("claimed_by").is_null());
    EXPECT_TRUE(b.status().at("order").is_null());
    EXPECT_TRUE(b.status().at("parcel").is_null());

    auto inProgress = b.outbox("order_in_progress");
    ASSERT_EQ(inProgress.size(), 1u);
    EXPECT_EQ(str(inProgress[0].at("order")), "1001");
    EXPECT_EQ(str(inProgress[0].at("shop_id")), "5001");
    EXPECT_EQ(str(inProgress[0].at("station")), "bench-1");
    auto shipments = b.outbox("shipment");
    ASSERT_EQ(shipments.size(), 1u);
    const auto& s = shipments[0];
    EXPECT_FALSE(s.at("partial").as_bool());
    EXPECT_EQ(str(s.at("carrier")), "Colissimo");
    EXPECT_TRUE(s.at("backorder").as_array().empty());
    ASSERT_EQ(s.at("parcels").as_array().size(), 1u);
    const auto& parcel = s.at("parcels").at(0);
    EXPECT_EQ(str(parcel.at("tracking_number")), sscc);
    const auto& items = parcel.at("items").as_array();
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(str(items[0].at("sku")), "TSHIRT-M-BLEU");
    EXPECT_EQ(items[0].at("quantity").as_int64(), 2);
    EXPECT_EQ(str(items[1].at("sku")), "MUG-CAFE");
    EXPECT_EQ(items[1].at("quantity").as_int64(), 1);
}

TEST_F(StationTest, SsccNeverRepeatsAcrossParcelsOrRestarts) {
    {
        auto& b = open();
        ASSERT_TRUE(b.openAs("U-1001", "1007"));
        ASSERT_TRUE(accepted(b.scan("LAMPE-ARCHI")));
        auto next = b.scan(command::kNewParcel);
        ASSERT_TRUE(accepted(next));
        EXPECT_TRUE(said(next, "new_parcel"));
        EXPECT_EQ(str(b.status().at("parcel")), "2");
        ASSERT_TRUE(accepted(b.scan("TAPIS-BERBERE")));
        EXPECT_EQ(b.orderState("1007"), "shipped");
    }
    auto& b = restart();
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    const auto numbers = b.column("SELECT tracking_number FROM parcels ORDER BY id");
    EXPECT_EQ(numbers, (std::vector<std::string>{ssccFor(1), ssccFor(2), ssccFor(3)}));
    for (const auto& n : numbers) {
        EXPECT_TRUE(ssccCheckDigitHolds(n)) << n;
    }
    EXPECT_EQ(b.count("SELECT COUNT(DISTINCT number) FROM tracking_numbers"), 3);
    EXPECT_EQ(b.labelFiles().size(), 3u);
}

TEST_F(StationTest, PartialShipmentLeavesABackorderThatShipsLater) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1014"));
    ASSERT_TRUE(accepted(b.scan("THE-VERT")));
    ASSERT_TRUE(accepted(b.scan("THE-VERT")));
    EXPECT_TRUE(refused(b.scan(command::kShipPartial), "close_parcel_first"));
    ASSERT_TRUE(accepted(b.scan(command::kCloseParcel)));
    EXPECT_EQ(b.orderState("1014"), "in_progress");
    auto request = b.scan(command::kShipPartial);
    ASSERT_TRUE(accepted(request));
    EXPECT_TRUE(said(request, "partial_requested"));
    EXPECT_TRUE(b.outbox("shipment").empty());
    auto ok = b.scan("U-9001");
    ASSERT_TRUE(accepted(ok));
    EXPECT_TRUE(said(ok, "order_partially_shipped"));
    EXPECT_EQ(b.orderState("1014"), "partially_shipped");
    EXPECT_EQ(b.text("SELECT approved_by FROM shipments"), "Sophie Bernard");

    auto first = b.outbox("shipment");
    ASSERT_EQ(first.size(), 1u);
    EXPECT_TRUE(first[0].at("partial").as_bool());
    ASSERT_EQ(first[0].at("backorder").as_array().size(), 1u);
    EXPECT_EQ(str(first[0].at("backorder").at(0).at("sku")), "BOUGIE-FIGUE");
    EXPECT_EQ(first[0].at("backorder").at(0).at("quantity").as_int64(), 1);
    EXPECT_EQ(first[0].at("parcels").at(0).at("items").at(0).at("quantity").as_int64(), 2);

    // The candle arrives: the rest ships as a second, complete shipment.
    auto reopen = b.scan("1014");
    ASSERT_TRUE(accepted(reopen));
    EXPECT_EQ(reopen.events.back().params.at("items").as_int64(), 1);
    ASSERT_TRUE(accepted(b.scan("BOUGIE-FIGUE")));
    EXPECT_EQ(b.orderState("1014"), "shipped");
    auto all = b.outbox("shipment");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_FALSE(all[1].at("partial").as_bool());
    EXPECT_TRUE(all[1].at("backorder").as_array().empty());
    ASSERT_EQ(all[1].at("parcels").as_array().size(), 1u);
    EXPECT_EQ(all[1].at("parcels").at(0).at("index").as_int64(), 2);
    EXPECT_EQ(b.outbox("order_in_progress").size(), 1u);
}

TEST_F(StationTest, ExhaustedTrackingRangeClosesNothing) {
    auto& b = open({.lastSerial = 1});
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    ASSERT_EQ(b.orderState("1001"), "shipped");

    ASSERT_TRUE(accepted(b.scan("1007")));
    ASSERT_TRUE(accepted(b.scan("LAMPE-ARCHI")));
    auto out = b.scan(command::kCloseParcel);
    EXPECT_TRUE(refused(out, "tracking_exhausted"));
    EXPECT_EQ(out.message, "No tracking numbers left in this station's range: call a supervisor");
    EXPECT_TRUE(refused(b.scan(command::kNewParcel), "tracking_exhausted"));
    EXPECT_EQ(b.column("SELECT state FROM parcels WHERE order_number = '1007'"),
              (std::vector<std::string>{"open"}));
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM tracking_numbers"), 1);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM labels"), 1);
    EXPECT_EQ(b.count("SELECT value FROM counters WHERE name = 'sscc'"), 2);
    EXPECT_EQ(b.orderState("1007"), "in_progress");
}

TEST_F(StationTest, ConfirmLabelScanWaitsForThePrintedBarcode) {
    auto& b = open({.confirmLabelScan = true});
    ASSERT_TRUE(b.import(makeOrder("L-1", {{"LABEL-TEST", "", 1, 100, false}})).empty());
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    auto last = b.scan("MUG-CAFE");
    ASSERT_TRUE(accepted(last));
    EXPECT_TRUE(said(last, "label_scan_required"));
    const std::string sscc = ssccFor(1);
    EXPECT_EQ(b.text("SELECT state FROM parcels WHERE order_number = '1001'"), "labelled");
    EXPECT_EQ(str(b.status().at("awaiting")), "label_scan");
    EXPECT_EQ(b.orderState("1001"), "in_progress");
    EXPECT_TRUE(fs::exists(b.labelPath(1)));

    EXPECT_TRUE(refused(b.scan("]C100" + ssccFor(2)), "wrong_label"));
    EXPECT_TRUE(refused(b.scan("1002"), "wrong_label"));
    EXPECT_TRUE(refused(b.scan(command::kCloseParcel), "label_scan_required"));
    EXPECT_TRUE(refused(b.scan(command::kCancel), "label_scan_required"));
    EXPECT_EQ(b.orderState("1001"), "in_progress");

    auto ok = b.scan("]C100" + sscc);
    ASSERT_TRUE(accepted(ok));
    EXPECT_TRUE(said(ok, "label_confirmed"));
    EXPECT_EQ(b.text("SELECT state FROM parcels WHERE order_number = '1001'"), "shipped");
    EXPECT_EQ(b.orderState("1001"), "shipped");

    // The bare SSCC, as a linear scanner without AIM prefixes sends it, is the label too.
    ASSERT_TRUE(accepted(b.scan("L-1")));
    ASSERT_TRUE(said(b.scan("LABEL-TEST"), "label_scan_required"));
    ASSERT_TRUE(accepted(b.scan(ssccFor(2))));
    EXPECT_EQ(b.orderState("L-1"), "shipped");
}

TEST_F(StationTest, CarrierLabelIsScannedInsteadOfPrinted) {
    auto& b = open();
    ASSERT_TRUE(
        b.import(makeOrder("C-2", {{"SAVON-LAVANDE", "", 1, 100, false}}, "chronopost")).empty());
    ASSERT_TRUE(b.openAs("U-1001", "1013"));
    ASSERT_TRUE(accepted(b.scan("THE-VERT")));
    auto last = b.scan("SAVON-LAVANDE");
    ASSERT_TRUE(accepted(last));
    EXPECT_TRUE(said(last, "carrier_label_required"));
    EXPECT_EQ(str(b.status().at("awaiting")), "carrier_label");
    EXPECT_TRUE(refused(b.scan(command::kCloseParcel), "carrier_label_required"));
    EXPECT_TRUE(refused(b.scan("3760123450102"), "carrier_label_invalid"));
    EXPECT_TRUE(refused(b.scan("THE-VERT"), "carrier_label_invalid"));
    EXPECT_EQ(b.orderState("1013"), "in_progress");

    auto ok = b.scan("RR123456785FR");
    ASSERT_TRUE(accepted(ok));
    EXPECT_TRUE(said(ok, "order_shipped"));
    EXPECT_EQ(b.text("SELECT kind || '/' || state FROM tracking_numbers"), "carrier/active");
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM labels"), 0);
    EXPECT_TRUE(b.labelFiles().empty());
    EXPECT_EQ(str(b.outbox("shipment").at(0).at("parcels").at(0).at("tracking_number")),
              "RR123456785FR");
    EXPECT_EQ(str(b.outbox("shipment").at(0).at("carrier")), "Chronopost");

    // The same pre-printed label on another parcel is refused.
    ASSERT_TRUE(accepted(b.scan("C-2")));
    ASSERT_TRUE(said(b.scan("SAVON-LAVANDE"), "carrier_label_required"));
    EXPECT_TRUE(refused(b.scan("RR123456785FR"), "tracking_duplicate"));
    EXPECT_TRUE(accepted(b.scan("XTRACK12345")));
    EXPECT_EQ(b.orderState("C-2"), "shipped");
}

TEST_F(StationTest, PickupParcelHasNoTrackingNumber) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1012"));
    ASSERT_TRUE(accepted(b.scan("MUG-CAFE")));
    auto last = b.scan("MUG-CAFE");
    ASSERT_TRUE(accepted(last));
    EXPECT_TRUE(said(last, "parcel_closed_pickup"));
    EXPECT_EQ(b.orderState("1012"), "shipped");
    EXPECT_TRUE(b.order("1012").at("parcels").at(0).at("tracking_number").is_null());
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM tracking_numbers"), 0);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM counters"), 0);
    auto shipment = b.outbox("shipment").at(0);
    EXPECT_EQ(str(shipment.at("carrier")), "Store pickup");
}

TEST_F(StationTest, EmptyParcelCannotBeClosedOrFollowed) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1007"));
    EXPECT_TRUE(refused(b.scan(command::kCloseParcel), "nothing_to_close"));
    ASSERT_TRUE(accepted(b.scan("LAMPE-ARCHI")));
    ASSERT_TRUE(accepted(b.scan(command::kNewParcel)));
    EXPECT_TRUE(refused(b.scan(command::kNewParcel), "parcel_empty"));
    EXPECT_TRUE(refused(b.scan(command::kCloseParcel), "nothing_to_close"));
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM parcels"), 2);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM tracking_numbers"), 1);
}

TEST_F(StationTest, CancellingTheWaitForACarrierLabelSpeaksThePackersLanguage) {
    auto& b = open({.language = "fr"});
    ASSERT_TRUE(accepted(b.scan("U-1001")));
    EXPECT_EQ(b.events().back().message, "Bonjour Alice Martin");
    ASSERT_TRUE(accepted(b.scan("1013")));
    ASSERT_TRUE(accepted(b.scan("THE-VERT")));
    ASSERT_TRUE(said(b.scan("SAVON-LAVANDE"), "carrier_label_required"));
    auto out = b.scan(command::kCancel);
    ASSERT_TRUE(accepted(out));
    EXPECT_TRUE(said(out, "request_withdrawn"));
    EXPECT_EQ(out.message.rfind("Demande retirée", 0), 0u) << out.message;
    EXPECT_EQ(out.message.find("carrier_label"), std::string::npos) << out.message;
    EXPECT_TRUE(b.status().at("awaiting").is_null());
    EXPECT_EQ(b.text("SELECT state FROM parcels WHERE order_number = '1013'"), "open");
    // Closing again asks for the label again.
    EXPECT_TRUE(said(b.scan(command::kCloseParcel), "carrier_label_required"));
}

// ---------------------------------------------------------------------------------------------
// Void and reprint

TEST_F(StationTest, VoidNeedsASupervisorAndReopensTheParcel) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1007"));
    ASSERT_TRUE(accepted(b.scan("LAMPE-ARCHI")));
    ASSERT_TRUE(accepted(b.scan(command::kNewParcel)));
    const std::string first = ssccFor(1);
    ASSERT_EQ(b.text("SELECT tracking_number FROM parcels WHERE idx = 1"), first);

    auto request = b.scan(command::kVoid);
    ASSERT_TRUE(accepted(request));
    EXPECT_TRUE(said(request, "void_requested"));
    EXPECT_EQ(str(b.status().at("pending_approval").at("kind")), "void_label");
    EXPECT_TRUE(refused(b.scan(command::kApprove), "supervisor_required"));
    EXPECT_TRUE(refused(b.scan("TAPIS-BERBERE"), "approval_required"));
    EXPECT_EQ(b.text("SELECT state FROM tracking_numbers"), "active");

    auto ok = b.scan("U-9001");
    ASSERT_TRUE(accepted(ok));
    EXPECT_TRUE(said(ok, "label_voided"));
    EXPECT_EQ(b.text("SELECT state FROM tracking_numbers WHERE number = '" + first + "'"),
              "voided");
    EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "voided");
    EXPECT_EQ(b.text("SELECT state FROM parcels WHERE idx = 1"), "open");
    EXPECT_EQ(str(b.status().at("parcel")), "1");
    EXPECT_TRUE(refused(b.scan(command::kReprint), "nothing_to_reprint"));

    // The parcel closes again under a new number; the voided one is never reused.
    ASSERT_TRUE(accepted(b.scan("TAPIS-BERBERE")));
    EXPECT_EQ(b.orderState("1007"), "shipped");
    EXPECT_EQ(b.text("SELECT tracking_number FROM parcels WHERE idx = 1"), ssccFor(2));
    auto shipment = b.outbox("shipment").at(0);
    ASSERT_EQ(shipment.at("parcels").as_array().size(), 1u);
    EXPECT_EQ(str(shipment.at("parcels").at(0).at("tracking_number")), ssccFor(2));
    EXPECT_EQ(shipment.at("parcels").at(0).at("items").as_array().size(), 2u);
}

TEST_F(StationTest, VoidingALabelWaitingForItsCheckReopensTheParcel) {
    auto& b = open({.confirmLabelScan = true});
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    ASSERT_EQ(str(b.status().at("awaiting")), "label_scan");
    ASSERT_TRUE(said(b.scan(command::kVoid), "void_requested"));
    ASSERT_TRUE(said(b.scan("U-9001"), "label_voided"));
    EXPECT_TRUE(b.status().at("awaiting").is_null());
    EXPECT_EQ(b.text("SELECT state FROM parcels"), "open");
    EXPECT_EQ(b.text("SELECT state FROM tracking_numbers"), "voided");

    ASSERT_TRUE(said(b.scan(command::kCloseParcel), "label_scan_required"));
    EXPECT_TRUE(refused(b.scan(ssccFor(1)), "wrong_label"));  // the voided label
    ASSERT_TRUE(accepted(b.scan(ssccFor(2))));
    EXPECT_EQ(b.orderState("1001"), "shipped");
}

TEST_F(StationTest, VoidedLabelStillQueuedIsNeverPrinted) {
    {
        auto& b = open({.labelDir = "labels-a"});
        ASSERT_TRUE(b.openAs("U-1001", "1007"));
        ASSERT_TRUE(accepted(b.scan("LAMPE-ARCHI")));
        // The daemon stops before the printer answered: the label stays queued.
        ASSERT_TRUE(accepted(b.scanOnly(command::kNewParcel)));
        ASSERT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "queued");
    }
    auto& b = restart({.labelDir = "labels-b", .start = false});
    ASSERT_TRUE(accepted(b.scan(command::kVoid)));
    ASSERT_TRUE(said(b.scan("U-9001"), "label_voided"));
    b.station().start();
    b.settle();
    EXPECT_TRUE(b.labelFiles().empty());
    EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "voided");
}

TEST_F(StationTest, ReprintMakesACopyOfAPrintedLabel) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    ASSERT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "printed");
    auto out = b.scan(command::kReprint);
    ASSERT_TRUE(accepted(out));
    EXPECT_TRUE(said(out, "label_reprinted"));
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM labels"), 2);
    EXPECT_EQ(b.text("SELECT reprint_of FROM labels WHERE id = 2"), "1");
    EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 2"), "printed");
    ASSERT_TRUE(fs::exists(b.labelPath(2)));
    EXPECT_EQ(Bench::readFile(b.labelPath(2)), Bench::readFile(b.labelPath(1)));
}

TEST_F(StationTest, LabelHeldByABlockedPrinterIsOfferedAgainAsTheSameJob) {
    // The printer's folder cannot be created: a file is in the way.
    { std::ofstream(tmp_.path() / "blocked") << "not a folder"; }
    auto& b = open({.labelDir = "blocked/labels"});
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "held");
    EXPECT_NE(b.text("SELECT error FROM labels WHERE id = 1"), "");
    EXPECT_EQ(b.events().back().messageKey, "label_held");
    EXPECT_FALSE(b.events().back().ok);
    EXPECT_FALSE(b.printer().status().up);
    b.station().offerHeldJobs();
    b.settle();
    EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "held");

    // Once the folder can be written to, the printer is up again and the label goes out.
    fs::remove(tmp_.path() / "blocked");
    EXPECT_TRUE(b.printer().status().up);
    b.station().offerHeldJobs();
    b.settle();
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM labels"), 1);
    EXPECT_EQ(b.text("SELECT reprint_of FROM labels WHERE id = 1"), "");
    EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "printed");
    EXPECT_TRUE(fs::exists(b.labelPath(1)));
    EXPECT_EQ(b.labelFiles().size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Cancel and restart

TEST_F(StationTest, CancelReleasesTheOrderAndEmptiesItsOpenParcel) {
    auto& b = open();
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_EQ(b.count("SELECT COUNT(*) FROM parcel_items"), 1);
    auto out = b.scan(command::kCancel);
    ASSERT_TRUE(accepted(out));
    EXPECT_TRUE(said(out, "order_released"));
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM parcels WHERE order_number = '1001'"), 0);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM parcel_items"), 0);
    auto order = b.order("1001");
    EXPECT_EQ(str(order.at("state")), "ready");
    EXPECT_TRUE(order.at("claimed_by").is_null());
    EXPECT_EQ(b.packed("1001", "TSHIRT-M-BLEU"), 0);
    EXPECT_TRUE(b.status().at("order").is_null());
    EXPECT_TRUE(refused(b.scan(command::kCancel), "no_order"));
}

TEST_F(StationTest, RestartResumesUserOrderParcelAndWhatIsAwaited) {
    {
        auto& b = open();
        ASSERT_TRUE(b.openAs("U-1001", "1006"));
        ASSERT_TRUE(accepted(b.scan("CABLE-USBC")));
        ASSERT_TRUE(said(b.scan("CASQUE-BT"), "serial_required"));
    }
    auto& b = restart();
    auto status = b.status();
    EXPECT_EQ(str(status.at("user").at("name")), "Alice Martin");
    EXPECT_EQ(str(status.at("order")), "1006");
    EXPECT_EQ(str(status.at("parcel")), "1");
    EXPECT_EQ(str(status.at("awaiting")), "serial");
    ASSERT_TRUE(accepted(b.scan("SN-77")));
    EXPECT_EQ(b.packed("1006", "CASQUE-BT"), 1);
    EXPECT_EQ(b.column("SELECT serial FROM parcel_items WHERE serial != ''"),
              (std::vector<std::string>{"SN-77"}));
}

TEST_F(StationTest, RestartKeepsAPendingApproval) {
    {
        auto& b = open();
        ASSERT_TRUE(accepted(b.scan("U-1001")));
        ASSERT_TRUE(refused(b.scan("1005"), "order_held"));
    }
    auto& b = restart();
    EXPECT_EQ(str(b.status().at("pending_approval").at("kind")), "held_order");
    EXPECT_TRUE(refused(b.scan("1001"), "approval_required"));
    ASSERT_TRUE(said(b.scan("U-9001"), "order_held_approved"));
    EXPECT_EQ(str(b.status().at("order")), "1005");
}

TEST_F(StationTest, QueuedLabelsPrintOnStartExactlyOnce) {
    std::string sscc;
    {
        auto& b = open({.labelDir = "labels-a"});
        ASSERT_TRUE(b.openAs("U-1001", "1001"));
        ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
        ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
        ASSERT_TRUE(accepted(b.scanOnly("MUG-CAFE")));
        ASSERT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "queued");
        sscc = b.text("SELECT tracking_number FROM labels WHERE id = 1");
    }
    struct stat before {};
    {
        // The printer that answers after the restart writes to another folder.
        auto& b = restart({.labelDir = "labels-b"});
        EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "printed");
        ASSERT_EQ(b.labelFiles().size(), 1u);
        ASSERT_TRUE(fs::exists(b.labelPath(1)));
        EXPECT_NE(Bench::readFile(b.labelPath(1)).find(sscc), std::string::npos);
        ASSERT_EQ(::stat(b.labelPath(1).c_str(), &before), 0);
        b.station().start();  // started twice: nothing printed twice
        b.settle();
        EXPECT_EQ(b.labelFiles().size(), 1u);
    }
    auto& b = restart({.labelDir = "labels-b"});
    EXPECT_EQ(b.labelFiles().size(), 1u);
    struct stat after {};
    ASSERT_EQ(::stat(b.labelPath(1).c_str(), &after), 0);
    EXPECT_EQ(after.st_ino, before.st_ino);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM labels"), 1);
    EXPECT_FALSE(b.everSaid("label_printed"));
}

// ---------------------------------------------------------------------------------------------
// Notes

TEST_F(StationTest, InternalNotesStayHomeAndCustomerNotesGoToTheShop) {
    auto& b = open();
    EXPECT_TRUE(b.station().addNote("1001", "Mug wrapped twice", true, "Alice Martin"));
    EXPECT_EQ(b.text("SELECT internal FROM activity WHERE kind = 'note' AND order_number = '1001'"),
              "1");
    EXPECT_TRUE(b.outbox("note").empty());
    EXPECT_TRUE(b.order("1001").at("activity").at(0).at("internal").as_bool());

    EXPECT_TRUE(b.station().addNote("1001", "Your parcel leaves today", false, "Alice Martin"));
    auto notes = b.outbox("note");
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(str(notes[0].at("order")), "1001");
    EXPECT_EQ(str(notes[0].at("note")), "Your parcel leaves today");
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM activity WHERE kind = 'note' AND internal = 0"), 1);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM outbox"), 1);

    EXPECT_FALSE(b.station().addNote("9999", "no such order", false, "Alice Martin"));
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM activity WHERE kind = 'note'"), 2);
}

TEST_F(StationTest, APullThatBroughtNothingIsStillRecordedAsThePullTime) {
    auto& b = open();
    EXPECT_TRUE(b.station().syncJson().at("last_pull_at").is_null());
    b.station().applyShopOrders({}, "");
    EXPECT_EQ(b.station().syncJson().at("last_pull_at").as_string(), "2024-03-05T09:00:00.000Z");
}

}  // namespace
}  // namespace station::test
