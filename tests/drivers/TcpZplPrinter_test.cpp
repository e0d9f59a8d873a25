#include "drivers/TcpZplPrinter.h"

#include "tests/drivers/FakeZebra.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using drivers::PrintJob;
using drivers::PrintResult;
using drivers::TcpZplPrinter;
using drivers::TcpZplPrinterOptions;
using fake_zebra::FakeZebra;

// Runs the printer side until `done` holds. The limit only keeps a broken build from hanging
// the test run; nothing here depends on how long things take.
bool runUntil(boost::asio::io_context& io, const std::function<bool()>& done) {
    const auto giveUp = std::chrono::steady_clock::now() + 20s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > giveUp) {
            return false;
        }
        if (io.stopped()) {
            io.restart();
        }
        io.run_one_for(20ms);
    }
    return true;
}

// Lets the io_context run for a while with no condition: long enough for a printer that would
// resend on its own to have done so several times over.
void runFor(boost::asio::io_context& io, std::chrono::milliseconds duration) {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < until) {
        io.run_one_for(10ms);
    }
}

class TcpZplPrinterTest : public ::testing::Test {
  protected:
    static TcpZplPrinterOptions quiet() {
        TcpZplPrinterOptions options;
        options.statusTimeout = 500ms;
        options.pollInterval = 0ms;  // only jobs talk to the printer, unless a test polls
        return options;
    }

    PrintResult print(TcpZplPrinter& printer, PrintJob job) {
        std::optional<PrintResult> result;
        int calls = 0;
        printer.submit(std::move(job), [&](const PrintResult& r) {
            result = r;
            ++calls;
        });
        EXPECT_FALSE(result.has_value()) << "done must not be called inline";
        EXPECT_TRUE(runUntil(io_, [&] { return result.has_value(); }));
        EXPECT_EQ(calls, 1);
        return result.value_or(PrintResult{false, false, "no answer in the test"});
    }

    boost::asio::io_context io_;
    const std::string label_ = "^XA^CI28^FO50,50^A0N,40,40^FDÉtiquette 1^FS^XZ";
};

TEST_F(TcpZplPrinterTest, ReadyPrinterPrintsTheJobOnceBetweenTwoStatusQueries) {
    FakeZebra zebra(FakeZebra::Mode::Ready);
    TcpZplPrinter printer(io_, "shipping", "127.0.0.1", zebra.port(), quiet());

    const PrintResult result = print(printer, {"label-1", "zpl", label_});

    EXPECT_TRUE(result.ok) << result.error;
    EXPECT_FALSE(result.duplicate);
    EXPECT_EQ(zebra.timesReceived(label_), 1);
    const auto connections = zebra.connections();
    ASSERT_EQ(connections.size(), 1u);
    EXPECT_EQ(connections[0].events, (std::vector<std::string>{"~HS", "job", "~HS"}));
    EXPECT_TRUE(printer.status().up);
    EXPECT_EQ(printer.status().kind, "zpl-tcp");
    ASSERT_TRUE(printer.lastHostStatus().has_value());
    EXPECT_TRUE(printer.lastHostStatus()->canPrint());
}

TEST_F(TcpZplPrinterTest, AJobIdAlreadyPrintedIsNotSentAgain) {
    FakeZebra zebra(FakeZebra::Mode::Ready);
    TcpZplPrinter printer(io_, "shipping", "127.0.0.1", zebra.port(), quiet());
    ASSERT_TRUE(print(printer, {"label-7", "zpl", label_}).ok);

    const PrintResult again = print(printer, {"label-7", "zpl", label_});

    EXPECT_TRUE(again.ok);
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(zebra.timesReceived(label_), 1);
    EXPECT_TRUE(print(printer, {"label-8", "zpl", label_}).ok);
    EXPECT_EQ(zebra.timesReceived(label_), 2);
}

TEST_F(TcpZplPrinterTest, PaperOutRefusesTheJobWithTheReason) {
    FakeZebra zebra(FakeZebra::Mode::PaperOut);
    TcpZplPrinter printer(io_, "shipping", "127.0.0.1", zebra.port(), quiet());

    const PrintResult result = print(printer, {"label-2", "zpl", label_});

    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("paper out"), std::string::npos) << result.error;
    EXPECT_NE(result.error.find("not printed"), std::string::npos) << result.error;
    EXPECT_EQ(zebra.timesReceived(label_), 0);
    EXPECT_FALSE(printer.status().up);
    EXPECT_NE(printer.status().detail.find("paper out"), std::string::npos);
}

TEST_F(TcpZplPrinterTest, HeadOpenRefusesTheJobAndPrintsOnceClosed) {
    FakeZebra zebra(FakeZebra::Mode::HeadOpen);
    TcpZplPrinter printer(io_, "shipping", "127.0.0.1", zebra.port(), quiet());

    const PrintResult refused = print(printer, {"label-3", "zpl", label_});
    EXPECT_FALSE(refused.ok);
    EXPECT_NE(refused.error.find("head open"), std::string::npos) << refused.error;
    EXPECT_EQ(zebra.timesReceived(label_), 0);
    EXPECT_EQ(printer.status().detail, "head open");

    // The packer closes the head and asks again under the same id.
    zebra.setMode(FakeZebra::Mode::Ready);
    const PrintResult printed = print(printer, {"label-3", "zpl", label_});
    EXPECT_TRUE(printed.ok) << printed.error;
    EXPECT_EQ(zebra.timesReceived(label_), 1);
    EXPECT_TRUE(printer.status().up);
}

TEST_F(TcpZplPrinterTest, AGarbledStatusAnswerIsAnErrorNotReady) {
    FakeZebra zebra(FakeZebra::Mode::Garbled);
    TcpZplPrinter printer(io_, "shipping", "127.0.0.1", zebra.port(), quiet());

    const PrintResult result = print(printer, {"label-4", "zpl", label_});

    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("not printed"), std::string::npos) << result.error;
    EXPECT_EQ(zebra.timesReceived(label_), 0);
    EXPECT_FALSE(printer.status().up);
}

TEST_F(TcpZplPrinterTest, APrinterSilentAfterTheJobIsAnErrorThatMayHavePrintedAndIsNotRetried) {
    FakeZebra zebra(FakeZebra::Mode::SilentAfterJob);
    TcpZplPrinterOptions options = quiet();
    options.statusTimeout = 300ms;
    TcpZplPrinter printer(io_, "shipping", "127.0.0.1", zebra.port(), options);

    const PrintResult result = print(printer, {"label-5", "zpl", label_});

    EXPECT_FALSE(result.ok);
    EXPECT_FALSE(result.duplicate);
    EXPECT_NE(result.error.find("may have printed"), std::string::npos) << result.error;
    EXPECT_NE(result.error.find("no answer"), std::string::npos) << result.error;
    EXPECT_EQ(zebra.timesReceived(label_), 1);
    EXPECT_FALSE(printer.status().up);

    // Nothing goes out again on its own, however long the printer stays silent.
    runFor(io_, 1000ms);
    EXPECT_EQ(zebra.timesReceived(label_), 1);
    EXPECT_EQ(zebra.connections().size(), 1u);

    // The next job finds the printer silent before sending anything.
    const std::string other = "^XA^FDother^FS^XZ";
    const PrintResult next = print(printer, {"label-6", "zpl", other});
    EXPECT_FALSE(next.ok);
    EXPECT_NE(next.error.find("not printed"), std::string::npos) << next.error;
    EXPECT_EQ(zebra.timesReceived(other), 0);
}

TEST_F(TcpZplPrinterTest, StoppingThePrinterMidJobEndsTheJobOnceWithAnError) {
    FakeZebra zebra(FakeZebra::Mode::SilentAfterJob);
    TcpZplPrinterOptions options = quiet();
    options.statusTimeout = 30s;  // only the stop can end the wait
    auto printer =
        std::make_unique<TcpZplPrinter>(io_, "shipping", "127.0.0.1", zebra.port(), options);
    std::optional<PrintResult> result;
    int calls = 0;
    printer->submit({"label-11", "zpl", label_}, [&](const PrintResult& r) {
        result = r;
        ++calls;
    });
    ASSERT_TRUE(runUntil(io_, [&] { return zebra.timesReceived(label_) == 1; }));

    printer.reset();  // the daemon shuts down while the printer is silent

    ASSERT_TRUE(runUntil(io_, [&] { return result.has_value(); }));
    runFor(io_, 100ms);
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(result->ok);
    EXPECT_NE(result->error.find("may have printed"), std::string::npos) << result->error;
    EXPECT_EQ(zebra.timesReceived(label_), 1);
}

TEST_F(TcpZplPrinterTest, NoPrinterListeningIsAnErrorNotPrinted) {
    unsigned short port = 0;
    {
        FakeZebra gone(FakeZebra::Mode::Ready);
        port = gone.port();
    }
    TcpZplPrinter printer(io_, "shipping", "127.0.0.1", port, quiet());

    const PrintResult result = print(printer, {"label-9", "zpl", label_});

    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("cannot connect"), std::string::npos) << result.error;
    EXPECT_NE(result.error.find("not printed"), std::string::npos) << result.error;
    EXPECT_FALSE(printer.status().up);
}

TEST_F(TcpZplPrinterTest, JobsOfAnotherLanguageOrWithoutIdAreRefusedWithoutConnecting) {
    FakeZebra zebra(FakeZebra::Mode::Ready);
    TcpZplPrinter printer(io_, "shipping", "127.0.0.1", zebra.port(), quiet());

    PrintResult result = print(printer, {"label-10", "pdf", "%PDF-1.4"});
    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("not pdf"), std::string::npos) << result.error;
    result = print(printer, {"", "zpl", label_});
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(zebra.connections().size(), 0u);
}

TEST_F(TcpZplPrinterTest, JobsGoOutOneAtATimeInOrder) {
    FakeZebra zebra(FakeZebra::Mode::Ready);
    TcpZplPrinter printer(io_, "shipping", "127.0.0.1", zebra.port(), quiet());
    std::vector<std::string> finished;
    for (int i = 1; i <= 3; ++i) {
        printer.submit({"job-" + std::to_string(i), "zpl", "^XA^FD" + std::to_string(i) + "^FS^XZ"},
                       [&finished, i](const PrintResult& r) {
                           finished.push_back(std::to_string(i) + (r.ok ? " ok" : " " + r.error));
                       });
    }
    ASSERT_TRUE(runUntil(io_, [&] { return finished.size() == 3; }));
    EXPECT_EQ(finished, (std::vector<std::string>{"1 ok", "2 ok", "3 ok"}));
    const auto connections = zebra.connections();
    ASSERT_EQ(connections.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(connections[i].job, "^XA^FD" + std::to_string(i + 1) + "^FS^XZ");
    }
}

TEST_F(TcpZplPrinterTest, StatusFollowsThePrinterWhileIdle) {
    FakeZebra zebra(FakeZebra::Mode::Ready);
    TcpZplPrinterOptions options = quiet();
    options.pollInterval = 50ms;
    TcpZplPrinter printer(io_, "shipping", "127.0.0.1", zebra.port(), options);
    EXPECT_FALSE(printer.status().up);
    EXPECT_EQ(printer.status().detail, "not checked yet");

    ASSERT_TRUE(runUntil(io_, [&] { return printer.status().up; }));
    EXPECT_NE(printer.status().detail.find("ready"), std::string::npos);

    zebra.setMode(FakeZebra::Mode::PaperOut);
    ASSERT_TRUE(runUntil(io_, [&] { return !printer.status().up; }));
    EXPECT_NE(printer.status().detail.find("paper out"), std::string::npos);

    zebra.setMode(FakeZebra::Mode::Ready);
    ASSERT_TRUE(runUntil(io_, [&] { return printer.status().up; }));
    EXPECT_EQ(zebra.timesReceived(""), static_cast<int>(zebra.connections().size()))
        << "polling sends nothing but ~HS";
}

}  // namespace
