// Test helpers for the shop adapters: the WooCommerce simulator running in-process on
// 127.0.0.1 (its own thread and io_context), its /_sim control API, and a throwaway TLS
// certificate.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "sync/HttpsClient.h"
#include "tools/shopsim/ShopSimulator.h"

namespace shoptest {

inline constexpr const char* kKey = "ck_0123456789abcdef";
inline constexpr const char* kSecret = "cs_s3cr3t_do_not_print";

// A temporary directory removed with everything in it.
class TempDir {
  public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "shopsim-test-XXXXXX").string();
        path_ = mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

// A self-signed certificate for 127.0.0.1 (its own CA), written as PEM: cert.pem and key.pem.
inline void writeSelfSignedCertificate(const std::string& certFile, const std::string& keyFile) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    ASSERT_NE(key, nullptr);
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("shopsim test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                              std::pair{NID_key_usage, "critical,keyCertSign,digitalSignature"},
                              std::pair{NID_subject_key_identifier, "hash"}}) {
        X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
        ASSERT_NE(extension, nullptr);
        X509_add_ext(cert, extension, -1);
        X509_EXTENSION_free(extension);
    }
    ASSERT_GT(X509_sign(cert, key, EVP_sha256()), 0);
    FILE* out = std::fopen(certFile.c_str(), "w");
    ASSERT_NE(out, nullptr);
    PEM_write_X509(out, cert);
    std::fclose(out);
    out = std::fopen(keyFile.c_str(), "w");
    ASSERT_NE(out, nullptr);
    PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(out);
    X509_free(cert);
    EVP_PKEY_free(key);
}

class SimServer {
  public:
    explicit SimServer(shopsim::SimOptions options = defaultOptions(),
                       const boost::json::value& store = boost::json::object{}) {
        tls_ = !options.tlsCertFile.empty();
        sim_ = std::make_unique<shopsim::ShopSimulator>(io_, options);
        std::string error = sim_->seed(store);
        if (error.empty()) {
            error = sim_->listen("127.0.0.1", 0);
        }
        EXPECT_EQ(error, "");
        thread_ = std::thread([this] { io_.run(); });
        shop::HttpsClientSettings settings;
        settings.verifyTls = false;
        control_ = std::make_unique<shop::HttpsClient>(origin(), settings);
    }
    ~SimServer() {
        sim_->stop();
        io_.stop();
        thread_.join();
        sim_.reset();
    }
    SimServer(const SimServer&) = delete;
    SimServer& operator=(const SimServer&) = delete;

    static shopsim::SimOptions defaultOptions() {
        shopsim::SimOptions options;
        options.consumerKey = kKey;
        options.consumerSecret = kSecret;
        return options;
    }

    unsigned short port() const { return sim_->port(); }
    std::string origin() const {
        return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
    }
    std::string baseUrl() const { return origin() + "/wp-json"; }

    // A /_sim control request; fails the test unless it answers 200.
    boost::json::value control(boost::beast::http::verb method, const std::string& path,
                               const boost::json::value& body = nullptr) {
        auto response =
            control_->request(method, path, body.is_null() ? "" : boost::json::serialize(body));
        EXPECT_EQ(response.status, 200) << response.error << response.body;
        boost::system::error_code ec;
        auto parsed = boost::json::parse(response.body, ec);
        return ec ? boost::json::value() : parsed;
    }
    void faults(const boost::json::object& faults) {
        control(boost::beast::http::verb::post, "/_sim/faults", faults);
    }
    boost::json::object counts() {
        auto value = control(boost::beast::http::verb::get, "/_sim/counts");
        return value.is_object() ? value.get_object() : boost::json::object{};
    }
    // counts()[group][name], 0 when absent.
    long long count(const std::string& group, const std::string& name) {
        auto all = counts();
        auto* byName = all.if_contains(group);
        if (!byName || !byName->is_object()) {
            return 0;
        }
        auto* n = byName->get_object().if_contains(name);
        return n && n->is_int64() ? n->get_int64() : 0;
    }

    // A request as the shop's administrator would make it (Basic auth), path under /wp-json.
    shop::HttpResponse admin(boost::beast::http::verb method, const std::string& path,
                             const boost::json::value& body = nullptr) {
        boost::beast::http::fields headers;
        headers.set(boost::beast::http::field::authorization,
                    "Basic " + shop::base64Encode(std::string(kKey) + ":" + kSecret));
        return control_->request(method, "/wp-json" + path,
                                 body.is_null() ? "" : boost::json::serialize(body), headers);
    }

  private:
    bool tls_ = false;
    boost::asio::io_context io_;
    std::unique_ptr<shopsim::ShopSimulator> sim_;
    std::thread thread_;
    std::unique_ptr<shop::HttpsClient> control_;
};

}  // namespace shoptest
