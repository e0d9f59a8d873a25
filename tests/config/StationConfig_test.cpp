#include "config/StationConfig.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = STATION_SOURCE_DIR;

std::string allErrors(const config::LoadResult& result) {
    std::string out;
    for (const auto& error : result.errors) {
        out += error.toString() + "\n";
    }
    return out;
}

// The smallest valid station; the broken cases below edit it, so its line numbers matter.
const std::string kMinimal = R"([station]
id = "t1"
[tracking]
gs1_company_prefix = "3012345"
[sender]
name = "Shop"
[[users]]
name = "Ann"
badge = "B-SECRET-1"
role = "packer"
[[printers]]
name = "p"
role = "shipping"
kind = "directory"
language = "zpl"
path = "labels"
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) {
        text.replace(at, from.size(), to);
    }
    return text;
}

config::LoadResult parse(const std::string& text) {
    return config::parseConfig(text, "broken.toml", "/srv/station");
}

class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "config-test-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            ADD_FAILURE() << "mkdtemp failed";
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }

    fs::path write(const std::string& name, const std::string& text) const {
        const fs::path file = path_ / name;
        fs::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }

  private:
    fs::path path_;
};

TEST(StationConfig, DemoFileLoadsWithTheDemoStation) {
    const fs::path file = kSourceDir / "config" / "demo.toml";
    const auto result = config::loadConfig(file);
    ASSERT_TRUE(result.errors.empty()) << allErrors(result);
    ASSERT_TRUE(result.config);
    const auto& cfg = *result.config;
    const fs::path configDir = fs::absolute(file).parent_path();

    EXPECT_EQ(cfg.stationId, "bench-1");
    EXPECT_EQ(cfg.language, "fr");
    EXPECT_EQ(cfg.dataDir, (configDir / "../build/demo-data").lexically_normal());
    EXPECT_EQ(cfg.idleLogoutMinutes, 30);
    EXPECT_EQ(cfg.apiListen, "127.0.0.1");
    EXPECT_EQ(cfg.apiPort, 8080);
    EXPECT_EQ(cfg.defaultBox, "BOX-M");
    EXPECT_EQ(cfg.weightToleranceGrams, 50);
    EXPECT_DOUBLE_EQ(cfg.weightTolerancePercent, 5);
    EXPECT_TRUE(cfg.autoCloseWhenComplete);
    EXPECT_FALSE(cfg.confirmLabelScan);

    EXPECT_EQ(cfg.gs1CompanyPrefix, "3012345");
    EXPECT_EQ(cfg.ssccFirstSerial, 1u);
    // 7-digit prefix: 16 - 7 = 9 serial digits.
    EXPECT_EQ(cfg.ssccLastSerial, 999'999'999u);

    EXPECT_EQ(cfg.sender.name, "Atelier Dupont & Fils");
    EXPECT_EQ(cfg.sender.street, "12 rue de l'Église");
    EXPECT_EQ(cfg.sender.country, "FR");

    ASSERT_EQ(cfg.users.size(), 4u);
    EXPECT_EQ(cfg.users[1].name, "Bruno Lefèvre");
    EXPECT_EQ(cfg.users[1].badge, "U-1002");
    EXPECT_EQ(cfg.users[2].role, config::Role::Returns);
    EXPECT_EQ(cfg.users[3].role, config::Role::Supervisor);

    ASSERT_EQ(cfg.boxes.size(), 4u);
    EXPECT_EQ(cfg.boxes[3].code, "ENV-A4");
    EXPECT_EQ(cfg.boxes[3].tareGrams, 20);
    EXPECT_EQ(cfg.boxes[2].lengthMm, 500);

    ASSERT_EQ(cfg.shippingMethods.size(), 3u);
    EXPECT_EQ(cfg.shippingMethods[0].tracking, config::TrackingMode::Sscc);
    EXPECT_EQ(cfg.shippingMethods[1].tracking, config::TrackingMode::CarrierLabel);
    EXPECT_EQ(cfg.shippingMethods[2].tracking, config::TrackingMode::None);
    EXPECT_EQ(cfg.shippingMethods[2].carrier, "Retrait en boutique");

    ASSERT_EQ(cfg.scanners.size(), 1u);
    EXPECT_EQ(cfg.scanners[0].name, "bench");
    EXPECT_EQ(cfg.scanners[0].port, 9101);
    ASSERT_TRUE(cfg.scale);
    EXPECT_EQ(cfg.scale->kind, "simulated");

    ASSERT_EQ(cfg.printers.size(), 2u);
    EXPECT_EQ(cfg.printers[0].path, fs::path("labels"));
    EXPECT_EQ(cfg.printers[0].size, "4x6");
    EXPECT_EQ(cfg.printers[0].dpi, 203);
    // Pick lists and packing slips as A4 PDF files.
    EXPECT_EQ(cfg.printers[1].role, "documents");
    EXPECT_EQ(cfg.printers[1].language, "pdf");
    EXPECT_EQ(cfg.printers[1].size, "a4");
    EXPECT_EQ(cfg.demoOrders, configDir / "demo-orders.json");
}

TEST(StationConfig, ExampleFileLoads) {
    const auto result = config::loadConfig(kSourceDir / "config" / "station.example.toml");
    ASSERT_TRUE(result.errors.empty()) << allErrors(result);
    ASSERT_TRUE(result.config);
    EXPECT_EQ(result.config->dataDir, fs::path("/var/lib/stationd"));
    EXPECT_EQ(result.config->ssccLastSerial, 999'999'999u);
    EXPECT_FALSE(result.config->users.empty());
    EXPECT_FALSE(result.config->printers.empty());
}

TEST(StationConfig, MinimalFileGetsTheDocumentedDefaults) {
    const auto result = parse(kMinimal);
    ASSERT_TRUE(result.errors.empty()) << allErrors(result);
    const auto& cfg = *result.config;
    EXPECT_EQ(cfg.language, "en");
    EXPECT_EQ(cfg.dataDir, fs::path("/var/lib/stationd"));
    EXPECT_EQ(cfg.idleLogoutMinutes, 15);
    EXPECT_EQ(cfg.apiListen, "127.0.0.1");
    EXPECT_EQ(cfg.apiPort, 8080);
    EXPECT_DOUBLE_EQ(cfg.riskThreshold, 75);
    EXPECT_FALSE(cfg.confirmLabelScan);
    EXPECT_TRUE(cfg.autoCloseWhenComplete);
    EXPECT_EQ(cfg.weightToleranceGrams, 50);
    EXPECT_DOUBLE_EQ(cfg.weightTolerancePercent, 5);
    EXPECT_EQ(cfg.defaultBox, "");
    EXPECT_EQ(cfg.ssccExtensionDigit, 0);
    EXPECT_EQ(cfg.ssccFirstSerial, 1u);
    EXPECT_EQ(cfg.ssccLastSerial, 999'999'999u);
    EXPECT_FALSE(cfg.scale);
    EXPECT_TRUE(cfg.demoOrders.empty());
}

TEST(StationConfig, ShopAndNetworkPrinterAreRead) {
    const auto result = parse(
        replaced(kMinimal, "kind = \"directory\"\nlanguage = \"zpl\"\npath = \"labels\"\n",
                 "kind = \"zpl-tcp\"\nlanguage = \"zpl\"\nhost = \"10.0.0.7\"\n") +
        "[shop]\nadapter = \"woocommerce\"\nurl = \"https://shop.example/wp-json/\"\n"
        "consumer_key = \"ck_1\"\nconsumer_secret = \"cs_1\"\nready_statuses = [\"processing\", "
        "\"packing-ready\"]\npull_interval_seconds = 0\n");
    ASSERT_TRUE(result.config) << result.errors.front().toString();
    const auto& cfg = *result.config;
    EXPECT_EQ(cfg.printers.at(0).kind, "zpl-tcp");
    EXPECT_EQ(cfg.printers.at(0).host, "10.0.0.7");
    EXPECT_EQ(cfg.printers.at(0).port, 9100);
    EXPECT_EQ(cfg.shop.adapter, "woocommerce");
    EXPECT_EQ(cfg.shop.url, "https://shop.example/wp-json");
    EXPECT_EQ(cfg.shop.readyStatuses, (std::vector<std::string>{"processing", "packing-ready"}));
    EXPECT_EQ(cfg.shop.pullIntervalSeconds, 0);
    EXPECT_EQ(cfg.shop.retryMaxSeconds, 900);
}

TEST(StationConfig, LastSerialDefaultFollowsThePrefixLength) {
    const auto result = parse(replaced(kMinimal, R"("3012345")", R"("3012345678")"));  // 10 digits
    ASSERT_TRUE(result.errors.empty()) << allErrors(result);
    EXPECT_EQ(result.config->ssccLastSerial, 999'999u);
}

struct BrokenCase {
    std::string name;
    std::string text;
    std::string where;    // "file:line:col: key: " exactly as the error starts
    std::string message;  // a part of the sentence the admin reads
};

std::vector<BrokenCase> brokenCases() {
    return {
        {"TypoKeySuggestsTheRightOne", kMinimal + "[packing]\nwieght_tolerance_grams = 50\n",
         "broken.toml:18:1: packing.wieght_tolerance_grams: ",
         "unknown key; did you mean weight_tolerance_grams?"},
        {"TypoTableSuggestsTheRightOne", kMinimal + "[pakcing]\nrisk_threshold = 60\n",
         "broken.toml:17:1: pakcing: ", "unknown table [pakcing]; did you mean [packing]?"},
        {"TypoListSuggestsTheRightOne", kMinimal + "[[printer]]\nname = \"q\"\n",
         "broken.toml:17:1: printer: ", "unknown table [[printer]]; did you mean [[printers]]?"},
        {"KeyInTheWrongTableSaysWhereItBelongs",
         replaced(kMinimal, "id = \"t1\"\n", "id = \"t1\"\nport = 8081\n"),
         "broken.toml:3:1: station.port: ",
         "did you mean to put it under [api] or [[scanners]] or [[printers]]?"},
        {"WrongType", kMinimal + "[api]\nport = \"8080\"\n",
         "broken.toml:18:8: api.port: ", "must be a whole number, not text"},
        {"BoolInQuotes", kMinimal + "[packing]\nconfirm_label_scan = \"yes\"\n",
         "broken.toml:18:22: packing.confirm_label_scan: ",
         "must be true or false (without quotes), not text"},
        {"PortOutOfRange", kMinimal + "[api]\nport = 70000\n",
         "broken.toml:18:8: api.port: ", "must be between 1 and 65535, not 70000"},
        {"BadRole", replaced(kMinimal, "role = \"packer\"", "role = \"admin\""),
         "broken.toml:10:8: users[0].role: ",
         "must be one of packer, returns, supervisor, not \"admin\""},
        {"DuplicateBadge",
         kMinimal + "[[users]]\nname = \"Ben\"\nbadge = \"B-SECRET-1\"\nrole = \"returns\"\n",
         "broken.toml:19:9: users[1].badge: ", "the same badge as users[0] (Ann)"},
        {"MissingStationId", replaced(kMinimal, "id = \"t1\"", "language = \"fr\""),
         "broken.toml:1:1: station.id: ", "required key is missing from [station]"},
        {"BadStationId", replaced(kMinimal, "id = \"t1\"", "id = \"bench 1\""),
         "broken.toml:2:6: station.id: ", "may only use letters"},
        {"MissingUserBadge", replaced(kMinimal, "badge = \"B-SECRET-1\"\n", ""),
         "broken.toml:7:1: users[0].badge: ", "required key is missing from this [[users]] entry"},
        {"NoUsers",
         replaced(kMinimal,
                  "[[users]]\nname = \"Ann\"\nbadge = \"B-SECRET-1\"\nrole = \"packer\"\n", ""),
         "broken.toml: users: ", "at least one user"},
        {"PrefixTooShort", replaced(kMinimal, "\"3012345\"", "\"30123\""),
         "broken.toml:4:22: tracking.gs1_company_prefix: ", "must be the 6 to 10 digits"},
        {"PrefixAsNumber", replaced(kMinimal, "\"3012345\"", "3012345"),
         "broken.toml:4:22: tracking.gs1_company_prefix: ",
         "must be text in quotes, e.g. \"3012345\""},
        {"LastSerialDoesNotFit",
         replaced(kMinimal, "\"3012345\"\n", "\"3012345\"\nlast_serial = 1000000000\n"),
         "broken.toml:5:15: tracking.last_serial: ", "can be at most 999999999"},
        {"LastSerialBelowFirst",
         replaced(kMinimal, "\"3012345\"\n", "\"3012345\"\nfirst_serial = 500\nlast_serial = 10\n"),
         "broken.toml:6:15: tracking.last_serial: ", "must not be below first_serial (500)"},
        {"NoShippingPrinter", kMinimal.substr(0, kMinimal.find("[[printers]]")),
         "broken.toml: printers: ", "no [[printers]] entry with role = \"shipping\""},
        {"DefaultBoxNotABox",
         kMinimal +
             "[packing]\ndefault_box = \"BOX-XL\"\n[[boxes]]\ncode = \"BOX-M\"\nname = \"M\"\n"
             "tare_grams = 300\nlength_mm = 1\nwidth_mm = 1\nheight_mm = 1\n",
         "broken.toml:18:15: packing.default_box: ",
         "\"BOX-XL\" is not one of the box codes (BOX-M)"},
        {"ScannerOnTheApiPort",
         kMinimal + "[[scanners]]\nname = \"s\"\nkind = \"tcp\"\nport = 8080\n",
         "broken.toml:20:8: scanners[0].port: ", "8080 is already the api port"},
        {"UsersAsSingleTable", replaced(kMinimal, "[[users]]", "[users]"),
         "broken.toml:7:1: users: ", "must be a list of [[users]] entries, not a table"},
        {"SyntaxError", replaced(kMinimal, "[station]", "[station"), "broken.toml:1:9: ", ""},
        {"NetworkPrinterWithoutHost",
         replaced(kMinimal, "kind = \"directory\"\nlanguage = \"zpl\"\npath = \"labels\"\n",
                  "kind = \"zpl-tcp\"\nlanguage = \"zpl\"\n"),
         "broken.toml:11:1: printers[0].host: ", "required key is missing"},
        {"ShopWithoutSecret",
         kMinimal + "[shop]\nadapter = \"woocommerce\"\nurl = \"https://shop.example/wp-json\"\n"
                    "consumer_key = \"ck_1\"\n",
         "broken.toml:17:1: shop.consumer_secret: ",
         "give consumer_secret, or consumer_secret_file"},
        {"ShopOverPlainHttp",
         kMinimal + "[shop]\nadapter = \"woocommerce\"\nurl = \"http://shop.example/wp-json\"\n"
                    "consumer_key = \"ck_1\"\nconsumer_secret = \"cs_1\"\n",
         "broken.toml:19:7: shop.url: ", "would send the shop keys in clear text"},
        {"ShopAdapterTypo", kMinimal + "[shop]\nadapter = \"woocomerce\"\n",
         "broken.toml:18:11: shop.adapter: ", "must be one of woocommerce, csv, none"},
    };
}

class BrokenConfig : public testing::TestWithParam<BrokenCase> {};

TEST_P(BrokenConfig, GivesOneClearErrorAndNoConfig) {
    const auto& broken = GetParam();
    const auto result = parse(broken.text);
    EXPECT_FALSE(result.config);
    ASSERT_EQ(result.errors.size(), 1u) << allErrors(result);
    const std::string error = result.errors[0].toString();
    EXPECT_EQ(error.substr(0, broken.where.size()), broken.where) << error;
    EXPECT_NE(error.find(broken.message), std::string::npos) << error;
    // Badges are secrets: no error, whatever it is about, may show one.
    EXPECT_EQ(error.find("B-SECRET-1"), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(StationConfig, BrokenConfig, testing::ValuesIn(brokenCases()),
                         [](const testing::TestParamInfo<BrokenCase>& param) {
                             return param.param.name;
                         });

TEST(StationConfig, SyntaxErrorCarriesTomlDescription) {
    const auto result = parse("[station]\nid = \"t1\nlanguage = \"fr\"\n");
    ASSERT_EQ(result.errors.size(), 1u) << allErrors(result);
    const auto& error = result.errors[0];
    EXPECT_EQ(error.file, "broken.toml");
    EXPECT_EQ(error.line, 2);
    EXPECT_GT(error.column, 0);
    EXPECT_TRUE(error.key.empty());
    EXPECT_FALSE(error.message.empty());
}

TEST(StationConfig, CollectsEveryErrorInFileOrder) {
    std::string text = replaced(kMinimal, "role = \"packer\"", "role = \"boss\"");
    text = replaced(text, "id = \"t1\"", "id = \"t1\"\nlanguage = \"de\"");
    text += "[api]\nprot = 8080\n";
    const auto result = parse(text);
    EXPECT_FALSE(result.config);
    ASSERT_EQ(result.errors.size(), 3u) << allErrors(result);
    EXPECT_EQ(result.errors[0].key, "station.language");
    EXPECT_EQ(result.errors[0].line, 3);
    EXPECT_EQ(result.errors[1].key, "users[0].role");
    EXPECT_EQ(result.errors[1].line, 11);
    EXPECT_EQ(result.errors[2].key, "api.prot");
    EXPECT_EQ(result.errors[2].line, 19);
    EXPECT_NE(result.errors[2].message.find("did you mean port?"), std::string::npos);
}

TEST(StationConfig, NumericBadgeIsNotEchoedWhenItHasTheWrongType) {
    const auto result = parse(replaced(kMinimal, "badge = \"B-SECRET-1\"", "badge = 424242"));
    ASSERT_EQ(result.errors.size(), 1u) << allErrors(result);
    EXPECT_EQ(result.errors[0].key, "users[0].badge");
    EXPECT_EQ(result.errors[0].toString().find("424242"), std::string::npos)
        << result.errors[0].toString();
}

TEST(StationConfig, ErrorTextOmitsUnknownLineAndColumn) {
    const config::ConfigError placed{"station.toml", 12, 9, "users[2].role", "bad"};
    const config::ConfigError unplaced{"station.toml", 0, 0, "users", "none"};
    EXPECT_EQ(placed.toString(), "station.toml:12:9: users[2].role: bad");
    EXPECT_EQ(unplaced.toString(), "station.toml: users: none");
}

TEST(StationConfig, RelativePathsResolveAgainstTheConfigFolder) {
    std::string text = replaced(kMinimal, "id = \"t1\"", "id = \"t1\"\ndata_dir = \"data\"");
    text += "[demo]\norders = \"../samples/orders.json\"\n";
    const auto result = parse(text);
    ASSERT_TRUE(result.errors.empty()) << allErrors(result);
    EXPECT_EQ(result.config->dataDir, fs::path("/srv/station/data"));
    EXPECT_EQ(result.config->demoOrders, fs::path("/srv/samples/orders.json"));
    // The station resolves printer folders against the data directory, not us.
    EXPECT_EQ(result.config->printers[0].path, fs::path("labels"));
}

TEST(StationConfig, AbsolutePathsStayAsWritten) {
    const std::string text =
        replaced(kMinimal, "id = \"t1\"", "id = \"t1\"\ndata_dir = \"/var/lib/other\"");
    const auto result = parse(text);
    ASSERT_TRUE(result.errors.empty()) << allErrors(result);
    EXPECT_EQ(result.config->dataDir, fs::path("/var/lib/other"));
}

TEST(StationConfig, LoadConfigResolvesAgainstTheFilesFolder) {
    const TempDir dir;
    std::string text = replaced(kMinimal, "id = \"t1\"", "id = \"t1\"\ndata_dir = \"data\"");
    text += "[demo]\norders = \"orders.json\"\n";
    const fs::path file = dir.write("etc/station.toml", text);
    const auto result = config::loadConfig(file);
    ASSERT_TRUE(result.errors.empty()) << allErrors(result);
    EXPECT_EQ(result.config->sourceFile, file);
    EXPECT_EQ(result.config->dataDir, dir.path() / "etc" / "data");
    EXPECT_EQ(result.config->demoOrders, dir.path() / "etc" / "orders.json");
}

TEST(StationConfig, LoadConfigNamesTheFileInErrors) {
    const TempDir dir;
    const fs::path file = dir.write("station.toml", kMinimal + "[api]\nport = 0\n");
    const auto result = config::loadConfig(file);
    ASSERT_EQ(result.errors.size(), 1u) << allErrors(result);
    EXPECT_EQ(result.errors[0].toString().rfind(file.string() + ":18:8: api.port: ", 0), 0u)
        << result.errors[0].toString();
}

TEST(StationConfig, MissingFileIsAnErrorNotACrash) {
    const TempDir dir;
    const auto result = config::loadConfig(dir.path() / "nope.toml");
    EXPECT_FALSE(result.config);
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0].file, (dir.path() / "nope.toml").string());
    EXPECT_NE(result.errors[0].message.find("No such file"), std::string::npos)
        << result.errors[0].message;
}

}  // namespace
