// The print spool: labels held while the printer cannot take them and offered again, in order,
// when it can; withdrawn when they no longer apply; a job that may have printed (cut short, or
// in flight when the daemon died) never sent again without a person deciding.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "drivers/PrintedJobs.h"
#include "drivers/Printer.h"
#include "station/Station.h"
#include "sync/ShopAdapter.h"
#include "tests/station/StationFixture.h"

namespace station::test {
namespace {

// A shipping printer whose answers the test decides: it prints, is offline (paper out, nothing
// sent), cuts a job short (it may have printed), or never answers (the daemon dies first).
class ScriptedPrinter : public drivers::Printer {
  public:
    enum class Mode { Prints, Offline, CutShort, NeverAnswers };

    ScriptedPrinter(boost::asio::io_context& io, bool remembersJobs)
        : io_(io), remembers_(remembersJobs) {}

    const std::string& name() const override { return name_; }
    const std::string& language() const override { return language_; }
    bool remembersJobs() const override { return remembers_; }

    void submit(drivers::PrintJob job, drivers::PrintDone done) override {
        offered.push_back(job.id);
        drivers::PrintResult result;
        switch (mode) {
            case Mode::Prints:
                printed.push_back(job.id);
                result = {true, false, {}};
                break;
            case Mode::Offline:
                result = drivers::notPrinted("printer zebra-1: paper out");
                break;
            case Mode::CutShort:
                sentBytes.push_back(job.id);
                result = drivers::mayHavePrinted("printer zebra-1: the connection dropped");
                break;
            case Mode::NeverAnswers:
                sentBytes.push_back(job.id);
                unanswered.push_back(std::move(done));
                return;
        }
        boost::asio::post(io_, [done = std::move(done), result] { done(result); });
    }

    drivers::DeviceStatus status() const override {
        return {name_, "scripted", "printer", up, up ? "ready" : "paper out"};
    }

    Mode mode = Mode::Prints;
    bool up = true;
    std::vector<std::string> offered;    // every job id submitted
    std::vector<std::string> printed;    // those that came out
    std::vector<std::string> sentBytes;  // those cut short or never answered
    std::deque<drivers::PrintDone> unanswered;

  private:
    boost::asio::io_context& io_;
    bool remembers_;
    std::string name_ = "zebra-1";
    std::string language_ = "zpl";
};

class PrintingTest : public ::testing::Test {
  protected:
    // A bench whose shipping printer is scripted; the demo orders are imported on first open.
    Bench& open(ScriptedPrinter::Mode mode, bool up, bool remembersJobs = false,
                bool importDemo = true) {
        finish();
        bench_ = std::make_unique<Bench>(tmp_.path(), BenchOptions{.start = false});
        printer_ = std::make_unique<ScriptedPrinter>(bench_->io(), remembersJobs);
        printer_->mode = mode;
        printer_->up = up;
        bench_->station().addPrinter("shipping", printer_.get());
        if (importDemo) {
            EXPECT_TRUE(bench_->importDemo().empty());
        }
        bench_->station().start();
        bench_->settle();
        return *bench_;
    }
    // The daemon dies without running what was pending and starts again.
    Bench& restart(ScriptedPrinter::Mode mode, bool up, bool remembersJobs) {
        return open(mode, up, remembersJobs, false);
    }
    void finish() {
        if (bench_) {
            for (const auto& e : bench_->events()) {
                EXPECT_TRUE(hasMessage(e.messageKey)) << "no message for " << e.messageKey;
                EXPECT_EQ(e.message.find('{'), std::string::npos)
                    << e.messageKey << " left a placeholder: " << e.message;
            }
        }
        bench_.reset();
        printer_.reset();
    }
    void TearDown() override { finish(); }

    // Offers the held jobs as the once-a-second timer does, and runs the answers.
    void offerHeld() {
        bench_->station().offerHeldJobs();
        bench_->settle();
    }
    int saidCount(const std::string& key) const {
        int n = 0;
        for (const auto& e : bench_->events()) {
            n += e.messageKey == key ? 1 : 0;
        }
        return n;
    }
    ScriptedPrinter& printer() { return *printer_; }

    TempDir tmp_;
    std::unique_ptr<Bench> bench_;
    std::unique_ptr<ScriptedPrinter> printer_;
};

// Order 1001 (2 T-shirts, 1 mug) in two parcels: two labels, in this order.
void packInTwoParcels(Bench& b) {
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan(command::kNewParcel)));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan("MUG-CAFE")));
}

TEST_F(PrintingTest, LabelsAreHeldWhileThePrinterIsDownThenPrintedOnceInOrder) {
    auto& b = open(ScriptedPrinter::Mode::Offline, false);
    packInTwoParcels(b);
    EXPECT_EQ(b.column("SELECT state FROM labels ORDER BY id"),
              (std::vector<std::string>{"held", "held"}));
    // The packer is told of each, once, with the printer's reason; the order still ships.
    EXPECT_EQ(saidCount("label_held"), 2);
    EXPECT_EQ(b.orderState("1001"), "shipped");
    // The second label never went to the printer: the first waits, so it waits behind it.
    EXPECT_EQ(printer().offered, (std::vector<std::string>{"label-1"}));

    // Still down: nothing is offered.
    offerHeld();
    EXPECT_EQ(printer().offered.size(), 1u);

    printer().up = true;
    printer().mode = ScriptedPrinter::Mode::Prints;
    offerHeld();
    EXPECT_EQ(printer().printed, (std::vector<std::string>{"label-1", "label-2"}));
    EXPECT_EQ(b.column("SELECT state FROM labels ORDER BY id"),
              (std::vector<std::string>{"printed", "printed"}));
    EXPECT_EQ(saidCount("print_jobs_resumed"), 1);
    EXPECT_EQ(saidCount("label_printed"), 2);

    // Nothing is left to offer: asking again prints nothing twice.
    offerHeld();
    EXPECT_EQ(printer().printed.size(), 2u);
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM activity WHERE kind = 'label_printed'"), 2);
}

TEST_F(PrintingTest, ANewLabelWaitsBehindHeldOnesEvenWhenThePrinterIsBack) {
    auto& b = open(ScriptedPrinter::Mode::Offline, false);
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan(command::kNewParcel)));
    // The printer is fixed; before the station offers label 1 again, parcel 2 closes.
    printer().up = true;
    printer().mode = ScriptedPrinter::Mode::Prints;
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan("MUG-CAFE")));
    EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 2"), "held");
    EXPECT_TRUE(printer().printed.empty());
    offerHeld();
    EXPECT_EQ(printer().printed, (std::vector<std::string>{"label-1", "label-2"}));
}

TEST_F(PrintingTest, AHeldLabelOfAVoidedParcelNeverPrints) {
    auto& b = open(ScriptedPrinter::Mode::Offline, false);
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan(command::kNewParcel)));
    ASSERT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "held");
    ASSERT_TRUE(accepted(b.scan(command::kVoid)));
    ASSERT_TRUE(said(b.scan("U-9001"), "label_voided"));

    printer().up = true;
    printer().mode = ScriptedPrinter::Mode::Prints;
    offerHeld();
    EXPECT_TRUE(printer().printed.empty());
    EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "voided");

    // The parcel is packed again: its new label prints, the voided one still does not.
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan("MUG-CAFE")));
    EXPECT_EQ(printer().printed, (std::vector<std::string>{"label-2"}));
}

TEST_F(PrintingTest, AHeldLabelOfAnOrderCancelledInTheShopIsWithdrawn) {
    auto& b = open(ScriptedPrinter::Mode::Offline, false);
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan(command::kNewParcel)));
    ASSERT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "held");

    shop::Order cancelled;
    cancelled.number = "1001";
    cancelled.shopId = "S1001";
    cancelled.status = "cancelled";
    cancelled.modifiedAt = "2024-03-05T10:00:00Z";
    b.station().applyShopOrders({cancelled}, "");
    b.settle();
    // The bench learns it at its next scan.
    EXPECT_FALSE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_EQ(b.orderState("1001"), "cancelled");

    printer().up = true;
    printer().mode = ScriptedPrinter::Mode::Prints;
    offerHeld();
    EXPECT_TRUE(printer().printed.empty());
    EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "withdrawn");
    EXPECT_EQ(saidCount("label_withdrawn_cancelled"), 1);
    EXPECT_EQ(saidCount("print_jobs_resumed"), 0);
    // And a reprint cannot bring it back.
    ASSERT_TRUE(accepted(b.scan("1002")));
    EXPECT_FALSE(accepted(b.scan(command::kReprint)));
    EXPECT_TRUE(printer().printed.empty());
}

TEST_F(PrintingTest, APrinterStillFailingWhenBackIsGivenTimeAndThePackerIsNotToldTwice) {
    auto& b = open(ScriptedPrinter::Mode::Offline, false);
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan(command::kNewParcel)));
    ASSERT_EQ(saidCount("label_held"), 1);

    // It says it is ready, yet refuses the job again.
    printer().up = true;
    offerHeld();
    EXPECT_EQ(printer().offered.size(), 2u);
    EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "held");
    EXPECT_EQ(saidCount("label_held"), 1);
    // Offered again at once, it is not: the printer gets a pause first.
    offerHeld();
    EXPECT_EQ(printer().offered.size(), 2u);

    // The packer need not wait: a reprint offers it now, and it prints once.
    printer().mode = ScriptedPrinter::Mode::Prints;
    ASSERT_TRUE(accepted(b.scan(command::kReprint)));
    EXPECT_EQ(printer().printed, (std::vector<std::string>{"label-1"}));
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM labels"), 1);
}

TEST_F(PrintingTest, ALabelThatMayHavePrintedIsNeverSentAgainByItself) {
    auto& b = open(ScriptedPrinter::Mode::CutShort, true);
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    auto out = b.scan(command::kNewParcel);
    ASSERT_TRUE(accepted(out));
    EXPECT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "uncertain");
    EXPECT_EQ(b.events().back().messageKey, "label_uncertain");
    EXPECT_FALSE(b.events().back().ok);
    EXPECT_NE(b.events().back().message.find("CMD-REPRINT"), std::string::npos);

    printer().mode = ScriptedPrinter::Mode::Prints;
    offerHeld();
    auto& again = restart(ScriptedPrinter::Mode::Prints, true, false);
    again.settle();
    EXPECT_TRUE(printer().offered.empty()) << "offered again after a restart";
    EXPECT_EQ(again.text("SELECT state FROM labels WHERE id = 1"), "uncertain");

    // The packer looked: it did not come out. A reprint sends it, under the same job.
    ASSERT_TRUE(accepted(again.scan(command::kReprint)));
    EXPECT_EQ(printer().printed, (std::vector<std::string>{"label-1"}));
    EXPECT_EQ(again.text("SELECT state FROM labels WHERE id = 1"), "printed");
}

TEST_F(PrintingTest, ALabelInFlightWhenTheDaemonDiedIsMarkedMayHavePrinted) {
    auto& b = open(ScriptedPrinter::Mode::NeverAnswers, true);
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan(command::kNewParcel)));
    ASSERT_EQ(printer().sentBytes, (std::vector<std::string>{"label-1"}));
    ASSERT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "sending");
    // While its bytes may be on their way, a reprint would risk a second label.
    EXPECT_TRUE(refused(b.scan(command::kReprint), "label_in_progress"));

    // A network or USB printer keeps no job ids across a restart: the station cannot know.
    auto& again = restart(ScriptedPrinter::Mode::Prints, true, false);
    EXPECT_TRUE(printer().offered.empty());
    EXPECT_EQ(again.text("SELECT state FROM labels WHERE id = 1"), "uncertain");
    EXPECT_EQ(again.count("SELECT COUNT(*) FROM activity WHERE kind = 'label_uncertain'"), 1);
}

TEST_F(PrintingTest, ASupervisorPrintsAgainALabelInDoubtOfAnOrderAlreadyGone) {
    auto& b = open(ScriptedPrinter::Mode::CutShort, true);
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    ASSERT_EQ(b.orderState("1001"), "shipped");
    ASSERT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "uncertain");
    // The packer went on with another order: CMD-REPRINT is about that one now.
    ASSERT_TRUE(accepted(b.scan("1002")));
    const auto listed = b.station().labelsJson({"uncertain"}).at("labels").as_array();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].at("id").as_int64(), 1);
    EXPECT_EQ(listed[0].at("order").as_string(), "1001");

    // Nothing came out: the supervisor prints it again, as the same job.
    printer().mode = ScriptedPrinter::Mode::Prints;
    const Station::Reprint done = b.station().reprintLabel(1, "Sophie Bernard");
    b.settle();
    ASSERT_TRUE(done.ok) << done.message;
    EXPECT_EQ(done.job, 1);
    EXPECT_EQ(printer().printed, (std::vector<std::string>{"label-1"}));
    EXPECT_TRUE(b.station().labelsJson({"uncertain"}).at("labels").as_array().empty());
    EXPECT_EQ(b.text("SELECT user FROM activity WHERE kind = 'label_reprinted'"), "Sophie Bernard");

    // Printed now: asked again, it is a copy; a label that does not exist is said so.
    const Station::Reprint copy = b.station().reprintLabel(1, "Sophie Bernard");
    b.settle();
    EXPECT_TRUE(copy.ok);
    EXPECT_EQ(copy.job, 2);
    EXPECT_TRUE(b.station().reprintLabel(99, "Sophie Bernard").unknown);
}

TEST_F(PrintingTest, ALabelInFlightIsOfferedAgainToAPrinterThatKnowsItsJobIds) {
    auto& b = open(ScriptedPrinter::Mode::NeverAnswers, true, true);
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan(command::kNewParcel)));
    ASSERT_EQ(b.text("SELECT state FROM labels WHERE id = 1"), "sending");

    auto& again = restart(ScriptedPrinter::Mode::Prints, true, true);
    EXPECT_EQ(printer().printed, (std::vector<std::string>{"label-1"}));
    EXPECT_EQ(again.text("SELECT state FROM labels WHERE id = 1"), "printed");
}

TEST_F(PrintingTest, HeldLabelsWaitAcrossARestart) {
    {
        auto& b = open(ScriptedPrinter::Mode::Offline, false);
        packInTwoParcels(b);
        ASSERT_EQ(b.count("SELECT COUNT(*) FROM labels WHERE state = 'held'"), 2);
    }
    auto& b = restart(ScriptedPrinter::Mode::Prints, true, false);
    EXPECT_TRUE(printer().offered.empty());
    offerHeld();
    EXPECT_EQ(printer().printed, (std::vector<std::string>{"label-1", "label-2"}));
    EXPECT_EQ(b.count("SELECT COUNT(*) FROM labels WHERE state = 'printed'"), 2);
}

TEST_F(PrintingTest, TheReturnsDeskRestockLabelIsHeldAndPrintedTheSameWay) {
    auto& b = open(ScriptedPrinter::Mode::Prints, true);
    ASSERT_TRUE(b.openAs("U-1001", "1001"));
    for (const char* code : {"TSHIRT-M-BLEU", "TSHIRT-M-BLEU", "MUG-CAFE"}) {
        ASSERT_TRUE(accepted(b.scan(code)));
    }
    ASSERT_EQ(printer().printed, (std::vector<std::string>{"label-1"}));

    // The returns desk grades a T-shirt resellable while the printer has no paper.
    printer().up = false;
    printer().mode = ScriptedPrinter::Mode::Offline;
    ASSERT_TRUE(accepted(b.scan("U-2001")));
    ASSERT_TRUE(accepted(b.scan("RMA-1001-1")));
    ASSERT_TRUE(accepted(b.scan("TSHIRT-M-BLEU")));
    ASSERT_TRUE(accepted(b.scan(command::kGradeResellable)));
    EXPECT_EQ(b.text("SELECT state FROM return_documents"), "held");
    EXPECT_EQ(saidCount("restock_label_held"), 1);

    printer().up = true;
    printer().mode = ScriptedPrinter::Mode::Prints;
    offerHeld();
    const std::string id = b.text("SELECT id FROM return_documents");
    EXPECT_EQ(printer().printed, (std::vector<std::string>{"label-1", "restock-" + id}));
    EXPECT_EQ(b.text("SELECT state FROM return_documents"), "printed");
    EXPECT_EQ(saidCount("restock_label_printed"), 1);
}

}  // namespace
}  // namespace station::test
