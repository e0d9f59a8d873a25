// Crash safety, proven (issue 7): kills a real stationd with SIGKILL at random moments while a
// scripted bench packs orders through the TCP scanner and the simulated scale, restarts it on
// the same data directory and checks after every restart that nothing acknowledged was lost
// and nothing was done twice.
//
// Usage: crash_harness [--kills N] [--seed S] [--max-delay-ms MS] [--keep] [--verbose]
//                      [--stationd PATH]
//        crash_harness --audit DATA_DIR [--config FILE]
//   --kills 20 is the brief run of `make test`; `make crash-test` runs --kills 200.
//   --audit runs only the checks that need no bench (journal, labels, outbox) on a data
//   directory, e.g. one kept by a failed run or a copy taken from a bench.
// Exit status 0 when every check held, 1 on any violation (the data directory is then kept),
// 2 when the harness could not run at all.

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "config/StationConfig.h"
#include "station/Journal.h"
#include "sync/HttpsClient.h"
#include "tests/crash/CrashDaemon.h"
#include "tests/crash/JournalAudit.h"
#include "tools/shopsim/ShopSimulator.h"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;
namespace http = boost::beast::http;
using crash::SteadyClock;

// The demo station's packer, and the name the status shows for her (config/demo.toml).
constexpr const char* kBadge = "U-1001";
constexpr const char* kPacker = "Alice Martin";
constexpr const char* kStationId = "bench-1";
constexpr int64_t kBoxTareGrams = 300;  // BOX-M, the demo's default box
// Within the demo's tolerance (max of 50 g and 5 %) whatever the order weighs.
constexpr int kWeightJitterGrams = 30;
// Orders offered to the daemon per start: more than a bench packs between two kills.
constexpr int kOrderWindow = 120;
constexpr int kFirstOrderNumber = 700001;

// The demo catalogue without serialised items, case packs or parcels too heavy for BOX-M.
struct Product {
    const char* sku;
    const char* gtin;  // as printed on the item, so EAN-8 and UPC-A are scanned as such
    const char* name;
    int grams;
};
constexpr Product kCatalogue[] = {
    {"TSHIRT-M-BLEU", "3760123450010", "T-shirt bleu marine, taille M", 180},
    {"MUG-CAFE", "3760123450027", "Mug « Café de Flore »", 350},
    {"CARNET-A5", "96380048", "Carnet A5 pointillé", 120},
    {"STYLO-PLUME", "036000290059", "Fountain pen, black", 40},
    {"THE-VERT", "3760123450102", "Thé vert Sencha", 110},
    {"BOUGIE-FIGUE", "3760123450119", "Bougie parfumée figue", 420},
    {"SAVON-LAVANDE", "3760123450126", "Savon lavande", 100},
    {"CABLE-USBC", "3760123450072", "Câble USB-C 1 m", 45},
};
constexpr int kProducts = static_cast<int>(std::size(kCatalogue));

const char* const kCustomers[] = {"Élodie Durand", "François Lefèvre", "Zoé Bénard",
                                  "Jérôme Garçon", "Anaïs Moreau",     "Gaëlle Noël",
                                  "Hélène Côté",   "Loïc Brûlé"};
const char* const kStreets[] = {"5 place Bellecour", "3 allée des Châtaigniers",
                                "18 rue du Faubourg Saint-Honoré", "7 quai de l'Hôtel-de-Ville"};
const std::pair<const char*, const char*> kCities[] = {
    {"69002", "Lyon"}, {"25000", "Besançon"}, {"45000", "Orléans"}, {"42000", "Saint-Étienne"}};

struct PlannedLine {
    int product = 0;
    int quantity = 0;
};

struct PlannedOrder {
    std::string number;
    std::vector<PlannedLine> lines;
    int64_t itemGrams() const {
        int64_t g = 0;
        for (const auto& l : lines) {
            g += static_cast<int64_t>(kCatalogue[l.product].grams) * l.quantity;
        }
        return g;
    }
};

// What the bench was doing when a kill landed; read by the killer thread.
enum Phase : int {
    kBetween = 0,  // between two steps, or idle with nothing left to pack
    kScanBadge,
    kScanOpen,
    kScanItem,
    kScanRefused,
    kWeigh,
    kWaitShipped,
    kLiftParcel,
    kPhaseCount
};
const char* phaseName(int p) {
    static const char* kNames[] = {
        "between steps", "badge scan",    "order scan",           "item scan",
        "refused scan",  "weight posted", "waiting for shipment", "parcel lifted off"};
    return p >= 0 && p < kPhaseCount ? kNames[p] : "?";
}

// One scan the bench sent, as the journal must record it (a badge is stored as "[badge]").
struct SentScan {
    std::string code;
    std::string journalCode;
    std::string order;  // the order it concerns, "" for a badge
    int phase = kBetween;
    int sku = -1;  // the product of an item scan
    bool acked = false;
    bool okReply = false;
    std::string reason;
    std::string raw;
    int life = 0;
};

// The bench's belief about one order, from acknowledgements only, corrected after each restart
// by what the daemon proves happened to the one step that was in flight.
struct OrderProgress {
    PlannedOrder plan;
    bool opened = false;
    std::map<int, int> packed;  // product -> count
    bool weightPosted = false;
    bool shipped = false;  // seen as shipped through the API
    int remaining() const {
        int n = 0;
        for (const auto& l : plan.lines) {
            const auto it = packed.find(l.product);
            n += l.quantity - (it == packed.end() ? 0 : it->second);
        }
        return n;
    }
};

struct Options {
    int kills = 20;
    uint64_t seed = 0;
    bool seedGiven = false;
    int minDelayMs = 2;
    int maxDelayMs = 200;
    // Share of the kills aimed at a daemon that is starting (recovery, migration, import).
    double startupShare = 0.1;
    bool keep = false;
    bool verbose = false;
    std::string stationd;  // another build to test; default: the one beside the harness
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    const size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
    return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

std::string ms(double v) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << v << " ms";
    return out.str();
}

class Harness {
  public:
    Harness(Options options, fs::path dir)
        : options_(options),
          dir_(std::move(dir)),
          ordersFile_(dir_ / "orders.json"),
          rng_(options.seed),
          daemon_(dir_, ordersFile_, options.stationd),
          killer_(daemon_, phase_) {}

    ~Harness() {
        if (shop_) {
            shop_->stop();
            shopIo_.stop();
            shopThread_.join();
        }
    }

    int run() {
        const auto started = SteadyClock::now();
        const auto cfg = config::loadConfig(daemon_.configPath());
        if (!cfg.config) {
            std::cerr << "crash harness: the generated config does not load\n";
            return 2;
        }
        if (auto err = startShop(); !err.empty()) {
            std::cerr << "crash harness: the shop simulator: " << err << "\n";
            return 2;
        }
        audit_ = std::make_unique<crash::JournalAudit>(daemon_.journalPath(), daemon_.labelsDir(),
                                                       cfg.config->ssccFirstSerial);
        std::cout << "crash harness: seed " << options_.seed << ", " << options_.kills
                  << " kills, kill delay " << options_.minDelayMs << "-" << options_.maxDelayMs
                  << " ms, data in " << dir_.string() << std::endl;

        if (!startServing() || !afterRestart()) {
            return finish(started);
        }
        while (kills_ < options_.kills && violations_.empty()) {
            const auto delay = std::chrono::microseconds(std::uniform_int_distribution<int64_t>(
                options_.minDelayMs * 1000, options_.maxDelayMs * 1000)(rng_));
            killer_.arm(delay);
            const auto life = SteadyClock::now();
            bench();
            const auto failedAt = SteadyClock::now();
            killer_.join();
            const auto status = daemon_.reap();
            if (!violations_.empty()) {
                break;
            }
            const bool killedByUs = status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
            if (!killer_.fired() || failedAt < killer_.firedAt() || !killedByUs) {
                fail("stationd stopped answering " + ms(msSince(life, failedAt)) +
                     " into its life, " +
                     (killer_.fired() ? "the harness killed it " +
                                            ms(msSince(life, killer_.firedAt())) + " into it"
                                      : std::string("before the harness killed it")) +
                     " (" +
                     (status ? e2e::describeWaitStatus(*status) : std::string("not running")) +
                     "); its output ends with:\n" + tail(daemon_.log()));
                break;
            }
            ++kills_;
            killTimes_.push_back(station::isoTime(std::chrono::system_clock::now()));
            const int phase = killer_.firedPhase();
            ++killsByPhase_[phase];
            lastKill_ = "kill " + std::to_string(kills_) + ", " +
                        ms(static_cast<double>(delay.count()) / 1000.0) +
                        " after the bench resumed, during: " + phaseName(phase);
            if (!pending_.empty() && !pending_.back().acked) {
                lastKill_ += " (scan " + pending_.back().code + " unanswered)";
            }
            if (options_.verbose) {
                std::cout << lastKill_ << std::endl;
            }
            killDuringStartup();
            if (!violations_.empty() || !startServing() || !afterRestart()) {
                break;
            }
        }
        if (violations_.empty()) {
            finalChecks();
        }
        return finish(started);
    }

  private:
    // ---- the daemon's lives ----

    // Writes the orders file, starts stationd and times it from fork to the first 200 on
    // GET /api/status.
    bool startServing() {
        writeOrders();
        const auto t0 = SteadyClock::now();
        if (auto err = daemon_.spawn(); !err.empty()) {
            fail(err);
            return false;
        }
        if (auto err = daemon_.waitServing(20s); !err.empty()) {
            fail(err + "; its output ends with:\n" + tail(daemon_.log()));
            return false;
        }
        restartMs_.push_back(msSince(t0, SteadyClock::now()));
        return true;
    }

    // Some kills hit the daemon while it starts: recovering the WAL, migrating, importing the
    // orders. It must then start cleanly the next time.
    void killDuringStartup() {
        std::uniform_real_distribution<double> coin(0, 1);
        while (kills_ < options_.kills && coin(rng_) < options_.startupShare) {
            writeOrders();
            const double median = restartMs_.empty() ? 30.0 : percentile(restartMs_, 50);
            const auto delay = std::chrono::microseconds(static_cast<int64_t>(
                std::uniform_real_distribution<double>(0, median * 1000)(rng_)));
            const size_t logBefore = countServingLines();
            if (auto err = daemon_.spawn(); !err.empty()) {
                fail(err);
                return;
            }
            std::this_thread::sleep_for(delay);
            daemon_.sendKill();
            const auto status = daemon_.reap();
            ++kills_;
            killTimes_.push_back(station::isoTime(std::chrono::system_clock::now()));
            // The daemon prints its "API on" line just before it starts serving.
            const bool serving = countServingLines() > logBefore;
            ++(serving ? startupKillsServing_ : startupKillsEarly_);
            if (status && !(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)) {
                fail("stationd ended by itself while starting (" +
                     e2e::describeWaitStatus(*status) + "); its output ends with:\n" +
                     tail(daemon_.log()));
                return;
            }
            if (options_.verbose) {
                std::cout << "kill " << kills_ << ", "
                          << ms(static_cast<double>(delay.count()) / 1000.0)
                          << " after spawn, during startup" << (serving ? " (already serving)" : "")
                          << std::endl;
            }
        }
    }

    size_t countServingLines() const {
        const std::string log = daemon_.log();
        size_t n = 0;
        for (size_t at = log.find("API on http"); at != std::string::npos;
             at = log.find("API on http", at + 1)) {
            ++n;
        }
        return n;
    }

    void finalChecks() {
        // Let the daemon print what it found queued, then check once more while it runs.
        crash::Audit audit;
        const bool printed = e2e::eventually(
            [&] {
                audit = audit_->check(lastScanId_);
                return !audit.violations.empty() || audit.figures.labelsQueued == 0;
            },
            10s);
        if (!printed) {
            fail("labels still queued 10 s after the last restart");
        }
        for (const auto& v : audit.violations) {
            fail(v);
        }
        if (!audit.newScans.empty()) {
            fail("the journal holds " + std::to_string(audit.newScans.size()) +
                 " scans that nobody sent since the last restart");
        }
        finalFigures_ = audit.figures;
        checkShop();
        // A label queued before a kill and printed after it went through the restart's
        // re-dispatch (possibly finding its file already written).
        for (const auto& l : audit.labels) {
            for (const auto& k : killTimes_) {
                if (l.createdAt < k && (l.printedAt.empty() || k < l.printedAt)) {
                    ++labelsAcrossKill_;
                    break;
                }
            }
        }
        // Then stop it as systemd does, and check the journal with the daemon gone.
        daemon_.sendSignal(SIGTERM);
        const auto status = daemon_.reap();
        if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
            fail("stationd did not stop cleanly on SIGTERM (" +
                 (status ? e2e::describeWaitStatus(*status) : std::string("not running")) + ")");
        }
        for (const auto& v : audit_->check(lastScanId_).violations) {
            fail("after SIGTERM: " + v);
        }
    }

    // ---- the bench ----

    // Packs until the daemon stops answering (then returns) or a check fails.
    void bench() {
        scanner_ = std::make_unique<e2e::ScannerConnection>(daemon_.scannerPort());
        if (!scanner_->error().empty()) {
            // The kill may already have landed.
            phase_ = kBetween;
            return;
        }
        while (violations_.empty() && step()) {
        }
        phase_ = kBetween;
    }

    // One action of the packer; false once the daemon is gone.
    bool step() {
        if (!loggedIn_) {
            auto r = scan(kBadge, "[badge]", "", kScanBadge, -1);
            if (!r) {
                return false;
            }
            if (expectOk(*r, "badge")) {
                loggedIn_ = true;
            }
            return true;
        }
        OrderProgress* o = current();
        if (!o) {
            // Nothing left in the window: stay on the bench until the kill.
            phase_ = kBetween;
            std::this_thread::sleep_for(2ms);
            return get("/api/status").has_value();
        }
        if (!o->opened) {
            auto r =
                scan("#" + o->plan.number, "#" + o->plan.number, o->plan.number, kScanOpen, -1);
            if (!r) {
                return false;
            }
            if (expectOk(*r, "open order " + o->plan.number)) {
                o->opened = true;
            }
            return true;
        }
        if (o->remaining() > 0) {
            std::uniform_real_distribution<double> coin(0, 1);
            const double c = coin(rng_);
            if (c < 0.04) {
                return refusedScan(*o, wrongProduct(*o), "wrong_item");
            }
            if (c < 0.07) {
                for (const auto& l : o->plan.lines) {
                    if (o->packed[l.product] == l.quantity) {
                        return refusedScan(*o, l.product, "too_many");
                    }
                }
            }
            int product = -1;
            for (const auto& l : o->plan.lines) {
                if (o->packed[l.product] < l.quantity) {
                    product = l.product;
                    break;
                }
            }
            auto r = scan(kCatalogue[product].gtin, kCatalogue[product].gtin, o->plan.number,
                          kScanItem, product);
            if (!r) {
                return false;
            }
            if (expectOk(*r, std::string("item ") + kCatalogue[product].sku)) {
                ++o->packed[product];
            }
            return true;
        }
        if (!o->weightPosted) {
            const int64_t grams =
                kBoxTareGrams + o->plan.itemGrams() +
                std::uniform_int_distribution<int>(-kWeightJitterGrams, kWeightJitterGrams)(rng_);
            phase_ = kWeigh;
            o->weightPosted = true;
            if (!postScale(grams)) {
                return false;
            }
        }
        // The reading is handled after the HTTP answer: the API shows when the parcel left.
        phase_ = kWaitShipped;
        const auto deadline = SteadyClock::now() + 10s;
        while (true) {
            auto order = get("/api/orders/" + o->plan.number);
            if (!order) {
                return false;
            }
            if (e2e::str(*order, "state") == "shipped") {
                break;
            }
            if (SteadyClock::now() > deadline) {
                fail("order " + o->plan.number +
                     " was weighed but not shipped within 10 s: " + json::serialize(*order));
                return true;
            }
            std::this_thread::sleep_for(1ms);
        }
        o->shipped = true;
        ++next_;
        // The parcel comes off the scale, so the next one's weight counts even if equal.
        phase_ = kLiftParcel;
        return postScale(0);
    }

    bool refusedScan(OrderProgress& o, int product, const std::string& reason) {
        auto r = scan(kCatalogue[product].gtin, kCatalogue[product].gtin, o.plan.number,
                      kScanRefused, product);
        if (!r) {
            return false;
        }
        if (r->ok || r->reason != reason) {
            fail("scan of " + std::string(kCatalogue[product].gtin) + " in order " + o.plan.number +
                 " should be refused (" + reason + "), the daemon answered: " + r->raw);
        }
        return true;
    }

    int wrongProduct(const OrderProgress& o) {
        while (true) {
            const int p = std::uniform_int_distribution<int>(0, kProducts - 1)(rng_);
            if (std::none_of(o.plan.lines.begin(), o.plan.lines.end(),
                             [&](const PlannedLine& l) { return l.product == p; })) {
                return p;
            }
        }
    }

    // Sends one code and records it; nullopt when no reply came (the daemon is gone).
    std::optional<e2e::ScanReply> scan(const std::string& code, const std::string& journalCode,
                                       const std::string& order, int phase, int product) {
        SentScan s{code, journalCode, order, phase, product, false, false, "", "", life_};
        phase_ = phase;
        const e2e::ScanReply r = scanner_->scan(code);
        phase_ = kBetween;
        s.raw = r.raw;
        if (r.raw.empty() || r.raw[0] == '<') {
            pending_.push_back(std::move(s));
            return std::nullopt;
        }
        s.acked = true;
        s.okReply = r.ok;
        s.reason = r.reason;
        ++acked_;
        pending_.push_back(std::move(s));
        if (r.reason == "internal_error") {
            fail("the daemon answered " + r.raw + " to " + code);
        }
        return r;
    }

    bool expectOk(const e2e::ScanReply& r, const std::string& what) {
        if (!r.ok) {
            fail(what + ": the daemon refused: " + r.raw);
        }
        return r.ok;
    }

    bool postScale(int64_t grams) {
        const auto r = station::HttpClient(daemon_.url(), 2s)
                           .request(http::verb::post, "/api/scale",
                                    json::serialize(json::object{{"grams", grams}}));
        if (!r.reached()) {
            return false;
        }
        if (!r.success()) {
            fail("POST /api/scale " + std::to_string(grams) + ": " + std::to_string(r.status) +
                 " " + r.body);
        }
        return true;
    }

    std::optional<json::value> get(const std::string& target) {
        const auto r = station::HttpClient(daemon_.url(), 2s).request(http::verb::get, target);
        if (!r.reached()) {
            return std::nullopt;
        }
        if (!r.success()) {
            fail("GET " + target + ": " + std::to_string(r.status) + " " + r.body);
        }
        return e2e::parseJson(r.body);
    }

    OrderProgress* current() {
        while (next_ < static_cast<int>(progress_.size()) && progress_[next_].shipped) {
            ++next_;
        }
        if (next_ >= windowEnd_) {
            return nullptr;
        }
        while (static_cast<int>(progress_.size()) <= next_) {
            progress_.push_back(
                {plan(static_cast<int>(progress_.size())), false, {}, false, false});
        }
        return &progress_[next_];
    }

    // ---- the orders ----

    // Order i is the same for a given seed, whatever happened before it was packed.
    PlannedOrder plan(int i) const {
        std::mt19937_64 r(options_.seed * 1000003ULL + static_cast<uint64_t>(i));
        PlannedOrder o;
        o.number = std::to_string(kFirstOrderNumber + i);
        std::vector<int> products(kProducts);
        for (int p = 0; p < kProducts; ++p) {
            products[p] = p;
        }
        std::shuffle(products.begin(), products.end(), r);
        const int lines = std::uniform_int_distribution<int>(1, 3)(r);
        for (int l = 0; l < lines; ++l) {
            o.lines.push_back({products[l], std::uniform_int_distribution<int>(1, 3)(r)});
        }
        return o;
    }

    // The shop feeds the next orders: each start imports this window (orders it already holds
    // are skipped), so the import stays the same size however long the run.
    void writeOrders() {
        json::array orders;
        const int first = next_;
        windowEnd_ = first + kOrderWindow;
        for (int i = first; i < windowEnd_; ++i) {
            const PlannedOrder p = plan(i);
            std::mt19937_64 r(options_.seed + static_cast<uint64_t>(i) * 7919ULL);
            auto pick = [&](size_t n) {
                return std::uniform_int_distribution<size_t>(0, n - 1)(r);
            };
            const auto& city = kCities[pick(std::size(kCities))];
            json::array lines;
            for (const auto& l : p.lines) {
                const Product& prod = kCatalogue[l.product];
                lines.push_back({{"sku", prod.sku},
                                 {"gtin", prod.gtin},
                                 {"name", prod.name},
                                 {"quantity", l.quantity},
                                 {"unit_weight_grams", prod.grams},
                                 {"bin", "C-" + std::to_string(l.product + 10)}});
            }
            orders.push_back({{"number", p.number},
                              {"shop_id", std::to_string(90000 + i)},
                              {"payment", "paid"},
                              {"risk_score", 2},
                              {"shipping_method", "colissimo"},
                              {"customer",
                               {{"name", kCustomers[pick(std::size(kCustomers))]},
                                {"street", kStreets[pick(std::size(kStreets))]},
                                {"postcode", city.first},
                                {"city", city.second},
                                {"country", "FR"}}},
                              {"lines", std::move(lines)}});
        }
        std::ofstream(ordersFile_) << json::serialize(json::object{{"orders", orders}});
        // The shop holds the same orders, so that the relay has somewhere to push them.
        json::array shopOrders;
        for (const auto& v : orders) {
            const auto& o = v.as_object();
            json::array items;
            int lineId = 0;
            for (const auto& l : o.at("lines").as_array()) {
                items.push_back(
                    {{"id", std::stoll(std::string(o.at("shop_id").as_string())) * 10 + ++lineId},
                     {"sku", l.at("sku")},
                     {"name", l.at("name")},
                     {"quantity", l.at("quantity")},
                     {"product_id", 0},
                     {"meta_data", json::array{}}});
            }
            shopOrders.push_back({{"id", std::stoll(std::string(o.at("shop_id").as_string()))},
                                  {"number", o.at("number")},
                                  {"status", "processing"},
                                  {"payment_method", "stripe"},
                                  {"date_modified_gmt", "2024-01-01T00:00:00"},
                                  {"line_items", std::move(items)}});
        }
        auto r = shopControl_->request(boost::beast::http::verb::post, "/_sim/orders",
                                       json::serialize(shopOrders));
        if (r.status != 200) {
            fail("the shop simulator refused the orders: " + r.error + r.body);
        }
    }

    // The WooCommerce simulator on its own thread, and the daemon's config pointed at it.
    std::string startShop() {
        shopsim::SimOptions o;
        o.consumerKey = "ck_demo";
        o.consumerSecret = "cs_demo";
        o.log = false;
        shop_ = std::make_unique<shopsim::ShopSimulator>(shopIo_, o);
        if (auto err = shop_->listen("127.0.0.1", 0); !err.empty()) {
            shop_.reset();
            return err;
        }
        shopThread_ = std::thread([this] { shopIo_.run(); });
        const std::string origin = "http://127.0.0.1:" + std::to_string(shop_->port());
        shop::HttpsClientSettings settings;
        settings.timeout = 5s;
        shopControl_ = std::make_unique<shop::HttpsClient>(origin, settings);
        daemon_.useShop(origin + "/wp-json");
        return {};
    }

    // Once the bench is done and the daemon runs: the outbox drains, and the shop holds each
    // parcel's tracking number exactly once, although kills landed in the middle of pushes.
    void checkShop() {
        station::HttpClient client(daemon_.url(), 2s);
        bool drained = e2e::eventually(
            [&] {
                auto r = client.request(e2e::http::verb::get, "/api/sync");
                if (!r.success()) {
                    return false;
                }
                auto v = json::parse(r.body);
                return v.as_object().at("pending").as_int64() == 0;
            },
            30s);
        if (!drained) {
            fail("the outbox did not drain to the shop within 30 s of the last restart");
            return;
        }
        auto counts = shopControl_->request(boost::beast::http::verb::get, "/_sim/counts");
        const auto all = json::parse(counts.body).as_object();
        const auto& trackings = all.at("trackings").as_object();
        const auto& statuses = all.at("status_changes").as_object();
        for (const auto& [number, order] : audit_->check(lastScanId_).orders) {
            if (order.state != "shipped" || order.shopId.empty()) {
                continue;
            }
            const auto* n = trackings.if_contains(order.shopId);
            const int64_t pushed = n ? n->as_int64() : 0;
            if (pushed != order.trackedParcels) {
                fail("order " + number + " has " + std::to_string(order.trackedParcels) +
                     " tracked parcels but the shop received " + std::to_string(pushed) +
                     " tracking numbers for it");
            }
            const auto* s = statuses.if_contains(order.shopId);
            if (!s || s->as_int64() < 1) {
                fail("order " + number + " shipped but its status never changed in the shop");
            }
            ++shopOrdersChecked_;
            shopTrackings_ += pushed;
        }
        shopDropped_ = all.at("dropped").as_int64();
    }

    // ---- after every restart ----

    bool afterRestart() {
        ++life_;
        crash::Audit audit = audit_->check(lastScanId_);
        for (const auto& v : audit.violations) {
            fail(v);
        }
        matchScans(audit.newScans);
        reconcile(audit);
        if (violations_.empty()) {
            checkApi();
        }
        return violations_.empty();
    }

    // The journal's new scan rows must be the scans sent since the last check, in order: every
    // acknowledged one, and the unacknowledged one in flight at the kill if it committed.
    void matchScans(const std::vector<crash::ScanRow>& rows) {
        size_t j = 0;
        for (auto& s : pending_) {
            const bool match = j < rows.size() && rows[j].code == s.journalCode &&
                               (s.order.empty() || rows[j].order == s.order);
            if (match && s.acked && (rows[j].ok != s.okReply || rows[j].reason != s.reason)) {
                fail("scan " + s.code + " was answered '" + s.raw + "' but the journal says ok=" +
                     std::to_string(rows[j].ok) + " reason '" + rows[j].reason + "'");
            }
            if (match) {
                if (rows[j].ok && s.sku >= 0) {
                    ++journalItemScans_[rows[j].order][s.sku];
                }
                if (!s.acked) {
                    ++inflightApplied_;
                    applyUnacked(s, rows[j]);
                }
                ++j;
            } else if (s.acked) {
                fail("acknowledged scan lost: " + s.code + (s.order.empty() ? "" : " (order ") +
                     s.order + (s.order.empty() ? "" : ")") + ", answered '" + s.raw +
                     "' in life " + std::to_string(s.life) + "; journal rows after id " +
                     std::to_string(lastScanId_) + ": " + std::to_string(rows.size()));
                break;
            } else {
                ++inflightLost_;
            }
        }
        for (; j < rows.size(); ++j) {
            fail("the journal holds scan id " + std::to_string(rows[j].id) + " '" + rows[j].code +
                 "' that the bench never sent (or sent in another order)");
        }
        if (!rows.empty()) {
            lastScanId_ = rows.back().id;
        }
        pending_.clear();
    }

    // The scan in flight at the kill committed: the bench learns its effect now.
    void applyUnacked(const SentScan& s, const crash::ScanRow& row) {
        if (!row.ok) {
            return;
        }
        if (s.phase == kScanBadge) {
            loggedIn_ = true;
        }
        for (auto& o : progress_) {
            if (o.plan.number != s.order) {
                continue;
            }
            if (s.phase == kScanOpen) {
                o.opened = true;
            } else if (s.phase == kScanItem) {
                ++o.packed[s.sku];
            }
        }
    }

    // Every order the bench touched, against the journal.
    void reconcile(const crash::Audit& audit) {
        for (auto& o : progress_) {
            const std::string& n = o.plan.number;
            auto it = audit.orders.find(n);
            if (it == audit.orders.end()) {
                fail("order " + n + " is missing from the journal");
                continue;
            }
            const crash::OrderRow& row = it->second;
            for (const auto& l : o.plan.lines) {
                const std::string sku = kCatalogue[l.product].sku;
                const int journal = row.packedBySku.contains(sku) ? row.packedBySku.at(sku) : 0;
                const int bench = o.packed.contains(l.product) ? o.packed.at(l.product) : 0;
                const auto& byScans = journalItemScans_[n];
                const int scans = byScans.contains(l.product) ? byScans.at(l.product) : 0;
                if (journal != bench) {
                    fail("order " + n + " " + sku + ": the journal has " + std::to_string(journal) +
                         " packed, the packer was acknowledged " + std::to_string(bench));
                }
                if (journal != scans) {
                    fail("order " + n + " " + sku + ": " + std::to_string(journal) +
                         " packed but " + std::to_string(scans) + " accepted scans in the journal");
                }
            }
            if (row.parcels > 1) {
                fail("order " + n + " has " + std::to_string(row.parcels) +
                     " parcels; the bench packs one");
            }
            if (row.shipments > 1 || row.shipmentRows > 1) {
                fail("order " + n + " was shipped " + std::to_string(row.shipments) +
                     " times with " + std::to_string(row.shipmentRows) + " shipment outbox rows");
            }
            if (o.opened != (row.inProgressRows == 1) || row.inProgressRows > 1) {
                fail("order " + n + (o.opened ? " was opened" : " was never opened") + " but has " +
                     std::to_string(row.inProgressRows) + " 'in progress' outbox rows");
            }
            const bool shippedInJournal = row.state == "shipped";
            if (o.shipped && !shippedInJournal) {
                fail("order " + n + " was seen shipped but the journal says " + row.state);
            }
            if (shippedInJournal && !o.weightPosted) {
                fail("order " + n + " is shipped but the bench never weighed it");
            }
            if (shippedInJournal && (row.shipments != 1 || row.shipmentRows != 1)) {
                fail("order " + n + " is shipped with " + std::to_string(row.shipments) +
                     " shipments and " + std::to_string(row.shipmentRows) +
                     " shipment outbox rows");
            }
            if (!shippedInJournal) {
                // Weighing, closing and shipping are one transaction: a weight without the
                // shipment would be half of it.
                if (row.firstParcelWeight) {
                    fail("order " + n + " has a weight of " +
                         std::to_string(*row.firstParcelWeight) + " g recorded but is " +
                         row.state);
                }
                const std::string expected = o.opened ? "in_progress" : "ready";
                if (row.state != expected ||
                    row.claimedBy != (o.opened ? std::string(kStationId) : std::string())) {
                    fail("order " + n + " is " + row.state + " claimed by '" + row.claimedBy +
                         "', the bench expected " + expected);
                }
                if (o.weightPosted) {
                    ++weightsLost_;  // posted, not applied before the kill: weigh again
                }
                o.weightPosted = false;
            } else if (!o.shipped) {
                ++weightsApplied_;
                o.shipped = true;
            }
        }
    }

    // The session resumes where it was, and the API agrees with the journal.
    void checkApi() {
        auto status = get("/api/status");
        if (!status) {
            fail("GET /api/status failed right after the restart");
            return;
        }
        const OrderProgress* o = current();
        const bool orderOpen = o && o->opened && !o->shipped;
        const std::string user = e2e::str(e2e::get(*status, "user"), "name");
        if (user != (loggedIn_ ? kPacker : "")) {
            fail("after the restart the logged-in user is '" + user + "', expected '" +
                 (loggedIn_ ? kPacker : "") + "'");
        }
        const std::string order = e2e::str(*status, "order");
        if (order != (orderOpen ? o->plan.number : "")) {
            fail("after the restart the open order is '" + order + "', expected '" +
                 (orderOpen ? o->plan.number : "") + "'");
        }
        if (!e2e::isNull(*status, "awaiting") || !e2e::isNull(*status, "pending_approval")) {
            fail("after the restart the station awaits something: " + json::serialize(*status));
        }
        if (o && o->opened) {
            auto api = get("/api/orders/" + o->plan.number);
            if (!api) {
                fail("GET /api/orders/" + o->plan.number + " failed right after the restart");
                return;
            }
            for (const auto& l : o->plan.lines) {
                int64_t packed = -1;
                for (const auto& line : e2e::arr(*api, "lines")) {
                    if (e2e::str(line, "sku") == kCatalogue[l.product].sku) {
                        packed = e2e::num(line, "packed");
                    }
                }
                const int bench = o->packed.contains(l.product) ? o->packed.at(l.product) : 0;
                if (packed != bench) {
                    fail("GET /api/orders/" + o->plan.number + " shows " + std::to_string(packed) +
                         " " + kCatalogue[l.product].sku + " packed, the journal " +
                         std::to_string(bench));
                }
            }
        }
    }

    // ---- reporting ----

    void fail(const std::string& what) { violations_.push_back(what); }

    static double msSince(SteadyClock::time_point a, SteadyClock::time_point b) {
        return std::chrono::duration<double, std::milli>(b - a).count();
    }

    static std::string tail(const std::string& text, size_t lines = 20) {
        size_t at = text.size();
        for (size_t n = 0; n <= lines && at != std::string::npos && at > 0; ++n) {
            at = text.rfind('\n', at - 1);
        }
        return at == std::string::npos ? text : text.substr(at + 1);
    }

    int finish(SteadyClock::time_point started) {
        killer_.cancel();
        if (daemon_.running()) {
            daemon_.sendKill();
            daemon_.reap();
        }
        int shipped = 0;
        for (const auto& o : progress_) {
            shipped += o.shipped ? 1 : 0;
        }
        auto row = [](const std::string& name, const std::string& value) {
            std::cout << "  " << std::left << std::setw(50) << name << std::right << value << "\n";
        };
        auto n = [](int64_t v) { return std::to_string(v); };
        std::cout << "\nFigures (seed " << options_.seed << "):\n";
        row("kills", n(kills_));
        for (int p = 0; p < kPhaseCount; ++p) {
            if (killsByPhase_[p] > 0) {
                row(std::string("  while packing: ") + phaseName(p), n(killsByPhase_[p]));
            }
        }
        row("  while starting, not yet serving", n(startupKillsEarly_));
        row("  while starting, already serving", n(startupKillsServing_));
        row("orders shipped", n(shipped));
        row("scans acknowledged", n(acked_));
        row("scans unanswered at a kill", n(inflightApplied_ + inflightLost_) + " (committed " +
                                              n(inflightApplied_) + ", not " + n(inflightLost_) +
                                              ")");
        row("weights posted, order not yet shipped at a kill",
            n(weightsApplied_ + weightsLost_) + " (shipped " + n(weightsApplied_) + ", not " +
                n(weightsLost_) + ")");
        if (finalFigures_.labels > 0) {
            row("labels / label files",
                n(finalFigures_.labels) + " / " + n(finalFigures_.labelFiles));
            row("labels queued before a kill, printed after", n(labelsAcrossKill_));
            row("temp files left in the label folder", n(finalFigures_.tempFiles));
        }
        row("orders checked in the shop / trackings there",
            n(shopOrdersChecked_) + " / " + n(shopTrackings_));
        row("restart to serving (" + n(static_cast<int64_t>(restartMs_.size())) + " starts)",
            "p50 " + ms(percentile(restartMs_, 50)) + ", p99 " + ms(percentile(restartMs_, 99)) +
                ", max " + ms(percentile(restartMs_, 100)));
        row("wall time", ms(msSince(started, SteadyClock::now())));
        if (!violations_.empty()) {
            std::cout << "\nVIOLATIONS (" << violations_.size() << "):\n";
            for (const auto& v : violations_) {
                std::cout << "  - " << v << "\n";
            }
            std::cout << "last kill: " << (lastKill_.empty() ? "none" : lastKill_) << "\n"
                      << "data kept in " << dir_.string()
                      << " (journal: data/journal.db, labels: data/labels, log: stationd.log)\n"
                      << "reproduce the order stream with: crash_harness --kills " << options_.kills
                      << " --seed " << options_.seed << "\n";
        } else if (!options_.keep) {
            std::error_code ec;
            fs::remove_all(dir_, ec);
        } else {
            std::cout << "data kept in " << dir_.string() << "\n";
        }
        std::cout << "crash harness: " << kills_ << " kills, " << violations_.size()
                  << " violations" << (violations_.empty() ? " (PASS)" : " (FAIL)") << std::endl;
        return violations_.empty() ? 0 : 1;
    }

    Options options_;
    fs::path dir_;
    fs::path ordersFile_;
    std::mt19937_64 rng_;
    crash::CrashDaemon daemon_;
    std::atomic<int> phase_{kBetween};
    crash::Killer killer_;
    std::unique_ptr<crash::JournalAudit> audit_;
    std::unique_ptr<e2e::ScannerConnection> scanner_;
    boost::asio::io_context shopIo_;
    std::unique_ptr<shopsim::ShopSimulator> shop_;
    std::thread shopThread_;
    std::unique_ptr<shop::HttpsClient> shopControl_;
    int64_t shopOrdersChecked_ = 0;
    int64_t shopTrackings_ = 0;
    int64_t shopDropped_ = 0;

    // The bench's model.
    std::deque<OrderProgress> progress_;
    int next_ = 0;       // index of the order being packed
    int windowEnd_ = 0;  // orders offered to the daemon: [.., windowEnd_)
    bool loggedIn_ = false;
    std::vector<SentScan> pending_;  // sent since the last check
    int64_t lastScanId_ = 0;
    std::map<std::string, std::map<int, int>> journalItemScans_;  // order -> product -> ok scans
    int life_ = 0;

    // Figures.
    int kills_ = 0;
    int killsByPhase_[kPhaseCount] = {};
    int startupKillsEarly_ = 0;
    int startupKillsServing_ = 0;
    int64_t acked_ = 0;
    int inflightApplied_ = 0;
    int inflightLost_ = 0;
    int weightsApplied_ = 0;
    int weightsLost_ = 0;
    int64_t labelsAcrossKill_ = 0;
    std::vector<std::string> killTimes_;  // ISO 8601, just after each kill
    crash::AuditFigures finalFigures_;
    std::vector<double> restartMs_;
    std::string lastKill_;
    std::vector<std::string> violations_;
};

constexpr const char* kUsage =
    "usage: crash_harness [--kills N] [--seed S] [--max-delay-ms MS] [--keep] [--verbose]\n"
    "                     [--stationd PATH]\n"
    "       crash_harness --audit DATA_DIR [--config FILE]\n";

int usage(const std::string& why) {
    std::cerr << "crash_harness: " << why << "\n" << kUsage;
    return 2;
}

// The bench-independent checks on an existing data directory.
int auditOnly(const fs::path& dataDir, const fs::path& configFile) {
    const auto cfg = config::loadConfig(configFile);
    if (!cfg.config) {
        return usage("cannot load " + configFile.string() + " (it gives [tracking] first_serial)");
    }
    if (!fs::exists(dataDir / "journal.db")) {
        return usage("no journal.db in " + dataDir.string());
    }
    crash::JournalAudit audit(dataDir / "journal.db", dataDir / "labels",
                              cfg.config->ssccFirstSerial);
    const crash::Audit a = audit.check(0);
    std::cout << "journal " << (dataDir / "journal.db").string() << ": " << a.figures.scans
              << " scans, " << a.figures.shipments << " shipments, " << a.figures.labels
              << " labels (" << a.figures.labelsQueued << " queued), " << a.figures.labelFiles
              << " label files, " << a.figures.tempFiles << " left-over temp files\n";
    for (const auto& v : a.violations) {
        std::cout << "  - " << v << "\n";
    }
    std::cout << "crash harness audit: " << a.violations.size() << " violations"
              << (a.violations.empty() ? " (PASS)" : " (FAIL)") << std::endl;
    return a.violations.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    std::optional<fs::path> auditDir;
    fs::path auditConfig = fs::path(STATION_SOURCE_DIR) / "config" / "demo.toml";
    std::vector<std::string> args(argv + 1, argv + argc);
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto number = [&](int64_t min) -> std::optional<int64_t> {
            if (i + 1 >= args.size()) {
                return std::nullopt;
            }
            char* end = nullptr;
            const long long v = std::strtoll(args[++i].c_str(), &end, 10);
            if (*end != '\0' || v < min) {
                return std::nullopt;
            }
            return v;
        };
        if (a == "--kills") {
            auto v = number(1);
            if (!v) {
                return usage("--kills needs a positive number");
            }
            options.kills = static_cast<int>(*v);
        } else if (a == "--seed") {
            auto v = number(0);
            if (!v) {
                return usage("--seed needs a number");
            }
            options.seed = static_cast<uint64_t>(*v);
            options.seedGiven = true;
        } else if (a == "--max-delay-ms") {
            auto v = number(options.minDelayMs);
            if (!v) {
                return usage("--max-delay-ms needs a number of milliseconds (at least 2)");
            }
            options.maxDelayMs = static_cast<int>(*v);
        } else if (a == "--audit" || a == "--config" || a == "--stationd") {
            if (i + 1 >= args.size()) {
                return usage(a + " needs a path");
            }
            const std::string path = args[++i];
            if (a == "--audit") {
                auditDir = path;
            } else if (a == "--config") {
                auditConfig = path;
            } else {
                options.stationd = path;
            }
        } else if (a == "--keep") {
            options.keep = true;
        } else if (a == "--verbose" || a == "-v") {
            options.verbose = true;
        } else if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return 0;
        } else {
            return usage("unknown argument " + a);
        }
    }
    if (auditDir) {
        return auditOnly(*auditDir, auditConfig);
    }
    if (!options.seedGiven) {
        options.seed = std::random_device{}() % 1000000;
    }
    char pattern[] = "/tmp/stationd-crash-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
        std::cerr << "crash_harness: mkdtemp: " << std::strerror(errno) << "\n";
        return 2;
    }
    Harness harness(options, pattern);
    return harness.run();
}
