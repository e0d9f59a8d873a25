// A stationd that the crash harness starts, times and kills with SIGKILL from another thread.
// Builds on tests/e2e/StationDaemon.h (ports, scanner client, JSON helpers); adds what it lacks.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/StationDaemon.h"

namespace crash {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

// Why the StationDaemon of the e2e tests is not enough here: its start() polls every 20 ms
// (too coarse to time a restart), the orders file is fixed to the demo orders, and its pid
// is not safe to signal from a second thread. This one is, and it lets the child die with us.
class CrashDaemon {
  public:
    // `ordersFile` is written by the caller before each start; the config is config/demo.toml
    // with only the two ports and the [demo] orders path changed. `binary` defaults to the
    // stationd built beside the harness.
    CrashDaemon(fs::path dir, fs::path ordersFile, std::string binary = {})
        : dir_(std::move(dir)),
          binary_(binary.empty() ? std::string(STATION_BIN_DIR) + "/stationd" : binary) {
        const auto ports = e2e::freePorts(2);
        if (ports.size() != 2) {
            setupError_ = "no free loopback port";
            return;
        }
        apiPort_ = ports[0];
        scannerPort_ = ports[1];
        std::string config = e2e::readFile(fs::path(STATION_SOURCE_DIR) / "config" / "demo.toml");
        replaceOnce(config, "port = 8080", "port = " + std::to_string(apiPort_));
        replaceOnce(config, "port = 9101", "port = " + std::to_string(scannerPort_));
        replaceOnce(config, "orders = \"demo-orders.json\"",
                    "orders = \"" + ordersFile.string() + "\"");
        // No shop unless the test starts one (setShopUrl): the demo's is not running here.
        replaceOnce(config, "adapter = \"woocommerce\"", "adapter = \"none\"");
        std::ofstream(dir_ / "station.toml") << config;
        url_ = "http://127.0.0.1:" + std::to_string(apiPort_);
    }
    // Syncs with the shop at `url` (a WooCommerce simulator) instead of none; before spawn().
    void useShop(const std::string& url) {
        std::string config = e2e::readFile(configPath());
        replaceOnce(config, "adapter = \"none\"", "adapter = \"woocommerce\"");
        replaceOnce(config, "url = \"http://127.0.0.1:8081/wp-json\"", "url = \"" + url + "\"");
        std::ofstream(configPath()) << config;
    }
    ~CrashDaemon() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }
    CrashDaemon(const CrashDaemon&) = delete;
    CrashDaemon& operator=(const CrashDaemon&) = delete;

    // Forks and execs stationd --demo; "" or why not. The child gets SIGKILL if we die, so an
    // interrupted harness leaves no daemon behind.
    std::string spawn() {
        if (!setupError_.empty()) {
            return setupError_;
        }
        std::vector<std::string> args = {binary_,      "--config",         configPath().string(),
                                         "--data-dir", dataDir().string(), "--demo"};
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        const std::string log = logPath().string();
        const pid_t parent = ::getpid();
        const pid_t pid = ::fork();
        if (pid < 0) {
            return std::string("fork: ") + std::strerror(errno);
        }
        if (pid == 0) {
            // Only async-signal-safe calls between fork and exec: the harness has threads.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) {
                ::_exit(127);
            }
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        std::lock_guard lock(mutex_);
        pid_ = pid;
        return {};
    }

    // Polls GET /api/status every millisecond until it answers 200: "" or why not.
    std::string waitServing(std::chrono::milliseconds limit) {
        station::HttpClient client(url_, std::chrono::milliseconds(500));
        const auto deadline = SteadyClock::now() + limit;
        while (true) {
            if (auto status = reapIfExited()) {
                return "stationd ended (" + e2e::describeWaitStatus(*status) +
                       ") before answering GET /api/status";
            }
            if (client.request(e2e::http::verb::get, "/api/status").success()) {
                return {};
            }
            if (SteadyClock::now() > deadline) {
                return "stationd did not answer GET /api/status in time";
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

    // Safe from any thread: the pid is only cleared under the same lock, after the reap, so a
    // signal never reaches a recycled pid.
    bool sendKill() { return sendSignal(SIGKILL); }
    bool sendSignal(int sig) {
        std::lock_guard lock(mutex_);
        return pid_ > 0 && ::kill(pid_, sig) == 0;
    }

    // Blocks until the process ended; its wait status, or nullopt if none was running.
    std::optional<int> reap() {
        pid_t pid;
        {
            std::lock_guard lock(mutex_);
            pid = pid_;
        }
        if (pid <= 0) {
            return std::nullopt;
        }
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        std::lock_guard lock(mutex_);
        pid_ = -1;
        return status;
    }

    std::optional<int> reapIfExited() {
        std::lock_guard lock(mutex_);
        if (pid_ <= 0) {
            return std::nullopt;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return status;
        }
        return std::nullopt;
    }

    bool running() {
        std::lock_guard lock(mutex_);
        return pid_ > 0;
    }

    std::string log() const { return e2e::readFile(logPath()); }
    const std::string& url() const { return url_; }
    unsigned short scannerPort() const { return scannerPort_; }
    fs::path dataDir() const { return dir_ / "data"; }
    fs::path journalPath() const { return dataDir() / "journal.db"; }
    fs::path labelsDir() const { return dataDir() / "labels"; }
    fs::path configPath() const { return dir_ / "station.toml"; }
    fs::path logPath() const { return dir_ / "stationd.log"; }

  private:
    void replaceOnce(std::string& text, const std::string& from, const std::string& to) {
        const size_t at = text.find(from);
        if (at == std::string::npos || text.find(from, at + 1) != std::string::npos) {
            setupError_ = "config/demo.toml no longer holds exactly one '" + from + "'";
            return;
        }
        text.replace(at, from.size(), to);
    }

    fs::path dir_;
    std::string binary_;
    unsigned short apiPort_ = 0;
    unsigned short scannerPort_ = 0;
    std::string url_;
    std::string setupError_;
    std::mutex mutex_;
    pid_t pid_ = -1;
};

// Sends SIGKILL to the daemon once a delay has passed, from its own thread, and notes what the
// bench was doing at that instant. One arm() per life of the daemon; join() before reaping.
class Killer {
  public:
    explicit Killer(CrashDaemon& daemon, const std::atomic<int>& phase)
        : daemon_(daemon), phase_(phase) {}
    ~Killer() { join(); }
    Killer(const Killer&) = delete;
    Killer& operator=(const Killer&) = delete;

    void arm(std::chrono::microseconds delay) {
        join();
        fired_ = false;
        firedPhase_ = -1;
        thread_ = std::thread([this, deadline = SteadyClock::now() + delay] {
            std::unique_lock lock(mutex_);
            // Waiting on the condition instead of sleeping lets join() cut the wait short
            // when the harness stops early.
            if (cv_.wait_until(lock, deadline, [this] { return cancelled_; })) {
                return;
            }
            firedPhase_ = phase_.load();
            firedAt_ = SteadyClock::now();
            fired_ = daemon_.sendKill();
        });
    }

    // Waits for the kill to happen (or, after cancel(), for the thread to give up).
    void join() {
        if (thread_.joinable()) {
            thread_.join();
        }
        cancelled_ = false;
    }

    void cancel() {
        {
            std::lock_guard lock(mutex_);
            cancelled_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) {
            thread_.join();
        }
        cancelled_ = false;
    }

    bool fired() const { return fired_; }
    int firedPhase() const { return firedPhase_; }
    SteadyClock::time_point firedAt() const { return firedAt_; }

  private:
    CrashDaemon& daemon_;
    const std::atomic<int>& phase_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool cancelled_ = false;
    // Written by the killer thread, read by the bench only after join().
    bool fired_ = false;
    int firedPhase_ = -1;
    SteadyClock::time_point firedAt_;
};

}  // namespace crash
