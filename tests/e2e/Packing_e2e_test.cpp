// End to end: a real stationd process packs every demo order through its TCP scanner and its
// HTTP API only, is killed with SIGKILL mid-order and restarted, and its journal is checked.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "tests/e2e/StationDaemon.h"
#include "tests/labels/ZplScan.h"

namespace {

using namespace e2e;

// Demo users and codes (config/demo.toml, config/demo-orders.json).
constexpr const char* kAlice = "U-1001";   // Alice Martin, packer
constexpr const char* kBruno = "U-1002";   // Bruno Lefèvre, packer
constexpr const char* kChloe = "U-2001";   // Chloé Petit, returns
constexpr const char* kSophie = "U-9001";  // Sophie Bernard, supervisor
constexpr const char* kSophieName = "Sophie Bernard";

constexpr const char* kTshirt = "3760123450010";
constexpr const char* kMug = "3760123450027";
constexpr const char* kCapsuleCase = "13760123450031";
constexpr const char* kHeadphones = "3760123450065";
constexpr const char* kCable = "3760123450072";
constexpr const char* kLamp = "3760123450089";
constexpr const char* kRug = "3760123450096";
constexpr const char* kTea = "3760123450102";
constexpr const char* kCandle = "3760123450119";
constexpr const char* kSoap = "3760123450126";

struct LabelRow {
    int64_t id = 0;
    std::string state;
    bool reprint = false;
    std::string tracking;
};

class PackingE2e : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/stationd-e2e-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr) << std::strerror(errno);
        dir_ = pattern;
        daemon_ = std::make_unique<StationDaemon>(dir_);
        ASSERT_EQ(daemon_->start(), "");
        connectScanner();
    }

    void TearDown() override {
        scanner_.reset();
        if (daemon_) {
            daemon_.reset();  // SIGKILL if a test left it running
        }
        if (HasFailure()) {
            std::cerr << "---- stationd output (" << dir_.string() << " kept) ----\n"
                      << readFile(dir_ / "stationd.log") << "---- end of stationd output ----\n";
        } else {
            std::error_code ec;
            fs::remove_all(dir_, ec);
        }
    }

    void connectScanner() {
        scanner_ = std::make_unique<ScannerConnection>(daemon_->scannerPort());
        ASSERT_EQ(scanner_->error(), "");
    }

    void restart() {
        scanner_.reset();
        // With --demo again, as `make demo` would: the import must skip what the journal holds.
        ASSERT_EQ(daemon_->start(), "");
        connectScanner();
    }

    ScanReply scan(const std::string& code) { return scanner_->scan(code); }

    void accept(const std::string& code) {
        const ScanReply r = scan(code);
        EXPECT_TRUE(r.ok) << "scan " << code << " answered: " << r.raw;
    }

    void refuse(const std::string& code, const std::string& reason) {
        const ScanReply r = scan(code);
        EXPECT_FALSE(r.ok) << "scan " << code << " answered: " << r.raw;
        EXPECT_EQ(r.reason, reason) << "scan " << code << " answered: " << r.raw;
    }

    json::value apiScan(const std::string& code) {
        const auto r = daemon_->post("/api/scan", json::object{{"code", code}, {"scanner", "api"}});
        EXPECT_TRUE(r.success()) << "POST /api/scan " << code << ": " << r.status << " " << r.error
                                 << r.body;
        return parseJson(r.body);
    }

    // The parcel is lifted off (zero), then put on: the reading a real scale gives per parcel.
    void weigh(int64_t grams) {
        for (int64_t g : {int64_t{0}, grams}) {
            const auto r =
                daemon_->post("/api/scale", json::object{{"grams", g}, {"stable", true}});
            EXPECT_TRUE(r.success())
                << "POST /api/scale " << g << ": " << r.status << " " << r.error << r.body;
        }
    }

    json::value order(const std::string& number) { return daemon_->order(number); }
    json::value status() { return daemon_->status(); }

    // Scale readings are handled after the HTTP answer: wait for what they cause.
    json::value waitOrderState(const std::string& number, const std::string& state) {
        json::value o;
        const bool reached = eventually([&] {
            o = order(number);
            return str(o, "state") == state;
        });
        EXPECT_TRUE(reached) << "order " << number << " never became " << state
                             << "; last seen: " << json::serialize(o);
        return o;
    }

    json::value waitParcelWeight(const std::string& number, size_t parcel, int64_t grams) {
        json::value o;
        const bool reached = eventually([&] {
            o = order(number);
            const auto& parcels = arr(o, "parcels");
            return parcel < parcels.size() && num(parcels[parcel], "weight_grams") == grams;
        });
        EXPECT_TRUE(reached) << "parcel " << parcel + 1 << " of " << number << " never weighed "
                             << grams << " g; last seen: " << json::serialize(o);
        return o;
    }

    json::value waitStatusAwaiting(const std::string& awaiting) {
        json::value s;
        const bool reached = eventually([&] {
            s = status();
            return str(s, "awaiting") == awaiting;
        });
        EXPECT_TRUE(reached) << "the station never awaited " << awaiting
                             << "; last status: " << json::serialize(s);
        return s;
    }

    static const json::value* line(const json::value& order, const std::string& sku) {
        for (const auto& l : arr(order, "lines")) {
            if (str(l, "sku") == sku) {
                return &l;
            }
        }
        return nullptr;
    }

    static int64_t packed(const json::value& order, const std::string& sku) {
        const auto* l = line(order, sku);
        return l ? num(*l, "packed") : -1;
    }

    static std::vector<std::string> serials(const json::value& order, const std::string& sku) {
        std::vector<std::string> out;
        if (const auto* l = line(order, sku)) {
            for (const auto& s : arr(*l, "serials")) {
                out.push_back(s.is_string() ? std::string(s.get_string()) : "?");
            }
        }
        return out;
    }

    // The activity entries of an order with this kind (message key), oldest first.
    static std::vector<json::value> activity(const json::value& order, const std::string& kind) {
        std::vector<json::value> out;
        for (const auto& a : arr(order, "activity")) {
            if (str(a, "kind") == kind) {
                out.push_back(a);
            }
        }
        return out;
    }

    std::unique_ptr<SQLite::Database> openJournal() {
        auto db = std::make_unique<SQLite::Database>(daemon_->journalPath().string(),
                                                     SQLite::OPEN_READONLY);
        db->setBusyTimeout(5000);
        return db;
    }

    std::vector<LabelRow> labels(const std::string& number, int parcelIndex) {
        auto db = openJournal();
        SQLite::Statement q(*db,
                            "SELECT l.id, l.state, l.reprint_of IS NOT NULL, l.tracking_number "
                            "FROM labels l JOIN parcels p ON p.id = l.parcel_id "
                            "WHERE p.order_number = ? AND p.idx = ? ORDER BY l.id");
        q.bind(1, number);
        q.bind(2, parcelIndex);
        std::vector<LabelRow> out;
        while (q.executeStep()) {
            out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                           q.getColumn(2).getInt() != 0, q.getColumn(3).getString()});
        }
        return out;
    }

    // The label as the printer got it; waits for the asynchronous print.
    std::string labelText(int64_t labelId) {
        const fs::path file = daemon_->labelFile(labelId);
        EXPECT_TRUE(eventually([&] { return fs::exists(file); })) << file << " never printed";
        return readFile(file);
    }

    // Every label printed for the order, drawn by a ZPL renderer that is not ours and read
    // with ZXing, carries its parcel's tracking number: GS1-128 with AI (00) and a DataMatrix
    // for an SSCC; no barcode at all for a customer pickup.
    void expectPrintedLabelsScanBack(const std::string& number) {
        REQUIRE_ZPL_RENDERER();
        EXPECT_TRUE(eventually([&] {
            auto db = openJournal();
            SQLite::Statement queued(
                *db,
                "SELECT COUNT(*) FROM labels l JOIN parcels p ON p.id = "
                "l.parcel_id WHERE p.order_number = ? AND l.state IN ('queued', "
                "'sending')");
            queued.bind(1, number);
            return queued.executeStep() && queued.getColumn(0).getInt() == 0;
        })) << "labels of order "
            << number << " still queued";
        auto db = openJournal();
        SQLite::Statement q(*db,
                            "SELECT l.id, l.tracking_number FROM labels l JOIN parcels p ON "
                            "p.id = l.parcel_id WHERE p.order_number = ? AND l.state = 'printed' "
                            "ORDER BY l.id");
        q.bind(1, number);
        std::vector<labels_test::ZplJob> jobs;
        std::vector<std::set<labels_test::Scan>> expected;
        while (q.executeStep()) {
            jobs.push_back({labelText(q.getColumn(0).getInt64())});
            const std::string tracking = q.getColumn(1).getString();
            if (tracking.empty()) {
                expected.push_back({});
            } else if (tracking.size() == 18) {
                expected.push_back({{"]C1", "00" + tracking}, {"]d1", tracking}});
            } else {
                expected.push_back({{"]C0", tracking}, {"]d1", tracking}});
            }
        }
        ASSERT_FALSE(jobs.empty()) << "no printed label for order " << number;
        const auto scans = labels_test::scanZplJobs(jobs);
        ASSERT_EQ(scans.size(), jobs.size());
        for (std::size_t i = 0; i < jobs.size(); ++i) {
            EXPECT_EQ(scans[i], expected[i]) << "label " << i + 1 << " of order " << number;
        }
    }

    std::vector<json::value> outbox(const std::string& number, const std::string& kind) {
        auto db = openJournal();
        SQLite::Statement q(*db,
                            "SELECT payload FROM outbox WHERE order_number = ? AND kind = ? "
                            "ORDER BY id");
        q.bind(1, number);
        q.bind(2, kind);
        std::vector<json::value> out;
        while (q.executeStep()) {
            out.push_back(parseJson(q.getColumn(0).getString()));
        }
        return out;
    }

    static void expectSscc(const std::string& sscc) {
        EXPECT_EQ(sscc.size(), 18u) << sscc;
        EXPECT_TRUE(std::all_of(sscc.begin(), sscc.end(), [](char c) {
            return c >= '0' && c <= '9';
        })) << sscc;
        // Extension digit 0 and company prefix 3012345 from config/demo.toml.
        EXPECT_EQ(sscc.substr(0, 8), "03012345") << sscc;
        EXPECT_TRUE(validGs1CheckDigit(sscc)) << sscc << " has a wrong GS1 check digit";
    }

    // What must hold in any journal, whatever was scanned.
    void expectJournalConsistent() {
        auto db = openJournal();
        EXPECT_EQ(db->execAndGet("PRAGMA integrity_check").getString(), "ok");

        SQLite::Statement dup(*db,
                              "SELECT tracking_number, COUNT(*) FROM parcels WHERE "
                              "COALESCE(tracking_number, '') != '' GROUP BY tracking_number "
                              "HAVING COUNT(*) > 1");
        while (dup.executeStep()) {
            ADD_FAILURE() << "tracking number " << dup.getColumn(0).getString() << " is on "
                          << dup.getColumn(1).getInt() << " parcels";
        }

        // Each shipped parcel: exactly one label that was not voided and is not a reprint
        // (none when the carrier's own label is stuck on), carrying the parcel's tracking.
        SQLite::Statement parcels(
            *db,
            "SELECT p.order_number, p.idx, o.shipping_method, COALESCE(p.tracking_number, ''), "
            "(SELECT COUNT(*) FROM labels l WHERE l.parcel_id = p.id AND l.reprint_of IS NULL "
            " AND l.state != 'voided'), "
            "(SELECT COUNT(*) FROM labels l WHERE l.parcel_id = p.id AND l.state != 'voided' "
            " AND l.tracking_number != COALESCE(p.tracking_number, '')), "
            "(SELECT COUNT(*) FROM tracking_numbers t WHERE t.number = p.tracking_number AND "
            " t.parcel_id = p.id AND t.state = 'active'), "
            "p.shipment_id IS NOT NULL "
            "FROM parcels p JOIN orders o ON o.number = p.order_number WHERE p.state = 'shipped'");
        while (parcels.executeStep()) {
            const std::string where = "parcel " + parcels.getColumn(1).getString() + " of order " +
                                      parcels.getColumn(0).getString();
            const std::string method = parcels.getColumn(2).getString();
            const std::string tracking = parcels.getColumn(3).getString();
            EXPECT_EQ(parcels.getColumn(4).getInt(), method == "chronopost" ? 0 : 1)
                << where << ": original labels not voided";
            EXPECT_EQ(parcels.getColumn(5).getInt(), 0)
                << where << ": a live label carries another tracking number";
            if (method != "pickup") {
                EXPECT_EQ(parcels.getColumn(6).getInt(), 1)
                    << where << ": tracking " << tracking << " is not its active number";
            }
            EXPECT_EQ(parcels.getColumn(7).getInt(), 1) << where << ": shipped without shipment";
        }

        SQLite::Statement shipments(
            *db,
            "SELECT s.id, s.order_number, "
            "(SELECT COUNT(*) FROM outbox WHERE kind = 'shipment' AND "
            " json_extract(payload, '$.shipment_id') = s.id), "
            "(SELECT COUNT(*) FROM parcels p WHERE p.shipment_id = s.id) FROM shipments s");
        int64_t count = 0;
        while (shipments.executeStep()) {
            ++count;
            const std::string where = "shipment " + shipments.getColumn(0).getString() +
                                      " of order " + shipments.getColumn(1).getString();
            EXPECT_EQ(shipments.getColumn(2).getInt(), 1) << where << ": outbox rows";
            EXPECT_GE(shipments.getColumn(3).getInt(), 1) << where << ": no parcel";
        }
        EXPECT_EQ(db->execAndGet("SELECT COUNT(*) FROM outbox WHERE kind = 'shipment'").getInt64(),
                  count)
            << "shipment outbox rows without a shipment";
    }

    fs::path dir_;
    std::unique_ptr<StationDaemon> daemon_;
    std::unique_ptr<ScannerConnection> scanner_;
};

// ---------------------------------------------------------------------------------------------

TEST_F(PackingE2e, RefusalsCountNothingAndAreLoggedAndBroadcast) {
    EventStream events(daemon_->url());
    ASSERT_EQ(events.connect(), "");

    struct Refusal {
        std::string reason;
        std::string order;  // the order the refusal is about, "" when none
        std::string kind;   // its activity entry (message key)
    };
    std::vector<Refusal> refusals;
    auto refused = [&](const std::string& code, const Refusal& r) {
        refuse(code, r.reason);
        refusals.push_back(r);
    };

    refused("1001", {"not_logged_in", "", "not_logged_in"});
    accept(kChloe);
    refused("1001", {"role_not_allowed", "1001", "role_not_allowed"});
    accept(kAlice);  // Chloé is logged out by Alice's badge
    EXPECT_EQ(str(get(status(), "user"), "name"), "Alice Martin");
    refused("1003", {"order_unpaid", "1003", "order_unpaid_transfer"});
    refused("1004", {"order_unpaid", "1004", "order_unpaid_cheque"});
    refused("1009", {"order_cancelled", "1009", "order_cancelled"});
    refused("1010", {"order_already_shipped", "1010", "order_already_shipped"});
    refused("1011", {"order_on_other_station", "1011", "order_on_other_station"});
    refused("9999", {"unknown_order", "", "unknown_order"});
    EXPECT_TRUE(isNull(status(), "order")) << "a refused order was opened";

    accept("1001");
    refused(kTea, {"wrong_item", "1001", "wrong_item"});  // green tea: orders 1003, 1013, 1014
    refused("3760123450011", {"bad_check_digit", "1001", "bad_check_digit"});  // T-shirt, last 0->1
    refused("HELLO-WORLD", {"unknown_code", "1001", "unknown_code"});
    refused("1002", {"order_already_open", "1001", "order_already_open"});
    accept("MUG-CAFE");
    refused(kMug, {"too_many", "1001", "too_many"});

    // The same refusal through the API: the answer says why, in the station's language.
    const json::value r = apiScan(kCandle);
    EXPECT_EQ(get(r, "ok"), json::value(false)) << r;
    EXPECT_EQ(str(r, "reason"), "wrong_item") << r;
    EXPECT_NE(str(r, "message").find(kCandle), std::string::npos) << r;
    ASSERT_FALSE(arr(r, "events").empty()) << r;
    EXPECT_EQ(str(arr(r, "events").back(), "type"), "scan.refused") << r;
    refusals.push_back({"wrong_item", "1001", "wrong_item"});

    // Nothing was counted or claimed by a refusal.
    const json::value o1001 = order("1001");
    EXPECT_EQ(packed(o1001, "TSHIRT-M-BLEU"), 0);
    EXPECT_EQ(packed(o1001, "MUG-CAFE"), 1);
    EXPECT_EQ(str(o1001, "state"), "in_progress");
    const std::vector<std::tuple<std::string, std::string, std::string>> untouched = {
        {"1003", "awaiting_payment", ""}, {"1004", "awaiting_payment", ""},
        {"1009", "cancelled", ""},        {"1010", "shipped", ""},
        {"1011", "ready", "bench-2"},     {"1002", "ready", ""}};
    for (const auto& [number, state, claim] : untouched) {
        const json::value o = order(number);
        EXPECT_EQ(str(o, "state"), state) << number;
        EXPECT_EQ(str(o, "claimed_by"), claim) << number;
        EXPECT_TRUE(arr(o, "parcels").empty()) << number << " got a parcel";
        for (const auto& l : arr(o, "lines")) {
            EXPECT_EQ(num(l, "packed"), 0) << number << " " << str(l, "sku");
        }
    }

    // Each refusal about an order is in that order's activity, under the name of who scanned.
    std::map<std::string, std::vector<std::string>> kindsByOrder;
    for (const auto& ref : refusals) {
        if (!ref.order.empty()) {
            kindsByOrder[ref.order].push_back(ref.kind);
        }
    }
    for (const auto& [number, kinds] : kindsByOrder) {
        const json::value o = order(number);
        std::multiset<std::string> expected(kinds.begin(), kinds.end());
        for (const auto& kind : expected) {
            const auto entries = activity(o, kind);
            EXPECT_EQ(entries.size(), expected.count(kind)) << number << " activity " << kind;
            for (const auto& e : entries) {
                // Chloé (returns) was refused under her own name; the rest were Alice's.
                EXPECT_EQ(str(e, "user"),
                          kind == "role_not_allowed" ? "Chlo\xC3\xA9 Petit" : "Alice Martin")
                    << number << " " << kind;
                EXPECT_EQ(str(e, "station"), "bench-1") << number << " " << kind;
            }
        }
    }

    // Every refusal reached the screens, in order, with its reason and order.
    auto refusedEvents = [](const std::vector<json::value>& all) {
        std::vector<json::value> out;
        for (const auto& m : all) {
            if (str(m, "type") == "scan.refused") {
                out.push_back(m);
            }
        }
        return out;
    };
    EXPECT_TRUE(events.waitFor([&](const std::vector<json::value>& all) {
        return refusedEvents(all).size() >= refusals.size();
    })) << "only "
        << refusedEvents(events.messages()).size() << " of " << refusals.size()
        << " refusals arrived on /api/events";
    const auto seen = refusedEvents(events.messages());
    ASSERT_EQ(seen.size(), refusals.size());
    for (size_t i = 0; i < refusals.size(); ++i) {
        EXPECT_EQ(str(seen[i], "reason"), refusals[i].reason) << "event " << i << ": " << seen[i];
        EXPECT_EQ(str(seen[i], "message_key"), refusals[i].kind) << "event " << i;
        EXPECT_EQ(str(seen[i], "order"), refusals[i].order) << "event " << i << ": " << seen[i];
        EXPECT_FALSE(str(seen[i], "message").empty()) << "event " << i;
    }
    // A badge is a password: the journal keeps that one was scanned, never its code.
    auto db = openJournal();
    EXPECT_EQ(db->execAndGet("SELECT COUNT(*) FROM scans WHERE code LIKE 'U-%'").getInt(), 0);
    EXPECT_GE(db->execAndGet("SELECT COUNT(*) FROM scans WHERE code = '[badge]'").getInt(), 2);
    expectJournalConsistent();
}

TEST_F(PackingE2e, Order1001PackedByGtinSkuAndAimCodeShipsWithAnSsccLabel) {
    accept(kAlice);
    accept("#1001");  // as printed on the packing slip
    accept(kTshirt);
    accept("TSHIRT-M-BLEU");
    accept(std::string("]E0") + kMug);  // a scanner that sends the AIM symbology prefix
    json::value o = order("1001");
    EXPECT_EQ(packed(o, "TSHIRT-M-BLEU"), 2);
    EXPECT_EQ(packed(o, "MUG-CAFE"), 1);
    ASSERT_EQ(arr(o, "parcels").size(), 1u) << o;
    EXPECT_EQ(num(item(o, "parcels", 0), "expected_weight_grams"), 2 * 180 + 350 + 300);
    EXPECT_EQ(str(o, "state"), "in_progress") << "shipped before the parcel was weighed";

    // A parcel still swinging on the scale does not count. The status shows the reading once
    // it was handled; only then is "nothing happened" a fact rather than a guess.
    const auto r = daemon_->post("/api/scale", json::object{{"grams", 1010}, {"stable", false}});
    EXPECT_TRUE(r.success()) << r.error << r.body;
    EXPECT_TRUE(eventually([&] {
        const json::value scale = get(status(), "scale");
        return str(scale, "status") == "in_motion" && num(scale, "grams") == 1010;
    })) << status();
    EXPECT_EQ(str(order("1001"), "state"), "in_progress") << "closed on an unstable weight";

    weigh(1045);  // 35 g over: within max(50 g, 5 %)
    o = waitOrderState("1001", "shipped");
    ASSERT_EQ(arr(o, "parcels").size(), 1u) << o;
    const json::value& parcel = item(o, "parcels", 0);
    EXPECT_EQ(str(parcel, "state"), "shipped");
    EXPECT_EQ(num(parcel, "weight_grams"), 1045);
    const std::string sscc = str(parcel, "tracking_number");
    expectSscc(sscc);

    const auto rows = labels("1001", 1);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].tracking, sscc);
    const std::string zpl = labelText(rows[0].id);
    EXPECT_NE(zpl.find("^FD>;>800" + sscc + "^FS"), std::string::npos) << zpl;
    EXPECT_NE(zpl.find("1001"), std::string::npos) << "no order number on the label";

    const auto shipments = outbox("1001", "shipment");
    ASSERT_EQ(shipments.size(), 1u);
    EXPECT_EQ(get(shipments[0], "partial"), json::value(false));
    ASSERT_EQ(arr(shipments[0], "parcels").size(), 1u);
    EXPECT_EQ(str(item(shipments[0], "parcels", 0), "tracking_number"), sscc);
    EXPECT_TRUE(arr(shipments[0], "backorder").empty());
    EXPECT_EQ(outbox("1001", "order_in_progress").size(), 1u);

    const json::value s = status();
    EXPECT_TRUE(isNull(s, "order")) << s;
    EXPECT_EQ(str(get(s, "user"), "name"), "Alice Martin") << "the packer stays logged in";
    EXPECT_TRUE(eventually([&] { return !activity(order("1001"), "label_printed").empty(); }));
    expectPrintedLabelsScanBack("1001");
    expectJournalConsistent();
}

TEST_F(PackingE2e, Order1002CasePackEan8UpcAAndGs1128) {
    accept(kBruno);
    accept("1002");
    // Through the API this time: the answer carries the events, the case counts for ten.
    json::value r = apiScan(kCapsuleCase);
    EXPECT_EQ(get(r, "ok"), json::value(true)) << r;
    EXPECT_TRUE(isNull(r, "reason")) << r;
    EXPECT_FALSE(str(r, "message").empty()) << r;
    bool sawCase = false;
    for (const auto& e : arr(r, "events")) {
        if (str(e, "message_key") == "item_packed_case") {
            sawCase = true;
            EXPECT_EQ(num(get(e, "params"), "count"), 10) << e;
            EXPECT_EQ(num(get(e, "params"), "packed"), 10) << e;
        }
    }
    EXPECT_TRUE(sawCase) << r;
    EXPECT_EQ(packed(order("1002"), "CAPS-ESPRESSO"), 10);
    accept(kCapsuleCase);
    EXPECT_EQ(packed(order("1002"), "CAPS-ESPRESSO"), 20);
    // A GS1-128 with AI 01 (a capsule box) and AI 10 (batch) is the same line: one too many.
    refuse("]C1010376012345003410LOT42", "too_many");
    accept("96380048");      // EAN-8 of the notebook
    accept("036000290059");  // UPC-A of the pen
    json::value o = order("1002");
    EXPECT_EQ(packed(o, "CAPS-ESPRESSO"), 20);
    EXPECT_EQ(packed(o, "CARNET-A5"), 1);
    EXPECT_EQ(packed(o, "STYLO-PLUME"), 1);

    weigh(20 * 60 + 120 + 40 + 300);
    o = waitOrderState("1002", "shipped");
    const auto shipments = outbox("1002", "shipment");
    ASSERT_EQ(shipments.size(), 1u);
    ASSERT_EQ(arr(shipments[0], "parcels").size(), 1u);
    std::map<std::string, int64_t> quantities;
    for (const auto& entry : arr(item(shipments[0], "parcels", 0), "items")) {
        quantities[str(entry, "sku")] = num(entry, "quantity");
    }
    EXPECT_EQ(quantities, (std::map<std::string, int64_t>{
                              {"CAPS-ESPRESSO", 20}, {"CARNET-A5", 1}, {"STYLO-PLUME", 1}}));
    expectSscc(str(item(o, "parcels", 0), "tracking_number"));
    EXPECT_TRUE(eventually([&] { return !activity(order("1002"), "label_printed").empty(); }));
    expectPrintedLabelsScanBack("1002");
    expectJournalConsistent();
}

TEST_F(PackingE2e, HeldOrderNeedsASupervisorAndSerialsAreAskedFor) {
    accept(kAlice);
    refuse("1005", "order_held");
    json::value s = status();
    EXPECT_EQ(str(s, "awaiting"), "approval") << s;
    ASSERT_TRUE(at(s, "pending_approval") && at(s, "pending_approval")->is_object()) << s;
    EXPECT_EQ(str(get(s, "pending_approval"), "kind"), "held_order") << s;
    EXPECT_EQ(str(get(s, "pending_approval"), "order"), "1005") << s;
    EXPECT_TRUE(isNull(s, "order")) << s;
    refuse(kHeadphones, "approval_required");
    refuse("CMD-APPROVE", "supervisor_required");  // Alice is a packer
    EXPECT_EQ(str(order("1005"), "state"), "ready");

    accept(kSophie);  // her badge approves; the bench stays Alice's
    s = status();
    EXPECT_EQ(str(s, "order"), "1005") << s;
    EXPECT_EQ(str(get(s, "user"), "name"), "Alice Martin") << s;
    EXPECT_TRUE(isNull(s, "awaiting")) << s;
    json::value o = order("1005");
    EXPECT_EQ(str(o, "risk_approved_by"), kSophieName);
    const auto approved = activity(o, "order_held_approved");
    ASSERT_EQ(approved.size(), 1u) << o;
    EXPECT_EQ(str(approved[0], "user"), kSophieName);

    accept(kHeadphones);
    EXPECT_EQ(str(status(), "awaiting"), "serial");
    refuse("CMD-CLOSE-PARCEL", "serial_required");
    refuse(kHeadphones, "serial_invalid");  // the product barcode again is not its serial
    EXPECT_EQ(packed(order("1005"), "CASQUE-BT"), 0);
    accept("SN-HX-0001");
    o = order("1005");
    EXPECT_EQ(packed(o, "CASQUE-BT"), 1);
    EXPECT_EQ(serials(o, "CASQUE-BT"), std::vector<std::string>{"SN-HX-0001"});
    weigh(290 + 300);
    waitOrderState("1005", "shipped");
    auto shipments = outbox("1005", "shipment");
    ASSERT_EQ(shipments.size(), 1u);
    ASSERT_EQ(arr(shipments[0], "parcels").size(), 1u);
    ASSERT_EQ(arr(item(shipments[0], "parcels", 0), "items").size(), 1u);
    EXPECT_EQ(json::serialize(arr(item(item(shipments[0], "parcels", 0), "items", 0), "serials")),
              R"(["SN-HX-0001"])");

    // 1006: the serial inside a GS1-128 (AI 01 + AI 21) needs no second scan.
    accept("1006");
    accept(std::string("]C101") + "0" + kHeadphones + "21SN-HX-0002");
    EXPECT_TRUE(isNull(status(), "awaiting"));
    accept("CABLE-USBC");
    accept("cable-usbc");  // SKUs are typed by hand too; case does not matter
    refuse(kCable, "too_many");
    o = order("1006");
    EXPECT_EQ(packed(o, "CASQUE-BT"), 1);
    EXPECT_EQ(serials(o, "CASQUE-BT"), std::vector<std::string>{"SN-HX-0002"});
    EXPECT_EQ(packed(o, "CABLE-USBC"), 2);
    weigh(290 + 2 * 45 + 300);
    waitOrderState("1006", "shipped");
    expectJournalConsistent();
}

TEST_F(PackingE2e, Order1007NeedsTwoParcelsEachWeighedAndLabelled) {
    accept(kAlice);
    accept("1007");
    accept(kLamp);
    refuse("CMD-NEW-PARCEL", "weigh_first");
    weigh(2100 + 300);
    waitParcelWeight("1007", 0, 2400);
    accept("CMD-NEW-PARCEL");  // closes parcel 1 with its label, starts parcel 2
    json::value o = order("1007");
    ASSERT_EQ(arr(o, "parcels").size(), 2u) << o;
    EXPECT_EQ(str(item(o, "parcels", 0), "state"), "closed");
    EXPECT_EQ(str(item(o, "parcels", 1), "state"), "open");
    EXPECT_EQ(num(status(), "parcel"), 2);
    const std::string first = str(item(o, "parcels", 0), "tracking_number");
    expectSscc(first);

    accept("BOX-L");  // the rug needs the large box
    accept(kRug);
    o = order("1007");
    EXPECT_EQ(str(item(o, "parcels", 1), "box"), "BOX-L");
    EXPECT_EQ(num(item(o, "parcels", 1), "expected_weight_grams"), 3400 + 550);
    weigh(3400 + 550);
    o = waitOrderState("1007", "shipped");
    ASSERT_EQ(arr(o, "parcels").size(), 2u) << o;
    std::set<std::string> trackings;
    for (int i = 0; i < 2; ++i) {
        const json::value& p = item(o, "parcels", i);
        EXPECT_EQ(str(p, "state"), "shipped");
        const std::string sscc = str(p, "tracking_number");
        expectSscc(sscc);
        trackings.insert(sscc);
        const auto rows = labels("1007", i + 1);
        ASSERT_EQ(rows.size(), 1u) << "parcel " << i + 1;
        EXPECT_NE(labelText(rows[0].id).find("^FD>;>800" + sscc + "^FS"), std::string::npos);
    }
    EXPECT_EQ(trackings.size(), 2u) << "both parcels got the same tracking number";
    EXPECT_EQ(trackings.count(first), 1u) << "parcel 1 changed its tracking number";
    EXPECT_EQ(json::serialize(arr(item(o, "parcels", 0), "items")),
              R"([{"sku":"LAMPE-ARCHI","quantity":1,"serials":[]}])");
    EXPECT_EQ(json::serialize(arr(item(o, "parcels", 1), "items")),
              R"([{"sku":"TAPIS-BERBERE","quantity":1,"serials":[]}])");
    const auto shipments = outbox("1007", "shipment");
    ASSERT_EQ(shipments.size(), 1u);
    EXPECT_EQ(arr(shipments[0], "parcels").size(), 2u);
    EXPECT_TRUE(eventually([&] { return activity(order("1007"), "label_printed").size() == 2; }));
    expectPrintedLabelsScanBack("1007");
    expectJournalConsistent();
}

TEST_F(PackingE2e, Order1008WeightMismatchIsApprovedBySupervisor) {
    accept(kAlice);
    accept("1008");
    accept(kCandle);
    accept(kCandle);
    accept("SAVON-LAVANDE");
    accept(kSoap);
    accept(kSoap);
    EXPECT_EQ(num(item(order("1008"), "parcels", 0), "expected_weight_grams"),
              2 * 420 + 3 * 100 + 300);
    weigh(1700);  // the soaps are heavier than the catalogue says: well over 5 %
    json::value s = waitStatusAwaiting("approval");
    ASSERT_TRUE(at(s, "pending_approval") && at(s, "pending_approval")->is_object()) << s;
    EXPECT_EQ(str(get(s, "pending_approval"), "kind"), "weight_mismatch") << s;
    refuse("SAVON-LAVANDE", "approval_required");
    refuse("CMD-CLOSE-PARCEL", "approval_required");
    refuse("CMD-APPROVE", "supervisor_required");
    json::value o = order("1008");
    EXPECT_EQ(str(o, "state"), "in_progress");
    EXPECT_EQ(str(item(o, "parcels", 0), "state"), "open");
    EXPECT_EQ(packed(o, "SAVON-LAVANDE"), 3);

    accept(kSophie);
    o = order("1008");
    EXPECT_EQ(str(o, "state"), "shipped") << o;
    EXPECT_EQ(num(item(o, "parcels", 0), "weight_grams"), 1700);
    EXPECT_EQ(str(item(o, "parcels", 0), "weight_approved_by"), kSophieName);
    const auto approved = activity(o, "weight_approved");
    ASSERT_EQ(approved.size(), 1u) << o;
    EXPECT_EQ(str(approved[0], "user"), kSophieName);
    EXPECT_EQ(num(get(approved[0], "params"), "weight"), 1700);
    s = status();
    EXPECT_TRUE(isNull(s, "awaiting")) << s;
    EXPECT_EQ(str(get(s, "user"), "name"), "Alice Martin") << s;
    const auto shipments = outbox("1008", "shipment");
    ASSERT_EQ(shipments.size(), 1u);
    EXPECT_EQ(num(item(shipments[0], "parcels", 0), "weight_grams"), 1700);
    EXPECT_TRUE(eventually([&] { return !activity(order("1008"), "label_printed").empty(); }));
    expectPrintedLabelsScanBack("1008");
    expectJournalConsistent();
}

TEST_F(PackingE2e, Order1014PartialShipmentWithVoidAndReprint) {
    accept(kAlice);
    accept("1014");
    accept(std::string("]C101") + "0" + kTea + "10LOT-7");  // GS1-128 with a batch
    accept(kTea);
    weigh(2 * 110 + 300);
    waitParcelWeight("1014", 0, 520);
    refuse("CMD-SHIP-PARTIAL", "close_parcel_first");
    accept("CMD-CLOSE-PARCEL");
    json::value o = order("1014");
    EXPECT_EQ(str(o, "state"), "in_progress") << "the candle is still missing";
    const std::string voidedSscc = str(item(o, "parcels", 0), "tracking_number");
    expectSscc(voidedSscc);

    // Reprint: a new job, the same bytes.
    auto rows = labels("1014", 1);
    ASSERT_EQ(rows.size(), 1u);
    const std::string original = labelText(rows[0].id);
    ASSERT_TRUE(eventually([&] { return labels("1014", 1)[0].state == "printed"; }));
    accept("CMD-REPRINT");
    rows = labels("1014", 1);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_TRUE(rows[1].reprint);
    EXPECT_EQ(labelText(rows[1].id), original);

    // Void: only a supervisor.
    accept("CMD-VOID-LABEL");
    json::value s = status();
    ASSERT_TRUE(at(s, "pending_approval") && at(s, "pending_approval")->is_object()) << s;
    EXPECT_EQ(str(get(s, "pending_approval"), "kind"), "void_label") << s;
    refuse("CMD-APPROVE", "supervisor_required");
    accept(kSophie);
    o = order("1014");
    EXPECT_EQ(str(item(o, "parcels", 0), "state"), "open") << o;
    EXPECT_TRUE(isNull(item(o, "parcels", 0), "tracking_number")) << o;
    for (const auto& row : labels("1014", 1)) {
        EXPECT_EQ(row.state, "voided") << "label " << row.id;
    }
    const auto voided = activity(o, "label_voided");
    ASSERT_EQ(voided.size(), 1u);
    EXPECT_EQ(str(voided[0], "user"), kSophieName);

    // Closed again: a new tracking number, never the voided one.
    accept("CMD-CLOSE-PARCEL");
    o = order("1014");
    const std::string sscc = str(item(o, "parcels", 0), "tracking_number");
    expectSscc(sscc);
    EXPECT_NE(sscc, voidedSscc);

    accept("CMD-SHIP-PARTIAL");
    s = status();
    ASSERT_TRUE(at(s, "pending_approval") && at(s, "pending_approval")->is_object()) << s;
    EXPECT_EQ(str(get(s, "pending_approval"), "kind"), "partial_shipment") << s;
    accept(kSophie);
    o = order("1014");
    EXPECT_EQ(str(o, "state"), "partially_shipped") << o;
    EXPECT_EQ(str(item(o, "parcels", 0), "state"), "shipped");
    const auto shipments = outbox("1014", "shipment");
    ASSERT_EQ(shipments.size(), 1u);
    const json::value& payload = shipments[0];
    EXPECT_EQ(get(payload, "partial"), json::value(true));
    ASSERT_EQ(arr(payload, "backorder").size(), 1u) << payload;
    EXPECT_EQ(str(item(payload, "backorder", 0), "sku"), "BOUGIE-FIGUE");
    EXPECT_EQ(num(item(payload, "backorder", 0), "quantity"), 1);
    ASSERT_EQ(arr(payload, "parcels").size(), 1u);
    EXPECT_EQ(str(item(payload, "parcels", 0), "tracking_number"), sscc);
    ASSERT_EQ(arr(item(payload, "parcels", 0), "items").size(), 1u);
    const json::value& teas = item(item(payload, "parcels", 0), "items", 0);
    EXPECT_EQ(num(teas, "quantity"), 2);
    EXPECT_EQ(json::serialize(arr(teas, "batches")), R"(["LOT-7"])");

    // Every command is in the activity.
    for (const char* kind : {"parcel_closed", "label_reprinted", "void_requested", "label_voided",
                             "partial_requested", "order_partially_shipped"}) {
        EXPECT_FALSE(activity(o, kind).empty()) << kind;
    }
    EXPECT_EQ(activity(o, "parcel_closed").size(), 2u);
    rows = labels("1014", 1);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[2].tracking, sscc);
    EXPECT_NE(labelText(rows[2].id).find("^FD>;>800" + sscc + "^FS"), std::string::npos);

    // The candle is back in stock: the backorder ships as a second, complete shipment.
    EXPECT_TRUE(isNull(status(), "order"));
    accept("1014");
    refuse(kTea, "too_many");  // the teas left with the first shipment
    accept(kCandle);
    weigh(420 + 300);
    o = waitOrderState("1014", "shipped");
    ASSERT_EQ(arr(o, "parcels").size(), 2u) << o;
    EXPECT_EQ(str(item(o, "parcels", 0), "tracking_number"), sscc);
    const auto both = outbox("1014", "shipment");
    ASSERT_EQ(both.size(), 2u);
    EXPECT_EQ(get(both[1], "partial"), json::value(false)) << both[1];
    EXPECT_TRUE(arr(both[1], "backorder").empty()) << both[1];
    ASSERT_EQ(arr(both[1], "parcels").size(), 1u) << both[1];
    EXPECT_EQ(str(item(item(both[1], "parcels", 0), "items", 0), "sku"), "BOUGIE-FIGUE");
    // The reprint and the label after the void, and the backorder's parcel.
    EXPECT_TRUE(eventually([&] { return activity(order("1014"), "label_printed").size() >= 3; }));
    expectPrintedLabelsScanBack("1014");
    expectJournalConsistent();
}

TEST_F(PackingE2e, PickupAndCarrierLabelOrders) {
    accept(kAlice);
    accept("1012");
    accept(kMug);
    accept(kMug);
    weigh(2 * 350 + 300);
    json::value o = waitOrderState("1012", "shipped");
    EXPECT_TRUE(isNull(item(o, "parcels", 0), "tracking_number")) << o;
    auto rows = labels("1012", 1);
    ASSERT_EQ(rows.size(), 1u) << "a pickup parcel still gets its label";
    EXPECT_NE(labelText(rows[0].id).find("1012"), std::string::npos);

    accept("1013");
    accept(kTea);
    accept(kSoap);
    weigh(110 + 100 + 300);
    waitStatusAwaiting("carrier_label");
    EXPECT_EQ(str(order("1013"), "state"), "in_progress");
    refuse(kTea, "carrier_label_invalid");  // a product, not a tracking number
    refuse("RR12", "carrier_label_invalid");
    accept("RR123456785FR");  // UPU S10 with its check digit
    o = order("1013");
    EXPECT_EQ(str(o, "state"), "shipped") << o;
    EXPECT_EQ(str(item(o, "parcels", 0), "tracking_number"), "RR123456785FR");
    EXPECT_TRUE(labels("1013", 1).empty()) << "the carrier's label is already on the parcel";
    const auto shipments = outbox("1013", "shipment");
    ASSERT_EQ(shipments.size(), 1u);
    EXPECT_EQ(str(shipments[0], "carrier"), "Chronopost");
    EXPECT_EQ(str(item(shipments[0], "parcels", 0), "tracking_number"), "RR123456785FR");
    EXPECT_TRUE(eventually([&] { return !activity(order("1012"), "label_printed").empty(); }));
    expectPrintedLabelsScanBack("1012");
    expectJournalConsistent();
}

TEST_F(PackingE2e, PickListAndPackingSlipsGoToTheDocumentsPrinter) {
    auto r = daemon_->post("/api/print/pick-list", json::object{{"orders", {"1001", "1002"}}});
    ASSERT_EQ(r.status, 200) << r.body;
    const json::value pick = parseJson(r.body);
    EXPECT_EQ(str(pick, "printer"), "office-1");
    EXPECT_EQ(str(pick, "language"), "pdf");
    const fs::path file = daemon_->dataDir() / "documents" / (str(pick, "job") + ".pdf");
    EXPECT_TRUE(eventually([&] { return fs::exists(file); })) << file;
    EXPECT_EQ(static_cast<int64_t>(fs::file_size(file)), num(pick, "bytes"));

    r = daemon_->post("/api/print/packing-slips", json::object{{"orders", {"1001"}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(num(parseJson(r.body), "pages"), 1);

    r = daemon_->post("/api/print/pick-list", json::object{{"orders", {"1001", "4242"}}});
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(str(parseJson(r.body), "error"), "no order 4242");
    r = daemon_->post("/api/print/packing-slips", json::object{{"orders", json::array{}}});
    EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(PackingE2e, StationctlPrintsTheCommandSheetAndListsTheDevices) {
    auto [status, out] = stationctl(daemon_->url(), "print command-sheet");
    ASSERT_EQ(status, 0) << out;
    EXPECT_NE(out.find("Command sheet sent to office-1 as job command-sheet-"), std::string::npos)
        << out;
    const std::string job =
        out.substr(out.find("command-sheet-"),
                   out.find(' ', out.find("command-sheet-")) - out.find("command-sheet-"));
    EXPECT_TRUE(eventually([&] {
        return fs::exists(daemon_->dataDir() / "documents" / (job + ".pdf"));
    })) << job;

    std::tie(status, out) = stationctl(daemon_->url(), "print pick-list");
    EXPECT_EQ(status, 2) << out;
    EXPECT_NE(out.find("needs at least one order number"), std::string::npos) << out;

    std::tie(status, out) = stationctl(daemon_->url(), "devices");
    EXPECT_EQ(status, 0) << out;
    for (const char* name : {"bench", "bench-scale", "zebra-1", "office-1"}) {
        EXPECT_NE(out.find(name), std::string::npos) << name << " not listed:\n" << out;
    }
}

TEST_F(PackingE2e, KilledMidOrderResumesExactlyWhereTheScansWereAcknowledged) {
    accept(kBruno);
    accept("1006");
    accept("CABLE-USBC");
    accept(kCable);
    accept(kHeadphones);  // now waiting for its serial
    daemon_->killHard();
    restart();

    json::value s = status();
    EXPECT_EQ(str(get(s, "user"), "name"), "Bruno Lefèvre") << s;
    EXPECT_EQ(str(s, "order"), "1006") << s;
    EXPECT_EQ(num(s, "parcel"), 1) << s;
    EXPECT_EQ(str(s, "awaiting"), "serial") << s;
    json::value o = order("1006");
    EXPECT_EQ(packed(o, "CABLE-USBC"), 2);
    EXPECT_EQ(packed(o, "CASQUE-BT"), 0);
    EXPECT_EQ(str(o, "state"), "in_progress");
    EXPECT_EQ(str(o, "claimed_by"), "bench-1");
    accept("SN-K-0001");
    weigh(290 + 2 * 45 + 300);
    o = waitOrderState("1006", "shipped");
    EXPECT_EQ(serials(o, "CASQUE-BT"), std::vector<std::string>{"SN-K-0001"});

    // Killed again between two parcels, right after the first label was queued.
    accept("1007");
    accept(kLamp);
    weigh(2400);
    waitParcelWeight("1007", 0, 2400);
    accept("CMD-NEW-PARCEL");
    accept(kRug);
    const std::string first = str(item(order("1007"), "parcels", 0), "tracking_number");
    expectSscc(first);
    daemon_->killHard();
    restart();

    s = status();
    EXPECT_EQ(str(s, "order"), "1007") << s;
    EXPECT_EQ(num(s, "parcel"), 2) << s;
    o = order("1007");
    ASSERT_EQ(arr(o, "parcels").size(), 2u) << o;
    EXPECT_EQ(str(item(o, "parcels", 0), "tracking_number"), first);
    EXPECT_EQ(packed(o, "LAMPE-ARCHI"), 1);
    EXPECT_EQ(packed(o, "TAPIS-BERBERE"), 1);
    weigh(3400 + 300);
    o = waitOrderState("1007", "shipped");
    const std::string second = str(item(o, "parcels", 1), "tracking_number");
    expectSscc(second);
    EXPECT_NE(second, first);
    for (int i = 1; i <= 2; ++i) {
        const auto rows = labels("1007", i);
        ASSERT_EQ(rows.size(), 1u) << "parcel " << i;
        EXPECT_TRUE(eventually([&] { return fs::exists(daemon_->labelFile(rows[0].id)); }))
            << "the label of parcel " << i << " was lost in the crash";
    }
    // The demo import on restart must not have re-created anything.
    EXPECT_EQ(outbox("1006", "order_in_progress").size(), 1u);
    EXPECT_EQ(outbox("1006", "shipment").size(), 1u);
    expectJournalConsistent();
}

TEST_F(PackingE2e, InternalNotesStayOnTheStationCustomerNotesGoToTheShop) {
    auto post = [&](const std::string& text, bool internal) {
        const auto r = daemon_->post("/api/orders/1001/notes",
                                     json::object{{"text", text}, {"internal", internal}});
        EXPECT_EQ(r.status, 201) << r.error << r.body;
    };
    post("Carton abîmé, remplacé", true);
    json::value o = order("1001");
    auto notes = activity(o, "note");
    ASSERT_EQ(notes.size(), 1u) << o;
    EXPECT_EQ(get(notes[0], "internal"), json::value(true));
    EXPECT_EQ(str(get(notes[0], "params"), "text"), "Carton abîmé, remplacé");
    EXPECT_TRUE(outbox("1001", "note").empty()) << "an internal note left the station";

    post("Votre colis part demain", false);
    notes = activity(order("1001"), "note");
    ASSERT_EQ(notes.size(), 2u);
    EXPECT_EQ(get(notes[1], "internal"), json::value(false));
    const auto rows = outbox("1001", "note");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(str(rows[0], "note"), "Votre colis part demain");
    EXPECT_EQ(daemon_->post("/api/orders/4242/notes", json::object{{"text", "x"}}).status, 404);
}

TEST_F(PackingE2e, SigtermStopsCleanlyEvenWithClientsConnected) {
    EventStream events(daemon_->url());
    ASSERT_EQ(events.connect(), "");
    accept(kAlice);  // the scanner connection stays open, as a real one does
    daemon_->signal(SIGTERM);
    // The screen is told the daemon goes away (and answers the close, as a browser does).
    EXPECT_FALSE(events.waitFor([](const std::vector<json::value>&) { return false; }, 15s));
    EXPECT_FALSE(events.isOpen()) << "the WebSocket stayed open after SIGTERM";
    EXPECT_NE(events.closeReason().find("stationd closed the connection"), std::string::npos)
        << events.closeReason();
    const auto exit = daemon_->waitForExit(15s);
    ASSERT_TRUE(exit.has_value()) << "stationd still running 15 s after SIGTERM";
    EXPECT_TRUE(WIFEXITED(*exit)) << describeWaitStatus(*exit);
    EXPECT_EQ(WEXITSTATUS(*exit), 0) << describeWaitStatus(*exit);
    // The journal is whole and keeps the session for the next start.
    auto db = openJournal();
    EXPECT_EQ(db->execAndGet("PRAGMA integrity_check").getString(), "ok");
    EXPECT_EQ(db->execAndGet("SELECT user_name FROM session").getString(), "Alice Martin");
}

// ---------------------------------------------------------------------------------------------
// Behaviours a packer needs that the first version of the daemon got wrong.

// The returns role cannot pack, not even an order a packer left open on this bench.
TEST_F(PackingE2e, ReturnsUserCannotPackAnOrderLeftOpen) {
    accept(kAlice);
    accept("1001");
    accept(kMug);
    accept(kChloe);
    refuse(kTshirt, "role_not_allowed");
    EXPECT_EQ(packed(order("1001"), "TSHIRT-M-BLEU"), 0);
}

// A code shaped like a UPU S10 number (2 letters, 8 digits, check digit, 2 letters) with a
// wrong check digit is a misread or a typo: it must not ship as a dead tracking number.
TEST_F(PackingE2e, CarrierLabelWithWrongS10CheckDigitIsRefused) {
    accept(kAlice);
    accept("1013");
    accept(kTea);
    accept(kSoap);
    weigh(110 + 100 + 300);
    waitStatusAwaiting("carrier_label");
    refuse("RR123456784FR", "carrier_label_invalid");  // the check digit of 12345678 is 5
    EXPECT_EQ(str(order("1013"), "state"), "in_progress");
}

// Voiding parcel 1's label after CMD-NEW-PARCEL started parcel 2: once parcel 1 is closed
// again, the next item goes into the empty parcel 2, not a parcel 3, and its label reads 2/2.
TEST_F(PackingE2e, VoidInATwoParcelOrderKeepsParcelNumbers) {
    accept(kAlice);
    accept("1007");
    accept(kLamp);
    weigh(2400);
    waitParcelWeight("1007", 0, 2400);
    accept("CMD-NEW-PARCEL");
    accept("CMD-VOID-LABEL");
    accept(kSophie);
    accept("CMD-CLOSE-PARCEL");  // parcel 1 again, with a new tracking number
    accept(kRug);
    weigh(3400 + 300);
    const json::value o = waitOrderState("1007", "shipped");
    std::vector<int64_t> indexes;
    for (const auto& p : arr(o, "parcels")) {
        indexes.push_back(num(p, "index"));
    }
    EXPECT_EQ(indexes, (std::vector<int64_t>{1, 2})) << o;
    const auto rows = labels("1007", static_cast<int>(indexes.back()));
    ASSERT_FALSE(rows.empty());
    EXPECT_NE(labelText(rows.back().id).find("^FD2/2^FS"), std::string::npos)
        << "the label of the second box does not read 2/2";
    expectJournalConsistent();
}

}  // namespace
