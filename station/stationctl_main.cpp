// stationctl: the command line for a running stationd, over its HTTP and WebSocket API.
// Output is for people by default and the server's JSON with --json; see docs/api.md.

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <termios.h>
#include <unistd.h>

#include "station/HttpClient.h"

namespace {

namespace json = boost::json;
namespace http = boost::beast::http;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // daemon unreachable, or it answered with an error
constexpr int kExitUsage = 2;
constexpr int kExitRefused = 3;  // a scan the station refused

constexpr std::string_view kDefaultUrl = "http://127.0.0.1:8080";
// As many arguments as given, each its own (print ORDER...), unlike SIZE_MAX which joins them.
constexpr std::size_t kManyArgs = 10000;

constexpr std::string_view kUsage = R"(usage: stationctl [--url URL] [--json] COMMAND [ARGS]

Talks to a running stationd over its HTTP API.

commands:
  status                         who is signed in, the open order, scale, devices, outbox
  orders [--state STATE]         list orders; STATE is one of ready, awaiting_payment,
                                 in_progress, partially_shipped, shipped, cancelled
  order NUMBER                   one order: lines, parcels, activity
  scan CODE [--scanner NAME]     send a scan as a scanner would (exit 3 if refused)
  weight GRAMS [--unstable]      send a scale reading
  note NUMBER TEXT [--customer]  add a note to an order (internal unless --customer)
  print pick-list ORDER...       print one pick list for these orders on the documents printer
  print packing-slips ORDER...   print a packing slip for each of these orders
  print command-sheet            print the bench's command barcodes and boxes
  labels [--state S,...]         labels by state; by default those that need a person:
                                 held, uncertain (may have printed) and failed
  reprint LABEL                  print a label again (the same job when it never came out)
  devices                        each configured device: role, kind, what it matched, state
  sync                           the shop sync: outbox depth, oldest pending row, last success
                                 and error, and the rows parked for a person
  sync pull                      fetch the shop's orders now
  sync retry ROW                 send a parked outbox row again, once its cause is fixed
  events                         print live events until interrupted
  login                          read a badge or PIN on standard input, sign in, print the
                                 session token (for STATIONCTL_TOKEN)
  help                           show this text

options:
  --url URL   where stationd listens (default http://127.0.0.1:8080, or $STATIONCTL_URL)

A station that asks for a sign-in (another computer, or [api] require_login = "always") takes
the token of `stationctl login` from $STATIONCTL_TOKEN:
  export STATIONCTL_TOKEN=$(stationctl --url http://bench-1:8080 login)
  --json      print the server's JSON instead of a summary
)";

// ---------------------------------------------------------------------------------------------
// Command line

struct CommandSpec {
    std::string_view name;
    std::size_t minArgs;
    std::size_t maxArgs;  // SIZE_MAX: the rest is joined (note TEXT)
    std::vector<std::string_view> valueOptions;
    std::vector<std::string_view> switches;
};

const std::vector<CommandSpec>& commandSpecs() {
    static const std::vector<CommandSpec> kSpecs = {
        {"status", 0, 0, {}, {}},
        {"orders", 0, 0, {"--state"}, {}},
        {"order", 1, 1, {}, {}},
        {"scan", 1, 1, {"--scanner"}, {}},
        {"weight", 1, 1, {}, {"--unstable"}},
        {"note", 2, SIZE_MAX, {}, {"--customer"}},
        {"print", 1, kManyArgs, {}, {}},
        {"sync", 0, 2, {}, {}},
        {"devices", 0, 0, {}, {}},
        {"events", 0, 0, {}, {}},
        {"login", 0, 0, {}, {}},
        {"labels", 0, 0, {"--state"}, {}},
        {"reprint", 1, 1, {}, {}},
        {"help", 0, 0, {}, {}},
    };
    return kSpecs;
}

const CommandSpec* findCommand(std::string_view name) {
    for (const auto& spec : commandSpecs()) {
        if (spec.name == name) {
            return &spec;
        }
    }
    return nullptr;
}

bool contains(const std::vector<std::string_view>& list, std::string_view item) {
    for (auto entry : list) {
        if (entry == item) {
            return true;
        }
    }
    return false;
}

struct Invocation {
    std::string url;
    bool json = false;
    std::string command;
    std::vector<std::string> args;
    std::map<std::string, std::string> options;  // "--state" -> "ready", "--unstable" -> ""

    bool has(const std::string& option) const { return options.count(option) != 0; }
    std::string option(const std::string& name, std::string fallback) const {
        auto it = options.find(name);
        return it == options.end() ? fallback : it->second;
    }
};

// Global options may come before or after the command; "--" ends the options.
std::optional<Invocation> parseCommandLine(const std::vector<std::string>& argv,
                                           std::string& error) {
    Invocation invocation;
    const char* fromEnvironment = std::getenv("STATIONCTL_URL");
    invocation.url = fromEnvironment != nullptr && *fromEnvironment != '\0'
                         ? std::string(fromEnvironment)
                         : std::string(kDefaultUrl);
    const CommandSpec* spec = nullptr;
    bool optionsEnded = false;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        bool isOption = !optionsEnded && arg.size() > 1 && arg[0] == '-' &&
                        !(std::isdigit(static_cast<unsigned char>(arg[1])) != 0);
        if (!optionsEnded && arg == "--") {
            optionsEnded = true;
            continue;
        }
        if (!isOption) {
            if (spec == nullptr) {
                spec = findCommand(arg);
                if (spec == nullptr) {
                    error = "unknown command '" + arg + "'";
                    return std::nullopt;
                }
                invocation.command = arg;
            } else {
                invocation.args.push_back(arg);
            }
            continue;
        }
        std::string name = arg;
        std::optional<std::string> value;
        if (auto equals = arg.find('='); equals != std::string::npos) {
            name = arg.substr(0, equals);
            value = arg.substr(equals + 1);
        }
        auto takeValue = [&]() -> bool {
            if (value) {
                return true;
            }
            if (i + 1 >= argv.size()) {
                error = name + " needs a value";
                return false;
            }
            value = argv[++i];
            return true;
        };
        if (name == "--help" || name == "-h") {
            invocation.command = "help";
            spec = findCommand("help");
        } else if (name == "--json" && !value) {
            invocation.json = true;
        } else if (name == "--url") {
            if (!takeValue()) {
                return std::nullopt;
            }
            invocation.url = *value;
        } else if (spec != nullptr && contains(spec->valueOptions, name)) {
            if (!takeValue()) {
                return std::nullopt;
            }
            invocation.options[name] = *value;
        } else if (spec != nullptr && contains(spec->switches, name) && !value) {
            invocation.options[name] = "";
        } else {
            error = "unknown option '" + arg + "'" +
                    (spec != nullptr ? " for " + invocation.command : std::string());
            return std::nullopt;
        }
    }
    if (spec == nullptr) {
        error = "no command given";
        return std::nullopt;
    }
    if (invocation.args.size() < spec->minArgs) {
        error = invocation.command + ": missing argument";
        return std::nullopt;
    }
    if (invocation.args.size() > spec->maxArgs) {
        error = invocation.command + ": too many arguments";
        return std::nullopt;
    }
    if (spec->maxArgs == SIZE_MAX && invocation.args.size() > spec->minArgs) {
        // "note 1001 fragile, double box" without quotes: the words are the text.
        std::string text;
        for (std::size_t i = spec->minArgs - 1; i < invocation.args.size(); ++i) {
            text += (text.empty() ? "" : " ") + invocation.args[i];
        }
        invocation.args.resize(spec->minArgs);
        invocation.args.back() = text;
    }
    return invocation;
}

int usageError(const std::string& message) {
    std::cerr << "stationctl: " << message << '\n'
              << kUsage.substr(0, kUsage.find('\n') + 1)
              << "Run 'stationctl help' for the list of commands.\n";
    return kExitUsage;
}

// ---------------------------------------------------------------------------------------------
// Reading the server's JSON, which may lack fields while the API grows

const json::value* field(const json::value* object, std::string_view key) {
    if (object == nullptr || !object->is_object()) {
        return nullptr;
    }
    return object->as_object().if_contains(key);
}

const json::value* field(const json::value& object, std::string_view key) {
    return field(&object, key);
}

std::string text(const json::value* value) {
    if (value == nullptr || value->is_null()) {
        return {};
    }
    if (value->is_string()) {
        return std::string(value->as_string());
    }
    if (value->is_bool()) {
        return value->as_bool() ? "yes" : "no";
    }
    if (value->is_double()) {
        double number = value->as_double();
        if (std::floor(number) == number && std::fabs(number) < 1e15) {
            return std::to_string(static_cast<long long>(number));
        }
    }
    if (value->is_object()) {
        // {"name": "..."} where a plain name was expected: show the name.
        if (auto name = field(value, "name"); name != nullptr) {
            return text(name);
        }
    }
    return json::serialize(*value);
}

std::string text(const json::value& object, std::string_view key) {
    return text(field(object, key));
}

// A device's detail, with the print jobs a printer holds or may have printed.
std::string deviceDetail(const json::value& device) {
    std::string detail = text(device, "detail");
    auto count = [&](std::string_view key) -> int64_t {
        const json::value* v = field(device, key);
        return v != nullptr && v->is_int64() ? v->as_int64() : 0;
    };
    if (const int64_t held = count("held"); held > 0) {
        detail += "; " + std::to_string(held) + " job(s) held until it is ready";
    }
    if (const int64_t uncertain = count("uncertain"); uncertain > 0) {
        detail += "; " + std::to_string(uncertain) + " job(s) may have printed: look at it";
    }
    return detail;
}

bool flag(const json::value& object, std::string_view key) {
    auto value = field(object, key);
    return value != nullptr && value->is_bool() && value->as_bool();
}

const json::array& arrayField(const json::value& object, std::string_view key) {
    static const json::array kEmpty;
    auto value = field(object, key);
    return value != nullptr && value->is_array() ? value->as_array() : kEmpty;
}

void prettyPrint(std::ostream& out, const json::value& value, int indent = 0) {
    std::string pad(static_cast<std::size_t>(indent + 2), ' ');
    std::string closingPad(static_cast<std::size_t>(indent), ' ');
    if (value.is_object() && !value.as_object().empty()) {
        out << "{\n";
        bool first = true;
        for (const auto& member : value.as_object()) {
            out << (first ? "" : ",\n") << pad << json::serialize(json::string(member.key()))
                << ": ";
            prettyPrint(out, member.value(), indent + 2);
            first = false;
        }
        out << '\n' << closingPad << '}';
    } else if (value.is_array() && !value.as_array().empty()) {
        out << "[\n";
        bool first = true;
        for (const auto& element : value.as_array()) {
            out << (first ? "" : ",\n") << pad;
            prettyPrint(out, element, indent + 2);
            first = false;
        }
        out << '\n' << closingPad << ']';
    } else {
        out << json::serialize(value);
    }
}

// Display width of UTF-8 text, close enough for names with accents.
std::size_t displayWidth(std::string_view s) {
    std::size_t width = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0) != 0x80) {
            ++width;
        }
    }
    return width;
}

class Table {
  public:
    Table() = default;
    explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

    void print(std::ostream& out, std::string_view indent = "  ") const {
        std::vector<std::size_t> widths;
        for (const auto& row : rows_) {
            widths.resize(std::max(widths.size(), row.size()), 0);
            for (std::size_t i = 0; i < row.size(); ++i) {
                widths[i] = std::max(widths[i], displayWidth(row[i]));
            }
        }
        for (const auto& row : rows_) {
            std::string line(indent);
            for (std::size_t i = 0; i < row.size(); ++i) {
                line += row[i];
                if (i + 1 < row.size()) {
                    line += std::string(widths[i] - displayWidth(row[i]) + 2, ' ');
                }
            }
            while (!line.empty() && line.back() == ' ') {
                line.pop_back();
            }
            out << line << '\n';
        }
    }

  private:
    std::vector<std::vector<std::string>> rows_;
};

std::string orDash(std::string s) {
    return s.empty() ? "-" : s;
}

std::string grams(const json::value* value) {
    std::string number = text(value);
    return number.empty() ? std::string() : number + " g";
}

// Percent-encodes one path segment or query value.
std::string encodeComponent(std::string_view raw) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : raw) {
        if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0x0F];
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Talking to stationd

// The token of $STATIONCTL_TOKEN, as a bearer header; empty when unset.
std::string bearer() {
    const char* token = std::getenv("STATIONCTL_TOKEN");
    return token != nullptr && *token != '\0' ? std::string("Bearer ") + token : std::string();
}

class Api {
  public:
    explicit Api(const Invocation& invocation) : client_(invocation.url), json_(invocation.json) {
        // Never on the command line, where ps and the shell's history would show it.
        if (const std::string header = bearer(); !header.empty()) {
            client_.setHeader("Authorization", header);
        }
    }

    // The parsed answer, or nullopt after telling the user what went wrong.
    std::optional<json::value> call(http::verb method, const std::string& target,
                                    const json::value* body = nullptr) {
        auto result =
            client_.request(method, target, body != nullptr ? json::serialize(*body) : "");
        if (!result.reached()) {
            std::cerr << "stationctl: " << result.error << '\n';
            return std::nullopt;
        }
        boost::system::error_code ec;
        json::value parsed = json::parse(result.body, ec);
        if (!result.success()) {
            std::string message = ec ? std::string() : text(parsed, "error");
            if (message.empty()) {
                message = "stationd answered HTTP " + std::to_string(result.status);
            }
            std::cerr << "stationctl: " << message << '\n';
            return std::nullopt;
        }
        if (json_) {
            // As-is, only made readable; a body that is not JSON is shown untouched.
            if (ec) {
                std::cout << result.body << '\n';
            } else {
                prettyPrint(std::cout, parsed);
                std::cout << '\n';
            }
        }
        if (ec) {
            if (!json_) {
                std::cerr << "stationctl: stationd's answer is not JSON\n";
            }
            return json::value();
        }
        return parsed;
    }

    bool json() const { return json_; }

  private:
    station::HttpClient client_;
    bool json_;
};

int showStatus(Api& api) {
    auto status = api.call(http::verb::get, "/api/status");
    if (!status) {
        return kExitFailure;
    }
    if (api.json()) {
        return kExitOk;
    }
    const json::value& s = *status;
    Table summary;
    std::string station = orDash(text(s, "station"));
    std::vector<std::string> about;
    if (auto version = text(s, "version"); !version.empty()) {
        about.push_back("stationd " + version);
    }
    if (auto language = text(s, "language"); !language.empty()) {
        about.push_back("language " + language);
    }
    if (!about.empty()) {
        station += " (" + about[0] + (about.size() > 1 ? ", " + about[1] : "") + ")";
    }
    summary.add({"Station", station});

    const json::value* user = field(s, "user");
    if (user != nullptr && user->is_object()) {
        std::string role = text(*user, "role");
        summary.add(
            {"User", orDash(text(*user, "name")) + (role.empty() ? "" : " (" + role + ")")});
    } else {
        summary.add({"User", "nobody signed in"});
    }

    std::string order = text(s, "order");
    if (order.empty()) {
        summary.add({"Order", "none open"});
    } else {
        std::string parcel = text(s, "parcel");
        summary.add({"Order", order + (parcel.empty() ? "" : ", parcel " + parcel)});
    }
    if (auto awaiting = text(s, "awaiting"); !awaiting.empty()) {
        summary.add({"Awaiting", awaiting});
    }
    if (const json::value* approval = field(s, "pending_approval");
        approval != nullptr && approval->is_object()) {
        std::string line = orDash(text(*approval, "kind"));
        if (auto on = text(*approval, "order"); !on.empty()) {
            line += " on order " + on;
        }
        if (auto detail = text(*approval, "detail"); !detail.empty()) {
            line += ": " + detail;
        }
        summary.add({"Approval", line});
    }
    if (const json::value* scale = field(s, "scale"); scale != nullptr && scale->is_object()) {
        std::string line = orDash(text(*scale, "name")) + ": " + orDash(text(*scale, "status"));
        if (auto weight = grams(field(scale, "grams")); !weight.empty()) {
            line += ", " + weight;
        }
        summary.add({"Scale", line});
    }
    if (const json::value* outbox = field(s, "outbox"); outbox != nullptr) {
        std::string line = orDash(text(*outbox, "pending")) + " pending";
        if (auto age = text(*outbox, "oldest_pending_age_seconds"); !age.empty()) {
            line += ", oldest " + age + " s";
        }
        summary.add({"Outbox", line});
    }
    if (const json::value* counters = field(s, "counters"); counters != nullptr) {
        summary.add({"Today", "scans " + orDash(text(*counters, "scans")) + " (" +
                                  orDash(text(*counters, "refused")) + " refused), parcels " +
                                  orDash(text(*counters, "parcels_today")) + ", orders shipped " +
                                  orDash(text(*counters, "orders_shipped_today"))});
    }
    if (const json::value* event = field(s, "last_event"); event != nullptr && event->is_object()) {
        std::string line = text(*event, "type");
        if (auto message = text(*event, "message"); !message.empty()) {
            line += ": " + message;
        }
        summary.add({"Last event", line});
    }
    summary.print(std::cout, "");

    const auto& devices = arrayField(s, "devices");
    if (!devices.empty()) {
        std::cout << "\nDevices\n";
        Table table({"NAME", "KIND", "ROLE", "STATE", "DETAIL"});
        for (const auto& device : devices) {
            auto up = field(device, "up");
            std::string state = up == nullptr || !up->is_bool() ? "?"
                                : up->as_bool()                 ? "up"
                                                                : "DOWN";
            table.add({orDash(text(device, "name")), text(device, "kind"), text(device, "role"),
                       state, deviceDetail(device)});
        }
        table.print(std::cout);
    }
    return kExitOk;
}

int listOrders(Api& api, const Invocation& invocation) {
    std::string state = invocation.option("--state", "");
    std::string target = "/api/orders";
    if (!state.empty()) {
        target += "?state=" + encodeComponent(state);
    }
    auto answer = api.call(http::verb::get, target);
    if (!answer) {
        return kExitFailure;
    }
    if (api.json()) {
        return kExitOk;
    }
    const auto& orders = arrayField(*answer, "orders");
    if (orders.empty()) {
        std::cout << (state.empty() ? "No orders.\n" : "No orders in state " + state + ".\n");
        return kExitOk;
    }
    Table table(
        {"NUMBER", "STATE", "CUSTOMER", "SHIPPING", "LINES", "PACKED", "RISK", "CLAIMED BY"});
    for (const auto& order : orders) {
        std::string packed = text(order, "packed");
        std::string items = text(order, "items");
        if (!items.empty()) {
            packed = (packed.empty() ? "0" : packed) + "/" + items;
        }
        table.add({orDash(text(order, "number")), text(order, "state"), text(order, "customer"),
                   text(order, "shipping_method"), text(order, "lines"), packed,
                   text(order, "risk_score"), text(order, "claimed_by")});
    }
    table.print(std::cout, "");
    return kExitOk;
}

int showOrder(Api& api, const std::string& number) {
    auto answer = api.call(http::verb::get, "/api/orders/" + encodeComponent(number));
    if (!answer) {
        return kExitFailure;
    }
    if (api.json()) {
        return kExitOk;
    }
    const json::value& order = *answer;
    Table summary;
    summary.add({"Order", orDash(text(order, "number"))});
    std::string state = orDash(text(order, "state"));
    if (auto payment = text(order, "payment"); !payment.empty()) {
        state += " (" + payment + ")";
    }
    if (flag(order, "held")) {
        state += "  HELD";
    }
    summary.add({"State", state});
    if (auto risk = text(order, "risk_score"); !risk.empty()) {
        summary.add({"Risk", risk});
    }
    if (auto claimed = text(order, "claimed_by"); !claimed.empty()) {
        summary.add({"Claimed by", claimed});
    }
    std::string shipping = text(order, "shipping_method");
    if (auto carrier = text(order, "carrier"); !carrier.empty()) {
        shipping += (shipping.empty() ? "" : " via ") + carrier;
    }
    summary.add({"Shipping", orDash(shipping)});
    if (const json::value* customer = field(order, "customer"); customer != nullptr) {
        std::string address;
        if (customer->is_object()) {
            std::string town = text(*customer, "postcode");
            if (auto city = text(*customer, "city"); !city.empty()) {
                town += (town.empty() ? "" : " ") + city;
            }
            for (const std::string& part : {text(*customer, "name"), text(*customer, "street"),
                                            town, text(*customer, "country")}) {
                if (!part.empty()) {
                    address += (address.empty() ? "" : ", ") + part;
                }
            }
        } else {
            address = text(customer);
        }
        summary.add({"Customer", orDash(address)});
    }
    summary.print(std::cout, "");

    std::cout << "\nLines\n";
    const auto& lines = arrayField(order, "lines");
    if (lines.empty()) {
        std::cout << "  none\n";
    } else {
        Table table({"SKU", "NAME", "PACKED", "SHIPPED", "BIN", "WEIGHT", "SERIALS"});
        for (const auto& line : lines) {
            std::string packed = text(line, "packed");
            packed = (packed.empty() ? "0" : packed) + "/" + orDash(text(line, "quantity"));
            std::string serials;
            for (const auto& serial : arrayField(line, "serials")) {
                serials += (serials.empty() ? "" : ", ") + text(&serial);
            }
            if (serials.empty() && flag(line, "serialised")) {
                serials = "(needs serials)";
            }
            table.add({orDash(text(line, "sku")), text(line, "name"), packed, text(line, "shipped"),
                       text(line, "bin"), grams(field(line, "unit_weight_grams")), serials});
        }
        table.print(std::cout);
    }

    const auto& parcels = arrayField(order, "parcels");
    if (!parcels.empty()) {
        std::cout << "\nParcels\n";
        Table table({"#", "STATE", "BOX", "WEIGHT", "EXPECTED", "TRACKING", "ITEMS"});
        for (const auto& parcel : parcels) {
            std::string items;
            for (const auto& item : arrayField(parcel, "items")) {
                items += (items.empty() ? "" : ", ") + text(item, "sku") + " x" +
                         orDash(text(item, "quantity"));
            }
            table.add({orDash(text(parcel, "index")), text(parcel, "state"), text(parcel, "box"),
                       grams(field(parcel, "weight_grams")),
                       grams(field(parcel, "expected_weight_grams")),
                       orDash(text(parcel, "tracking_number")), items});
        }
        table.print(std::cout);
    }

    const auto& activity = arrayField(order, "activity");
    if (!activity.empty()) {
        std::cout << "\nActivity\n";
        Table table({"AT", "STATION", "USER", "KIND", "MESSAGE"});
        for (const auto& entry : activity) {
            std::string message = text(entry, "message");
            if (flag(entry, "internal")) {
                message += " (internal)";
            }
            table.add({text(entry, "at"), text(entry, "station"), text(entry, "user"),
                       text(entry, "kind"), message});
        }
        table.print(std::cout);
    }
    return kExitOk;
}

int sendScan(Api& api, const Invocation& invocation) {
    json::value body = {{"code", invocation.args.at(0)},
                        {"scanner", invocation.option("--scanner", "stationctl")}};
    auto answer = api.call(http::verb::post, "/api/scan", &body);
    if (!answer) {
        return kExitFailure;
    }
    auto ok = field(*answer, "ok");
    if (ok == nullptr || !ok->is_bool()) {
        std::cerr << "stationctl: stationd's answer says neither accepted nor refused\n";
        return kExitFailure;
    }
    bool accepted = ok->as_bool();
    if (!api.json()) {
        std::string message = text(*answer, "message");
        if (accepted) {
            std::cout << "OK" << (message.empty() ? "" : ": " + message) << '\n';
        } else {
            std::string reason = text(*answer, "reason");
            std::cout << "REFUSED" << (reason.empty() ? "" : " (" + reason + ")")
                      << (message.empty() ? "" : ": " + message) << '\n';
        }
    }
    return accepted ? kExitOk : kExitRefused;
}

int sendWeight(Api& api, const Invocation& invocation) {
    const std::string& raw = invocation.args.at(0);
    double value = 0;
    auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
    if (ec != std::errc() || end != raw.data() + raw.size() || !std::isfinite(value)) {
        return usageError("weight: '" + raw + "' is not a number of grams");
    }
    bool stable = !invocation.has("--unstable");
    json::value grams = std::floor(value) == value && std::fabs(value) < 1e15
                            ? json::value(static_cast<std::int64_t>(value))
                            : json::value(value);
    json::value body = {{"grams", grams}, {"stable", stable}};
    if (!api.call(http::verb::post, "/api/scale", &body)) {
        return kExitFailure;
    }
    if (!api.json()) {
        std::cout << "Recorded " << raw << " g (" << (stable ? "stable" : "unstable") << ").\n";
    }
    return kExitOk;
}

int addNote(Api& api, const Invocation& invocation) {
    const std::string& number = invocation.args.at(0);
    bool internal = !invocation.has("--customer");
    json::value body = {{"text", invocation.args.at(1)}, {"internal", internal}};
    if (!api.call(http::verb::post, "/api/orders/" + encodeComponent(number) + "/notes", &body)) {
        return kExitFailure;
    }
    if (!api.json()) {
        std::cout << "Note added to order " << number
                  << (internal ? " (internal)." : " (visible to the customer).") << '\n';
    }
    return kExitOk;
}

int showDevices(Api& api) {
    auto status = api.call(http::verb::get, "/api/status");
    if (!status) {
        return kExitFailure;
    }
    if (api.json()) {
        return kExitOk;
    }
    Table table({"DEVICE", "ROLE", "KIND", "STATE", "DETAIL"});
    int down = 0;
    const json::value* devices = field(*status, "devices");
    if (devices != nullptr && devices->is_array()) {
        for (const auto& d : devices->as_array()) {
            const json::value* up = field(d, "up");
            const bool isUp = up != nullptr && up->is_bool() && up->as_bool();
            down += isUp ? 0 : 1;
            table.add({text(d, "name"), text(d, "role"), text(d, "kind"), isUp ? "up" : "DOWN",
                       deviceDetail(d)});
        }
    }
    table.print(std::cout);
    // A script (or a supervisor's check) can tell a healthy bench from the exit status.
    return down == 0 ? kExitOk : kExitFailure;
}

int showSync(Api& api, const Invocation& invocation) {
    const std::string sub = invocation.args.empty() ? "" : invocation.args[0];
    if (sub == "pull") {
        if (invocation.args.size() != 1) {
            return usageError("sync pull takes no argument");
        }
        if (!api.call(http::verb::post, "/api/sync/pull")) {
            return kExitFailure;
        }
        if (!api.json()) {
            std::cout << "Pull requested: the shop's orders are fetched now.\n";
        }
        return kExitOk;
    }
    if (sub == "retry") {
        if (invocation.args.size() != 2) {
            return usageError("sync retry needs the row number shown by 'stationctl sync'");
        }
        if (!api.call(http::verb::post,
                      "/api/sync/rows/" + encodeComponent(invocation.args[1]) + "/retry")) {
            return kExitFailure;
        }
        if (!api.json()) {
            std::cout << "Row " << invocation.args[1] << " is back in line for the shop.\n";
        }
        return kExitOk;
    }
    if (!sub.empty()) {
        return usageError("unknown sync command '" + sub + "': pull or retry ROW");
    }
    auto sync = api.call(http::verb::get, "/api/sync");
    if (!sync) {
        return kExitFailure;
    }
    if (api.json()) {
        return kExitOk;
    }
    const json::value& s = *sync;
    Table summary;
    summary.add({"Shop", orDash(text(s, "adapter"))});
    std::string pending = orDash(text(s, "pending")) + " pending";
    if (auto age = text(s, "oldest_pending_age_seconds"); !age.empty()) {
        pending += ", oldest " + age + " s";
    }
    summary.add({"Outbox", pending + ", " + orDash(text(s, "parked")) + " parked"});
    summary.add({"Last success", orDash(text(s, "last_success_at"))});
    summary.add({"Last pull", orDash(text(s, "last_pull_at"))});
    std::string error = text(s, "last_error");
    summary.add({"Last error",
                 error.empty() ? "-" : error + " (" + orDash(text(s, "last_error_at")) + ")"});
    summary.print(std::cout);
    const json::value* parked = field(s, "parked_rows");
    if (parked != nullptr && parked->is_array() && !parked->as_array().empty()) {
        std::cout << "\nParked rows (fix the cause, then: stationctl sync retry ROW):\n";
        for (const auto& row : parked->as_array()) {
            std::cout << "  " << text(row, "id") << "  order " << text(row, "order") << "  "
                      << text(row, "kind") << "  " << text(row, "error") << '\n';
        }
    }
    return kExitOk;
}

int printDocuments(Api& api, const Invocation& invocation) {
    const std::string& what = invocation.args.at(0);
    if (what == "command-sheet") {
        if (invocation.args.size() != 1) {
            return usageError("print command-sheet takes no order number");
        }
        json::value body = json::object{};
        auto answer = api.call(http::verb::post, "/api/print/command-sheet", &body);
        if (!answer) {
            return kExitFailure;
        }
        if (!api.json()) {
            std::cout << "Command sheet sent to " << text(*answer, "printer") << " as job "
                      << text(*answer, "job") << " (" << text(*answer, "language") << ", "
                      << text(*answer, "pages") << " page(s)).\n";
            for (const auto& warning : arrayField(*answer, "warnings")) {
                std::cout << "warning: " << text(&warning) << '\n';
            }
        }
        return kExitOk;
    }
    if (what != "pick-list" && what != "packing-slips") {
        return usageError("print: '" + what + "' is not pick-list, packing-slips or command-sheet");
    }
    if (invocation.args.size() < 2) {
        return usageError("print " + what + " needs at least one order number");
    }
    json::array orders;
    for (std::size_t i = 1; i < invocation.args.size(); ++i) {
        orders.emplace_back(invocation.args[i]);
    }
    json::value body = {{"orders", orders}};
    auto answer = api.call(http::verb::post, "/api/print/" + what, &body);
    if (!answer) {
        return kExitFailure;
    }
    if (!api.json()) {
        const std::string document =
            what == "pick-list" ? "Pick list for " + std::to_string(orders.size()) + " order(s)"
                                : std::to_string(orders.size()) + " packing slip(s)";
        std::cout << document << " sent to " << text(*answer, "printer") << " as job "
                  << text(*answer, "job") << " (" << text(*answer, "language") << ", "
                  << text(*answer, "pages") << " page(s)).\n";
        for (const auto& warning : arrayField(*answer, "warnings")) {
            std::cout << "warning: " << text(&warning) << '\n';
        }
    }
    return kExitOk;
}

std::string formatEvent(const std::string& message) {
    boost::system::error_code ec;
    json::value event = json::parse(message, ec);
    if (ec || !event.is_object()) {
        return message;
    }
    std::string at = text(event, "at");
    // "2026-11-29T20:15:00Z" -> "20:15:00": one screen of events rarely spans days.
    if (auto t = at.find('T'); t != std::string::npos) {
        at = at.substr(t + 1);
        if (!at.empty() && at.back() == 'Z') {
            at.pop_back();
        }
    }
    std::string line;
    auto append = [&line](const std::string& part) {
        if (!part.empty()) {
            line += (line.empty() ? "" : "  ") + part;
        }
    };
    append(at);
    if (auto seq = text(event, "seq"); !seq.empty()) {
        append("#" + seq);
    }
    append(text(event, "type"));
    if (auto order = text(event, "order"); !order.empty()) {
        append("order " + order);
    }
    append(text(event, "user"));
    std::string what = text(event, "message");
    auto ok = field(event, "ok");
    if (ok != nullptr && ok->is_bool() && !ok->as_bool()) {
        std::string reason = text(event, "reason");
        what = "REFUSED" + (reason.empty() ? "" : " (" + reason + ")") +
               (what.empty() ? "" : ": " + what);
    }
    append(what);
    return line;
}

int followEvents(const Invocation& invocation) {
    station::WebSocketClient client(invocation.url);
    if (const std::string header = bearer(); !header.empty()) {
        client.setHeader("Authorization", header);
    }
    if (auto error = client.connect("/api/events"); !error.empty()) {
        std::cerr << "stationctl: " << error << '\n';
        return kExitFailure;
    }
    while (true) {
        auto message = client.read(std::chrono::seconds(1));
        if (message) {
            std::cout << (invocation.json ? *message : formatEvent(*message)) << std::endl;
        } else if (!client.isOpen()) {
            std::cerr << "stationctl: " << client.closeReason() << '\n';
            return kExitFailure;
        }
    }
}

// Signs in with a badge or PIN read from standard input (never from the command line, where
// ps and the shell's history would keep it) and prints the token alone on standard output.
int login(Api& api) {
    const bool terminal = ::isatty(STDIN_FILENO) != 0;
    termios saved{};
    if (terminal) {
        std::cerr << "Badge or PIN: " << std::flush;
        ::tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string code;
    std::getline(std::cin, code);
    if (terminal) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::cerr << '\n';
    }
    while (!code.empty() && (code.back() == '\r' || code.back() == ' ')) {
        code.pop_back();
    }
    if (code.empty()) {
        return usageError("login: no badge or PIN on standard input");
    }
    json::value body = {{"code", code}};
    auto answer = api.call(http::verb::post, "/api/login", &body);
    if (!answer) {
        return kExitFailure;
    }
    if (!api.json()) {
        std::cout << text(*answer, "token") << '\n';
        const json::value* user = field(*answer, "user");
        std::cerr << "signed in as " << (user != nullptr ? text(*user, "name") : "?") << " ("
                  << (user != nullptr ? text(*user, "role") : "?") << ") until "
                  << text(*answer, "expires_at") << "; give the token to stationctl as "
                  << "STATIONCTL_TOKEN\n";
    }
    return kExitOk;
}

int listLabels(Api& api, const Invocation& invocation) {
    const std::string states = invocation.option("--state", "held,uncertain,failed");
    auto answer = api.call(http::verb::get, "/api/labels?state=" + states);
    if (!answer) {
        return kExitFailure;
    }
    if (api.json()) {
        return kExitOk;
    }
    Table table({"LABEL", "STATE", "ORDER", "PARCEL", "PRINTER", "CREATED", "ERROR"});
    for (const auto& label : arrayField(*answer, "labels")) {
        table.add({text(label, "id"), text(label, "state"), orDash(text(label, "order")),
                   orDash(text(label, "parcel")), text(label, "printer"), text(label, "created_at"),
                   orDash(text(label, "error"))});
    }
    table.print(std::cout);
    return kExitOk;
}

int reprintLabel(Api& api, const Invocation& invocation) {
    json::value body = json::object{};
    auto answer =
        api.call(http::verb::post, "/api/labels/" + invocation.args.at(0) + "/reprint", &body);
    if (!answer) {
        return kExitFailure;
    }
    if (!api.json()) {
        std::cout << text(*answer, "message") << " (label " << text(*answer, "label") << ")\n";
    }
    return kExitOk;
}

int run(const Invocation& invocation) {
    if (invocation.command == "help") {
        std::cout << kUsage;
        return kExitOk;
    }
    if (auto url = station::parseBaseUrl(invocation.url); !url.error.empty()) {
        return usageError(url.error);
    }
    if (invocation.command == "events") {
        return followEvents(invocation);
    }
    Api api(invocation);
    if (invocation.command == "login") {
        return login(api);
    }
    if (invocation.command == "labels") {
        return listLabels(api, invocation);
    }
    if (invocation.command == "reprint") {
        return reprintLabel(api, invocation);
    }
    if (invocation.command == "status") {
        return showStatus(api);
    }
    if (invocation.command == "orders") {
        return listOrders(api, invocation);
    }
    if (invocation.command == "order") {
        return showOrder(api, invocation.args.at(0));
    }
    if (invocation.command == "scan") {
        return sendScan(api, invocation);
    }
    if (invocation.command == "weight") {
        return sendWeight(api, invocation);
    }
    if (invocation.command == "note") {
        return addNote(api, invocation);
    }
    if (invocation.command == "print") {
        return printDocuments(api, invocation);
    }
    if (invocation.command == "sync") {
        return showSync(api, invocation);
    }
    if (invocation.command == "devices") {
        return showDevices(api);
    }
    return usageError("unknown command '" + invocation.command + "'");
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string error;
    auto invocation = parseCommandLine(args, error);
    if (!invocation) {
        return usageError(error);
    }
    try {
        return run(*invocation);
    } catch (const std::exception& e) {
        // Our own bug, not the user's: still a message rather than an abort.
        std::cerr << "stationctl: unexpected error: " << e.what() << '\n';
        return kExitFailure;
    }
}
