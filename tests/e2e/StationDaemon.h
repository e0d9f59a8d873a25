// Runs a real stationd for the end-to-end tests: its own config, journal and label folder in a
// temporary directory, free ports, and the TCP scanner, HTTP API and WebSocket as a bench uses
// them.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <unistd.h>
#include <cstdio>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "station/HttpClient.h"

extern char** environ;

namespace e2e {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;
namespace http = boost::beast::http;

inline std::string readFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Polls a condition that the daemon makes true in its own time; false when the limit passes.
// Only a bound against hanging: no test asserts how fast anything happens.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

// Loopback ports nobody listens on right now, all different: the kernel picks them while the
// sockets are held, then they are closed and handed on to the daemon.
inline std::vector<unsigned short> freePorts(size_t count) {
    std::vector<int> fds;
    std::vector<unsigned short> ports;
    for (size_t i = 0; i < count; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            break;
        }
        fds.push_back(fd);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            break;
        }
        ports.push_back(ntohs(addr.sin_port));
    }
    for (int fd : fds) {
        ::close(fd);
    }
    return ports;
}

inline json::value parseJson(const std::string& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    return ec ? json::value() : v;
}

// Lenient accessors: a missing field reads as empty, so the assertion that follows says which
// value was wrong instead of the test dying on an exception.
inline const json::value* at(const json::value& v, std::string_view key) {
    return v.is_object() ? v.get_object().if_contains(key) : nullptr;
}
inline const json::value& get(const json::value& v, std::string_view key) {
    static const json::value kNull;
    const auto* f = at(v, key);
    return f ? *f : kNull;
}
inline std::string str(const json::value& v, std::string_view key) {
    const auto* f = at(v, key);
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
}
inline int64_t num(const json::value& v, std::string_view key, int64_t fallback = -1) {
    const auto* f = at(v, key);
    return f && f->is_number() ? f->to_number<int64_t>() : fallback;
}
inline bool isNull(const json::value& v, std::string_view key) {
    const auto* f = at(v, key);
    return f && f->is_null();
}
inline const json::array& arr(const json::value& v, std::string_view key) {
    static const json::array kEmpty;
    const auto* f = at(v, key);
    return f && f->is_array() ? f->get_array() : kEmpty;
}

inline const json::value& item(const json::value& v, std::string_view key, size_t index) {
    static const json::value kNull;
    const auto& a = arr(v, key);
    return index < a.size() ? a[index] : kNull;
}

// The answer of the TCP scanner to one line: "OK <message>" or "ERR <reason> <message>".
struct ScanReply {
    bool ok = false;
    std::string reason;
    std::string raw;  // the line as received, for failure messages
};

// One connection to the daemon's TCP scanner, kept open as a bench scanner keeps it.
class ScannerConnection {
  public:
    explicit ScannerConnection(unsigned short port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) {
            error_ = std::string("socket: ") + std::strerror(errno);
            return;
        }
        // Bounds a read if the daemon never answers; the test then fails instead of hanging.
        timeval tv{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(port);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            error_ = "cannot connect to the scanner port " + std::to_string(port) + ": " +
                     std::strerror(errno);
        }
    }
    ~ScannerConnection() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    ScannerConnection(const ScannerConnection&) = delete;
    ScannerConnection& operator=(const ScannerConnection&) = delete;

    const std::string& error() const { return error_; }

    // Writes "code\n" and reads the one reply line: once it is here the scan is committed.
    ScanReply scan(const std::string& code) {
        ScanReply reply;
        const std::string line = code + "\n";
        size_t sent = 0;
        while (sent < line.size()) {
            const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) {
                reply.raw = std::string("<cannot send: ") + std::strerror(errno) + ">";
                return reply;
            }
            sent += static_cast<size_t>(n);
        }
        size_t lf;
        while ((lf = buffer_.find('\n')) == std::string::npos) {
            char chunk[4096];
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) {
                reply.raw = n == 0 ? "<connection closed without a reply>"
                                   : std::string("<no reply: ") + std::strerror(errno) + ">";
                return reply;
            }
            buffer_.append(chunk, static_cast<size_t>(n));
        }
        reply.raw = buffer_.substr(0, lf);
        buffer_.erase(0, lf + 1);
        if (reply.raw.rfind("OK", 0) == 0) {
            reply.ok = true;
        } else if (reply.raw.rfind("ERR ", 0) == 0) {
            const size_t space = reply.raw.find(' ', 4);
            reply.reason =
                reply.raw.substr(4, space == std::string::npos ? std::string::npos : space - 4);
        }
        return reply;
    }

  private:
    int fd_ = -1;
    std::string error_;
    std::string buffer_;
};

// The WebSocket /api/events as a screen sees it: every message kept, in order.
class EventStream {
  public:
    explicit EventStream(const std::string& url) : ws_(url) {}

    // Connects and waits for the greeting, after which every event reaches this client.
    std::string connect() {
        if (auto err = ws_.connect("/api/events"); !err.empty()) {
            return err;
        }
        if (!waitFor([](const std::vector<json::value>& all) {
                return !all.empty() && str(all.front(), "type") == "status";
            })) {
            return "no status greeting on /api/events";
        }
        return {};
    }

    // Reads until `predicate(all messages so far)` holds; false when the limit passes first.
    template <class Predicate>
    bool waitFor(Predicate predicate, std::chrono::milliseconds limit = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!predicate(messages_)) {
            if (std::chrono::steady_clock::now() > deadline || !ws_.isOpen()) {
                return false;
            }
            if (auto m = ws_.read(100ms)) {
                messages_.push_back(parseJson(*m));
            }
        }
        return true;
    }

    const std::vector<json::value>& messages() const { return messages_; }
    bool isOpen() const { return ws_.isOpen(); }
    const std::string& closeReason() const { return ws_.closeReason(); }

  private:
    station::WebSocketClient ws_;
    std::vector<json::value> messages_;
};

inline std::string describeWaitStatus(int status) {
    if (WIFEXITED(status)) {
        return "exit status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return std::string("killed by signal ") + strsignal(WTERMSIG(status));
    }
    return "status " + std::to_string(status);
}

// A folder of its own for one test's daemon, removed afterwards unless keep() was called (to
// read it after a failure).
class ScratchDir {
  public:
    explicit ScratchDir(const std::string& prefix) {
        std::string pattern = "/tmp/" + prefix + "-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create " + pattern + ": " + std::strerror(errno));
        }
        path_ = pattern;
    }
    ~ScratchDir() {
        if (!keep_) {
            std::error_code ec;
            fs::remove_all(path_, ec);
        }
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const fs::path& path() const { return path_; }
    void keep() { keep_ = true; }

  private:
    fs::path path_;
    bool keep_ = false;
};

// stationctl as an admin runs it: its output and its exit status.
// `environment` ("NAME=value ...") and `input` (its standard input) are optional; standard
// error is part of the output unless `quiet`.
inline std::pair<int, std::string> stationctl(const std::string& url, const std::string& args,
                                              const std::string& environment = "",
                                              const std::string& input = "", bool quiet = false) {
    const std::string command =
        (input.empty() ? std::string() : "printf '%s\\n' '" + input + "' | ") + "env " +
        environment + " " + std::string(STATION_BIN_DIR) + "/stationctl --url " + url + " " + args +
        (quiet ? " 2>/dev/null" : " 2>&1");
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return {-1, "cannot run " + command};
    }
    std::string out;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
        out.append(buffer, n);
    }
    const int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// One stationd process on its own ports and data directory. The demo config is copied with
// only the ports and the path of the demo orders changed, so the tests run what `make demo` runs.
class StationDaemon {
  public:
    explicit StationDaemon(fs::path dir) : dir_(std::move(dir)) {
        const auto ports = freePorts(2);
        if (ports.size() == 2) {
            apiPort_ = ports[0];
            scannerPort_ = ports[1];
        }
        std::string config = readFile(fs::path(STATION_SOURCE_DIR) / "config" / "demo.toml");
        const fs::path orders = fs::path(STATION_SOURCE_DIR) / "config" / "demo-orders.json";
        replaceOnce(config, "port = 8080", "port = " + std::to_string(apiPort_));
        replaceOnce(config, "port = 9101", "port = " + std::to_string(scannerPort_));
        replaceOnce(config, "orders = \"demo-orders.json\"",
                    "orders = \"" + orders.string() + "\"");
        // No shop unless the test starts one (setShopUrl): the demo's is not running here.
        replaceOnce(config, "adapter = \"woocommerce\"", "adapter = \"none\"");
        if (apiPort_ == 0 || scannerPort_ == 0) {
            setupError_ = "no free loopback port";
        }
        std::ofstream(dir_ / "station.toml") << config;
        url_ = "http://127.0.0.1:" + std::to_string(apiPort_);
    }
    ~StationDaemon() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }
    StationDaemon(const StationDaemon&) = delete;
    StationDaemon& operator=(const StationDaemon&) = delete;

    // Starts stationd and waits until GET /api/status answers (200, or 401 when it asks for a
    // sign-in): "" or why not.
    std::string start(bool demo = true) {
        if (!setupError_.empty()) {
            return setupError_;
        }
        if (pid_ > 0) {
            return "stationd is already running";
        }
        const std::string binary = std::string(STATION_BIN_DIR) + "/stationd";
        std::vector<std::string> args = {binary, "--config", (dir_ / "station.toml").string(),
                                         "--data-dir", dataDir().string()};
        if (demo) {
            args.emplace_back("--demo");
        }
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        const std::string logFile = logPath().string();
        posix_spawn_file_actions_addopen(&actions, 1, logFile.c_str(),
                                         O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        pid_t pid = -1;
        const int rc = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) {
            return "cannot start " + binary + ": " + std::strerror(rc);
        }
        pid_ = pid;
        station::HttpClient client(url_, 1s);
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (true) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return "stationd ended (" + describeWaitStatus(status) +
                       ") before answering; its output:\n" + log();
            }
            // 401: it answers, and wants a sign-in ([api] require_login = "always").
            if (const auto r = client.request(http::verb::get, "/api/status");
                r.success() || r.status == 401) {
                return {};
            }
            if (std::chrono::steady_clock::now() > deadline) {
                return "stationd did not answer GET /api/status; its output:\n" + log();
            }
            std::this_thread::sleep_for(20ms);
        }
    }

    void signal(int sig) {
        if (pid_ > 0) {
            ::kill(pid_, sig);
        }
    }

    // The raw wait status once the process ended within `limit`.
    std::optional<int> waitForExit(std::chrono::milliseconds limit) {
        if (pid_ <= 0) {
            return std::nullopt;
        }
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (true) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return status;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                return std::nullopt;
            }
            std::this_thread::sleep_for(10ms);
        }
    }

    // SIGKILL, as a power cut or an OOM kill would: nothing gets a chance to flush.
    void killHard() {
        signal(SIGKILL);
        waitForExit(10s);
    }

    std::string log() const { return readFile(logPath()); }
    // The running process, -1 when none.
    pid_t pid() const { return pid_; }
    // Changes the generated config before start(): `from` must occur exactly once.
    void editConfig(const std::string& from, const std::string& to) {
        std::string config = readFile(dir_ / "station.toml");
        replaceOnce(config, from, to);
        std::ofstream(dir_ / "station.toml") << config;
    }
    // Where stationd's standard output and error go (created by start()).
    fs::path logFile() const { return logPath(); }
    const std::string& url() const { return url_; }
    unsigned short scannerPort() const { return scannerPort_; }
    fs::path dataDir() const { return dir_ / "data"; }
    fs::path journalPath() const { return dataDir() / "journal.db"; }
    fs::path labelFile(int64_t labelId) const {
        return dataDir() / "labels" / ("label-" + std::to_string(labelId) + ".zpl");
    }

    station::ClientResult get(const std::string& target) {
        return station::HttpClient(url_).request(http::verb::get, target);
    }
    station::ClientResult post(const std::string& target, const json::value& body) {
        return station::HttpClient(url_).request(http::verb::post, target, json::serialize(body));
    }
    json::value getJson(const std::string& target) {
        const auto r = get(target);
        return r.success() ? parseJson(r.body) : json::value();
    }
    json::value status() { return getJson("/api/status"); }
    json::value order(const std::string& number) { return getJson("/api/orders/" + number); }

  private:
    void replaceOnce(std::string& text, const std::string& from, const std::string& to) {
        const size_t at = text.find(from);
        if (at == std::string::npos || text.find(from, at + 1) != std::string::npos) {
            setupError_ = "config/demo.toml no longer holds exactly one '" + from + "'";
            return;
        }
        text.replace(at, from.size(), to);
    }
    fs::path logPath() const { return dir_ / "stationd.log"; }

    fs::path dir_;
    unsigned short apiPort_ = 0;
    unsigned short scannerPort_ = 0;
    std::string url_;
    std::string setupError_;
    pid_t pid_ = -1;
};

// The GS1 mod-10 check over all digits but the last; written here again so that the test does
// not trust the code it checks.
inline bool validGs1CheckDigit(const std::string& digits) {
    if (digits.size() < 2) {
        return false;
    }
    int sum = 0;
    bool three = true;
    for (size_t i = digits.size() - 1; i-- > 0;) {
        if (digits[i] < '0' || digits[i] > '9') {
            return false;
        }
        sum += (digits[i] - '0') * (three ? 3 : 1);
        three = !three;
    }
    return digits.back() - '0' == (10 - sum % 10) % 10;
}

}  // namespace e2e
