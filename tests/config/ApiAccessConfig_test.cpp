// The config keys of the screens and their access: [[users]] pin (4 to 8 digits, unique,
// never quoted in a message), [api] require_login and screens_dir.

#include "config/StationConfig.h"

#include <gtest/gtest.h>

#include <string>

namespace {

std::string allErrors(const config::LoadResult& result) {
    std::string out;
    for (const auto& error : result.errors) {
        out += error.toString() + "\n";
    }
    return out;
}

// Two users; `ann` and `bob` are the lines added to each user's table.
std::string station(const std::string& ann, const std::string& bob, const std::string& api = "") {
    return "[station]\nid = \"t1\"\n" + api +
           "[tracking]\ngs1_company_prefix = \"3012345\"\n[sender]\nname = \"Shop\"\n"
           "[[users]]\nname = \"Ann\"\nbadge = \"B-SECRET-1\"\nrole = \"packer\"\n" +
           ann + "[[users]]\nname = \"Bob\"\nbadge = \"48213\"\nrole = \"supervisor\"\n" + bob +
           "[[printers]]\nname = \"p\"\nrole = \"shipping\"\nkind = \"directory\"\n"
           "language = \"zpl\"\npath = \"labels\"\n";
}

config::LoadResult parse(const std::string& text) {
    return config::parseConfig(text, "station.toml", "/srv/station");
}

TEST(ApiAccessConfig, aPinIsOptionalAndKeptAsWritten) {
    const auto result = parse(station("pin = \"0042\"\n", ""));
    ASSERT_TRUE(result.config) << allErrors(result);
    EXPECT_EQ(result.config->users[0].pin, "0042");
    EXPECT_EQ(result.config->users[1].pin, "");
    EXPECT_EQ(result.config->requireLogin, "network");
    EXPECT_TRUE(result.config->screensDir.empty());
}

TEST(ApiAccessConfig, aPinMustBeFourToEightDigitsAndIsNeverQuotedBack) {
    for (const std::string pin : {"\"123\"", "\"123456789\"", "\"12a4\"", "\"-1234\"", "1234"}) {
        const auto result = parse(station("pin = " + pin + "\n", ""));
        ASSERT_FALSE(result.config) << pin;
        ASSERT_EQ(result.errors.size(), 1u) << allErrors(result);
        const std::string message = result.errors[0].toString();
        EXPECT_EQ(result.errors[0].key, "users[0].pin") << message;
        EXPECT_EQ(result.errors[0].line, 11) << message;
        std::string bare = pin;
        std::erase(bare, '"');
        EXPECT_EQ(message.find(bare), std::string::npos) << "the PIN is quoted in: " << message;
    }
}

TEST(ApiAccessConfig, twoPeopleCannotShareAPin) {
    const auto result = parse(station("pin = \"7391\"\n", "pin = \"7391\"\n"));
    ASSERT_FALSE(result.config);
    ASSERT_EQ(result.errors.size(), 1u) << allErrors(result);
    EXPECT_EQ(result.errors[0].key, "users[1].pin");
    EXPECT_EQ(result.errors[0].message, "the same PIN as users[0] (Ann); every PIN must be unique");
}

TEST(ApiAccessConfig, aPinCannotBeSomeonesBadge) {
    // One sign-in box takes a badge or a PIN: Ann's PIN would sign her in as Bob.
    const auto result = parse(station("pin = \"48213\"\n", ""));
    ASSERT_FALSE(result.config);
    ASSERT_EQ(result.errors.size(), 1u) << allErrors(result);
    EXPECT_EQ(result.errors[0].key, "users[0].pin");
    EXPECT_EQ(result.errors[0].message,
              "is the same as a badge; a PIN must differ from every badge");
    EXPECT_EQ(result.errors[0].toString().find("48213"), std::string::npos);
}

TEST(ApiAccessConfig, requireLoginAndScreensDir) {
    const auto result =
        parse(station("", "", "[api]\nrequire_login = \"always\"\nscreens_dir = \"screens\"\n"));
    ASSERT_TRUE(result.config) << allErrors(result);
    EXPECT_EQ(result.config->requireLogin, "always");
    EXPECT_EQ(result.config->screensDir, "/srv/station/screens");

    const auto wrong = parse(station("", "", "[api]\nrequire_login = \"sometimes\"\n"));
    ASSERT_FALSE(wrong.config);
    EXPECT_EQ(wrong.errors[0].key, "api.require_login");
    EXPECT_EQ(wrong.errors[0].message, "must be one of network, always, not \"sometimes\"");
}

}  // namespace
