#include "drivers/DirectoryPrinter.h"
#include "drivers/PrintedJobs.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

namespace {

namespace fs = std::filesystem;
using drivers::DirectoryPrinter;
using drivers::PrintJob;
using drivers::PrintResult;

class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "drv-printer-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::vector<std::string> listDir(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

class DirectoryPrinterTest : public ::testing::Test {
  protected:
    PrintResult print(DirectoryPrinter& printer, PrintJob job) {
        std::optional<PrintResult> result;
        printer.submit(std::move(job), [&](const PrintResult& r) { result = r; });
        EXPECT_FALSE(result.has_value()) << "done must not be called inline";
        io_.restart();
        io_.run();
        EXPECT_TRUE(result.has_value());
        return result.value_or(PrintResult{});
    }

    boost::asio::io_context io_;
    TempDir tmp_;
};

TEST_F(DirectoryPrinterTest, WritesTheJobToItsOwnFileAndLeavesNoTempFile) {
    const fs::path dir = tmp_.path() / "spool" / "zebra";  // created on first use
    DirectoryPrinter printer(io_, "zebra-1", "zpl", dir);
    constexpr char kBytes[] = "^XA^CI28^FD\xc3\x89t\xc3\xa9\x00\x1D^FS^XZ";
    const std::string data(kBytes, sizeof kBytes - 1);  // NUL and GS bytes must survive

    const PrintResult result = print(printer, {"parcel-42.1", "zpl", data});

    EXPECT_TRUE(result.ok) << result.error;
    EXPECT_FALSE(result.duplicate);
    EXPECT_EQ(printer.pathFor("parcel-42.1"), dir / "parcel-42.1.zpl");
    EXPECT_EQ(readFile(dir / "parcel-42.1.zpl"), data);
    EXPECT_EQ(listDir(dir), (std::vector<std::string>{"parcel-42.1.zpl"}));
    EXPECT_TRUE(printer.status().up);
}

TEST_F(DirectoryPrinterTest, TempFilesLeftByACrashAreRemovedAtStart) {
    std::ofstream(tmp_.path() / ".label-7.zpl.tmp-a1B2c3") << "half a label";
    std::ofstream(tmp_.path() / ".label-8.zpl.a1B2c3") << "half a label, older stationd";
    std::ofstream(tmp_.path() / "label-6.zpl") << "^XA^XZ";
    std::ofstream(tmp_.path() / ".keep-me.txt") << "not ours";

    DirectoryPrinter printer(io_, "zebra-1", "zpl", tmp_.path());

    EXPECT_EQ(listDir(tmp_.path()), (std::vector<std::string>{".keep-me.txt", "label-6.zpl"}));
    ASSERT_TRUE(print(printer, {"label-7", "zpl", "^XA^FDagain^FS^XZ"}).ok);
    EXPECT_EQ(readFile(tmp_.path() / "label-7.zpl"), "^XA^FDagain^FS^XZ");
}

TEST_F(DirectoryPrinterTest, SameJobIdIsNotWrittenAgain) {
    DirectoryPrinter printer(io_, "zebra-1", "zpl", tmp_.path());
    ASSERT_TRUE(print(printer, {"job_1", "zpl", "first"}).ok);

    const PrintResult again = print(printer, {"job_1", "zpl", "second"});

    EXPECT_TRUE(again.ok) << again.error;
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(readFile(tmp_.path() / "job_1.zpl"), "first");
    EXPECT_EQ(listDir(tmp_.path()), (std::vector<std::string>{"job_1.zpl"}));
}

TEST_F(DirectoryPrinterTest, UnwritableDirectoryIsAnErrorUntilItWorksAgain) {
    // A regular file where a directory should be fails even for root, unlike chmod.
    const fs::path blocker = tmp_.path() / "blocker";
    std::ofstream(blocker) << "not a directory";
    const fs::path dir = blocker / "labels";
    DirectoryPrinter printer(io_, "zebra-1", "zpl", dir);

    const PrintResult failed = print(printer, {"job-1", "zpl", "^XA^XZ"});

    EXPECT_FALSE(failed.ok);
    // Nothing was written: the station may hold the job and offer it again.
    EXPECT_EQ(failed.failure, drivers::PrintFailure::Unavailable);
    EXPECT_NE(failed.error.find(dir.string()), std::string::npos) << failed.error;
    EXPECT_FALSE(printer.status().up);
    EXPECT_EQ(printer.status().detail + std::string(drivers::kNotPrinted), failed.error);

    // The folder can be made again: the printer says so before the next job.
    fs::remove(blocker);
    EXPECT_TRUE(printer.status().up) << printer.status().detail;
    const PrintResult recovered = print(printer, {"job-1", "zpl", "^XA^XZ"});
    EXPECT_TRUE(recovered.ok) << recovered.error;
    EXPECT_TRUE(printer.status().up);
    EXPECT_EQ(readFile(dir / "job-1.zpl"), "^XA^XZ");
}

TEST_F(DirectoryPrinterTest, UnsafeJobIdsAreRefused) {
    const fs::path dir = tmp_.path() / "spool";
    DirectoryPrinter printer(io_, "zebra-1", "zpl", dir);

    const std::vector<std::string> badIds = {
        "", "../escape", ".hidden", "a/b", "a b", "\xc3\xa9t\xc3\xa9", "..", std::string(300, 'a')};
    for (const std::string& id : badIds) {
        const PrintResult result = print(printer, {id, "zpl", "data"});
        EXPECT_FALSE(result.ok) << "id '" << id << "'";
        EXPECT_FALSE(result.error.empty());
    }
    EXPECT_FALSE(fs::exists(tmp_.path() / "escape.zpl"));
    EXPECT_TRUE(!fs::exists(dir) || fs::is_empty(dir));
    // A bad id is the caller's mistake; the printer itself is fine.
    EXPECT_TRUE(printer.status().up);
}

TEST_F(DirectoryPrinterTest, JobInAnotherLanguageIsRefused) {
    DirectoryPrinter printer(io_, "zebra-1", "zpl", tmp_.path());
    const PrintResult result = print(printer, {"job-1", "pdf", "%PDF-1.7"});
    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("pdf"), std::string::npos) << result.error;
    EXPECT_TRUE(fs::is_empty(tmp_.path()));
}

}  // namespace
