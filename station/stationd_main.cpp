// stationd: loads the config, opens the journal, builds the devices and the API, and runs
// the one io_context until SIGTERM or SIGINT. The only place that wires the folders together.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

#include "config/StationConfig.h"
#include "drivers/DirectoryPrinter.h"
#include "drivers/SimulatedScale.h"
#include "drivers/TcpLineScanner.h"
#include "drivers/TcpZplPrinter.h"
#include "station/Access.h"
#include "station/Api.h"
#include "station/Devices.h"
#include "station/HttpServer.h"
#include "station/Journal.h"
#include "station/JournalOutbox.h"
#include "station/LabelTemplates.h"
#include "station/Log.h"
#include "station/ScreenApi.h"
#include "station/ServiceNotifier.h"
#include "station/Station.h"
#include "sync/CsvAdapter.h"
#include "sync/Relay.h"
#include "sync/WooCommerceAdapter.h"

namespace {

constexpr const char* kUsage =
    "usage: stationd [--config FILE] [--data-dir DIR] [--demo]\n"
    "       stationd --check-config FILE\n"
    "\n"
    "  --config FILE        the station's TOML config (default /etc/stationd/station.toml)\n"
    "  --data-dir DIR       where the journal lives; overrides [station] data_dir\n"
    "  --demo               load the demo orders named in [demo] orders\n"
    "  --check-config FILE  validate a config, print every error, exit 0 if it is valid\n";

bool printErrors(const config::LoadResult& result) {
    for (const auto& e : result.errors) {
        std::cerr << e.toString() << "\n";
    }
    if (!result.errors.empty()) {
        return false;
    }
    // The label templates and logos the config points at are part of it.
    const auto labelErrors = station::checkLabelConfig(*result.config);
    for (const auto& e : labelErrors) {
        std::cerr << e << "\n";
    }
    return labelErrors.empty();
}

std::optional<boost::json::array> readOrdersFile(const std::filesystem::path& file,
                                                 std::string& error) {
    std::ifstream in(file);
    if (!in) {
        error = "cannot read " + file.string();
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto doc = boost::json::parse(text.str(), ec);
    if (ec) {
        error = file.string() + ": not valid JSON: " + ec.message();
        return std::nullopt;
    }
    if (doc.is_object() && doc.get_object().contains("orders") &&
        doc.get_object().at("orders").is_array()) {
        return doc.get_object().at("orders").get_array();
    }
    error = file.string() + ": expected {\"orders\": [...]}";
    return std::nullopt;
}

// The adapter named in [shop], or none.
std::unique_ptr<shop::ShopAdapter> makeShopAdapter(const config::ShopConfig& c) {
    if (c.adapter == "woocommerce") {
        shop::WooCommerceSettings w;
        w.baseUrl = c.url;
        w.consumerKey = c.consumerKey;
        w.consumerSecret = c.consumerSecret;
        w.auth = c.auth == "query" ? shop::WooCommerceSettings::Auth::Query
                                   : shop::WooCommerceSettings::Auth::Basic;
        w.verifyTls = c.verifyTls;
        w.caFile = c.caFile.string();
        w.timeout = std::chrono::seconds(c.timeoutSeconds);
        w.readyStatuses = c.readyStatuses;
        w.awaitingPaymentStatuses = c.awaitingPaymentStatuses;
        w.inProgressStatus = c.inProgressStatus;
        w.shippedStatus = c.shippedStatus;
        w.riskScoreMetaKey = c.riskScoreMetaKey;
        w.binMetaKey = c.binMetaKey;
        w.gtinMetaKey = c.gtinMetaKey;
        w.weightMetaKey = c.weightMetaKey;
        w.caseGtinMetaKey = c.caseGtinMetaKey;
        w.caseQuantityMetaKey = c.caseQuantityMetaKey;
        w.serialisedMetaKey = c.serialisedMetaKey;
        w.weightUnit = c.weightUnit;
        w.refundReturns = c.refundReturns;
        return std::make_unique<shop::WooCommerceAdapter>(std::move(w));
    }
    if (c.adapter == "csv") {
        shop::CsvSettings settings;
        settings.inbox = c.csvInbox;
        settings.processed = c.csvProcessed;
        settings.outbox = c.csvOutbox;
        return std::make_unique<shop::CsvAdapter>(std::move(settings));
    }
    return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
    std::filesystem::path configFile = "/etc/stationd/station.toml";
    std::optional<std::filesystem::path> dataDir;
    bool demo = false;
    std::vector<std::string> args(argv + 1, argv + argc);
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) {
                std::cerr << "stationd: " << a << " needs a value\n" << kUsage;
                std::exit(2);
            }
            return args[++i];
        };
        if (a == "--config") {
            configFile = value();
        } else if (a == "--data-dir") {
            dataDir = value();
        } else if (a == "--demo") {
            demo = true;
        } else if (a == "--check-config") {
            const auto result = config::loadConfig(value());
            if (!printErrors(result)) {
                return 1;
            }
            std::cout << "config is valid\n";
            return 0;
        } else if (a == "--version") {
            std::cout << "stationd " << STATIOND_VERSION << "\n";
            return 0;
        } else if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return 0;
        } else {
            std::cerr << "stationd: unknown argument " << a << "\n" << kUsage;
            return 2;
        }
    }

    auto loaded = config::loadConfig(configFile);
    if (!printErrors(loaded)) {
        std::cerr << "stationd: not started: fix " << configFile.string() << " first\n";
        return 2;
    }
    config::StationConfig cfg = std::move(*loaded.config);
    if (dataDir) {
        cfg.dataDir = std::filesystem::absolute(*dataDir);
    }
    station::log::setup(cfg.logLevel, cfg.stationId);

    try {
        std::filesystem::create_directories(cfg.dataDir);
        station::Journal journal(cfg.dataDir / "journal.db");
        boost::asio::io_context io;
        station::Station station(io, cfg, journal);

        std::string deviceError;
        station::Devices devices = station::buildDevices(io, cfg, deviceError);
        if (!deviceError.empty()) {
            std::cerr << "stationd: " << deviceError << "\n";
            return 1;
        }
        auto& scanners = devices.scanners;
        auto& scale = devices.scale;
        if (scale) {
            station.setScale(scale.get());
        }
        for (auto& [role, printer] : devices.printers) {
            station.addPrinter(role, printer.get());
        }

        if (demo) {
            std::string error;
            auto orders = readOrdersFile(cfg.demoOrders, error);
            if (!orders) {
                std::cerr << "stationd: demo orders: " << error << "\n";
                return 2;
            }
            for (const auto& e : station.importOrders(*orders)) {
                std::cerr << "stationd: demo order rejected: " << e << "\n";
            }
        }

        station::HttpServer http(io, cfg.apiListen, cfg.apiPort);
        station::Api api(http, station, devices.simulatedScale);
        station::AccessSettings accessSettings;
        accessSettings.loginOnLoopback = cfg.requireLogin == "always";
        station::Access access(http, journal, cfg, accessSettings);
        std::error_code exeError;
        const auto screensDir = station::findScreensDir(
            cfg.screensDir, std::filesystem::read_symlink("/proc/self/exe", exeError),
            STATIOND_SOURCE_WEB_DIR);
        if (!std::filesystem::is_regular_file(screensDir / "packing.html", exeError)) {
            station::log::warning("no screens in " + screensDir.string() +
                                  " (packing.html is missing): set [api] screens_dir");
        }
        station::ScreenApi screens(http, station, screensDir);
        station::ServiceNotifier notifier(io);
        // After the API's own sink: every event also refreshes systemd's one-line status.
        api.onEvent([&](const station::Event&) { notifier.status(station.statusLine()); });
        if (auto err = http.start(); !err.empty()) {
            std::cerr << "stationd: the API cannot listen on " << cfg.apiListen << ":"
                      << cfg.apiPort << ": " << err << "\n";
            return 1;
        }
        for (auto& s : scanners) {
            auto* scanner = s.get();
            scanner->start([&station](const drivers::ScanEvent& e, drivers::ScanReply reply) {
                const auto out = e.problem.empty()
                                     ? station.handleScan(e.scanner, e.code)
                                     : station.refuseScan(e.scanner, e.code, e.problem);
                if (reply) {
                    reply((out.ok ? "OK " : "ERR " + out.reason + " ") + out.message);
                }
            });
            station.addScanner(scanner);
            const auto st = scanner->status();
            if (!st.up) {
                std::cerr << "stationd: scanner " << st.name << ": " << st.detail << "\n";
            }
        }
        if (scale) {
            scale->start(
                [&station](const drivers::ScaleReading& r) { station.handleScaleReading(r); });
        }
        station.start();

        // The shop sync: its own thread and journal connection, so that a slow shop never
        // delays a scan.
        std::unique_ptr<shop::ShopAdapter> shopAdapter = makeShopAdapter(cfg.shop);
        std::unique_ptr<station::JournalOutbox> outbox;
        std::unique_ptr<shop::Relay> relay;
        if (shopAdapter) {
            outbox = std::make_unique<station::JournalOutbox>(journal.file(), io, station,
                                                              cfg.stationId);
            shop::RelaySettings rs;
            rs.firstRetry = std::chrono::seconds(cfg.shop.retryFirstSeconds);
            rs.maxRetry = std::chrono::seconds(cfg.shop.retryMaxSeconds);
            rs.pullInterval = std::chrono::seconds(cfg.shop.pullIntervalSeconds);
            relay = std::make_unique<shop::Relay>(*shopAdapter, *outbox, rs);
            station.setShopLink(shopAdapter->name(), [r = relay.get()] { r->requestPull(); });
            station.setOutboxListener([r = relay.get()] { r->wake(); });
            // A CSV export renamed or written into the inbox is pulled at once, not at the next
            // pull_interval_seconds; the relay's own thread reads it, as every pull.
            if (auto* csv = dynamic_cast<shop::CsvAdapter*>(shopAdapter.get())) {
                if (!csv->notifyChanges(io, [r = relay.get()] { r->requestPull(); })) {
                    station::log::warning("the CSV inbox " + cfg.shop.csvInbox.string() +
                                          " cannot be watched (a network share?): it is read "
                                          "every " +
                                          std::to_string(cfg.shop.pullIntervalSeconds) + " s");
                }
            }
            relay->start();
            station::log::info("shop sync: " + shopAdapter->name() +
                               (cfg.shop.url.empty() ? std::string() : " at " + cfg.shop.url));
        }

        boost::asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code& ec, int) {
            if (ec) {
                return;
            }
            station::log::info("stopping");
            notifier.stopping();
            notifier.stopWatchdog();
            if (relay) {
                relay->stop();  // a push in flight finishes first, bounded by the shop timeout
            }
            station.stop();
            // Printers poll their status on timers: stopped, they let io.run() return.
            for (auto& [role, printer] : devices.printers) {
                printer->stop();
            }
            for (auto& s : scanners) {
                s->stop();
            }
            if (scale) {
                scale->stop();
            }
            http.stop();
        });

        std::cout << "stationd " << cfg.stationId << ": API on http://" << cfg.apiListen << ":"
                  << http.boundPort() << ", journal " << journal.file().string() << "\n";
        std::cout << "  screens: http://" << cfg.apiListen << ":" << http.boundPort()
                  << "/screens/ from " << screensDir.string() << "\n";
        for (const auto& s : cfg.scanners) {
            std::cout << "  scanner '" << s.name << "': one code per line on " << s.listen << ":"
                      << s.port << "\n";
        }
        std::cout << std::flush;
        // The journal is open and the API listens: systemd may start what depends on us.
        notifier.ready(station.statusLine());
        notifier.startWatchdog();
        io.run();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "stationd: " << e.what() << "\n";
        return 1;
    }
}
