// A read the scanner's driver distrusts (keyboard layout mismatch) is refused with its reason,
// recorded in the journal, and changes nothing in the order.
#include <gtest/gtest.h>

#include <SQLiteCpp/Statement.h>

#include "StationFixture.h"

namespace station::test {
namespace {

TEST(ScannerProblem, IsRefusedWithTheDriversReasonAndCountsNothing) {
    TempDir dir;
    Bench bench(dir.path());
    bench.importDemo();
    ASSERT_TRUE(accepted(bench.scan("U-1001")));
    ASSERT_TRUE(accepted(bench.scan("1001")));
    const std::string problem =
        "scanner bench seems to use keyboard layout us, config says fr: it read \"&é\\\"'(\"";
    auto out = bench.station().refuseScan("bench", "&é\"'(", problem);
    bench.settle();
    EXPECT_TRUE(refused(out, "scanner_problem"));
    EXPECT_NE(out.message.find("keyboard layout us"), std::string::npos) << out.message;
    EXPECT_EQ(bench.packed("1001", "TSHIRT-M-BLEU"), 0);
    SQLite::Statement q(bench.db(), "SELECT ok, reason, code FROM scans ORDER BY id DESC LIMIT 1");
    ASSERT_TRUE(q.executeStep());
    EXPECT_EQ(q.getColumn(0).getInt(), 0);
    EXPECT_EQ(q.getColumn(1).getString(), "scanner_problem");
    EXPECT_EQ(q.getColumn(2).getString(), "&é\"'(");
    // The order is still open and the next good scan counts.
    EXPECT_TRUE(accepted(bench.scan("3760123450010")));
    EXPECT_EQ(bench.packed("1001", "TSHIRT-M-BLEU"), 1);
}

}  // namespace
}  // namespace station::test
