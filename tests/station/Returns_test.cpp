// The returns desk as the returns clerk, a packer and a supervisor live it: RMA codes and
// return slips, opening a return, receiving and grading items, restock labels, the weight
// check, closing into the outbox and on to the WooCommerce simulator, a restart mid-return.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "station/Api.h"
#include "station/HttpClient.h"
#include "station/HttpServer.h"
#include "station/JournalOutbox.h"
#include "station/Station.h"
#include "sync/Relay.h"
#include "sync/WooCommerceAdapter.h"
#include "tests/station/StationFixture.h"
#include "tests/sync/ShopSimServer.h"

namespace station::test {
namespace {

namespace json = boost::json;
using drivers::ScaleStatus;
using namespace std::chrono_literals;

constexpr const char* kAlice = "U-1001";   // packer
constexpr const char* kChloe = "U-2001";   // returns
constexpr const char* kSophie = "U-9001";  // supervisor
constexpr const char* kTshirt = "3760123450010";
constexpr const char* kMug = "3760123450027";
constexpr const char* kTea = "3760123450102";     // green tea: not in 1001
constexpr const char* kCandle = "3760123450119";  // fig candle

std::string str(const json::value& v) {
    if (v.is_string()) {
        return std::string(v.get_string());
    }
    if (v.is_null()) {
        return "<null>";
    }
    return json::serialize(v);
}

// Whatever the workflow said, a person could read it: a catalogue entry, every placeholder
// filled.
void expectReadable(const std::vector<Event>& events) {
    for (const auto& e : events) {
        if (e.type == "scale.reading") {
            continue;
        }
        EXPECT_TRUE(hasMessage(e.messageKey)) << "no message for " << e.messageKey;
        EXPECT_EQ(e.message.find('{'), std::string::npos)
            << e.messageKey << " left a placeholder: " << e.message;
    }
}

class ReturnsTest : public ::testing::Test {
  protected:
    Bench& open(BenchOptions options = {}) {
        finish();
        bench_ = std::make_unique<Bench>(tmp_.path(), std::move(options));
        const auto errors = bench_->importDemo();
        EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.front());
        return *bench_;
    }
    // The daemon stops and starts again on the same journal.
    Bench& restart(BenchOptions options = {}) {
        finish();
        bench_ = std::make_unique<Bench>(tmp_.path(), std::move(options));
        return *bench_;
    }
    void TearDown() override { finish(); }
    void finish() {
        if (bench_) {
            expectReadable(bench_->events());
            bench_.reset();
        }
    }

    // Alice packs and ships 1001 (two T-shirts, a mug: 2 x 180 + 350 g in a 300 g box).
    void ship1001(Bench& b, bool weigh = false) {
        ASSERT_TRUE(b.openAs(kAlice, "1001"));
        ASSERT_TRUE(accepted(b.scan(kTshirt)));
        ASSERT_TRUE(accepted(b.scan(kTshirt)));
        ASSERT_TRUE(accepted(b.scan(kMug)));
        if (weigh) {
            b.weigh(1010);
        }
        ASSERT_EQ(b.orderState("1001"), "shipped");
    }

    static json::object current(Bench& b) {
        const auto status = b.status();
        EXPECT_TRUE(status.at("return").is_object()) << json::serialize(status);
        return status.at("return").is_object() ? status.at("return").as_object() : json::object{};
    }

    TempDir tmp_;
    std::unique_ptr<Bench> bench_;
};

TEST_F(ReturnsTest, EachShipmentGetsAnRmaCodeThatOpensAReturnAtTheReturnsDesk) {
    auto& b = open();
    ship1001(b);
    EXPECT_EQ(b.column("SELECT code FROM rma_codes WHERE order_number = '1001'"),
              std::vector<std::string>{"RMA-1001-1"});
    EXPECT_EQ(str(b.order("1001").at("rma_codes").at(0)), "RMA-1001-1");
    // Without print_return_slip, the shipping printer got the shipping label only.
    EXPECT_EQ(b.labelFiles().size(), 1u);

    ASSERT_TRUE(accepted(b.scan(kChloe)));
    const auto out = b.scan("RMA-1001-1");
    ASSERT_TRUE(accepted(out));
    EXPECT_TRUE(said(out, "return_opened"));
    EXPECT_EQ(out.message,
              "Return of order 1001 opened: scan each returned item (3 can come back)");
    auto r = current(b);
    EXPECT_EQ(str(r.at("order")), "1001");
    EXPECT_EQ(str(r.at("rma")), "RMA-1001-1");
    EXPECT_EQ(str(r.at("state")), "open");
    EXPECT_EQ(str(r.at("opened_by")), "Chloe Petit");
    EXPECT_TRUE(r.at("items").as_array().empty());
    EXPECT_TRUE(r.at("awaiting_grade").is_null());
    const auto& lines = r.at("lines").as_array();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(str(lines[0].at("sku")), "TSHIRT-M-BLEU");
    EXPECT_EQ(lines[0].at("shipped").as_int64(), 2);
    EXPECT_EQ(str(lines[0].at("bin")), "A-01-03");
    EXPECT_EQ(str(lines[1].at("sku")), "MUG-CAFE");
    EXPECT_EQ(lines[1].at("shipped").as_int64(), 1);
    // The order's log has it, under the clerk's name.
    const auto activity = b.order("1001").at("activity").as_array();
    EXPECT_EQ(str(activity.back().at("kind")), "return_opened");
    EXPECT_EQ(str(activity.back().at("user")), "Chloe Petit");
}

TEST_F(ReturnsTest, OrderNumberOpensAReturnWithoutTheSlip) {
    auto& b = open();
    ship1001(b);
    ASSERT_TRUE(accepted(b.scan(kChloe)));
    ASSERT_TRUE(accepted(b.scan("#1001")));
    auto r = current(b);
    EXPECT_EQ(str(r.at("order")), "1001");
    EXPECT_TRUE(r.at("rma").is_null());
}

TEST_F(ReturnsTest, WhoMayTakeAReturnAndWhichOrdersHaveOne) {
    auto& b = open();
    ship1001(b);
    // Alice (packer) is still logged in: return codes are not for her.
    EXPECT_TRUE(refused(b.scan("RMA-1001-1"), "return_not_allowed"));
    EXPECT_TRUE(refused(b.scan(command::kGradeDamaged), "return_not_allowed"));
    EXPECT_TRUE(refused(b.scan("1001"), "order_already_shipped"));
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM returns"), 0);

    ASSERT_TRUE(accepted(b.scan(kChloe)));
    EXPECT_TRUE(refused(b.scan(command::kGradeResellable), "no_return"));
    EXPECT_TRUE(refused(b.scan(command::kCloseReturn), "no_return"));
    EXPECT_TRUE(refused(b.scan(kTshirt), "no_return"));
    EXPECT_TRUE(refused(b.scan("RMA-1001-9"), "return_unknown"));
    EXPECT_TRUE(refused(b.scan("9999"), "return_unknown"));
    const auto unpaid = b.scan("1003");
    EXPECT_TRUE(refused(unpaid, "return_nothing_shipped"));
    EXPECT_EQ(unpaid.message, "Order 1003 has no shipped items recorded here: nothing to return");
    // An order still to pack is a packer's job.
    EXPECT_TRUE(refused(b.scan("1002"), "role_not_allowed"));
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM returns"), 0);
    EXPECT_TRUE(b.status().at("return").is_null());

    // A supervisor takes returns too: a wholly shipped order's number opens one.
    ASSERT_TRUE(accepted(b.scan(kSophie)));
    const auto bySupervisor = b.scan("1001");
    ASSERT_TRUE(accepted(bySupervisor));
    EXPECT_TRUE(said(bySupervisor, "return_opened"));
    EXPECT_TRUE(b.status().at("order").is_null()) << "a return is not an order to pack";
}

TEST_F(ReturnsTest, ItemsAreCountedAgainstWhatWasShippedAndEarlierReturns) {
    auto& b = open();
    ship1001(b);
    ASSERT_TRUE(accepted(b.scan(kChloe)));
    ASSERT_TRUE(accepted(b.scan("RMA-1001-1")));

    const auto wrong = b.scan(kTea);
    EXPECT_TRUE(refused(wrong, "return_item_not_shipped"));
    EXPECT_EQ(wrong.message, std::string(kTea) + " was not shipped in order 1001");
    EXPECT_TRUE(refused(b.scan("HELLO-WORLD"), "unknown_code"));
    EXPECT_TRUE(refused(b.scan("3760123450011"), "bad_check_digit"));  // T-shirt, last 0->1

    const auto first = b.scan(kTshirt);
    ASSERT_TRUE(accepted(first));
    EXPECT_EQ(first.message, "T-shirt bleu marine, taille M returned (1/2): scan its grade");
    // The next item waits for this one's grade.
    const auto blocked = b.scan(kMug);
    EXPECT_TRUE(refused(blocked, "return_grade_required"));
    EXPECT_NE(blocked.message.find("T-shirt bleu marine"), std::string::npos) << blocked.message;
    EXPECT_EQ(current(b).at("awaiting_grade").as_int64(), 1);
    ASSERT_TRUE(accepted(b.scan(command::kGradeDamaged)));
    EXPECT_TRUE(refused(b.scan(command::kGradeDamaged), "nothing_to_grade"));

    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));  // by SKU this time
    ASSERT_TRUE(accepted(b.scan(command::kGradeDamaged)));
    const auto third = b.scan(kTshirt);
    EXPECT_TRUE(refused(third, "return_too_many"));
    EXPECT_EQ(third.message,
              "One too many: T-shirt bleu marine, taille M shipped 2, already returned 2");
    // Another return's code, or packing's commands, while this one is open.
    EXPECT_TRUE(refused(b.scan("RMA-1001-1"), "return_open"));
    EXPECT_TRUE(refused(b.scan(command::kNewParcel), "return_open"));
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM return_items"), 2);
    ASSERT_TRUE(accepted(b.scan(command::kCloseReturn)));

    // A second parcel from the customer: the T-shirts came back already, the mug did not.
    ASSERT_TRUE(accepted(b.scan("1001")));
    EXPECT_TRUE(refused(b.scan(kTshirt), "return_too_many"));
    ASSERT_TRUE(accepted(b.scan(kMug)));
    ASSERT_TRUE(accepted(b.scan(command::kGradeResellable)));
    ASSERT_TRUE(accepted(b.scan(command::kCloseReturn)));
    // Nothing is left to come back.
    EXPECT_TRUE(refused(b.scan("RMA-1001-1"), "return_all_received"));
}

TEST_F(ReturnsTest, ALineNotShippedInAPartialShipmentCannotComeBack) {
    auto& b = open();
    ASSERT_TRUE(b.openAs(kAlice, "1014"));
    ASSERT_TRUE(accepted(b.scan(kTea)));
    ASSERT_TRUE(accepted(b.scan(kTea)));
    ASSERT_TRUE(accepted(b.scan(command::kCloseParcel)));
    ASSERT_TRUE(accepted(b.scan(command::kShipPartial)));
    ASSERT_TRUE(accepted(b.scan(kSophie)));
    ASSERT_EQ(b.orderState("1014"), "partially_shipped");
    EXPECT_EQ(b.column("SELECT code FROM rma_codes WHERE order_number = '1014'"),
              std::vector<std::string>{"RMA-1014-1"});

    ASSERT_TRUE(accepted(b.scan(kChloe)));
    ASSERT_TRUE(accepted(b.scan("1014")));
    EXPECT_TRUE(refused(b.scan(kCandle), "return_item_not_shipped"));  // the backorder
    ASSERT_TRUE(accepted(b.scan(kTea)));
}

TEST_F(ReturnsTest, GradingByCommandProposesTheBinAndPrintsARestockLabel) {
    auto& b = open();
    ship1001(b);
    ASSERT_TRUE(accepted(b.scan(kChloe)));
    ASSERT_TRUE(accepted(b.scan("RMA-1001-1")));
    ASSERT_TRUE(accepted(b.scan(kTshirt)));
    const auto resellable = b.scan(command::kGradeResellable);
    ASSERT_TRUE(accepted(resellable));
    EXPECT_TRUE(said(resellable, "return_graded_resellable"));
    EXPECT_EQ(resellable.events.front().message,
              "T-shirt bleu marine, taille M: resellable, put it back in bin A-01-03");

    // One restock label, printed on the shipping printer (no restock printer here), with the
    // bin, the SKU and its Code 128.
    const auto docs = b.column("SELECT id FROM return_documents WHERE kind = 'restock_label'");
    ASSERT_EQ(docs.size(), 1u);
    const std::string zpl = Bench::readFile(b.printer().pathFor("restock-" + docs[0]));
    EXPECT_NE(zpl.find("A-01-03"), std::string::npos) << zpl;
    EXPECT_NE(zpl.find("TSHIRT-M-BLEU"), std::string::npos) << zpl;
    EXPECT_NE(zpl.find("T-shirt bleu marine"), std::string::npos) << zpl;
    EXPECT_NE(zpl.find("^BC"), std::string::npos) << "no Code 128 in " << zpl;
    EXPECT_EQ(b.text("SELECT state FROM return_documents"), "printed");
    EXPECT_TRUE(b.everSaid("restock_label_printed"));

    ASSERT_TRUE(accepted(b.scan(kMug)));
    const auto damaged = b.scan(command::kGradeDamaged);
    ASSERT_TRUE(accepted(damaged));
    EXPECT_EQ(damaged.message, "Mug « Café de Flore »: damaged, not restocked");
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM return_documents"), 1)
        << "a damaged item is not restocked";

    const auto r = current(b);
    const auto& items = r.at("items").as_array();
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(str(items[0].at("condition")), "resellable");
    EXPECT_EQ(items[0].at("restock").as_bool(), true);
    EXPECT_EQ(str(items[0].at("bin")), "A-01-03");
    EXPECT_EQ(str(items[0].at("restock_label")), "printed");
    EXPECT_EQ(str(items[1].at("condition")), "damaged");
    EXPECT_EQ(items[1].at("restock").as_bool(), false);
    EXPECT_TRUE(items[1].at("restock_label").is_null());
}

TEST_F(ReturnsTest, TheScreenGradesAnyItemOfTheOpenReturn) {
    auto& b = open();
    ship1001(b);
    EXPECT_EQ(b.station().gradeReturnItem(1, "damaged", "").status,
              GradeOutcome::Status::NoReturnOpen);
    ASSERT_TRUE(accepted(b.scan(kChloe)));
    ASSERT_TRUE(accepted(b.scan("RMA-1001-1")));
    ASSERT_TRUE(accepted(b.scan(kTshirt)));
    EXPECT_EQ(b.station().gradeReturnItem(1, "broken", "").status,
              GradeOutcome::Status::UnknownCondition);
    EXPECT_EQ(b.station().gradeReturnItem(2, "damaged", "").status,
              GradeOutcome::Status::NoSuchItem);

    auto graded = b.station().gradeReturnItem(1, "missing_parts", "");
    b.settle();
    ASSERT_EQ(graded.status, GradeOutcome::Status::Graded);
    EXPECT_EQ(graded.message, "T-shirt bleu marine, taille M: parts missing, not restocked");
    // The grade freed the desk for the next item; the screen can correct a grade later.
    ASSERT_TRUE(accepted(b.scan(kMug)));
    ASSERT_TRUE(accepted(b.scan(command::kGradeResellable)));
    graded = b.station().gradeReturnItem(1, "resellable", "Sophie Bernard");
    b.settle();
    ASSERT_EQ(graded.status, GradeOutcome::Status::Graded);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM return_documents WHERE kind = 'restock_label'"), 2);
    EXPECT_EQ(b.text("SELECT graded_by FROM return_items WHERE idx = 1"), "Sophie Bernard");
    // Graded away and back: still one label for that item.
    b.station().gradeReturnItem(1, "damaged", "");
    b.station().gradeReturnItem(1, "resellable", "");
    b.settle();
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM return_documents WHERE kind = 'restock_label'"), 2);
}

TEST_F(ReturnsTest, ClosingWritesExactlyOneOutboxRowWithWhatTheRelayReads) {
    auto& b = open();
    ship1001(b);
    ASSERT_TRUE(accepted(b.scan(kChloe)));
    ASSERT_TRUE(accepted(b.scan("RMA-1001-1")));
    EXPECT_TRUE(refused(b.scan(command::kCloseReturn), "return_empty"));
    ASSERT_TRUE(accepted(b.scan(kTshirt)));
    EXPECT_TRUE(refused(b.scan(command::kCloseReturn), "return_grade_required"));
    ASSERT_TRUE(accepted(b.scan(command::kGradeResellable)));
    ASSERT_TRUE(accepted(b.scan(kTshirt)));
    ASSERT_TRUE(accepted(b.scan(command::kGradeDamaged)));
    ASSERT_TRUE(accepted(b.scan(kMug)));
    ASSERT_TRUE(accepted(b.scan(command::kGradeResellable)));
    const auto returnId = current(b).at("id").as_int64();
    const auto before = b.count("SELECT COUNT(*) FROM outbox");

    const auto closed = b.scan(command::kCloseReturn);
    ASSERT_TRUE(accepted(closed));
    EXPECT_EQ(closed.message, "Return of order 1001 closed: 3 item(s) received, 2 back in stock");
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM outbox"), before + 1);
    const auto rows = b.outbox("return_received");
    ASSERT_EQ(rows.size(), 1u);
    const auto& p = rows[0];
    EXPECT_EQ(str(p.at("order")), "1001");
    EXPECT_EQ(str(p.at("shop_id")), "5001");
    EXPECT_EQ(str(p.at("rma")), "RMA-1001-1");
    EXPECT_EQ(p.at("return_id").as_int64(), returnId);
    const auto& items = p.at("items").as_array();
    ASSERT_EQ(items.size(), 3u) << json::serialize(p);
    auto item = [&](std::size_t i) {
        return str(items[i].at("sku")) + " " + std::to_string(items[i].at("quantity").as_int64()) +
               " " + str(items[i].at("condition")) + " " +
               (items[i].at("restock").as_bool() ? "restock" : "no-restock");
    };
    std::vector<std::string> got{item(0), item(1), item(2)};
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{"MUG-CAFE 1 resellable restock",
                                             "TSHIRT-M-BLEU 1 damaged no-restock",
                                             "TSHIRT-M-BLEU 1 resellable restock"}));

    EXPECT_TRUE(b.status().at("return").is_null());
    auto ret = b.station().returnJson(returnId);
    ASSERT_TRUE(ret);
    EXPECT_EQ(str(ret->at("state")), "closed");
    EXPECT_EQ(str(ret->at("closed_by")), "Chloe Petit");
    const auto list = b.station().returnsJson("closed").at("returns").as_array();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].at("items").as_int64(), 3);
    EXPECT_EQ(list[0].at("restocked").as_int64(), 2);
    EXPECT_TRUE(b.station().returnsJson("open").at("returns").as_array().empty());
    EXPECT_EQ(str(b.order("1001").at("activity").as_array().back().at("kind")), "return_closed");
}

TEST_F(ReturnsTest, CancellingSendsNothingAndFreesTheItemsForAnotherReturn) {
    auto& b = open();
    ship1001(b);
    ASSERT_TRUE(accepted(b.scan(kChloe)));
    ASSERT_TRUE(accepted(b.scan("RMA-1001-1")));
    ASSERT_TRUE(accepted(b.scan(kMug)));
    ASSERT_TRUE(accepted(b.scan(command::kGradeDamaged)));
    const auto outbox = b.count("SELECT COUNT(*) FROM outbox");
    const auto cancelled = b.scan(command::kCancel);
    ASSERT_TRUE(accepted(cancelled));
    EXPECT_TRUE(said(cancelled, "return_cancelled"));
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM outbox"), outbox);
    EXPECT_EQ(b.text("SELECT state FROM returns"), "cancelled");
    EXPECT_TRUE(b.status().at("return").is_null());
    ASSERT_TRUE(accepted(b.scan("RMA-1001-1")));
    ASSERT_TRUE(accepted(b.scan(kMug)));
}

TEST_F(ReturnsTest, AReturnParcelOutOfToleranceIsAWarningNotARefusal) {
    auto& b = open({.withScale = true});
    ship1001(b, true);
    b.weigh(0, ScaleStatus::AtZero);  // the shipped parcel left the scale
    ASSERT_TRUE(accepted(b.scan(kChloe)));
    ASSERT_TRUE(accepted(b.scan("RMA-1001-1")));
    ASSERT_TRUE(accepted(b.scan(kTshirt)));
    // The customer's parcel on the scale: one T-shirt (180 g) in a box (300 g) should weigh
    // 480 g ± 50 g, it weighs 900 g.
    // The warning comes as soon as the scale settles, not at the next scan.
    b.weigh(900);
    ASSERT_TRUE(b.everSaid("return_weight_mismatch"));
    const auto graded = b.scan(command::kGradeResellable);
    ASSERT_TRUE(accepted(graded)) << "a weight warning never refuses";
    EXPECT_TRUE(said(graded, "return_graded_resellable"));
    for (const auto& e : b.events()) {
        if (e.messageKey == "return_weight_mismatch") {
            EXPECT_FALSE(e.ok);
            EXPECT_EQ(e.type, "return.weight_mismatch");
            EXPECT_EQ(e.message,
                      "Return parcel weighs 900 g, expected 480 g ± 50 g: check for an item "
                      "missing or one too many");
        }
    }
    const auto w = current(b).at("weight").as_object();
    EXPECT_EQ(w.at("grams").as_int64(), 900);
    EXPECT_EQ(w.at("expected_grams").as_int64(), 480);
    EXPECT_FALSE(w.at("ok").as_bool());
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM activity WHERE kind = 'return_weight_mismatch'"), 1);

    // The rest of the parcel comes out: with everything that was shipped, the parcel should
    // weigh what the shipped parcel weighed (1010 g), and it does: said once it settles.
    ASSERT_TRUE(accepted(b.scan(kTshirt)));
    ASSERT_TRUE(accepted(b.scan(command::kGradeResellable)));
    ASSERT_TRUE(accepted(b.scan(kMug)));
    ASSERT_TRUE(accepted(b.scan(command::kGradeResellable)));
    b.weigh(1020);
    const auto closed = b.scan(command::kCloseReturn);
    ASSERT_TRUE(accepted(closed));
    EXPECT_TRUE(b.everSaid("return_weight_ok"));
    EXPECT_EQ(b.outbox("return_received").at(0).at("weight_grams").as_int64(), 1020);
}

TEST_F(ReturnsTest, ARestartMidReturnResumesIt) {
    auto& b = open();
    ship1001(b);
    ASSERT_TRUE(accepted(b.scan(kChloe)));
    ASSERT_TRUE(accepted(b.scan("RMA-1001-1")));
    ASSERT_TRUE(accepted(b.scan(kTshirt)));
    ASSERT_TRUE(accepted(b.scan(command::kGradeResellable)));
    ASSERT_TRUE(accepted(b.scan(kMug)));  // waiting for its grade when the daemon stops

    auto& again = restart();
    const auto r = current(again);
    EXPECT_EQ(str(r.at("order")), "1001");
    EXPECT_EQ(r.at("awaiting_grade").as_int64(), 2);
    EXPECT_EQ(r.at("items").as_array().size(), 2u);
    EXPECT_EQ(str(again.status().at("user").at("name")), "Chloe Petit");
    EXPECT_TRUE(refused(again.scan(kTshirt), "return_grade_required"));
    ASSERT_TRUE(accepted(again.scan(command::kGradeWrongItem)));
    ASSERT_TRUE(accepted(again.scan(command::kCloseReturn)));
    const auto rows = again.outbox("return_received");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].at("items").as_array().size(), 2u);
}

TEST_F(ReturnsTest, AJournalFromVersion1GivesItsShipmentsRmaCodes) {
    fs::copy_file(fs::path(STATION_SOURCE_DIR) / "tests/fixtures/journal-v1.db",
                  tmp_.path() / "journal.db");
    auto& b = restart();
    EXPECT_EQ(b.journal().schemaVersion(), Journal::latestSchemaVersion());
    EXPECT_EQ(b.column("SELECT code FROM rma_codes ORDER BY code"),
              std::vector<std::string>{"RMA-1001-1"});
    ASSERT_TRUE(accepted(b.scan(kChloe)));
    ASSERT_TRUE(accepted(b.scan("RMA-1001-1")));
    EXPECT_EQ(str(current(b).at("order")), "1001");
}

// ---------------------------------------------------------------------------------------------
// A station with return slips on and its own documents and restock printers.

class DeskBench {
  public:
    // `documents`: the language of the documents printer, "" for none.
    DeskBench(const fs::path& dir, const std::string& documents)
        : config_(makeConfig(dir, documents)),
          journal_(dir / "journal.db"),
          shipping_(io_, "zebra-1", "zpl", dir / "labels"),
          documents_(io_, "office-1", documents.empty() ? "zpl" : documents, dir / "documents"),
          restock_(io_, "zebra-restock", "zpl", dir / "restock"),
          station_(io_, config_, journal_,
                   [] { return std::chrono::sys_days(std::chrono::year(2024) / 3 / 5) + 9h; }) {
        station_.addPrinter("shipping", &shipping_);
        if (!documents.empty()) {
            station_.addPrinter("documents", &documents_);
        }
        station_.addPrinter("restock", &restock_);
        station_.setEventSink([this](const Event& e) { events_.push_back(e); });
        station_.start();
        station_.importOrders(demoOrders());
    }
    ~DeskBench() { expectReadable(events_); }

    ScanOutcome scan(const std::string& code) {
        auto out = station_.handleScan("test", code);
        io_.restart();
        io_.poll();
        return out;
    }
    SQLite::Database& db() { return journal_.db(); }
    drivers::DirectoryPrinter& shipping() { return shipping_; }
    drivers::DirectoryPrinter& documents() { return documents_; }
    drivers::DirectoryPrinter& restock() { return restock_; }

  private:
    static config::StationConfig makeConfig(const fs::path& dir, const std::string& documents) {
        std::string toml = benchToml({});
        const std::string packing = "[packing]\n";
        toml.replace(toml.find(packing), packing.size(), packing + "print_return_slip = true\n");
        if (!documents.empty()) {
            toml +=
                "\n[[printers]]\nname = \"office-1\"\nrole = \"documents\"\nkind = "
                "\"directory\"\nlanguage = \"" +
                documents + "\"\npath = \"documents\"\n";
        }
        toml +=
            "\n[[printers]]\nname = \"zebra-restock\"\nrole = \"restock\"\nkind = "
            "\"directory\"\nlanguage = \"zpl\"\npath = \"restock\"\n";
        auto loaded = config::parseConfig(toml, "desk.toml", dir);
        if (!loaded.config) {
            throw std::runtime_error("desk config refused: " + loaded.errors.front().toString());
        }
        return *loaded.config;
    }

    boost::asio::io_context io_;
    config::StationConfig config_;
    Journal journal_;
    drivers::DirectoryPrinter shipping_;
    drivers::DirectoryPrinter documents_;
    drivers::DirectoryPrinter restock_;
    std::vector<Event> events_;
    Station station_;
};

std::string firstId(SQLite::Database& db, const std::string& kind) {
    SQLite::Statement q(db, "SELECT id FROM return_documents WHERE kind = ? ORDER BY id");
    q.bind(1, kind);
    return q.executeStep() ? q.getColumn(0).getString() : std::string();
}

TEST(ReturnSlips, PrintedWithTheShipmentOnTheDocumentsPrinterAndRestockLabelsOnTheirOwn) {
    TempDir tmp;
    DeskBench desk(tmp.path(), "zpl");
    ASSERT_TRUE(accepted(desk.scan(kAlice)));
    ASSERT_TRUE(accepted(desk.scan("1001")));
    ASSERT_TRUE(accepted(desk.scan(kTshirt)));
    ASSERT_TRUE(accepted(desk.scan(kTshirt)));
    ASSERT_TRUE(accepted(desk.scan(kMug)));
    const std::string slipId = firstId(desk.db(), "return_slip");
    ASSERT_FALSE(slipId.empty()) << "no return slip queued with the shipment";
    const std::string slip = Bench::readFile(desk.documents().pathFor("return-slip-" + slipId));
    EXPECT_NE(slip.find("RMA-1001-1"), std::string::npos) << slip;
    EXPECT_NE(slip.find("TSHIRT-M-BLEU"), std::string::npos) << slip;
    EXPECT_NE(slip.find("Atelier Dupont"), std::string::npos) << "the return address: " << slip;
    EXPECT_FALSE(fs::exists(desk.shipping().pathFor("return-slip-" + slipId)));

    ASSERT_TRUE(accepted(desk.scan(kChloe)));
    ASSERT_TRUE(accepted(desk.scan("RMA-1001-1")));
    ASSERT_TRUE(accepted(desk.scan(kMug)));
    ASSERT_TRUE(accepted(desk.scan(command::kGradeResellable)));
    const std::string labelId = firstId(desk.db(), "restock_label");
    ASSERT_FALSE(labelId.empty());
    const std::string label = Bench::readFile(desk.restock().pathFor("restock-" + labelId));
    EXPECT_NE(label.find("A-02-01"), std::string::npos) << label;
    EXPECT_FALSE(fs::exists(desk.shipping().pathFor("restock-" + labelId)));
}

TEST(ReturnSlips, WithoutADocumentsPrinterTheSlipGoesToTheShippingPrinter) {
    TempDir tmp;
    DeskBench desk(tmp.path(), "");
    ASSERT_TRUE(accepted(desk.scan(kAlice)));
    ASSERT_TRUE(accepted(desk.scan("1012")));  // customer pickup: no shipping label
    ASSERT_TRUE(accepted(desk.scan(kMug)));
    ASSERT_TRUE(accepted(desk.scan(kMug)));
    const std::string slipId = firstId(desk.db(), "return_slip");
    ASSERT_FALSE(slipId.empty());
    const std::string slip = Bench::readFile(desk.shipping().pathFor("return-slip-" + slipId));
    EXPECT_NE(slip.find("RMA-1012-1"), std::string::npos) << slip;
}

// An office printer takes PDF at A4, for which no return slip template is built in: it gets
// the 4 x 6 slip as a PDF.
TEST(ReturnSlips, APdfDocumentsPrinterGetsTheSlipAsPdf) {
    TempDir tmp;
    DeskBench desk(tmp.path(), "pdf");
    ASSERT_TRUE(accepted(desk.scan(kAlice)));
    ASSERT_TRUE(accepted(desk.scan("1012")));
    ASSERT_TRUE(accepted(desk.scan(kMug)));
    ASSERT_TRUE(accepted(desk.scan(kMug)));
    const std::string slipId = firstId(desk.db(), "return_slip");
    ASSERT_FALSE(slipId.empty());
    const std::string pdf = Bench::readFile(desk.documents().pathFor("return-slip-" + slipId));
    EXPECT_EQ(pdf.substr(0, 5), "%PDF-") << pdf.substr(0, 40);
    SQLite::Statement q(desk.db(), "SELECT language, state FROM return_documents");
    ASSERT_TRUE(q.executeStep());
    EXPECT_EQ(q.getColumn(0).getString(), "pdf");
    EXPECT_EQ(q.getColumn(1).getString(), "printed");
}

TEST(ReturnSlips, TheConfigKeyIsABooleanAndRestockIsAPrinterRole) {
    const std::string good = benchToml({});
    std::string bad = good;
    bad.replace(bad.find("[packing]\n"), 10, "[packing]\nprint_return_slip = \"yes\"\n");
    auto refusedConfig = config::parseConfig(bad, "bad.toml", "/tmp");
    ASSERT_FALSE(refusedConfig.config);
    EXPECT_EQ(refusedConfig.errors.at(0).key, "packing.print_return_slip");
    auto withRestock = config::parseConfig(
        good +
            "\n[[printers]]\nname = \"r\"\nrole = \"restock\"\nkind = \"directory\"\n"
            "language = \"zpl\"\npath = \"restock\"\n",
        "good.toml", "/tmp");
    ASSERT_TRUE(withRestock.config) << withRestock.errors.at(0).toString();
    EXPECT_FALSE(withRestock.config->printReturnSlip);
    EXPECT_EQ(withRestock.config->printers.back().role, "restock");
}

// ---------------------------------------------------------------------------------------------
// Over HTTP, as the returns screen sees it.

TEST_F(ReturnsTest, TheApiShowsAndGradesTheOpenReturn) {
    auto& b = open();
    ship1001(b);
    HttpServer server(b.io(), "127.0.0.1", 0);
    Api api(server, b.station(), nullptr);
    ASSERT_EQ(server.start(), "");
    std::thread io([&] {
        b.io().restart();
        b.io().run();
    });
    HttpClient client("http://127.0.0.1:" + std::to_string(server.boundPort()));
    auto post = [&](const std::string& target, const json::object& body) {
        return client.request(http::verb::post, target, json::serialize(body));
    };
    auto get = [&](const std::string& target) { return client.request(http::verb::get, target); };
    auto body = [](const ClientResult& r) {
        boost::system::error_code ec;
        auto v = json::parse(r.body, ec);
        return ec || !v.is_object() ? json::object{} : v.as_object();
    };

    EXPECT_EQ(get("/api/returns/current").status, 404);
    EXPECT_EQ(post("/api/returns/current/items/1/grade", {{"condition", "damaged"}}).status, 404);
    for (const char* code : {kChloe, "RMA-1001-1", kTshirt}) {
        EXPECT_EQ(str(body(post("/api/scan", {{"code", code}})).at("ok")), "true") << code;
    }
    auto status = body(get("/api/status"));
    ASSERT_TRUE(status.at("return").is_object()) << json::serialize(status);
    EXPECT_EQ(status.at("return").at("awaiting_grade").as_int64(), 1);
    EXPECT_TRUE(status.at("return").at("items").at(0).at("condition").is_null());

    EXPECT_EQ(post("/api/returns/current/items/1/grade", {{"condition", "broken"}}).status, 400);
    EXPECT_EQ(post("/api/returns/current/items/9/grade", {{"condition", "damaged"}}).status, 404);
    EXPECT_EQ(post("/api/returns/current/items/1/grade", json::object{}).status, 400);
    const auto graded = post("/api/returns/current/items/1/grade", {{"condition", "resellable"}});
    ASSERT_EQ(graded.status, 200) << graded.body;
    const auto answer = body(graded);
    EXPECT_EQ(str(answer.at("message")),
              "T-shirt bleu marine, taille M: resellable, put it back in bin A-01-03");
    EXPECT_EQ(str(answer.at("return").at("items").at(0).at("condition")), "resellable");
    const auto id = answer.at("return").at("id").as_int64();
    EXPECT_EQ(body(get("/api/returns/current")).at("id").as_int64(), id);

    EXPECT_EQ(str(body(post("/api/scan", {{"code", command::kCloseReturn}})).at("ok")), "true");
    EXPECT_EQ(get("/api/returns?state=bogus").status, 400);
    EXPECT_EQ(get("/api/returns/abc").status, 400);
    const auto closed = body(get("/api/returns?state=closed")).at("returns").as_array();
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].at("id").as_int64(), id);
    const auto one = body(get("/api/returns/" + std::to_string(id)));
    EXPECT_EQ(str(one.at("state")), "closed");
    EXPECT_EQ(str(one.at("rma")), "RMA-1001-1");
    EXPECT_EQ(get("/api/returns/" + std::to_string(id + 1)).status, 404);

    server.stop();
    b.io().stop();
    io.join();
}

// ---------------------------------------------------------------------------------------------
// On to the shop: a closed return reaches the WooCommerce simulator through the relay.

constexpr long long kShopOrder = 7001;

json::object shopStore() {
    json::object order{{"id", kShopOrder},
                       {"number", std::to_string(kShopOrder)},
                       {"status", "processing"},
                       {"payment_method", "stripe"},
                       {"date_modified_gmt", "2024-03-05T08:00:00"},
                       {"total", "40.00"},
                       {"shipping", json::object{{"first_name", "Ada"},
                                                 {"last_name", "Lovelace"},
                                                 {"address_1", "1 Analytical Row"},
                                                 {"postcode", "75001"},
                                                 {"city", "Paris"},
                                                 {"country", "FR"}}},
                       {"line_items", json::array{json::object{{"id", 70011},
                                                               {"product_id", 1},
                                                               {"variation_id", 0},
                                                               {"sku", "SKU-7001"},
                                                               {"name", "Lamp"},
                                                               {"quantity", 2},
                                                               {"total", "40.00"},
                                                               {"taxes", json::array{}},
                                                               {"meta_data", json::array{}}}}},
                       {"shipping_lines", json::array{json::object{{"method_id", "colissimo"}}}}};
    return {{"orders", json::array{std::move(order)}},
            {"products", json::array{json::object{{"id", 1},
                                                  {"sku", "SKU-7001"},
                                                  {"name", "Lamp"},
                                                  {"weight", "0.2"},
                                                  {"stock_quantity", 5},
                                                  {"meta_data", json::array{}}}}}};
}

TEST(ReturnsToTheShop, AClosedReturnBecomesAnOrderNoteAndRefundsWithRestock) {
    TempDir dir;
    shoptest::SimServer sim(shoptest::SimServer::defaultOptions(), shopStore());
    Bench bench(dir.path());
    shop::WooCommerceSettings s;
    s.baseUrl = sim.baseUrl();
    s.consumerKey = shoptest::kKey;
    s.consumerSecret = shoptest::kSecret;
    s.timeout = 2000ms;
    s.refundReturns = true;
    s.shippingMethods["colissimo"] = "colissimo";
    shop::WooCommerceAdapter adapter(s);
    JournalOutbox outbox(dir.path() / "journal.db", bench.io(), bench.station(), "bench-1");
    shop::RelaySettings rs;
    rs.firstRetry = 2s;
    rs.pullInterval = 0ms;
    shop::Relay relay(
        adapter, outbox, rs, [&] { return bench.now(); }, [] { return 0.5; });
    auto drain = [&] {
        for (int i = 0; i < 20; ++i) {
            relay.runOnce();
            bench.settle();
            if (bench.count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'") == 0) {
                return;
            }
            bench.advance(10s);
        }
    };
    relay.requestPull();
    relay.runOnce();
    bench.settle();
    ASSERT_EQ(bench.orderState("7001"), "ready");

    ASSERT_TRUE(bench.openAs(kAlice, "7001"));
    ASSERT_TRUE(accepted(bench.scan("SKU-7001")));
    ASSERT_TRUE(accepted(bench.scan("SKU-7001")));
    ASSERT_EQ(bench.orderState("7001"), "shipped");
    drain();

    ASSERT_TRUE(accepted(bench.scan(kChloe)));
    ASSERT_TRUE(accepted(bench.scan("RMA-7001-1")));
    ASSERT_TRUE(accepted(bench.scan("SKU-7001")));
    ASSERT_TRUE(accepted(bench.scan(command::kGradeResellable)));
    ASSERT_TRUE(accepted(bench.scan("SKU-7001")));
    ASSERT_TRUE(accepted(bench.scan(command::kGradeDamaged)));
    ASSERT_TRUE(accepted(bench.scan(command::kCloseReturn)));
    drain();
    EXPECT_EQ(bench.count("SELECT COUNT(*) FROM outbox WHERE kind = 'return_received' AND "
                          "state = 'sent'"),
              1);

    auto notes = sim.admin(http::verb::get, "/wc/v3/orders/7001/notes");
    ASSERT_EQ(notes.status, 200) << notes.body;
    EXPECT_NE(notes.body.find("Return received at the packing station (order 7001)"),
              std::string::npos)
        << notes.body;
    EXPECT_NE(notes.body.find("1 x SKU-7001: resellable, back in stock"), std::string::npos)
        << notes.body;
    EXPECT_NE(notes.body.find("1 x SKU-7001: damaged, not restocked"), std::string::npos)
        << notes.body;
    // Two refunds, as restock_items covers a whole refund: the resellable unit back in stock.
    EXPECT_EQ(sim.count("refunds", "7001"), 2);
    EXPECT_EQ(sim.count("restocked", "SKU-7001"), 1);
    expectReadable(bench.events());
}

}  // namespace
}  // namespace station::test
