// A WooCommerce-compatible shop on 127.0.0.1 for tests and demos: REST v3 orders, notes,
// refunds, products and Shipment Tracking, plus a /_sim control API to inject faults and count.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>

namespace shopsim {

struct SimOptions {
    // Both empty: every request is accepted. Otherwise Basic auth or the consumer_key and
    // consumer_secret query parameters must carry them.
    std::string consumerKey;
    std::string consumerSecret;
    // Both set: HTTPS with this PEM certificate chain and key.
    std::string tlsCertFile;
    std::string tlsKeyFile;
    bool log = true;  // one line per request on stderr
};

class ShopSimulator {
  public:
    // Runs on `io`, which the caller runs (on one thread).
    ShopSimulator(boost::asio::io_context& io, SimOptions options);
    ~ShopSimulator();
    ShopSimulator(const ShopSimulator&) = delete;
    ShopSimulator& operator=(const ShopSimulator&) = delete;

    // The store /_sim/reset returns to, and the current one: {"orders": [...], "products":
    // [...]} in WooCommerce's JSON shape, or a bare array of orders. Call before io runs.
    // Returns an error or empty.
    std::string seed(const boost::json::value& store);

    // Binds and starts accepting; port 0 picks a free one (see port()). Error or empty.
    std::string listen(const std::string& address, unsigned short port);
    unsigned short port() const;
    bool tls() const;

    // Stops accepting; connections already open end with their next request or timeout.
    void stop();

    // Defined in ShopSimulator.cpp; named here only so that its connection coroutines can share it.
    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

// Reads a store file for seed(): error or empty.
std::string loadStoreFile(const std::string& path, boost::json::value& store);

}  // namespace shopsim
