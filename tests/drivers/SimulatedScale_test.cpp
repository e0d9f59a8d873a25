#include "drivers/SimulatedScale.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

namespace {

using drivers::ScaleReading;
using drivers::ScaleStatus;
using drivers::SimulatedScale;

TEST(SimulatedScale, ReadingsArriveThroughTheIoContext) {
    boost::asio::io_context io;
    SimulatedScale scale(io, "scale-1");
    std::vector<ScaleReading> seen;
    scale.start([&](const ScaleReading& reading) { seen.push_back(reading); });

    scale.set({ScaleStatus::InMotion, 1180});
    scale.set({ScaleStatus::Stable, 1234});
    EXPECT_TRUE(seen.empty()) << "delivered inline instead of through the io_context";
    EXPECT_EQ(scale.last(), (ScaleReading{ScaleStatus::Stable, 1234}));

    io.run();
    EXPECT_EQ(seen, (std::vector<ScaleReading>{{ScaleStatus::InMotion, 1180},
                                               {ScaleStatus::Stable, 1234}}));
}

TEST(SimulatedScale, NothingIsDeliveredBeforeStartOrAfterStop) {
    boost::asio::io_context io;
    SimulatedScale scale(io, "scale-1");
    int calls = 0;

    scale.set({ScaleStatus::Stable, 500});
    scale.start([&](const ScaleReading&) { ++calls; });
    io.run();
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(scale.last(), (ScaleReading{ScaleStatus::Stable, 500}));

    scale.stop();
    scale.set({ScaleStatus::Stable, 700});
    io.restart();
    io.run();
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(scale.last().grams, 700);
}

TEST(SimulatedScale, StatusIsDownOnlyWhenDisconnected) {
    boost::asio::io_context io;
    SimulatedScale scale(io, "scale-1");
    EXPECT_EQ(scale.name(), "scale-1");
    EXPECT_TRUE(scale.status().up);
    EXPECT_EQ(scale.status().detail, "at_zero 0 g");
    EXPECT_EQ(scale.status().role, "scale");

    scale.set({ScaleStatus::Overload, 30500});
    EXPECT_TRUE(scale.status().up);
    EXPECT_EQ(scale.status().detail, "overload 30500 g");

    scale.set({ScaleStatus::Disconnected, 0});
    EXPECT_FALSE(scale.status().up);
    EXPECT_EQ(scale.status().detail, "disconnected 0 g");
}

TEST(ScaleStatus, NamesAreTheOnesTheApiShows) {
    using drivers::toString;
    EXPECT_EQ(toString(ScaleStatus::Stable), "stable");
    EXPECT_EQ(toString(ScaleStatus::InMotion), "in_motion");
    EXPECT_EQ(toString(ScaleStatus::AtZero), "at_zero");
    EXPECT_EQ(toString(ScaleStatus::UnderZero), "under_zero");
    EXPECT_EQ(toString(ScaleStatus::Overload), "overload");
    EXPECT_EQ(toString(ScaleStatus::Fault), "fault");
    EXPECT_EQ(toString(ScaleStatus::NeedsCalibration), "needs_calibration");
    EXPECT_EQ(toString(ScaleStatus::Disconnected), "disconnected");
}

TEST(SimulatedScale, ZeroTakesWhatLiesOnThePlatterOffLikeARealScale) {
    boost::asio::io_context io;
    SimulatedScale scale(io, "scale-1");
    std::vector<std::string> answers;
    auto zero = [&] {
        scale.zero([&](const std::string& error) { answers.push_back(error); });
        io.restart();
        io.run();
    };

    // Refused while the load moves, as a scale refuses to zero an unsettled platter.
    scale.set({ScaleStatus::InMotion, 130});
    zero();
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_NE(answers[0], "");
    EXPECT_EQ(scale.last(), (ScaleReading{ScaleStatus::InMotion, 130}));

    // A 120 g mat left on it: zeroed, it reads 0, and a parcel then reads its own weight.
    scale.set({ScaleStatus::Stable, 120});
    zero();
    ASSERT_EQ(answers.size(), 2u);
    EXPECT_EQ(answers[1], "");
    EXPECT_EQ(scale.last(), (ScaleReading{ScaleStatus::AtZero, 0}));
    scale.set({ScaleStatus::Stable, 1130});
    EXPECT_EQ(scale.last(), (ScaleReading{ScaleStatus::Stable, 1010}));
    // The mat taken off too: below zero.
    scale.set({ScaleStatus::AtZero, 0});
    EXPECT_EQ(scale.last(), (ScaleReading{ScaleStatus::UnderZero, -120}));

    scale.set({ScaleStatus::Disconnected, 0});
    zero();
    ASSERT_EQ(answers.size(), 3u);
    EXPECT_NE(answers[2], "");
}

}  // namespace
