// Typed, validated settings of one station, read from a TOML file.
// Knows no other folder: the station maps these values onto drivers, labels and sync.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace config {

enum class Role { Packer, Returns, Supervisor };
std::string_view toString(Role role);

struct User {
    std::string name;
    std::string badge;  // the code printed on the badge; never logged
    Role role = Role::Packer;
    std::string pin;  // optional, 4 to 8 digits, to sign in on a screen; never logged
};

struct Box {
    std::string code;  // the barcode on the box or on the command sheet, e.g. "BOX-M"
    std::string name;
    int tareGrams = 0;
    int lengthMm = 0;
    int widthMm = 0;
    int heightMm = 0;
};

enum class TrackingMode {
    Sscc,          // allocated from the station's own SSCC range
    CarrierLabel,  // the packer scans a pre-printed carrier label
    None           // customer pickup: no tracking number
};
std::string_view toString(TrackingMode mode);

struct ShippingMethod {
    std::string id;       // as the shop names it, e.g. "colissimo", "pickup"
    std::string carrier;  // shown on the label and sent to the shop
    TrackingMode tracking = TrackingMode::Sscc;
};

struct Address {
    std::string name;
    std::string street;
    std::string postcode;
    std::string city;
    std::string country;  // ISO 3166 alpha-2
};

// A serial port: a scanner or a scale on RS-232 or USB CDC-ACM.
struct SerialPortConfig {
    std::string device;  // prefer /dev/serial/by-id/..., stable across replugs
    unsigned baud = 9600;
    std::string format = "8N1";  // data bits, parity (N, E, O), stop bits
};

struct ScannerConfig {
    std::string name;
    // "tcp": one code per line on a TCP port (simulated scanner);
    // "usb-keyboard": a keyboard-wedge scanner, claimed through libusb (no keystroke leaks);
    // "usb-hid-pos": a HID POS scanner (usage page 0x8C);
    // "serial": a serial or CDC-ACM scanner, one code per line.
    std::string kind;
    std::string listen = "127.0.0.1";
    uint16_t port = 0;
    std::string usb;                    // "vvvv:pppp" or "vvvv:pppp:SERIAL" (hexadecimal ids)
    std::string keyboardLayout = "us";  // usb-keyboard: us, fr, de, uk
    std::string terminator = "enter";   // usb-keyboard: "enter" or "enter_or_tab"
    SerialPortConfig serial;
};

struct ScaleConfig {
    std::string name;
    // "simulated": readings set through the API; "usb-hid": a HID POS scale (DYMO, Mettler
    // PS60...); "mt-sics": a Mettler Toledo scale speaking MT-SICS on a serial port;
    // "toledo": a scale streaming Toledo continuous frames on a serial port.
    std::string kind;
    std::string usb;
    SerialPortConfig serial;
};

struct PrinterConfig {
    std::string name;
    // "shipping" (labels), "documents" (pick lists, packing slips, return slips) or "restock"
    // (the returns desk's restock labels)
    std::string role;
    // "directory": each job written to a file in `path` (a simulated printer);
    // "zpl-tcp": a ZPL printer on the network, raw TCP at host:port (9100), asked ~HS.
    std::string kind;
    std::string language;  // "zpl" or "pdf"
    std::filesystem::path path;
    std::string size = "4x6";  // template size: "4x6", "100x150", "a4", "a5"...
    int dpi = 203;             // for ZPL: 203 or 300
    std::string host;          // zpl-tcp
    uint16_t port = 9100;      // zpl-tcp
    std::string usb;           // usb: "vvvv:pppp[:SERIAL]"
    std::string queue;         // cups: the queue name
    std::string cupsServer;    // cups: empty = the local cupsd
};

// [shop]: where orders come from and where shipments go. config/ knows no adapter: the
// station maps these onto the sync folder's settings.
struct ShopConfig {
    std::string adapter = "none";  // "woocommerce", "csv" or "none"

    // WooCommerce REST v3
    std::string url;  // "https://shop.example/wp-json"; plain http only for 127.0.0.1
    std::string consumerKey;
    std::string consumerSecret;  // or read from consumer_secret_file; never logged
    std::string auth = "basic";  // "basic" or "query"
    bool verifyTls = true;
    std::filesystem::path caFile;
    int timeoutSeconds = 15;
    std::vector<std::string> readyStatuses{"processing"};
    std::vector<std::string> awaitingPaymentStatuses{"on-hold", "pending"};
    std::string inProgressStatus = "processing";
    std::string shippedStatus = "completed";
    std::string riskScoreMetaKey = "_fraud_score";
    std::string binMetaKey = "_bin_location";
    std::string gtinMetaKey = "_gtin";
    std::string weightMetaKey;                           // empty: the product's weight field
    std::string caseGtinMetaKey = "_case_gtin";          // the GTIN of a case of the item
    std::string caseQuantityMetaKey = "_case_quantity";  // items in that case
    std::string serialisedMetaKey = "_serialised";       // "yes": ask for a serial number
    std::string weightUnit = "kg";                       // kg, g, lbs, oz
    bool refundReturns = false;

    // CSV exchange
    std::filesystem::path csvInbox;
    std::filesystem::path csvProcessed;
    std::filesystem::path csvOutbox;

    // The relay and the pull
    int pullIntervalSeconds = 60;  // 0 = only on demand
    int retryFirstSeconds = 2;     // first retry after a transient failure
    int retryMaxSeconds = 900;     // the backoff never waits longer than this
};

struct StationConfig {
    std::filesystem::path sourceFile;

    // [station]
    std::string stationId;
    std::string language = "en";  // "en" or "fr"
    std::filesystem::path dataDir;
    int idleLogoutMinutes = 15;     // 0 = never
    std::string logLevel = "info";  // "debug", "info", "warning", "error"

    // [api]
    std::string apiListen = "127.0.0.1";
    uint16_t apiPort = 8080;
    // Where the screens' files are; empty: <the binary's folder>/../share/stationd/screens,
    // else the source tree's web/ (a build run from the checkout).
    std::filesystem::path screensDir;
    // "network": a request from another computer must sign in (badge or PIN); "always": every
    // request must, even from this computer (a shared kiosk, a reverse proxy on this host).
    std::string requireLogin = "network";

    // [packing]
    double riskThreshold = 75;
    bool confirmLabelScan = false;
    bool autoCloseWhenComplete = true;
    int weightToleranceGrams = 50;
    double weightTolerancePercent = 5;
    std::string defaultBox;        // box code; empty = no tare unless a box is scanned
    bool printReturnSlip = false;  // a return slip with its RMA code goes with each shipment

    // [tracking]
    std::string gs1CompanyPrefix;  // 6 to 10 digits
    int ssccExtensionDigit = 0;
    uint64_t ssccFirstSerial = 1;
    uint64_t ssccLastSerial = 0;

    // [sender]
    Address sender;

    std::vector<User> users;
    std::vector<Box> boxes;
    std::vector<ShippingMethod> shippingMethods;
    std::vector<ScannerConfig> scanners;
    std::optional<ScaleConfig> scale;
    std::vector<PrinterConfig> printers;

    // [labels]: a folder of the merchant's templates; empty = the built-in ones only.
    std::filesystem::path labelTemplatesDir;

    ShopConfig shop;

    // [demo]
    std::filesystem::path demoOrders;  // JSON file of sample orders, loaded with --demo
};

struct ConfigError {
    std::string file;
    int line = 0;     // 1-based; 0 when the error is not tied to a place (a missing key)
    int column = 0;   // 1-based; 0 when unknown
    std::string key;  // dotted path, e.g. "users[2].role"
    std::string message;
    // "station.toml:12:9: users[2].role: must be one of packer, returns, supervisor"
    std::string toString() const;
};

struct LoadResult {
    std::optional<StationConfig> config;  // set only when errors is empty
    std::vector<ConfigError> errors;
};

// Reads and validates a file. Relative paths inside it resolve against the file's folder.
LoadResult loadConfig(const std::filesystem::path& file);
// Same, from text; `sourceName` names the file in errors, `baseDir` resolves relative paths.
LoadResult parseConfig(std::string_view text, const std::string& sourceName,
                       const std::filesystem::path& baseDir);

}  // namespace config
