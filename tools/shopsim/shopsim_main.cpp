// shopsim: a WooCommerce-compatible shop on 127.0.0.1 for demos and tests of the shop sync.
// See ShopSimulator.h for the routes and the /_sim control API.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/value.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "tools/shopsim/ShopSimulator.h"

namespace {

constexpr std::string_view kUsage =
    R"(usage: shopsim --port N [--address 127.0.0.1] [--orders FILE.json]
               [--key K --secret S] [--tls-cert CERT.pem --tls-key KEY.pem] [--quiet]

Serves WooCommerce REST v3 under /wp-json/wc/v3 (orders, notes, refunds, batch, products) and
Shipment Tracking under /wp-json/wc-shipment-tracking/v3. Without --key/--secret every request
is accepted. Control API (no credentials):
  POST /_sim/faults  {"latency_ms", "status": 500|503|429, "retry_after", "drop_after_apply",
                      "count", "wrong_credentials", "match": "POST /wp-json/wc/v3/orders"}
  GET  /_sim/counts  POST /_sim/orders  POST /_sim/config {"tracking_plugin": false}
  POST /_sim/reset
)";

}  // namespace

int main(int argc, char** argv) {
    shopsim::SimOptions options;
    std::string address = "127.0.0.1";
    std::string ordersFile;
    long port = -1;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "shopsim: " << arg << " needs a value\n" << kUsage;
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--port") {
            std::string text = value();
            char* end = nullptr;
            port = std::strtol(text.c_str(), &end, 10);
            if (*end != '\0' || port < 0 || port > 65535) {
                std::cerr << "shopsim: --port wants a number from 0 to 65535, not '" << text
                          << "'\n";
                return 2;
            }
        } else if (arg == "--address") {
            address = value();
        } else if (arg == "--orders") {
            ordersFile = value();
        } else if (arg == "--key") {
            options.consumerKey = value();
        } else if (arg == "--secret") {
            options.consumerSecret = value();
        } else if (arg == "--tls-cert") {
            options.tlsCertFile = value();
        } else if (arg == "--tls-key") {
            options.tlsKeyFile = value();
        } else if (arg == "--quiet") {
            options.log = false;
        } else if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        } else {
            std::cerr << "shopsim: unknown option '" << arg << "'\n" << kUsage;
            return 2;
        }
    }
    if (port < 0) {
        std::cerr << "shopsim: --port is required\n" << kUsage;
        return 2;
    }

    boost::asio::io_context io;
    shopsim::ShopSimulator simulator(io, options);
    if (!ordersFile.empty()) {
        boost::json::value store;
        std::string error = shopsim::loadStoreFile(ordersFile, store);
        if (error.empty()) {
            error = simulator.seed(store);
        }
        if (!error.empty()) {
            std::cerr << "shopsim: " << error << "\n";
            return 1;
        }
    }
    if (auto error = simulator.listen(address, static_cast<unsigned short>(port)); !error.empty()) {
        std::cerr << "shopsim: " << error << "\n";
        return 1;
    }
    std::cerr << "shopsim: listening on " << (simulator.tls() ? "https" : "http") << "://"
              << address << ":" << simulator.port() << "/wp-json" << std::endl;

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) {
            io.stop();
        }
    });
    io.run();
    return 0;
}
