// End to end: stationctl against a station that asks everyone to sign in, as a supervisor's
// stationctl on another computer sees it.

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "tests/e2e/StationDaemon.h"

namespace {

using namespace e2e;

TEST(StationctlE2e, SignsInWithAPinOnStandardInputAndUsesTheTokenFromTheEnvironment) {
    ScratchDir scratch("stationd-ctl");
    const fs::path& dir = scratch.path();
    StationDaemon daemon(dir);
    daemon.editConfig("[api]\nlisten = \"127.0.0.1\"",
                      "[api]\nrequire_login = \"always\"\nlisten = \"127.0.0.1\"");
    ASSERT_EQ(daemon.start(), "");

    auto [status, out] = stationctl(daemon.url(), "status");
    EXPECT_EQ(status, 1) << out;
    EXPECT_NE(out.find("sign in"), std::string::npos) << out;

    // A wrong PIN: refused, nothing printed for the token.
    std::tie(status, out) = stationctl(daemon.url(), "login", "", "0000", true);
    EXPECT_EQ(status, 1);
    EXPECT_TRUE(out.empty()) << out;

    // Sophie's PIN (config/demo.toml) on standard input; the token alone on standard output.
    std::tie(status, out) = stationctl(daemon.url(), "login", "", "9731", true);
    ASSERT_EQ(status, 0) << out;
    const std::string token = out.substr(0, out.find('\n'));
    ASSERT_EQ(token.size(), 64u) << out;

    // A supervisor's call: let through (this station simply has no shop to pull from).
    std::tie(status, out) = stationctl(daemon.url(), "sync pull", "STATIONCTL_TOKEN=" + token);
    EXPECT_NE(out.find("no shop is configured"), std::string::npos) << out;
    std::tie(status, out) =
        stationctl(daemon.url(), "print command-sheet", "STATIONCTL_TOKEN=" + token);
    EXPECT_EQ(status, 0) << out;
    std::tie(status, out) = stationctl(daemon.url(), "status", "STATIONCTL_TOKEN=" + token);
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(out.find("bench-1"), std::string::npos) << out;
    std::tie(status, out) = stationctl(daemon.url(), "status", "STATIONCTL_TOKEN=not-a-token");
    EXPECT_EQ(status, 1) << out;
}

}  // namespace
