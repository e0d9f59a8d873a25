// Counters and the scan-time histogram behind GET /metrics, and their rendering in the
// Prometheus text format (version 0.0.4). Updated on the event loop only: no locks.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "station/Event.h"

namespace station {

class Metrics {
  public:
    static constexpr std::array<double, 11> kScanBuckets = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

    // Counts parcels shipped and label jobs from the events the station publishes.
    void onEvent(const Event& event);
    // One scan: its result (a login is an accepted scan too) and how long it took.
    void observeScan(bool accepted, const std::string& reason, double seconds);

    // The counters and the histogram; the caller appends gauges it reads at scrape time.
    std::string renderCounters() const;

    // "name{a="x",b="y"} value\n", with label values escaped as the format requires.
    static std::string sample(const std::string& name,
                              const std::map<std::string, std::string>& labels, double value);
    static std::string header(const std::string& name, const std::string& type,
                              const std::string& help);

  private:
    std::map<std::pair<std::string, std::string>, uint64_t> scans_;   // (result, reason)
    std::map<std::pair<std::string, std::string>, uint64_t> labels_;  // (printer, result)
    uint64_t parcelsShipped_ = 0;
    uint64_t ordersShipped_ = 0;
    std::array<uint64_t, kScanBuckets.size()> buckets_{};
    uint64_t scanCount_ = 0;
    double scanSum_ = 0;
};

}  // namespace station
