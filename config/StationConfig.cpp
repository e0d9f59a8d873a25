#include "config/StationConfig.h"

#include <arpa/inet.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <sstream>
#include <system_error>
#include <utility>

namespace config {

std::string_view toString(Role role) {
    switch (role) {
        case Role::Packer:
            return "packer";
        case Role::Returns:
            return "returns";
        case Role::Supervisor:
            return "supervisor";
    }
    return "unknown";
}

std::string_view toString(TrackingMode mode) {
    switch (mode) {
        case TrackingMode::Sscc:
            return "sscc";
        case TrackingMode::CarrierLabel:
            return "carrier_label";
        case TrackingMode::None:
            return "none";
    }
    return "unknown";
}

std::string ConfigError::toString() const {
    std::string out = file;
    if (line > 0) {
        out += ':' + std::to_string(line);
        if (column > 0) {
            out += ':' + std::to_string(column);
        }
    }
    out += ": ";
    if (!key.empty()) {
        out += key + ": ";
    }
    out += message;
    return out;
}

namespace {

constexpr int kMaxPrefixDigits = 10;
constexpr int kMinPrefixDigits = 6;
// An SSCC is 18 digits: extension digit, company prefix, serial, check digit.
constexpr int kSsccPrefixAndSerialDigits = 16;
constexpr int64_t kIntMax = std::numeric_limits<int>::max();

struct Place {
    int line = 0;
    int column = 0;
};

Place placeOf(const toml::source_region& region) {
    return {static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

// Names a TOML type the way a warehouse admin would recognise it in the file.
std::string_view describe(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string:
            return "text";
        case toml::node_type::integer:
            return "a whole number";
        case toml::node_type::floating_point:
            return "a decimal number";
        case toml::node_type::boolean:
            return "true/false";
        case toml::node_type::date:
        case toml::node_type::time:
        case toml::node_type::date_time:
            return "a date or time";
        case toml::node_type::array:
            return "a list";
        case toml::node_type::table:
            return "a table";
        default:
            return "nothing";
    }
}

std::string inQuotes(std::string_view text) {
    return '"' + std::string(text) + '"';
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out;
}

std::string lowered(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

// Optimal string alignment distance: a swapped pair of letters ("wieght") counts as one edit,
// because that is the typo people make most.
size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= b.size(); ++j) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i) {
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

std::optional<std::string> closest(std::string_view typo, const std::vector<std::string>& known) {
    const std::string typoLower = lowered(typo);
    const size_t allowed = typo.size() <= 3 ? 1 : typo.size() <= 8 ? 2 : 3;
    std::optional<std::string> best;
    size_t bestDistance = allowed + 1;
    for (const auto& candidate : known) {
        const size_t distance = editDistance(typoLower, lowered(candidate));
        if (distance < bestDistance) {
            bestDistance = distance;
            best = candidate;
        }
    }
    return best;
}

bool isIpAddress(const std::string& text) {
    unsigned char buffer[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool isWildcard(const std::string& address) {
    return address == "0.0.0.0" || address == "::";
}

std::filesystem::path resolved(const std::filesystem::path& baseDir,
                               const std::filesystem::path& path) {
    if (path.is_absolute() || baseDir.empty()) {
        return path.lexically_normal();
    }
    return (baseDir / path).lexically_normal();
}

// Every table and key the file may hold. Unknown keys are judged against this list rather
// than against what was read, so that a key put in the wrong table can be sent to the right one
// even when that table is absent from the file.
struct TableSchema {
    std::string_view name;  // "" for the top level
    bool isList;            // [[name]] rather than [name]
    std::vector<std::string_view> keys;
};

const std::vector<TableSchema>& schema() {
    static const std::vector<TableSchema> tables = {
        {"",
         false,
         {"station", "api", "packing", "tracking", "sender", "users", "boxes", "shipping_methods",
          "scanners", "scale", "printers", "labels", "shop", "demo"}},
        {"station", false, {"id", "language", "data_dir", "idle_logout_minutes", "log_level"}},
        {"api", false, {"listen", "port", "screens_dir", "require_login"}},
        {"packing",
         false,
         {"risk_threshold", "confirm_label_scan", "auto_close_when_complete",
          "weight_tolerance_grams", "weight_tolerance_percent", "default_box",
          "print_return_slip"}},
        {"tracking",
         false,
         {"gs1_company_prefix", "extension_digit", "first_serial", "last_serial"}},
        {"sender", false, {"name", "street", "postcode", "city", "country"}},
        {"users", true, {"name", "badge", "role", "pin"}},
        {"boxes", true, {"code", "name", "tare_grams", "length_mm", "width_mm", "height_mm"}},
        {"shipping_methods", true, {"id", "carrier", "tracking"}},
        {"scanners",
         true,
         {"name", "kind", "listen", "port", "usb", "keyboard_layout", "terminator", "device",
          "baud", "format"}},
        {"scale", false, {"name", "kind", "usb", "device", "baud", "format"}},
        {"printers",
         true,
         {"name", "role", "kind", "language", "path", "size", "dpi", "host", "port", "usb", "queue",
          "server"}},
        {"labels", false, {"templates_dir"}},
        {"shop",
         false,
         {"adapter",
          "url",
          "consumer_key",
          "consumer_secret",
          "consumer_secret_file",
          "auth",
          "verify_tls",
          "ca_file",
          "timeout_seconds",
          "ready_statuses",
          "awaiting_payment_statuses",
          "in_progress_status",
          "shipped_status",
          "risk_score_meta_key",
          "bin_meta_key",
          "gtin_meta_key",
          "weight_meta_key",
          "weight_unit",
          "refund_returns",
          "csv_inbox",
          "csv_processed",
          "csv_outbox",
          "pull_interval_seconds",
          "retry_first_seconds",
          "retry_max_seconds"}},
        {"demo", false, {"orders"}},
    };
    return tables;
}

const TableSchema& schemaOf(std::string_view kind) {
    for (const auto& table : schema()) {
        if (table.name == kind) {
            return table;
        }
    }
    assert(false && "every Section kind is in schema()");
    return schema().front();
}

bool hasKey(const TableSchema& table, std::string_view key) {
    return std::find(table.keys.begin(), table.keys.end(), key) != table.keys.end();
}

std::string displayName(const TableSchema& table) {
    const std::string name(table.name);
    return table.isList ? "[[" + name + "]]" : "[" + name + "]";
}

// "unknown key; did you mean ...?" for a key that `kind` does not have.
std::string unknownKeyMessage(std::string_view kind, const std::string& name,
                              const toml::node& node) {
    const bool topLevel = kind.empty();
    std::string message = "unknown key";
    if (topLevel && node.is_table()) {
        message = "unknown table [" + name + "]";
    } else if (topLevel && node.is_array_of_tables()) {
        message = "unknown table [[" + name + "]]";
    }
    const TableSchema& own = schemaOf(kind);
    const std::vector<std::string> keys(own.keys.begin(), own.keys.end());
    if (auto suggestion = closest(name, keys)) {
        return message + "; did you mean " +
               (topLevel ? displayName(schemaOf(*suggestion)) : *suggestion) + "?";
    }
    std::vector<std::string> homes;
    for (const auto& table : schema()) {
        if (table.name != kind && !table.name.empty() && hasKey(table, name)) {
            homes.push_back(displayName(table));
        }
    }
    if (!homes.empty()) {
        return message + "; did you mean to put it under " + joined(homes, " or ") + "?";
    }
    if (!topLevel) {
        return message + "; the keys allowed here are " + joined(keys, ", ");
    }
    return message;
}

class Reporter {
  public:
    explicit Reporter(std::string file) : file_(std::move(file)) {}

    void error(Place place, std::string key, std::string message) {
        errors_.push_back({file_, place.line, place.column, std::move(key), std::move(message)});
    }

    std::vector<ConfigError> finish() {
        // Read top to bottom like the file; errors with no place (a missing table) come last.
        std::stable_sort(errors_.begin(), errors_.end(),
                         [](const ConfigError& a, const ConfigError& b) {
                             const auto rank = [](const ConfigError& e) {
                                 return std::make_pair(e.line == 0 ? kIntMax : e.line, e.column);
                             };
                             return rank(a) < rank(b);
                         });
        return std::move(errors_);
    }

  private:
    std::string file_;
    std::vector<ConfigError> errors_;
};

enum class Need { Optional, Required };

// One TOML table being read, of a kind named in schema(). finish() reports whatever the file
// holds beyond the schema, so that typos never pass silently.
class Section {
  public:
    Section(Reporter& reporter, const toml::table& table, std::string path, std::string kind,
            std::string display, Place place)
        : reporter_(reporter),
          table_(table),
          path_(std::move(path)),
          kind_(std::move(kind)),
          display_(std::move(display)),
          place_(place) {}

    std::string keyPath(std::string_view key) const {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }

    Place placeOf(std::string_view key) const {
        const toml::node* node = table_.get(key);
        return node ? placeOf(*node) : place_;
    }

    void error(std::string_view key, std::string message) {
        reporter_.error(placeOf(key), keyPath(key), std::move(message));
    }

    std::optional<std::string> text(std::string_view key, Need need, bool secret = false) {
        const toml::node* node = get(key, need);
        if (!node) {
            return std::nullopt;
        }
        if (const auto* value = node->as_string()) {
            if (value->get().empty()) {
                error(key, "must not be empty");
                return std::nullopt;
            }
            return value->get();
        }
        if (const auto* number = node->as_integer(); number && !secret) {
            // A postcode or a GS1 prefix typed as a number would lose its leading zeros.
            error(key, "must be text in quotes, e.g. " + inQuotes(std::to_string(number->get())) +
                           ", not a number");
        } else {
            wrongType(key, *node, "text in quotes");
        }
        return std::nullopt;
    }

    std::optional<std::string> choice(std::string_view key,
                                      std::initializer_list<std::string_view> allowed, Need need) {
        auto value = text(key, need);
        if (!value) {
            return std::nullopt;
        }
        if (std::find(allowed.begin(), allowed.end(), *value) != allowed.end()) {
            return value;
        }
        if (allowed.size() == 1) {
            error(key, "must be " + inQuotes(*allowed.begin()) +
                           " (the only one supported today), not " + inQuotes(*value));
        } else {
            std::vector<std::string> names(allowed.begin(), allowed.end());
            error(key, "must be one of " + joined(names, ", ") + ", not " + inQuotes(*value));
        }
        return std::nullopt;
    }

    std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max, Need need) {
        const toml::node* node = get(key, need);
        if (!node) {
            return std::nullopt;
        }
        const auto* value = node->as_integer();
        if (!value) {
            wrongType(key, *node, "a whole number");
            return std::nullopt;
        }
        const int64_t number = value->get();
        if (number < min || number > max) {
            error(key, rangeMessage(std::to_string(min), std::to_string(max), max >= kIntMax) +
                           ", not " + std::to_string(number));
            return std::nullopt;
        }
        return number;
    }

    std::optional<double> number(std::string_view key, double min, std::optional<double> max,
                                 Need need) {
        const toml::node* node = get(key, need);
        if (!node) {
            return std::nullopt;
        }
        double number = 0;
        if (const auto* integer = node->as_integer()) {
            number = static_cast<double>(integer->get());
        } else if (const auto* floating = node->as_floating_point()) {
            number = floating->get();
        } else {
            wrongType(key, *node, "a number");
            return std::nullopt;
        }
        if (!std::isfinite(number) || number < min || (max && number > *max)) {
            error(key, rangeMessage(formatted(min), max ? formatted(*max) : "", !max) + ", not " +
                           formatted(number));
            return std::nullopt;
        }
        return number;
    }

    std::optional<bool> boolean(std::string_view key, Need need) {
        const toml::node* node = get(key, need);
        if (!node) {
            return std::nullopt;
        }
        if (const auto* value = node->as_boolean()) {
            return value->get();
        }
        wrongType(key, *node, "true or false (without quotes)");
        return std::nullopt;
    }

    // A list of non-empty texts, e.g. ready_statuses = ["processing", "packing"].
    std::optional<std::vector<std::string>> textList(std::string_view key, Need need) {
        const toml::node* node = get(key, need);
        if (!node) {
            return std::nullopt;
        }
        const auto* array = node->as_array();
        if (!array) {
            wrongType(key, *node, "a list of texts in quotes, e.g. [\"processing\"]");
            return std::nullopt;
        }
        std::vector<std::string> items;
        for (size_t i = 0; i < array->size(); ++i) {
            const auto* item = array->get(i)->as_string();
            if (!item || item->get().empty()) {
                reporter_.error(placeOf(*array->get(i)),
                                keyPath(key) + "[" + std::to_string(i) + "]",
                                "must be a non-empty text in quotes");
                return std::nullopt;
            }
            items.push_back(item->get());
        }
        if (items.empty()) {
            error(key, "must name at least one value");
            return std::nullopt;
        }
        return items;
    }

    std::optional<std::string> ipAddress(std::string_view key, Need need) {
        auto value = text(key, need);
        if (value && !isIpAddress(*value)) {
            error(key,
                  "must be an IP address such as 127.0.0.1 (this computer only) or 0.0.0.0 "
                  "(every network), not " +
                      inQuotes(*value));
            return std::nullopt;
        }
        return value;
    }

    std::optional<Section> table(std::string_view key, Need need) {
        const toml::node* node = get(key, need);
        if (!node) {
            return std::nullopt;
        }
        if (const auto* table = node->as_table()) {
            return Section(reporter_, *table, keyPath(key), std::string(key),
                           "[" + std::string(key) + "]", placeOf(*node));
        }
        wrongType(key, *node, "a table, written [" + std::string(key) + "]");
        return std::nullopt;
    }

    // The entries of a [[key]] list, empty when there is none; nullopt when `key` is something
    // else than a list, already reported, so that callers do not pile a second error on it.
    std::optional<std::vector<Section>> tableArray(std::string_view key) {
        std::vector<Section> entries;
        const toml::node* node = get(key, Need::Optional);
        if (!node) {
            return entries;
        }
        const std::string display = "[[" + std::string(key) + "]]";
        const auto* array = node->as_array();
        if (!array) {
            wrongType(key, *node, "a list of " + display + " entries");
            return std::nullopt;
        }
        for (size_t i = 0; i < array->size(); ++i) {
            const toml::node& element = *array->get(i);
            const std::string path = keyPath(key) + "[" + std::to_string(i) + "]";
            if (const auto* table = element.as_table()) {
                entries.emplace_back(reporter_, *table, path, std::string(key), display,
                                     placeOf(element));
            } else {
                reporter_.error(placeOf(element), path,
                                "must be a table, written " + display + ", not " +
                                    std::string(describe(element)));
            }
        }
        return entries;
    }

    void finish() {
        const TableSchema& own = schemaOf(kind_);
        for (const auto& [key, node] : table_) {
            const std::string name(key.str());
            if (!hasKey(own, name)) {
                // A [table] header is where the eye goes, rather than the name inside it.
                Place place = placeOf(key.source());
                if (node.is_table()) {
                    place = placeOf(node);
                } else if (node.is_array_of_tables() && !node.as_array()->empty()) {
                    place = placeOf(*node.as_array()->get(0));
                }
                reporter_.error(place, keyPath(name), unknownKeyMessage(kind_, name, node));
            }
        }
    }

  private:
    static Place placeOf(const toml::node& node) { return config::placeOf(node.source()); }
    static Place placeOf(const toml::source_region& region) { return config::placeOf(region); }

    static std::string formatted(double value) {
        std::ostringstream out;
        out << value;
        return out.str();
    }

    static std::string rangeMessage(const std::string& min, const std::string& max,
                                    bool unbounded) {
        if (unbounded) {
            return "must be " + min + " or more";
        }
        return "must be between " + min + " and " + max;
    }

    const toml::node* get(std::string_view key, Need need) {
        assert(hasKey(schemaOf(kind_), key) && "every key read is in schema()");
        const toml::node* node = table_.get(key);
        if (!node && need == Need::Required) {
            reporter_.error(place_, keyPath(key),
                            path_.empty() ? "required table [" + std::string(key) + "] is missing"
                            : display_.starts_with("[[")
                                ? "required key is missing from this " + display_ + " entry"
                                : "required key is missing from " + display_);
        }
        return node;
    }

    void wrongType(std::string_view key, const toml::node& node, const std::string& expected) {
        error(key, "must be " + expected + ", not " + std::string(describe(node)));
    }

    Reporter& reporter_;
    const toml::table& table_;
    std::string path_;
    std::string kind_;
    std::string display_;
    Place place_;
};

bool isStationId(const std::string& id) {
    return std::all_of(id.begin(), id.end(), [](unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

bool isDigits(const std::string& text) {
    return std::all_of(text.begin(), text.end(),
                       [](unsigned char c) { return c >= '0' && c <= '9'; });
}

uint64_t powerOfTen(int exponent) {
    uint64_t value = 1;
    for (int i = 0; i < exponent; ++i) {
        value *= 10;
    }
    return value;
}

void readStation(Section& root, StationConfig& cfg, const std::filesystem::path& baseDir) {
    auto station = root.table("station", Need::Required);
    if (!station) {
        return;
    }
    if (auto id = station->text("id", Need::Required)) {
        if (isStationId(*id)) {
            cfg.stationId = *id;
        } else {
            station->error("id",
                           "may only use letters A-Z, digits, '-' and '_', not " + inQuotes(*id));
        }
    }
    if (auto language = station->choice("language", {"en", "fr"}, Need::Optional)) {
        cfg.language = *language;
    }
    cfg.dataDir = "/var/lib/stationd";
    if (auto dataDir = station->text("data_dir", Need::Optional)) {
        cfg.dataDir = resolved(baseDir, *dataDir);
    }
    if (auto minutes = station->integer("idle_logout_minutes", 0, kIntMax, Need::Optional)) {
        cfg.idleLogoutMinutes = static_cast<int>(*minutes);
    }
    if (auto level =
            station->choice("log_level", {"debug", "info", "warning", "error"}, Need::Optional)) {
        cfg.logLevel = *level;
    }
    station->finish();
}

void readApi(Section& root, StationConfig& cfg, const std::filesystem::path& baseDir) {
    auto api = root.table("api", Need::Optional);
    if (!api) {
        return;
    }
    if (auto listen = api->ipAddress("listen", Need::Optional)) {
        cfg.apiListen = *listen;
    }
    if (auto port = api->integer("port", 1, 65535, Need::Optional)) {
        cfg.apiPort = static_cast<uint16_t>(*port);
    }
    if (auto dir = api->text("screens_dir", Need::Optional)) {
        cfg.screensDir = resolved(baseDir, *dir);
    }
    if (auto login = api->choice("require_login", {"network", "always"}, Need::Optional)) {
        cfg.requireLogin = *login;
    }
    api->finish();
}

// Returns where default_box was written, to check it against the boxes once they are read.
std::optional<Place> readPacking(Section& root, StationConfig& cfg) {
    auto packing = root.table("packing", Need::Optional);
    if (!packing) {
        return std::nullopt;
    }
    std::optional<Place> defaultBoxPlace;
    if (auto risk = packing->number("risk_threshold", 0, 100, Need::Optional)) {
        cfg.riskThreshold = *risk;
    }
    if (auto confirm = packing->boolean("confirm_label_scan", Need::Optional)) {
        cfg.confirmLabelScan = *confirm;
    }
    if (auto autoClose = packing->boolean("auto_close_when_complete", Need::Optional)) {
        cfg.autoCloseWhenComplete = *autoClose;
    }
    if (auto grams = packing->integer("weight_tolerance_grams", 0, kIntMax, Need::Optional)) {
        cfg.weightToleranceGrams = static_cast<int>(*grams);
    }
    if (auto percent =
            packing->number("weight_tolerance_percent", 0, std::nullopt, Need::Optional)) {
        cfg.weightTolerancePercent = *percent;
    }
    if (auto box = packing->text("default_box", Need::Optional)) {
        cfg.defaultBox = *box;
        defaultBoxPlace = packing->placeOf("default_box");
    }
    if (auto slip = packing->boolean("print_return_slip", Need::Optional)) {
        cfg.printReturnSlip = *slip;
    }
    packing->finish();
    return defaultBoxPlace;
}

void readTracking(Section& root, StationConfig& cfg) {
    auto tracking = root.table("tracking", Need::Required);
    if (!tracking) {
        return;
    }
    std::optional<int> prefixDigits;
    if (auto prefix = tracking->text("gs1_company_prefix", Need::Required)) {
        const int digits = static_cast<int>(prefix->size());
        if (!isDigits(*prefix) || digits < kMinPrefixDigits || digits > kMaxPrefixDigits) {
            tracking->error(
                "gs1_company_prefix",
                "must be the 6 to 10 digits of the GS1 company prefix, not " + inQuotes(*prefix));
        } else {
            cfg.gs1CompanyPrefix = *prefix;
            prefixDigits = digits;
        }
    }
    if (auto extension = tracking->integer("extension_digit", 0, 9, Need::Optional)) {
        cfg.ssccExtensionDigit = static_cast<int>(*extension);
    }
    const auto first =
        tracking->integer("first_serial", 0, std::numeric_limits<int64_t>::max(), Need::Optional);
    const auto last =
        tracking->integer("last_serial", 0, std::numeric_limits<int64_t>::max(), Need::Optional);
    if (first) {
        cfg.ssccFirstSerial = static_cast<uint64_t>(*first);
    }
    if (prefixDigits) {
        const int serialDigits = kSsccPrefixAndSerialDigits - *prefixDigits;
        const uint64_t largest = powerOfTen(serialDigits) - 1;
        const std::string fits = "the serial has " + std::to_string(serialDigits) +
                                 " digits with a " + std::to_string(*prefixDigits) +
                                 "-digit company prefix, so it can be at most " +
                                 std::to_string(largest);
        cfg.ssccLastSerial = largest;
        if (first && cfg.ssccFirstSerial > largest) {
            tracking->error("first_serial", "does not fit: " + fits);
        }
        if (last) {
            cfg.ssccLastSerial = static_cast<uint64_t>(*last);
            if (cfg.ssccLastSerial > largest) {
                tracking->error("last_serial", "does not fit: " + fits);
            } else if (cfg.ssccLastSerial < cfg.ssccFirstSerial) {
                tracking->error("last_serial", "must not be below first_serial (" +
                                                   std::to_string(cfg.ssccFirstSerial) + ")");
            }
        }
    }
    tracking->finish();
}

void readSender(Section& root, StationConfig& cfg) {
    auto sender = root.table("sender", Need::Required);
    if (!sender) {
        return;
    }
    if (auto name = sender->text("name", Need::Required)) {
        cfg.sender.name = *name;
    }
    if (auto street = sender->text("street", Need::Optional)) {
        cfg.sender.street = *street;
    }
    if (auto postcode = sender->text("postcode", Need::Optional)) {
        cfg.sender.postcode = *postcode;
    }
    if (auto city = sender->text("city", Need::Optional)) {
        cfg.sender.city = *city;
    }
    if (auto country = sender->text("country", Need::Optional)) {
        const bool alpha2 = country->size() == 2 &&
                            std::all_of(country->begin(), country->end(),
                                        [](unsigned char c) { return c >= 'A' && c <= 'Z'; });
        if (alpha2) {
            cfg.sender.country = *country;
        } else {
            sender->error("country",
                          "must be a two-letter country code in capitals such as FR, not " +
                              inQuotes(*country));
        }
    }
    sender->finish();
}

void readUsers(Section& root, StationConfig& cfg) {
    auto entries = root.tableArray("users");
    if (!entries) {
        return;
    }
    // Remembers the first holder of each badge; the badge itself never reaches a message.
    std::map<std::string, std::pair<size_t, std::string>> badges;
    std::map<std::string, std::pair<size_t, std::string>> pins;
    size_t index = 0;
    for (auto& entry : *entries) {
        User user;
        if (auto name = entry.text("name", Need::Required)) {
            user.name = *name;
        }
        if (auto badge = entry.text("badge", Need::Required, /*secret=*/true)) {
            user.badge = *badge;
            const auto [found, inserted] = badges.try_emplace(*badge, index, user.name);
            if (!inserted) {
                const auto& [firstIndex, firstName] = found->second;
                std::string holder = "users[" + std::to_string(firstIndex) + "]";
                if (!firstName.empty()) {
                    holder += " (" + firstName + ")";
                }
                entry.error("badge",
                            "the same badge as " + holder + "; every badge must be unique");
            }
        }
        if (auto role = entry.choice("role", {"packer", "returns", "supervisor"}, Need::Required)) {
            user.role = *role == "packer"    ? Role::Packer
                        : *role == "returns" ? Role::Returns
                                             : Role::Supervisor;
        }
        // A PIN signs its holder in on a screen by itself, like a badge: unique, and never in a
        // message (a wrong one is described, not quoted).
        if (auto pin = entry.text("pin", Need::Optional, /*secret=*/true)) {
            if (!isDigits(*pin) || pin->size() < 4 || pin->size() > 8) {
                entry.error("pin", "must be 4 to 8 digits in quotes, e.g. \"4821\"");
            } else {
                user.pin = *pin;
                const auto [found, inserted] = pins.try_emplace(*pin, index, user.name);
                if (!inserted) {
                    const auto& [firstIndex, firstName] = found->second;
                    entry.error("pin", "the same PIN as users[" + std::to_string(firstIndex) + "]" +
                                           (firstName.empty() ? "" : " (" + firstName + ")") +
                                           "; every PIN must be unique");
                }
            }
        }
        entry.finish();
        cfg.users.push_back(std::move(user));
        ++index;
    }
    if (entries->empty()) {
        root.error("users", "no [[users]] entries: at least one user is needed to log in");
    }
    // Signing in takes a badge or a PIN in the same field: one must never read as the other.
    for (size_t i = 0; i < cfg.users.size(); ++i) {
        if (!cfg.users[i].pin.empty() && badges.contains(cfg.users[i].pin)) {
            (*entries)[i].error("pin",
                                "is the same as a badge; a PIN must differ from every badge");
        }
    }
}

void readBoxes(Section& root, StationConfig& cfg, std::optional<Place> defaultBoxPlace,
               Reporter& reporter) {
    std::map<std::string, size_t> codes;
    size_t index = 0;
    for (auto& entry : root.tableArray("boxes").value_or(std::vector<Section>{})) {
        Box box;
        if (auto code = entry.text("code", Need::Required)) {
            box.code = *code;
            const auto [found, inserted] = codes.try_emplace(*code, index);
            if (!inserted) {
                entry.error("code", inQuotes(*code) + " is already the code of boxes[" +
                                        std::to_string(found->second) +
                                        "]; every box code must be unique");
            }
        }
        if (auto name = entry.text("name", Need::Required)) {
            box.name = *name;
        }
        if (auto tare = entry.integer("tare_grams", 0, kIntMax, Need::Required)) {
            box.tareGrams = static_cast<int>(*tare);
        }
        if (auto length = entry.integer("length_mm", 1, kIntMax, Need::Required)) {
            box.lengthMm = static_cast<int>(*length);
        }
        if (auto width = entry.integer("width_mm", 1, kIntMax, Need::Required)) {
            box.widthMm = static_cast<int>(*width);
        }
        if (auto height = entry.integer("height_mm", 1, kIntMax, Need::Required)) {
            box.heightMm = static_cast<int>(*height);
        }
        entry.finish();
        cfg.boxes.push_back(std::move(box));
        ++index;
    }
    if (defaultBoxPlace && !codes.contains(cfg.defaultBox)) {
        std::vector<std::string> known;
        for (const auto& box : cfg.boxes) {
            if (!box.code.empty() &&
                std::find(known.begin(), known.end(), box.code) == known.end()) {
                known.push_back(box.code);
            }
        }
        reporter.error(*defaultBoxPlace, "packing.default_box",
                       known.empty() ? inQuotes(cfg.defaultBox) +
                                           " is not a box: there are no [[boxes]] entries"
                                     : inQuotes(cfg.defaultBox) + " is not one of the box codes (" +
                                           joined(known, ", ") + ")");
    }
}

void readShippingMethods(Section& root, StationConfig& cfg) {
    std::map<std::string, size_t> ids;
    size_t index = 0;
    for (auto& entry : root.tableArray("shipping_methods").value_or(std::vector<Section>{})) {
        ShippingMethod method;
        if (auto id = entry.text("id", Need::Required)) {
            method.id = *id;
            const auto [found, inserted] = ids.try_emplace(*id, index);
            if (!inserted) {
                entry.error("id", inQuotes(*id) + " is already the id of shipping_methods[" +
                                      std::to_string(found->second) +
                                      "]; every shipping method id must be unique");
            }
        }
        if (auto carrier = entry.text("carrier", Need::Required)) {
            method.carrier = *carrier;
        }
        if (auto tracking =
                entry.choice("tracking", {"sscc", "carrier_label", "none"}, Need::Required)) {
            method.tracking = *tracking == "sscc"            ? TrackingMode::Sscc
                              : *tracking == "carrier_label" ? TrackingMode::CarrierLabel
                                                             : TrackingMode::None;
        }
        entry.finish();
        cfg.shippingMethods.push_back(std::move(method));
        ++index;
    }
}

// "05e0:1200" or "05e0:1200:S123": a USB vendor and product id in hexadecimal, and optionally
// the device's serial number to pick one of several identical devices.
bool isUsbSelector(const std::string& text) {
    auto hex4 = [&](size_t at) {
        return at + 4 <= text.size() &&
               std::all_of(text.begin() + static_cast<long>(at),
                           text.begin() + static_cast<long>(at + 4),
                           [](unsigned char c) { return std::isxdigit(c) != 0; });
    };
    return hex4(0) && text.size() >= 9 && text[4] == ':' && hex4(5) &&
           (text.size() == 9 || (text[9] == ':' && text.size() > 10));
}

std::optional<std::string> readUsb(Section& entry, Need need) {
    auto usb = entry.text("usb", need);
    if (usb && !isUsbSelector(*usb)) {
        entry.error("usb",
                    "must be the USB vendor and product ids in hexadecimal, e.g. "
                    "\"05e0:1200\", optionally with the serial number: "
                    "\"05e0:1200:S123\" (lsusb shows them), not " +
                        inQuotes(*usb));
        return std::nullopt;
    }
    return usb;
}

void readSerialPort(Section& entry, Need need, SerialPortConfig& out) {
    if (auto device = entry.text("device", need)) {
        if (device->rfind("/dev/", 0) != 0) {
            entry.error("device",
                        "must be a device path such as /dev/serial/by-id/... or "
                        "/dev/ttyUSB0, not " +
                            inQuotes(*device));
        }
        out.device = *device;
    }
    if (auto baud = entry.integer("baud", 300, 4000000, Need::Optional)) {
        out.baud = static_cast<unsigned>(*baud);
    }
    if (auto format = entry.text("format", Need::Optional)) {
        const std::string& f = *format;
        const bool ok = f.size() == 3 && (f[0] >= '5' && f[0] <= '8') &&
                        (f[1] == 'N' || f[1] == 'E' || f[1] == 'O') && (f[2] == '1' || f[2] == '2');
        if (!ok) {
            entry.error("format",
                        "must be data bits, parity and stop bits such as \"8N1\" or "
                        "\"7E1\", not " +
                            inQuotes(f));
        } else {
            out.format = f;
        }
    }
}

void readScanners(Section& root, StationConfig& cfg) {
    std::map<std::string, size_t> names;
    size_t index = 0;
    for (auto& entry : root.tableArray("scanners").value_or(std::vector<Section>{})) {
        ScannerConfig scanner;
        if (auto name = entry.text("name", Need::Required)) {
            scanner.name = *name;
            const auto [found, inserted] = names.try_emplace(*name, index);
            if (!inserted) {
                entry.error("name", inQuotes(*name) + " is already the name of scanners[" +
                                        std::to_string(found->second) +
                                        "]; every scanner name must be unique");
            }
        }
        if (auto kind = entry.choice("kind", {"tcp", "usb-keyboard", "usb-hid-pos", "serial"},
                                     Need::Required)) {
            scanner.kind = *kind;
        }
        const bool tcp = scanner.kind == "tcp";
        const bool usb = scanner.kind == "usb-keyboard" || scanner.kind == "usb-hid-pos";
        if (auto selector = readUsb(entry, usb ? Need::Required : Need::Optional)) {
            scanner.usb = *selector;
        }
        if (auto layout =
                entry.choice("keyboard_layout", {"us", "fr", "de", "uk"}, Need::Optional)) {
            scanner.keyboardLayout = *layout;
        }
        if (auto terminator =
                entry.choice("terminator", {"enter", "enter_or_tab"}, Need::Optional)) {
            scanner.terminator = *terminator;
        }
        readSerialPort(entry, scanner.kind == "serial" ? Need::Required : Need::Optional,
                       scanner.serial);
        if (auto listen = entry.ipAddress("listen", Need::Optional)) {
            scanner.listen = *listen;
        }
        if (auto port = entry.integer("port", 1, 65535, tcp ? Need::Required : Need::Optional)) {
            scanner.port = static_cast<uint16_t>(*port);
            // Two listeners on one port would make the station fail at start-up instead.
            const auto clashes = [&](const std::string& otherListen) {
                return otherListen == scanner.listen || isWildcard(otherListen) ||
                       isWildcard(scanner.listen);
            };
            if (scanner.port == cfg.apiPort && clashes(cfg.apiListen)) {
                entry.error("port", std::to_string(scanner.port) + " is already the api port");
            }
            for (size_t other = 0; other < cfg.scanners.size(); ++other) {
                const auto& previous = cfg.scanners[other];
                if (previous.port == scanner.port && clashes(previous.listen)) {
                    entry.error("port", std::to_string(scanner.port) +
                                            " is already the port of scanners[" +
                                            std::to_string(other) + "]");
                    break;
                }
            }
        }
        entry.finish();
        cfg.scanners.push_back(std::move(scanner));
        ++index;
    }
}

void readScale(Section& root, StationConfig& cfg) {
    auto scale = root.table("scale", Need::Optional);
    if (!scale) {
        return;
    }
    ScaleConfig result;
    if (auto name = scale->text("name", Need::Required)) {
        result.name = *name;
    }
    if (auto kind =
            scale->choice("kind", {"simulated", "usb-hid", "mt-sics", "toledo"}, Need::Required)) {
        result.kind = *kind;
    }
    if (auto usb = readUsb(*scale, result.kind == "usb-hid" ? Need::Required : Need::Optional)) {
        result.usb = *usb;
    }
    readSerialPort(
        *scale,
        result.kind == "mt-sics" || result.kind == "toledo" ? Need::Required : Need::Optional,
        result.serial);
    scale->finish();
    cfg.scale = std::move(result);
}

void readPrinters(Section& root, StationConfig& cfg) {
    std::map<std::string, size_t> names;
    size_t index = 0;
    bool shipping = false;
    bool unclearRole = false;
    auto entries = root.tableArray("printers");
    if (!entries) {
        return;
    }
    for (auto& entry : *entries) {
        PrinterConfig printer;
        if (auto name = entry.text("name", Need::Required)) {
            printer.name = *name;
            const auto [found, inserted] = names.try_emplace(*name, index);
            if (!inserted) {
                entry.error("name", inQuotes(*name) + " is already the name of printers[" +
                                        std::to_string(found->second) +
                                        "]; every printer name must be unique");
            }
        }
        if (auto role =
                entry.choice("role", {"shipping", "documents", "restock"}, Need::Required)) {
            printer.role = *role;
            shipping = shipping || *role == "shipping";
        } else {
            unclearRole = true;
        }
        if (auto kind =
                entry.choice("kind", {"directory", "zpl-tcp", "usb", "cups"}, Need::Required)) {
            printer.kind = *kind;
        }
        const bool network = printer.kind == "zpl-tcp";
        if (auto usb = readUsb(entry, printer.kind == "usb" ? Need::Required : Need::Optional)) {
            printer.usb = *usb;
        }
        if (auto queue =
                entry.text("queue", printer.kind == "cups" ? Need::Required : Need::Optional)) {
            printer.queue = *queue;
        }
        if (auto server = entry.text("server", Need::Optional)) {
            printer.cupsServer = *server;
        }
        if (auto language = entry.choice("language", {"zpl", "pdf"}, Need::Required)) {
            printer.language = *language;
        }
        // Which template size the station lays documents out for; the station checks at start
        // that a template of that size exists (config/labels, or [labels] templates_dir).
        if (auto size = entry.text("size", Need::Optional)) {
            printer.size = *size;
        } else {
            printer.size = printer.language == "pdf" && printer.role == "documents" ? "a4" : "4x6";
        }
        if (auto dpi = entry.integer("dpi", 100, 600, Need::Optional)) {
            printer.dpi = static_cast<int>(*dpi);
        }
        // Kept relative on purpose: the station resolves it against its data directory.
        if (auto path =
                entry.text("path", printer.kind == "directory" ? Need::Required : Need::Optional)) {
            printer.path = *path;
        }
        if (auto host = entry.text("host", network ? Need::Required : Need::Optional)) {
            printer.host = *host;
        }
        if (auto port = entry.integer("port", 1, 65535, Need::Optional)) {
            printer.port = static_cast<uint16_t>(*port);
        }
        if (network && printer.language != "zpl" && !printer.language.empty()) {
            entry.error("language",
                        "a zpl-tcp printer speaks zpl, not " + inQuotes(printer.language));
        }
        entry.finish();
        cfg.printers.push_back(std::move(printer));
        ++index;
    }
    // A printer whose role is already reported as wrong was probably meant for shipping.
    if (!shipping && !unclearRole) {
        root.error("printers",
                   "no [[printers]] entry with role = \"shipping\": the station needs one to print "
                   "shipping labels");
    }
}

void readShop(Section& root, StationConfig& cfg, const std::filesystem::path& baseDir) {
    auto shop = root.table("shop", Need::Optional);
    if (!shop) {
        return;
    }
    ShopConfig& out = cfg.shop;
    if (auto adapter = shop->choice("adapter", {"woocommerce", "csv", "none"}, Need::Required)) {
        out.adapter = *adapter;
    }
    const bool woo = out.adapter == "woocommerce";
    const bool csv = out.adapter == "csv";
    const Need forWoo = woo ? Need::Required : Need::Optional;
    if (auto url = shop->text("url", forWoo)) {
        const bool http = url->rfind("http://", 0) == 0;
        if (url->rfind("https://", 0) != 0 && !http) {
            shop->error("url",
                        "must start with https:// (or http:// for a shop on 127.0.0.1), "
                        "not " +
                            inQuotes(*url));
        } else if (http && url->rfind("http://127.0.0.1", 0) != 0 &&
                   url->rfind("http://localhost", 0) != 0 && url->rfind("http://[::1]", 0) != 0) {
            shop->error("url",
                        "plain http:// would send the shop keys in clear text: use https:// "
                        "(http:// is only accepted for 127.0.0.1)");
        } else {
            out.url = *url;
            while (!out.url.empty() && out.url.back() == '/') {
                out.url.pop_back();
            }
        }
    }
    if (auto key = shop->text("consumer_key", forWoo, true)) {
        out.consumerKey = *key;
    }
    auto secret = shop->text("consumer_secret", Need::Optional, true);
    auto secretFile = shop->text("consumer_secret_file", Need::Optional);
    if (secret && secretFile) {
        shop->error("consumer_secret_file",
                    "give consumer_secret or consumer_secret_file, not both");
    } else if (secret) {
        out.consumerSecret = *secret;
    } else if (secretFile) {
        const auto file = resolved(baseDir, *secretFile);
        std::ifstream in(file, std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        while (!text.empty() &&
               (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
            text.pop_back();
        }
        if (!in && text.empty()) {
            shop->error("consumer_secret_file", "cannot read " + file.string());
        } else if (text.empty()) {
            shop->error("consumer_secret_file", file.string() + " is empty");
        } else {
            out.consumerSecret = text;
        }
    } else if (woo) {
        shop->error("consumer_secret",
                    "missing: give consumer_secret, or consumer_secret_file (a file only the "
                    "service can read)");
    }
    if (auto auth = shop->choice("auth", {"basic", "query"}, Need::Optional)) {
        out.auth = *auth;
    }
    if (auto verify = shop->boolean("verify_tls", Need::Optional)) {
        out.verifyTls = *verify;
    }
    if (auto ca = shop->text("ca_file", Need::Optional)) {
        out.caFile = resolved(baseDir, *ca);
    }
    if (auto timeout = shop->integer("timeout_seconds", 1, 300, Need::Optional)) {
        out.timeoutSeconds = static_cast<int>(*timeout);
    }
    if (auto list = shop->textList("ready_statuses", Need::Optional)) {
        out.readyStatuses = *list;
    }
    if (auto list = shop->textList("awaiting_payment_statuses", Need::Optional)) {
        out.awaitingPaymentStatuses = *list;
    }
    for (auto [key, target] : {std::pair{"in_progress_status", &out.inProgressStatus},
                               {"shipped_status", &out.shippedStatus},
                               {"risk_score_meta_key", &out.riskScoreMetaKey},
                               {"bin_meta_key", &out.binMetaKey},
                               {"gtin_meta_key", &out.gtinMetaKey},
                               {"weight_meta_key", &out.weightMetaKey}}) {
        if (auto value = shop->text(key, Need::Optional)) {
            *target = *value;
        }
    }
    if (auto unit = shop->choice("weight_unit", {"kg", "g", "lbs", "oz"}, Need::Optional)) {
        out.weightUnit = *unit;
    }
    if (auto refund = shop->boolean("refund_returns", Need::Optional)) {
        out.refundReturns = *refund;
    }
    const Need forCsv = csv ? Need::Required : Need::Optional;
    for (auto [key, target] : {std::pair{"csv_inbox", &out.csvInbox},
                               {"csv_processed", &out.csvProcessed},
                               {"csv_outbox", &out.csvOutbox}}) {
        if (auto value = shop->text(key, forCsv)) {
            *target = resolved(baseDir, *value);
        }
    }
    if (auto seconds = shop->integer("pull_interval_seconds", 0, 86400, Need::Optional)) {
        out.pullIntervalSeconds = static_cast<int>(*seconds);
    }
    if (auto seconds = shop->integer("retry_first_seconds", 1, 3600, Need::Optional)) {
        out.retryFirstSeconds = static_cast<int>(*seconds);
    }
    if (auto seconds = shop->integer("retry_max_seconds", 1, 86400, Need::Optional)) {
        out.retryMaxSeconds = static_cast<int>(*seconds);
    }
    if (out.retryMaxSeconds < out.retryFirstSeconds) {
        shop->error("retry_max_seconds", "must be at least retry_first_seconds (" +
                                             std::to_string(out.retryFirstSeconds) + ")");
    }
    shop->finish();
}

void readLabels(Section& root, StationConfig& cfg, const std::filesystem::path& baseDir) {
    auto labels = root.table("labels", Need::Optional);
    if (!labels) {
        return;
    }
    if (auto dir = labels->text("templates_dir", Need::Required)) {
        const auto path = resolved(baseDir, *dir);
        std::error_code ec;
        if (!std::filesystem::is_directory(path, ec)) {
            labels->error("templates_dir", "is not a folder: " + path.string());
        } else {
            cfg.labelTemplatesDir = path;
        }
    }
    labels->finish();
}

void readDemo(Section& root, StationConfig& cfg, const std::filesystem::path& baseDir) {
    auto demo = root.table("demo", Need::Optional);
    if (!demo) {
        return;
    }
    if (auto orders = demo->text("orders", Need::Required)) {
        cfg.demoOrders = resolved(baseDir, *orders);
    }
    demo->finish();
}

}  // namespace

LoadResult parseConfig(std::string_view text, const std::string& sourceName,
                       const std::filesystem::path& baseDir) {
    LoadResult result;
    toml::table document;
    try {
        document = toml::parse(text, sourceName);
    } catch (const toml::parse_error& error) {
        const Place place = placeOf(error.source());
        result.errors.push_back(
            {sourceName, place.line, place.column, "", std::string(error.description())});
        return result;
    }

    Reporter reporter(sourceName);
    StationConfig cfg;
    cfg.sourceFile = sourceName;
    Section root(reporter, document, "", "", "the top level", Place{});

    // Order matters where one section checks against another: the api port before the
    // scanners, the default box before the boxes.
    readStation(root, cfg, baseDir);
    readApi(root, cfg, baseDir);
    const auto defaultBoxPlace = readPacking(root, cfg);
    readTracking(root, cfg);
    readSender(root, cfg);
    readUsers(root, cfg);
    readBoxes(root, cfg, defaultBoxPlace, reporter);
    readShippingMethods(root, cfg);
    readScanners(root, cfg);
    readScale(root, cfg);
    readPrinters(root, cfg);
    readLabels(root, cfg, baseDir);
    readShop(root, cfg, baseDir);
    readDemo(root, cfg, baseDir);
    root.finish();

    result.errors = reporter.finish();
    if (result.errors.empty()) {
        result.config = std::move(cfg);
    }
    return result;
}

LoadResult loadConfig(const std::filesystem::path& file) {
    const std::string name = file.string();
    const auto fail = [&](std::string message) {
        LoadResult result;
        result.errors.push_back({name, 0, 0, "", std::move(message)});
        return result;
    };
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) {
        return fail("is a folder, not a configuration file");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return fail("cannot be read: " + std::generic_category().message(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return fail("cannot be read: " + std::generic_category().message(errno));
    }
    const auto absolute = std::filesystem::absolute(file, ec);
    const auto baseDir = ec ? file.parent_path() : absolute.parent_path();
    LoadResult result = parseConfig(text.str(), name, baseDir);
    if (result.config) {
        result.config->sourceFile = file;
    }
    return result;
}

}  // namespace config
