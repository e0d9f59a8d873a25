// A packing bench for in-process tests: a Station on a real journal file, a directory printer
// and a simulated scale in a fresh temporary folder, a clock the test sets, the demo orders.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <SQLiteCpp/Statement.h>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/StationConfig.h"
#include "drivers/DirectoryPrinter.h"
#include "drivers/SimulatedScale.h"
#include "station/Barcode.h"
#include "station/Journal.h"
#include "station/Messages.h"
#include "station/Station.h"

namespace station::test {

namespace fs = std::filesystem;

// A folder of its own for each test, removed afterwards. In memory (/dev/shm) unless TMPDIR
// says otherwise: the journal syncs every transaction, which is slow on a busy shared disk.
class TempDir {
  public:
    TempDir() {
        const char* env = std::getenv("TMPDIR");
        std::string base = env && *env ? env : "/tmp";
        if (!(env && *env) && ::access("/dev/shm", W_OK) == 0) {
            base = "/dev/shm";
        }
        std::string pattern = base + "/station-test-XXXXXX";
        if (!::mkdtemp(pattern.data())) {
            throw std::runtime_error("cannot create a temporary directory");
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

struct BenchOptions {
    bool withScale = false;  // without a scale a complete parcel closes as soon as it is packed
    bool confirmLabelScan = false;
    std::string language = "en";
    uint64_t firstSerial = 1;
    std::optional<uint64_t> lastSerial = std::nullopt;
    std::string labelDir = "labels";  // relative to the bench folder
    bool start = true;
};

// The demo station's users, boxes and methods, in English, with its SSCC prefix.
inline std::string benchToml(const BenchOptions& o) {
    std::ostringstream t;
    t << "[station]\nid = \"bench-1\"\nlanguage = \"" << o.language
      << "\"\ndata_dir = \".\"\nidle_logout_minutes = 30\n"
      << "[packing]\nrisk_threshold = 75\nconfirm_label_scan = "
      << (o.confirmLabelScan ? "true" : "false")
      << "\nauto_close_when_complete = true\nweight_tolerance_grams = 50\n"
         "weight_tolerance_percent = 5\ndefault_box = \"BOX-M\"\n"
      << "[tracking]\ngs1_company_prefix = \"3012345\"\nextension_digit = 0\nfirst_serial = "
      << o.firstSerial << "\n";
    if (o.lastSerial) {
        t << "last_serial = " << *o.lastSerial << "\n";
    }
    t << R"toml(
[sender]
name = "Atelier Dupont & Fils"
street = "12 rue de l'Eglise"
postcode = "69002"
city = "Lyon"
country = "FR"

[[users]]
name = "Alice Martin"
badge = "U-1001"
role = "packer"

[[users]]
name = "Bruno Lefevre"
badge = "U-1002"
role = "packer"

[[users]]
name = "Chloe Petit"
badge = "U-2001"
role = "returns"

[[users]]
name = "Sophie Bernard"
badge = "U-9001"
role = "supervisor"

[[boxes]]
code = "BOX-S"
name = "Small box"
tare_grams = 150
length_mm = 250
width_mm = 200
height_mm = 100

[[boxes]]
code = "BOX-M"
name = "Medium box"
tare_grams = 300
length_mm = 350
width_mm = 250
height_mm = 150

[[shipping_methods]]
id = "colissimo"
carrier = "Colissimo"
tracking = "sscc"

[[shipping_methods]]
id = "chronopost"
carrier = "Chronopost"
tracking = "carrier_label"

[[shipping_methods]]
id = "pickup"
carrier = "Store pickup"
tracking = "none"

[scale]
name = "bench-scale"
kind = "simulated"

[[printers]]
name = "zebra-1"
role = "shipping"
kind = "directory"
language = "zpl"
path = "labels"
)toml";
    return t.str();
}

inline config::StationConfig benchConfig(const BenchOptions& o, const fs::path& dir) {
    auto loaded = config::parseConfig(benchToml(o), "test.toml", dir);
    if (!loaded.config) {
        std::string why;
        for (const auto& e : loaded.errors) {
            why += e.toString() + "\n";
        }
        throw std::runtime_error("test configuration refused:\n" + why);
    }
    return *loaded.config;
}

inline boost::json::array demoOrders() {
    std::ifstream in(fs::path(STATION_SOURCE_DIR) / "config" / "demo-orders.json");
    std::stringstream text;
    text << in.rdbuf();
    return boost::json::parse(text.str()).as_object().at("orders").as_array();
}

// A GTIN-13 with its check digit, from 12 digits.
inline std::string gtin13(const std::string& first12) {
    return first12 + gs1CheckDigit(first12);
}

inline std::string ssccFor(uint64_t serial) {
    return makeSscc(0, "3012345", serial).value();
}

struct LineSpec {
    std::string sku;
    std::string gtin;
    int quantity = 1;
    int unitWeightGrams = 100;
    bool serialised = false;
};

inline boost::json::object makeOrder(const std::string& number, const std::vector<LineSpec>& lines,
                                     const std::string& method = "colissimo") {
    boost::json::array ls;
    for (const auto& l : lines) {
        boost::json::object o{{"sku", l.sku},
                              {"name", "Item " + l.sku},
                              {"quantity", l.quantity},
                              {"unit_weight_grams", l.unitWeightGrams},
                              {"serialised", l.serialised}};
        if (!l.gtin.empty()) {
            o["gtin"] = l.gtin;
        }
        ls.push_back(std::move(o));
    }
    return {{"number", number},
            {"shop_id", "S" + number},
            {"payment", "paid"},
            {"shipping_method", method},
            {"customer",
             {{"name", "Test Customer"},
              {"street", "1 Test Street"},
              {"postcode", "75001"},
              {"city", "Paris"},
              {"country", "FR"}}},
            {"lines", std::move(ls)}};
}

inline ::testing::AssertionResult accepted(const ScanOutcome& out) {
    if (out.ok) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "refused with " << out.reason << ": \"" << out.message << "\"";
}

inline ::testing::AssertionResult refused(const ScanOutcome& out, const std::string& reason) {
    if (!out.ok && out.reason == reason) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "expected a refusal with " << reason << ", got "
                                         << (out.ok ? std::string("ok") : "refusal " + out.reason)
                                         << ": \"" << out.message << "\"";
}

inline bool said(const ScanOutcome& out, const std::string& messageKey) {
    for (const auto& e : out.events) {
        if (e.messageKey == messageKey) {
            return true;
        }
    }
    return false;
}

// One station as it runs in stationd, on the io_context the test drives.
// A second Bench on the same folder is the daemon after a restart.
class Bench {
  public:
    explicit Bench(const fs::path& dir, BenchOptions options = {})
        : dir_(dir),
          options_(std::move(options)),
          config_(benchConfig(options_, dir)),
          journal_(std::make_unique<Journal>(dir / "journal.db")),
          printer_(std::make_unique<drivers::DirectoryPrinter>(io_, "zebra-1", "zpl",
                                                               dir / options_.labelDir)),
          scale_(std::make_unique<drivers::SimulatedScale>(io_, "bench-scale")),
          station_(std::make_unique<Station>(io_, config_, *journal_, [this] { return now_; })) {
        station_->setEventSink([this](const Event& e) { events_.push_back(e); });
        station_->addPrinter("shipping", printer_.get());
        if (options_.withScale) {
            station_->setScale(scale_.get());
            scale_->start(
                [this](const drivers::ScaleReading& r) { station_->handleScaleReading(r); });
        }
        if (options_.start) {
            station_->start();
            settle();
        }
    }

    Station& station() { return *station_; }
    Journal& journal() { return *journal_; }
    SQLite::Database& db() { return journal_->db(); }
    boost::asio::io_context& io() { return io_; }
    drivers::DirectoryPrinter& printer() { return *printer_; }
    drivers::SimulatedScale& scale() { return *scale_; }
    const config::StationConfig& config() const { return config_; }
    const fs::path& dir() const { return dir_; }
    const std::vector<Event>& events() const { return events_; }
    void advance(std::chrono::seconds s) { now_ += s; }
    std::chrono::system_clock::time_point now() const { return now_; }
    bool everSaid(const std::string& messageKey) const {
        for (const auto& e : events_) {
            if (e.messageKey == messageKey) {
                return true;
            }
        }
        return false;
    }

    // Runs what is ready (print results, scale readings) without waiting for timers.
    void settle() {
        io_.restart();
        io_.poll();
    }

    std::vector<std::string> importDemo() { return station_->importOrders(demoOrders()); }
    std::vector<std::string> import(const boost::json::object& order) {
        return station_->importOrders(boost::json::array{order});
    }

    ScanOutcome scan(const std::string& code) {
        auto out = station_->handleScan("test", code);
        settle();
        return out;
    }
    // The scan without running the io_context afterwards: a label stays queued.
    ScanOutcome scanOnly(const std::string& code) { return station_->handleScan("test", code); }

    void weigh(int64_t grams, drivers::ScaleStatus status = drivers::ScaleStatus::Stable) {
        station_->handleScaleReading({status, grams});
        settle();
    }

    boost::json::object status() { return station_->statusJson(); }
    boost::json::object order(const std::string& number) {
        auto o = station_->orderJson(number);
        if (!o) {
            throw std::runtime_error("no order " + number);
        }
        return *o;
    }
    std::string orderState(const std::string& number) {
        return std::string(order(number).at("state").as_string());
    }
    // "packed" of the order line with this SKU.
    int64_t packed(const std::string& number, const std::string& sku) {
        const auto o = order(number);
        for (const auto& l : o.at("lines").as_array()) {
            if (l.at("sku").as_string() == sku) {
                return l.at("packed").as_int64();
            }
        }
        throw std::runtime_error("no line " + sku + " in " + number);
    }

    int64_t count(const std::string& sql) { return db().execAndGet(sql).getInt64(); }
    std::string text(const std::string& sql) {
        SQLite::Statement q(db(), sql);
        if (!q.executeStep() || q.getColumn(0).isNull()) {
            return {};
        }
        return q.getColumn(0).getString();
    }
    std::vector<std::string> column(const std::string& sql) {
        std::vector<std::string> out;
        SQLite::Statement q(db(), sql);
        while (q.executeStep()) {
            out.push_back(q.getColumn(0).isNull() ? std::string() : q.getColumn(0).getString());
        }
        return out;
    }
    // Payloads of the outbox rows of one kind, oldest first.
    std::vector<boost::json::object> outbox(const std::string& kind) {
        std::vector<boost::json::object> out;
        SQLite::Statement q(db(), "SELECT payload FROM outbox WHERE kind = ? ORDER BY id");
        q.bind(1, kind);
        while (q.executeStep()) {
            out.push_back(boost::json::parse(q.getColumn(0).getString()).as_object());
        }
        return out;
    }

    fs::path labelPath(int64_t labelId) {
        return printer_->pathFor("label-" + std::to_string(labelId));
    }
    std::vector<fs::path> labelFiles() {
        std::vector<fs::path> out;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir_ / options_.labelDir, ec)) {
            if (e.path().filename().string().front() != '.') {
                out.push_back(e.path());
            }
        }
        return out;
    }
    static std::string readFile(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    // Logs in and opens an order, both of which must be accepted.
    ::testing::AssertionResult openAs(const std::string& badge, const std::string& number) {
        auto login = scan(badge);
        if (!login.ok) {
            return accepted(login) << " (logging in)";
        }
        auto open = scan(number);
        if (!open.ok) {
            return accepted(open) << " (opening " << number << ")";
        }
        return ::testing::AssertionSuccess();
    }

  private:
    fs::path dir_;
    BenchOptions options_;
    boost::asio::io_context io_;
    std::chrono::system_clock::time_point now_ =
        std::chrono::sys_days(std::chrono::year(2024) / 3 / 5) + std::chrono::hours(9);
    config::StationConfig config_;
    std::unique_ptr<Journal> journal_;
    std::unique_ptr<drivers::DirectoryPrinter> printer_;
    std::unique_ptr<drivers::SimulatedScale> scale_;
    std::vector<Event> events_;
    std::unique_ptr<Station> station_;
};

}  // namespace station::test
