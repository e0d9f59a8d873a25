// What the config readers share (private to config/): where a value sits in the file, the
// schema of every table, the error reporter and the Section reader that checks each key.
// StationConfig.cpp reads the station's own sections, DeviceSections.cpp the scanners, scale
// and printers, ShopSection.cpp the shop.
#pragma once

#include <arpa/inet.h>

#include <toml++/toml.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/StationConfig.h"

namespace config::detail {

constexpr int kMaxPrefixDigits = 10;
constexpr int kMinPrefixDigits = 6;
// An SSCC is 18 digits: extension digit, company prefix, serial, check digit.
constexpr int kSsccPrefixAndSerialDigits = 16;
constexpr int64_t kIntMax = std::numeric_limits<int>::max();

struct Place {
    int line = 0;
    int column = 0;
};

inline Place placeOf(const toml::source_region& region) {
    return {static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

// Names a TOML type the way a warehouse admin would recognise it in the file.
inline std::string_view describe(const toml::node& node) {
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

inline std::string inQuotes(std::string_view text) {
    return '"' + std::string(text) + '"';
}

inline std::string joined(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out;
}

inline std::string lowered(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

// Optimal string alignment distance: a swapped pair of letters ("wieght") counts as one edit,
// because that is the typo people make most.
inline size_t editDistance(std::string_view a, std::string_view b) {
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

inline std::optional<std::string> closest(std::string_view typo,
                                          const std::vector<std::string>& known) {
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

inline bool isIpAddress(const std::string& text) {
    unsigned char buffer[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

inline bool isWildcard(const std::string& address) {
    return address == "0.0.0.0" || address == "::";
}

inline std::filesystem::path resolved(const std::filesystem::path& baseDir,
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

inline const std::vector<TableSchema>& schema() {
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
          "case_gtin_meta_key",
          "case_quantity_meta_key",
          "serialised_meta_key",
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

inline const TableSchema& schemaOf(std::string_view kind) {
    for (const auto& table : schema()) {
        if (table.name == kind) {
            return table;
        }
    }
    assert(false && "every Section kind is in schema()");
    return schema().front();
}

inline bool hasKey(const TableSchema& table, std::string_view key) {
    return std::find(table.keys.begin(), table.keys.end(), key) != table.keys.end();
}

inline std::string displayName(const TableSchema& table) {
    const std::string name(table.name);
    return table.isList ? "[[" + name + "]]" : "[" + name + "]";
}

// "unknown key; did you mean ...?" for a key that `kind` does not have.
inline std::string unknownKeyMessage(std::string_view kind, const std::string& name,
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
    static Place placeOf(const toml::node& node) { return detail::placeOf(node.source()); }
    static Place placeOf(const toml::source_region& region) { return detail::placeOf(region); }

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

// The sections read outside StationConfig.cpp.
void readScanners(Section& root, StationConfig& cfg);
void readScale(Section& root, StationConfig& cfg);
void readPrinters(Section& root, StationConfig& cfg);
void readShop(Section& root, StationConfig& cfg, const std::filesystem::path& baseDir);

}  // namespace config::detail
