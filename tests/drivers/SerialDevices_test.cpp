// SerialScale and SerialScanner against fake devices on pseudo-terminals: the test plays the
// scale or the scanner on the master side, the driver opens the slave through a symlink (as it
// would open /dev/serial/by-id/...), and closing the master is pulling the cable.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "drivers/SerialScale.h"
#include "drivers/SerialScanner.h"
#include "tests/drivers/SerialPeers.h"

namespace {

using namespace std::chrono_literals;
using drivers::ScaleReading;
using drivers::ScaleStatus;
using drivers::SerialScale;
using drivers::SerialScaleOptions;
using drivers::SerialScaleProtocol;
using drivers::SerialSettings;
using serial_peers::FakeMtSicsScale;
using serial_peers::FakeSerialPort;
using serial_peers::toledoFrame;

class SerialDevicesTest : public ::testing::Test {
  protected:
    // Runs the io_context until `done` holds; false after 10 s (a hung device, not a figure).
    bool runUntil(const std::function<bool()>& done) {
        const auto limit = std::chrono::steady_clock::now() + 10s;
        while (!done()) {
            if (std::chrono::steady_clock::now() > limit) {
                return false;
            }
            io_.restart();
            io_.run_for(5ms);
        }
        return true;
    }

    void runFor(std::chrono::milliseconds duration) {
        io_.restart();
        io_.run_for(duration);
    }

    SerialScaleOptions fastSics(SerialScaleProtocol protocol) {
        SerialScaleOptions options;
        options.protocol = protocol;
        options.pollInterval = 10ms;
        options.answerTimeout = 200ms;
        return options;
    }

    bool seen(ScaleStatus status) const {
        for (const ScaleReading& r : readings_) {
            if (r.status == status) {
                return true;
            }
        }
        return false;
    }

    boost::asio::io_context io_;
    FakeSerialPort port_;
    std::vector<ScaleReading> readings_;
};

TEST_F(SerialDevicesTest, MtSicsScaleGoesFromMotionToAStableWeightInGrams) {
    FakeMtSicsScale fake(port_);
    fake.set(FakeMtSicsScale::Mode::Moving, "    1.100 kg");
    SerialScale scale(io_, "bench", SerialSettings{.device = port_.path()},
                      fastSics(SerialScaleProtocol::MtSicsImmediate));
    scale.start([&](const ScaleReading& r) { readings_.push_back(r); });

    ASSERT_TRUE(runUntil([&] { return seen(ScaleStatus::InMotion); }));
    EXPECT_FALSE(seen(ScaleStatus::Stable));
    EXPECT_EQ(scale.last().status, ScaleStatus::InMotion);

    fake.set(FakeMtSicsScale::Mode::Stable, "    1.234 kg");
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Stable; }));
    EXPECT_EQ(scale.last().grams, 1234);
    EXPECT_TRUE(scale.status().up);
    EXPECT_EQ(scale.status().kind, "mt-sics");
    EXPECT_NE(scale.status().detail.find(port_.path()), std::string::npos);
}

TEST_F(SerialDevicesTest, MtSicsScaleThatNeverSettlesIsInMotionNeverAWeight) {
    FakeMtSicsScale fake(port_);
    fake.set(FakeMtSicsScale::Mode::Moving, "    2.500 kg");
    SerialScale scale(io_, "bench", SerialSettings{.device = port_.path()},
                      fastSics(SerialScaleProtocol::MtSicsImmediate));
    scale.start([&](const ScaleReading& r) { readings_.push_back(r); });
    ASSERT_TRUE(runUntil([&] { return fake.commands() >= 20; }));
    ASSERT_FALSE(readings_.empty());
    for (const ScaleReading& r : readings_) {
        EXPECT_EQ(r.status, ScaleStatus::InMotion);
    }
}

TEST_F(SerialDevicesTest, StableCommandAnsweredBusyIsInMotion) {
    FakeMtSicsScale fake(port_);
    fake.set(FakeMtSicsScale::Mode::Busy, "");
    SerialScale scale(io_, "bench", SerialSettings{.device = port_.path()},
                      fastSics(SerialScaleProtocol::MtSicsStable));
    scale.start([&](const ScaleReading& r) { readings_.push_back(r); });
    ASSERT_TRUE(runUntil([&] { return fake.commands() >= 10; }));
    EXPECT_EQ(scale.last().status, ScaleStatus::InMotion);
    EXPECT_FALSE(seen(ScaleStatus::Stable));
}

TEST_F(SerialDevicesTest, FirstAnswerAfterOpeningIsDropped) {
    FakeMtSicsScale fake(port_);
    fake.set(FakeMtSicsScale::Mode::Stable, "    0.700 kg");
    SerialScale scale(io_, "bench", SerialSettings{.device = port_.path()},
                      fastSics(SerialScaleProtocol::MtSicsImmediate));
    scale.start([&](const ScaleReading& r) { readings_.push_back(r); });
    ASSERT_TRUE(runUntil([&] { return !readings_.empty(); }));
    // The first reading reported needed a second answer: the first one was dropped.
    EXPECT_GE(fake.commands(), 2);
    EXPECT_EQ(readings_.front(), (ScaleReading{ScaleStatus::Stable, 700}));
}

TEST_F(SerialDevicesTest, UnpluggedScaleIsDisconnectedAndComesBackWhenReplugged) {
    std::optional<FakeMtSicsScale> fake;
    fake.emplace(port_);
    fake->set(FakeMtSicsScale::Mode::Stable, "    1.000 kg");
    SerialScale scale(io_, "bench", SerialSettings{.device = port_.path()},
                      fastSics(SerialScaleProtocol::MtSicsImmediate));
    scale.start([&](const ScaleReading& r) { readings_.push_back(r); });
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Stable; }));

    fake.reset();
    port_.unplug();
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Disconnected; }));
    EXPECT_EQ(scale.last().grams, 0);  // no weight survives the unplug
    EXPECT_FALSE(scale.status().up);
    EXPECT_NE(scale.status().detail.find("unplugged"), std::string::npos) << scale.status().detail;
    runFor(300ms);  // reopening fails while it is away, without giving up
    EXPECT_EQ(scale.last().status, ScaleStatus::Disconnected);

    port_.plug();
    fake.emplace(port_);
    fake->set(FakeMtSicsScale::Mode::Stable, "    2.000 kg");
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Stable; }));
    EXPECT_EQ(scale.last().grams, 2000);
    EXPECT_TRUE(scale.status().up);
}

TEST_F(SerialDevicesTest, SilentScaleIsReportedDisconnected) {
    FakeMtSicsScale fake(port_);
    fake.set(FakeMtSicsScale::Mode::Stable, "    1.000 kg");
    SerialScale scale(io_, "bench", SerialSettings{.device = port_.path()},
                      fastSics(SerialScaleProtocol::MtSicsImmediate));
    scale.start([&](const ScaleReading& r) { readings_.push_back(r); });
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Stable; }));
    fake.set(FakeMtSicsScale::Mode::Silent, "");
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Disconnected; }));
    EXPECT_NE(scale.status().detail.find("did not answer"), std::string::npos)
        << scale.status().detail;
}

TEST_F(SerialDevicesTest, ZeroCommandReachesAnMtSicsScale) {
    FakeMtSicsScale fake(port_);
    fake.set(FakeMtSicsScale::Mode::Stable, "    0.000 kg");
    SerialScale scale(io_, "bench", SerialSettings{.device = port_.path()},
                      fastSics(SerialScaleProtocol::MtSicsImmediate));
    scale.start([&](const ScaleReading& r) { readings_.push_back(r); });
    ASSERT_TRUE(runUntil([&] { return !readings_.empty(); }));
    std::optional<std::string> outcome;
    scale.zero([&](const std::string& error) { outcome = error; });
    ASSERT_TRUE(runUntil([&] { return outcome.has_value(); }));
    EXPECT_EQ(*outcome, "");
    EXPECT_EQ(fake.zeroCommands(), 1);
    EXPECT_EQ(scale.last(), (ScaleReading{ScaleStatus::AtZero, 0}));
}

TEST_F(SerialDevicesTest, ToledoContinuousScaleMotionStableOverloadAndSilence) {
    SerialScaleOptions options;
    options.protocol = SerialScaleProtocol::Toledo;
    options.answerTimeout = 100ms;
    SerialScale scale(io_, "bench", SerialSettings{.device = port_.path()}, options);
    scale.start([&](const ScaleReading& r) { readings_.push_back(r); });
    ASSERT_TRUE(runUntil([&] { return scale.status().up; }));

    // The scale streams; a frame split across writes still counts.
    const std::string moving = toledoFrame(true, false, "000900");
    port_.write(moving);  // dropped: the first frame after opening
    port_.write(moving.substr(0, 5));
    runFor(20ms);
    port_.write(moving.substr(5));
    ASSERT_TRUE(runUntil([&] { return seen(ScaleStatus::InMotion); }));
    port_.write(toledoFrame(false, false, "001500"));
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Stable; }));
    EXPECT_EQ(scale.last().grams, 1500);
    port_.write(toledoFrame(false, true, "999999"));
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Overload; }));

    std::optional<std::string> outcome;
    scale.zero([&](const std::string& error) { outcome = error; });
    ASSERT_TRUE(runUntil([&] { return outcome.has_value(); }));
    EXPECT_NE(outcome->find("not supported"), std::string::npos);

    // A continuous scale that stops sending is not trusted to still hold its weight.
    ASSERT_TRUE(runUntil([&] { return scale.last().status == ScaleStatus::Disconnected; }));
    EXPECT_EQ(scale.status().kind, "toledo");
}

TEST_F(SerialDevicesTest, ToledoScaleThatNeverSettlesIsInMotion) {
    SerialScaleOptions options;
    options.protocol = SerialScaleProtocol::Toledo;
    SerialScale scale(io_, "bench", SerialSettings{.device = port_.path()}, options);
    scale.start([&](const ScaleReading& r) { readings_.push_back(r); });
    ASSERT_TRUE(runUntil([&] { return scale.status().up; }));
    for (int i = 0; i < 20; ++i) {
        port_.write(toledoFrame(true, false, i % 2 == 0 ? "001100" : "001130"));
        runFor(5ms);
    }
    ASSERT_TRUE(runUntil([&] { return readings_.size() >= 5; }));
    for (const ScaleReading& r : readings_) {
        EXPECT_EQ(r.status, ScaleStatus::InMotion);
    }
}

TEST_F(SerialDevicesTest, SerialScannerDeliversLinesWithItsNameAndSurvivesAReplug) {
    drivers::SerialScanner scanner(io_, "returns", SerialSettings{.device = port_.path()});
    std::vector<drivers::ScanEvent> scans;
    scanner.start([&](const drivers::ScanEvent& e, drivers::ScanReply reply) {
        scans.push_back(e);
        reply("ignored");  // a serial scanner has nothing to answer: a no-op, not a crash
    });
    ASSERT_TRUE(runUntil([&] { return scanner.status().up; }));
    port_.write("40063813");
    runFor(20ms);
    port_.write("33931\r\n]C1");
    port_.write(
        "0104006381333931\x1d"
        "10ABC\n\r\n");
    ASSERT_TRUE(runUntil([&] { return scans.size() >= 2; }));
    EXPECT_EQ(scans[0].scanner, "returns");
    EXPECT_EQ(scans[0].code, "4006381333931");
    EXPECT_EQ(scans[0].problem, "");
    EXPECT_EQ(scans[1].code,
              "]C10104006381333931\x1d"
              "10ABC");

    port_.unplug();
    ASSERT_TRUE(runUntil([&] { return !scanner.status().up; }));
    EXPECT_EQ(scanner.status().kind, "serial");
    port_.plug();
    ASSERT_TRUE(runUntil([&] { return scanner.status().up; }));
    port_.write("12345678\r");
    ASSERT_TRUE(runUntil([&] { return scans.size() >= 3; }));
    EXPECT_EQ(scans[2].code, "12345678");
}

TEST_F(SerialDevicesTest, OverlongLineIsAProblemNotACode) {
    drivers::SerialScanner scanner(io_, "packing", SerialSettings{.device = port_.path()});
    std::vector<drivers::ScanEvent> scans;
    scanner.start([&](const drivers::ScanEvent& e, drivers::ScanReply) { scans.push_back(e); });
    ASSERT_TRUE(runUntil([&] { return scanner.status().up; }));
    const std::string noise(drivers::SerialScanner::kMaxLineBytes + 100, 'x');
    for (std::size_t at = 0; at < noise.size(); at += 1000) {
        port_.write(noise.substr(at, 1000));
        runFor(2ms);
    }
    port_.write("\r\n4006381333931\r\n");
    ASSERT_TRUE(runUntil([&] { return scans.size() >= 2; }));
    EXPECT_NE(scans[0].problem.find("longer than"), std::string::npos);
    EXPECT_EQ(scans[1].code, "4006381333931");
    EXPECT_EQ(scans[1].problem, "");
}

TEST(SerialSettings, FormatParsesAndRefusesNonsense) {
    SerialSettings settings;
    std::string error;
    ASSERT_TRUE(drivers::parseSerialFormat("7E1", settings, error));
    EXPECT_EQ(settings.dataBits, 7u);
    EXPECT_EQ(settings.parity, 'E');
    EXPECT_EQ(settings.stopBits, 1u);
    EXPECT_FALSE(drivers::parseSerialFormat("8X1", settings, error));
    EXPECT_NE(error.find("parity"), std::string::npos);
    EXPECT_FALSE(drivers::parseSerialFormat("9N1", settings, error));
}

}  // namespace
