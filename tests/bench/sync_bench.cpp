// The shop sync's figures: pull N orders from the WooCommerce simulator into a station journal,
// then drain M pending shipments to it through the relay, watching the memory while it drains.
// Usage: sync_bench [--orders 5000] [--shipments 10000] [--quick]. Prints figures only.
#include <stdlib.h>
#include <unistd.h>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <boost/asio/ip/tcp.hpp>
#include <csignal>

#include "config/StationConfig.h"
#include "station/Journal.h"
#include "station/JournalOutbox.h"
#include "station/Station.h"
#include "sync/HttpsClient.h"
#include "sync/Relay.h"
#include "sync/WooCommerceAdapter.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kConfig = R"toml(
[station]
id = "bench-1"
data_dir = "."
[tracking]
gs1_company_prefix = "3012345"
[sender]
name = "Atelier"
street = "1 rue"
postcode = "69002"
city = "Lyon"
country = "FR"
[[users]]
name = "Alice"
badge = "U-1001"
role = "packer"
[[boxes]]
code = "BOX-M"
name = "Medium"
tare_grams = 300
length_mm = 350
width_mm = 250
height_mm = 150
[[shipping_methods]]
id = "colissimo"
carrier = "Colissimo"
tracking = "sscc"
[[printers]]
name = "zebra-1"
role = "shipping"
kind = "directory"
language = "zpl"
path = "labels"
)toml";

long rssKb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::atol(line.c_str() + 6);
        }
    }
    return 0;
}

json::object wooOrder(long long id) {
    return {{"id", id},
            {"number", std::to_string(id)},
            {"status", "processing"},
            {"payment_method", "stripe"},
            {"date_modified_gmt", "2024-03-05T08:00:00"},
            {"shipping", json::object{{"first_name", "Ada"},
                                      {"last_name", "Lovelace"},
                                      {"address_1", "1 Analytical Row"},
                                      {"postcode", "75001"},
                                      {"city", "Paris"},
                                      {"country", "FR"}}},
            {"line_items", json::array{json::object{{"id", id * 10 + 1},
                                                    {"product_id", 1},
                                                    {"sku", "SKU-" + std::to_string(id % 97)},
                                                    {"name", "Item"},
                                                    {"quantity", 1},
                                                    {"meta_data", json::array{}}}}},
            {"shipping_lines", json::array{json::object{{"method_id", "colissimo"}}}}};
}

}  // namespace

int main(int argc, char** argv) {
    int orders = 5000;
    int shipments = 10000;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--quick") {
            orders = 500;
            shipments = 1000;
        } else if (a == "--orders" && i + 1 < argc) {
            orders = std::atoi(argv[++i]);
        } else if (a == "--shipments" && i + 1 < argc) {
            shipments = std::atoi(argv[++i]);
        } else {
            std::cerr << "usage: sync_bench [--orders N] [--shipments N] [--quick]\n";
            return 2;
        }
    }
    char pattern[] = "/tmp/sync-bench-XXXXXX";
    const fs::path dir = ::mkdtemp(pattern);

    // The shop: the simulator as its own process, so that what it stores does not count in
    // the station's memory. Orders 1..orders are there for the pull; the rest come later.
    unsigned short port = 0;
    {
        boost::asio::io_context probe;
        boost::asio::ip::tcp::acceptor a(probe, {boost::asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    const std::string shopsimBinary = std::string(STATION_BIN_DIR) + "/shopsim";
    const pid_t shopPid = ::fork();
    if (shopPid == 0) {
        ::execl(shopsimBinary.c_str(), "shopsim", "--port", std::to_string(port).c_str(), "--key",
                "ck", "--secret", "cs", "--quiet", nullptr);
        ::_exit(127);
    }
    const std::string origin = "http://127.0.0.1:" + std::to_string(port);
    shop::HttpsClient control(origin, {});
    auto seed = [&](int from, int to) {
        json::array list;
        for (long long id = from; id <= to; ++id) {
            list.push_back(wooOrder(id));
        }
        json::object store{{"orders", std::move(list)},
                           {"products", json::array{json::object{{"id", 1},
                                                                 {"sku", "SKU"},
                                                                 {"name", "Item"},
                                                                 {"weight", "0.25"},
                                                                 {"meta_data", json::array{}}}}}};
        for (int attempt = 0; attempt < 100; ++attempt) {
            auto r = control.request(boost::beast::http::verb::post, "/_sim/orders",
                                     json::serialize(store));
            if (r.status == 200) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));  // still starting
        }
        return false;
    };
    if (!seed(1, orders)) {
        std::cerr << "sync_bench: the shop simulator did not start (" << shopsimBinary << ")\n";
        ::kill(shopPid, SIGKILL);
        return 1;
    }

    auto loaded = config::parseConfig(kConfig, "bench.toml", dir);
    if (!loaded.config) {
        std::cerr << "sync_bench: " << loaded.errors.front().toString() << "\n";
        return 1;
    }
    const config::StationConfig cfg = *loaded.config;
    station::Journal journal(dir / "journal.db");
    boost::asio::io_context io;
    station::Station st(io, cfg, journal);
    st.setShopLink("woocommerce", {});
    station::JournalOutbox outbox(dir / "journal.db", io, st, "bench-1");

    shop::WooCommerceSettings ws;
    ws.baseUrl = origin + "/wp-json";
    ws.consumerKey = "ck";
    ws.consumerSecret = "cs";
    shop::WooCommerceAdapter adapter(ws);
    shop::RelaySettings rs;
    rs.pullInterval = std::chrono::milliseconds(0);
    shop::Relay relay(adapter, outbox, rs);

    std::cout << "shop sync benchmark: " << orders << " orders pulled, " << shipments
              << " shipments drained, WooCommerce simulator on 127.0.0.1\n";

    // 1. Pull: the first pass asks for every order, page after page, and the station applies
    // them on its thread.
    const auto t0 = Clock::now();
    auto pass = relay.runOnce();
    io.restart();
    io.run();
    const double pullS = std::chrono::duration<double>(Clock::now() - t0).count();
    SQLite::Statement count(journal.db(), "SELECT COUNT(*) FROM orders");
    count.executeStep();
    const int64_t imported = count.getColumn(0).getInt64();
    count.reset();
    std::printf("  pull: %d orders fetched, %lld in the journal, in %.2f s (%.0f orders/s)\n",
                pass.pulled, static_cast<long long>(imported), pullS, pass.pulled / pullS);

    // 2. Drain: one shipment per order, as packed at the bench, all pending at once.
    if (shipments > orders && !seed(orders + 1, shipments)) {
        std::cerr << "sync_bench: cannot add orders to the shop\n";
        return 1;
    }
    {
        SQLite::Transaction tx(journal.db());
        for (int i = 1; i <= shipments; ++i) {
            const std::string number = std::to_string(i);
            char tracking[32];
            std::snprintf(tracking, sizeof tracking, "0301234500%08d", i);
            json::object payload{
                {"order", number},
                {"shop_id", number},
                {"partial", false},
                {"carrier", "colissimo"},
                {"shipped_at", "2024-03-05T10:00:00.000Z"},
                {"parcels",
                 json::array{json::object{
                     {"index", 1},
                     {"tracking_number", tracking},
                     {"items", json::array{json::object{{"sku", "SKU-" + std::to_string(i % 97)},
                                                        {"quantity", 1}}}}}}}};
            journal.addOutbox("2024-03-05T10:00:00.000Z", number, "shipment",
                              json::serialize(payload));
        }
        tx.commit();
    }
    std::atomic<bool> draining{true};
    std::atomic<long> peakKb{rssKb()};
    const long startKb = rssKb();
    std::thread sampler([&] {
        while (draining) {
            peakKb = std::max(peakKb.load(), rssKb());
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
    const auto t1 = Clock::now();
    int sent = 0;
    for (int i = 0; i < 50; ++i) {
        auto p = relay.runOnce();
        sent += p.sent;
        if (p.sent == 0 && p.retried == 0) {
            break;
        }
    }
    const double drainS = std::chrono::duration<double>(Clock::now() - t1).count();
    draining = false;
    sampler.join();
    auto counts = control.request(boost::beast::http::verb::get, "/_sim/counts");
    const auto requests = json::parse(counts.body).as_object().at("requests").as_object();
    std::printf("  drain: %d shipments sent in %.2f s (%.0f/s, goal <= 20 s for 10,000)\n", sent,
                drainS, sent / drainS);
    std::printf("  requests to the shop during the run:");
    for (const auto& [name, n] : requests) {
        std::printf(" %s=%lld", std::string(name).c_str(), static_cast<long long>(n.as_int64()));
    }
    std::printf(
        "\n  memory (the station's process; the shop runs apart): RSS %ld kB before the "
        "drain, peak %ld kB during it (+%ld kB)\n",
        startKb, peakKb.load(), peakKb.load() - startKb);

    ::kill(shopPid, SIGTERM);
    ::waitpid(shopPid, nullptr, 0);
    std::error_code ec;
    fs::remove_all(dir, ec);
    return sent == shipments ? 0 : 1;
}
