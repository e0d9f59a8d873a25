#include "station/Metrics.h"

#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>

namespace station {
namespace {

std::string escapeLabel(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string formatNumber(double v) {
    char buf[64];
    if (v == static_cast<double>(static_cast<int64_t>(v))) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    } else {
        std::snprintf(buf, sizeof buf, "%.9g", v);
    }
    return buf;
}

std::string param(const Event& e, const char* key) {
    if (auto* v = e.params.if_contains(key)) {
        return v->is_string() ? std::string(v->get_string()) : boost::json::serialize(*v);
    }
    return {};
}

}  // namespace

void Metrics::onEvent(const Event& e) {
    if (e.type == "order.shipped") {
        ++ordersShipped_;
        if (auto* n = e.params.if_contains("parcels"); n && n->is_number()) {
            parcelsShipped_ += n->to_number<uint64_t>();
        }
    } else if (e.type == "label.printed") {
        ++labels_[{param(e, "printer"), "printed"}];
    } else if (e.type == "label.failed") {
        ++labels_[{param(e, "printer"), "failed"}];
    } else if (e.type == "label.held") {
        ++labels_[{param(e, "printer"), "held"}];
    } else if (e.type == "label.uncertain") {
        ++labels_[{param(e, "printer"), "uncertain"}];
    }
}

void Metrics::observeScan(bool accepted, const std::string& reason, double seconds) {
    ++scans_[{accepted ? "accepted" : "refused", accepted ? "" : reason}];
    for (size_t i = 0; i < kScanBuckets.size(); ++i) {
        if (seconds <= kScanBuckets[i]) {
            ++buckets_[i];
        }
    }
    ++scanCount_;
    scanSum_ += seconds;
}

std::string Metrics::header(const std::string& name, const std::string& type,
                            const std::string& help) {
    return "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

std::string Metrics::sample(const std::string& name,
                            const std::map<std::string, std::string>& labels, double value) {
    std::string out = name;
    if (!labels.empty()) {
        out += '{';
        bool first = true;
        for (const auto& [k, v] : labels) {
            if (!first) {
                out += ',';
            }
            first = false;
            out += k + "=\"" + escapeLabel(v) + "\"";
        }
        out += '}';
    }
    return out + " " + formatNumber(value) + "\n";
}

std::string Metrics::renderCounters() const {
    std::string out;
    out += header("stationd_scans_total", "counter",
                  "Scans handled, by result and, for refusals, by reason.");
    // Both results always appear, so a rate() over a fresh station is 0 and not missing.
    if (!scans_.contains({"accepted", ""})) {
        out += sample("stationd_scans_total", {{"result", "accepted"}, {"reason", ""}}, 0);
    }
    for (const auto& [key, n] : scans_) {
        out += sample("stationd_scans_total", {{"result", key.first}, {"reason", key.second}},
                      static_cast<double>(n));
    }
    out += header("stationd_parcels_shipped_total", "counter", "Parcels shipped.");
    out += sample("stationd_parcels_shipped_total", {}, static_cast<double>(parcelsShipped_));
    out +=
        header("stationd_orders_shipped_total", "counter", "Shipments made (complete or partial).");
    out += sample("stationd_orders_shipped_total", {}, static_cast<double>(ordersShipped_));
    out += header("stationd_label_jobs_total", "counter", "Label jobs, by printer and result.");
    for (const auto& [key, n] : labels_) {
        out += sample("stationd_label_jobs_total", {{"printer", key.first}, {"result", key.second}},
                      static_cast<double>(n));
    }
    out += header("stationd_scan_duration_seconds", "histogram",
                  "Time to handle a scan, durable commit included.");
    for (size_t i = 0; i < kScanBuckets.size(); ++i) {
        out += sample("stationd_scan_duration_seconds_bucket",
                      {{"le", formatNumber(kScanBuckets[i])}}, static_cast<double>(buckets_[i]));
    }
    out += sample("stationd_scan_duration_seconds_bucket", {{"le", "+Inf"}},
                  static_cast<double>(scanCount_));
    out += sample("stationd_scan_duration_seconds_sum", {}, scanSum_);
    out += sample("stationd_scan_duration_seconds_count", {}, static_cast<double>(scanCount_));
    return out;
}

}  // namespace station
