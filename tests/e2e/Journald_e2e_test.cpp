// stationd under systemd writes structured journal entries (ORDER, STATION, USER, DEVICE) and
// never a badge. The test stands in for journald: it binds the journal's socket and reads the
// native protocol stationd sends, with JOURNAL_STREAM naming stationd's stderr as systemd does.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "tests/e2e/StationDaemon.h"

namespace e2e {
namespace {

constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

using Entry = std::map<std::string, std::string>;

// One datagram of journald's native protocol: "KEY=value\n", or "KEY\n" + 64-bit little-endian
// length + value + "\n" for values with a newline.
Entry parseEntry(const std::string& d) {
    Entry e;
    size_t at = 0;
    while (at < d.size()) {
        const size_t nl = d.find('\n', at);
        const std::string line =
            d.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
        const size_t eq = line.find('=');
        if (eq != std::string::npos) {
            e[line.substr(0, eq)] = line.substr(eq + 1);
            at = nl == std::string::npos ? d.size() : nl + 1;
        } else {
            uint64_t len = 0;
            std::memcpy(&len, d.data() + nl + 1, 8);
            e[line] = d.substr(nl + 9, len);
            at = nl + 9 + len + 1;
        }
    }
    return e;
}

class FakeJournald {
  public:
    // "" when bound, or why the test cannot stand in for journald here.
    std::string bind() {
        struct stat st {};
        if (::stat(kJournalSocket, &st) == 0) {
            return "a journald already listens on " + std::string(kJournalSocket);
        }
        ::mkdir("/run/systemd", 0755);
        ::mkdir("/run/systemd/journal", 0755);
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", kJournalSocket);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            return std::string("cannot bind ") + kJournalSocket + ": " + std::strerror(errno);
        }
        bound_ = true;
        return {};
    }
    ~FakeJournald() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        if (bound_) {
            ::unlink(kJournalSocket);
        }
    }
    // Every entry received within `wait` after the last one.
    std::vector<Entry> drain(std::chrono::milliseconds wait) {
        std::vector<Entry> out;
        std::vector<char> buf(1 << 16);
        pollfd p{fd_, POLLIN, 0};
        while (::poll(&p, 1, static_cast<int>(wait.count())) > 0) {
            const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
            if (n <= 0) {
                break;
            }
            out.push_back(parseEntry(std::string(buf.data(), static_cast<size_t>(n))));
        }
        return out;
    }

  private:
    int fd_ = -1;
    bool bound_ = false;
};

TEST(Journald, EntriesCarryOrderStationUserAndDeviceAndNeverABadge) {
    FakeJournald journald;
    if (auto why = journald.bind(); !why.empty()) {
        GTEST_SKIP() << "journald path not testable here: " << why;
    }
    ScratchDir scratch("stationd-journald");
    const fs::path& dir = scratch.path();
    StationDaemon daemon(dir);
    // A network printer nobody answers for: the label fails, which stationd logs with the order,
    // the packer and the printer.
    const auto closed = freePorts(1);
    ASSERT_EQ(closed.size(), 1u);
    daemon.editConfig(
        "role = \"shipping\"\nkind = \"directory\"\nlanguage = \"zpl\"\npath = \"labels\"",
        "role = \"shipping\"\nkind = \"zpl-tcp\"\nlanguage = \"zpl\"\nhost = "
        "\"127.0.0.1\"\nport = " +
            std::to_string(closed[0]));
    // systemd connects stderr to the journal and names that stream in JOURNAL_STREAM.
    { std::ofstream touch(daemon.logFile()); }
    struct stat st {};
    ASSERT_EQ(::stat(daemon.logFile().c_str(), &st), 0);
    ::setenv("JOURNAL_STREAM",
             (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(), 1);
    const std::string started = daemon.start();
    ::unsetenv("JOURNAL_STREAM");
    ASSERT_EQ(started, "");

    for (const char* code : {"U-1001", "1012", "3760123450027", "3760123450027"}) {
        auto r = daemon.post("/api/scan", json::object{{"code", code}, {"scanner", "api"}});
        ASSERT_EQ(r.status, 200) << code << ": " << r.body;
    }
    auto r = daemon.post("/api/scale", json::object{{"grams", 2 * 350 + 300}, {"stable", true}});
    ASSERT_EQ(r.status, 200) << r.body;
    std::vector<Entry> entries;
    ASSERT_TRUE(eventually([&] {
        for (auto& e : journald.drain(std::chrono::milliseconds(200))) {
            entries.push_back(std::move(e));
        }
        for (const auto& e : entries) {
            if (e.count("ORDER") && e.at("ORDER") == "1012") {
                return true;
            }
        }
        return false;
    })) << "no journal entry for order 1012; stderr:\n"
        << daemon.log();

    bool labelEntry = false;
    for (const auto& e : entries) {
        EXPECT_EQ(e.at("SYSLOG_IDENTIFIER"), "stationd");
        EXPECT_EQ(e.at("STATION"), "bench-1");
        for (const auto& [key, value] : e) {
            EXPECT_EQ(value.find("U-1001"), std::string::npos) << key << "=" << value;
        }
        if (e.count("ORDER") && e.at("ORDER") == "1012") {
            labelEntry = true;
            EXPECT_EQ(e.at("USER"), "Alice Martin");
            EXPECT_EQ(e.at("DEVICE"), "zebra-1");
            EXPECT_EQ(e.at("PRIORITY"), "3");  // error
            EXPECT_NE(e.at("MESSAGE").find("not printed"), std::string::npos) << e.at("MESSAGE");
        }
    }
    EXPECT_TRUE(labelEntry);
    // Under the journal, nothing is duplicated on stderr as plain lines.
    EXPECT_EQ(daemon.log().find("not printed on zebra-1"), std::string::npos) << daemon.log();
}

}  // namespace
}  // namespace e2e
