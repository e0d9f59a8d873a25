// The [shop] section: which adapter, its URL, keys and secret, statuses and meta keys.
#include "config/ConfigReader.h"

#include <arpa/inet.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <system_error>
#include <utility>

namespace config::detail {

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
                               {"weight_meta_key", &out.weightMetaKey},
                               {"case_gtin_meta_key", &out.caseGtinMetaKey},
                               {"case_quantity_meta_key", &out.caseQuantityMetaKey},
                               {"serialised_meta_key", &out.serialisedMetaKey}}) {
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

}  // namespace config::detail
