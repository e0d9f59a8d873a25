#include "config/StationConfig.h"

#include "config/ConfigReader.h"

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

using namespace detail;

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
