// stationd as systemd sees it: READY=1 once it serves, STATUS= lines as packers work,
// WATCHDOG=1 from its event loop, STOPPING=1 on SIGTERM; and /metrics for Prometheus.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <cstdlib>

#include <set>
#include <sstream>

#include "station/Journal.h"
#include "tests/e2e/StationDaemon.h"

namespace e2e {
namespace {

using namespace std::chrono_literals;

// The receiving end of NOTIFY_SOCKET, as systemd holds it.
class NotifySocket {
  public:
    explicit NotifySocket(const std::string& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        timeval tv{0, 100000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~NotifySocket() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    // Every datagram received until `found` appears in one, or the limit passes.
    bool waitFor(const std::string& found, std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            char buf[4096];
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n > 0) {
                received_.emplace_back(buf, static_cast<size_t>(n));
                if (received_.back().find(found) != std::string::npos) {
                    return true;
                }
            }
        }
        return false;
    }
    const std::vector<std::string>& received() const { return received_; }

  private:
    std::string path_;
    int fd_ = -1;
    std::vector<std::string> received_;
};

class ServiceE2e : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/stationd-service-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        ::unsetenv("NOTIFY_SOCKET");
        ::unsetenv("WATCHDOG_USEC");
        daemon_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path dir_;
    std::unique_ptr<StationDaemon> daemon_;
};

TEST_F(ServiceE2e, TellsSystemdItIsReadyWhatItDoesThatItLivesAndThatItStops) {
    NotifySocket systemd((dir_ / "notify").string());
    ::setenv("NOTIFY_SOCKET", (dir_ / "notify").c_str(), 1);
    ::setenv("WATCHDOG_USEC", "200000", 1);  // pings expected every 100 ms
    daemon_ = std::make_unique<StationDaemon>(dir_);
    const auto started = std::chrono::steady_clock::now();
    ASSERT_EQ(daemon_->start(), "");
    ASSERT_TRUE(systemd.waitFor("READY=1", 5s));
    std::cout << "start to READY=1 (upper bound, includes polling the API): "
              << std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                           started)
                     .count()
              << " ms\n";
    EXPECT_NE(systemd.received().back().find("STATUS=waiting for a badge"), std::string::npos)
        << systemd.received().back();

    // Watchdog pings keep coming from the event loop.
    ASSERT_TRUE(systemd.waitFor("WATCHDOG=1", 2s));
    ASSERT_TRUE(systemd.waitFor("WATCHDOG=1", 2s));

    // STATUS= follows the bench.
    ScannerConnection scanner(daemon_->scannerPort());
    ASSERT_TRUE(scanner.scan("U-1001").ok);
    EXPECT_TRUE(systemd.waitFor("STATUS=Alice Martin, no order open", 2s));
    ASSERT_TRUE(scanner.scan("1001").ok);
    EXPECT_TRUE(systemd.waitFor("STATUS=Alice Martin, packing order 1001", 2s));

    daemon_->signal(SIGTERM);
    EXPECT_TRUE(systemd.waitFor("STOPPING=1", 5s));
    const auto exit = daemon_->waitForExit(10s);
    ASSERT_TRUE(exit.has_value());
    EXPECT_EQ(*exit, 0);
}

TEST_F(ServiceE2e, MetricsAreInThePrometheusTextFormat) {
    daemon_ = std::make_unique<StationDaemon>(dir_);
    ASSERT_EQ(daemon_->start(), "");
    ScannerConnection scanner(daemon_->scannerPort());
    ASSERT_TRUE(scanner.scan("U-1001").ok);
    ASSERT_FALSE(scanner.scan("1003").ok);  // unpaid
    ASSERT_FALSE(scanner.scan("1009").ok);  // cancelled

    const auto r = daemon_->get("/metrics");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.contentType.rfind("text/plain; version=0.0.4", 0), 0u) << r.contentType;
    const std::string& m = r.body;
    for (const std::string& line : std::initializer_list<std::string>{
             "# TYPE stationd_scans_total counter\n",
             "stationd_scans_total{reason=\"\",result=\"accepted\"} 1\n",
             "stationd_scans_total{reason=\"order_unpaid\",result=\"refused\"} 1\n",
             "stationd_scans_total{reason=\"order_cancelled\",result=\"refused\"} 1\n",
             "# TYPE stationd_scan_duration_seconds histogram\n",
             "stationd_scan_duration_seconds_count 3\n",
             "stationd_scan_duration_seconds_bucket{le=\"+Inf\"} 3\n",
             "stationd_device_up{device=\"zebra-1\",kind=\"directory\",role=\"printer\"} 1\n",
             "stationd_device_up{device=\"bench\",kind=\"tcp\",role=\"scanner\"} 1\n",
             "stationd_outbox_pending 0\n",
             "stationd_packer_logged_in 1\n",
             "# TYPE stationd_parcels_shipped_total counter\n",
             "stationd_outbox_parked{adapter=\"none\"} 0\n",
             "stationd_sync_last_success_age_seconds{adapter=\"none\"} -1\n",
             "stationd_build_info{schema=\"" +
                 std::to_string(station::Journal::latestSchemaVersion()) +
                 "\",station=\"bench-1\",version=\"0.1.0\"} 1\n",
         }) {
        EXPECT_NE(m.find(line), std::string::npos) << "missing: " << line << "\n" << m;
    }
    // Every sample's metric has its HELP and TYPE before it.
    std::set<std::string> typed;
    std::istringstream in(m);
    for (std::string l; std::getline(in, l);) {
        if (l.rfind("# TYPE ", 0) == 0) {
            typed.insert(l.substr(7, l.find(' ', 7) - 7));
        } else if (!l.empty() && l[0] != '#') {
            std::string name = l.substr(0, l.find_first_of("{ "));
            for (const char* suffix : {"_bucket", "_sum", "_count"}) {
                const std::string s = suffix;
                if (name.size() > s.size() && name.ends_with(s) &&
                    typed.contains(name.substr(0, name.size() - s.size()))) {
                    name = name.substr(0, name.size() - s.size());
                }
            }
            EXPECT_TRUE(typed.contains(name)) << "no # TYPE before " << l;
        }
    }
}

}  // namespace
}  // namespace e2e
