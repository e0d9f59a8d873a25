#include "files/DurableFile.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

class DurableFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/durable-file-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string read(const std::string& name) {
        std::ifstream in(dir_ / name, std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    std::vector<std::string> names() {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(dir_)) {
            out.push_back(e.path().filename().string());
        }
        std::sort(out.begin(), out.end());
        return out;
    }
    fs::path dir_;
};

TEST_F(DurableFileTest, WritesOnceAndNeverOverAnotherWritersFile) {
    const files::Written first = files::writeAtomically(dir_, "job.zpl", "first", false);
    EXPECT_EQ(first.placed, files::Placed::Done);
    const files::Written second = files::writeAtomically(dir_, "job.zpl", "second", false);
    EXPECT_EQ(second.placed, files::Placed::AlreadyThere);
    EXPECT_EQ(read("job.zpl"), "first");
    EXPECT_EQ(names(), std::vector<std::string>{"job.zpl"}) << "a temporary file was left";
    EXPECT_EQ(fs::status(dir_ / "job.zpl").permissions() & fs::perms::others_read,
              fs::perms::others_read);
}

TEST_F(DurableFileTest, ReplacesWhenAsked) {
    ASSERT_EQ(files::writeAtomically(dir_, "ledger.csv", "old", true).placed, files::Placed::Done);
    ASSERT_EQ(files::writeAtomically(dir_, "ledger.csv", "new", true).placed, files::Placed::Done);
    EXPECT_EQ(read("ledger.csv"), "new");
    std::string back;
    EXPECT_EQ(files::readWholeFile(dir_ / "ledger.csv", back), 0);
    EXPECT_EQ(back, "new");
}

TEST_F(DurableFileTest, SaysWhichStepFailed) {
    const files::Written written = files::writeAtomically(dir_ / "missing", "x.csv", "x", false);
    EXPECT_EQ(written.placed, files::Placed::Failed);
    EXPECT_EQ(written.step, "create a file in");
    EXPECT_EQ(written.error, ENOENT);
    EXPECT_EQ(files::errnoText(ENOENT), "No such file or directory");
}

TEST_F(DurableFileTest, RemovesOnlyWhatACrashLeftOfItsOwnWrites) {
    std::ofstream(dir_ / ".orders.csv.tmp-a1B2c3") << "half";
    std::ofstream(dir_ / ".hidden") << "someone else's";
    std::ofstream(dir_ / "orders.csv") << "whole";
    EXPECT_TRUE(files::isTempFile(".orders.csv.tmp-a1B2c3"));
    EXPECT_FALSE(files::isTempFile("orders.csv"));
    files::removeTempFiles(dir_);
    EXPECT_EQ(names(), (std::vector<std::string>{".hidden", "orders.csv"}));
}

}  // namespace
