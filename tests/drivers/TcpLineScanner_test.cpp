#include "drivers/TcpLineScanner.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace {

using boost::asio::ip::tcp;
using drivers::ScanEvent;
using drivers::ScanReply;
using drivers::TcpLineScanner;

// Runs the server side until `done` holds. The limit only keeps a broken build from hanging
// the test run; nothing here depends on how long things take.
bool runUntil(boost::asio::io_context& io, const std::function<bool()>& done) {
    const auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
        if (std::chrono::steady_clock::now() > giveUp) {
            return false;
        }
        if (io.stopped()) {
            io.restart();
        }
        io.run_one_for(std::chrono::milliseconds(20));
    }
    return true;
}

// A plain blocking client on its own io_context, as a scanner simulator would be. Reads are
// non-blocking so that the test thread can keep running the server in between.
class Client {
  public:
    explicit Client(unsigned short port) : socket_(io_) {
        socket_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
        socket_.non_blocking(true);
    }

    void send(std::string_view bytes) {
        socket_.non_blocking(false);
        boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()));
        socket_.non_blocking(true);
    }

    void shutdownSend() { socket_.shutdown(tcp::socket::shutdown_send); }
    void close() { socket_.close(); }

    // Drains whatever the server has written so far.
    void pump() {
        std::array<char, 1024> chunk{};
        for (;;) {
            boost::system::error_code ec;
            const std::size_t n = socket_.read_some(boost::asio::buffer(chunk), ec);
            received_.append(chunk.data(), n);
            if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
                return;
            }
            if (ec) {
                closedByServer_ = true;
                return;
            }
        }
    }

    // The next reply line, or nullopt if the server closed the connection first.
    std::optional<std::string> readLine(boost::asio::io_context& server) {
        runUntil(server, [&] {
            pump();
            return received_.find('\n') != std::string::npos || closedByServer_;
        });
        const auto lf = received_.find('\n');
        if (lf == std::string::npos) {
            return std::nullopt;
        }
        std::string line = received_.substr(0, lf);
        received_.erase(0, lf + 1);
        return line;
    }

    bool waitClosedByServer(boost::asio::io_context& server) {
        return runUntil(server, [&] {
            pump();
            return closedByServer_;
        });
    }

    const std::string& unreadBytes() const { return received_; }

  private:
    boost::asio::io_context io_;
    tcp::socket socket_;
    std::string received_;
    bool closedByServer_ = false;
};

class TcpLineScannerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        scanner_.start([this](const ScanEvent& event, ScanReply reply) {
            events_.push_back(event);
            reply("OK " + event.code);
        });
        ASSERT_TRUE(scanner_.status().up) << scanner_.status().detail;
        ASSERT_NE(scanner_.boundPort(), 0);
    }

    bool waitForEvents(std::size_t count) {
        return runUntil(io_, [&] { return events_.size() >= count; });
    }

    std::vector<std::string> codes() const {
        std::vector<std::string> out;
        for (const auto& event : events_) {
            out.push_back(event.code);
        }
        return out;
    }

    boost::asio::io_context io_;
    TcpLineScanner scanner_{io_, "bench-1", "127.0.0.1", 0};
    std::vector<ScanEvent> events_;
};

TEST_F(TcpLineScannerTest, StatusNamesTheAddressItListensOn) {
    const auto status = scanner_.status();
    EXPECT_EQ(status.name, "bench-1");
    EXPECT_EQ(status.role, "scanner");
    EXPECT_EQ(status.kind, "tcp");
    EXPECT_EQ(status.detail, "listening on 127.0.0.1:" + std::to_string(scanner_.boundPort()));
}

TEST_F(TcpLineScannerTest, EachLineIsOneScanAndTheReplyComesBackOnTheSameConnection) {
    Client client(scanner_.boundPort());
    const std::string gs1 =
        "]C1010376012345678917\x1D"
        "10LOT42";
    client.send("3760123456789\r\n\n\r\n" + gs1 + "\nRéf-été\n");

    ASSERT_TRUE(waitForEvents(3));
    EXPECT_EQ(codes(), (std::vector<std::string>{"3760123456789", gs1, "Réf-été"}));
    for (const auto& event : events_) {
        EXPECT_EQ(event.scanner, "bench-1");
    }
    EXPECT_EQ(client.readLine(io_), "OK 3760123456789");
    EXPECT_EQ(client.readLine(io_), "OK " + gs1);
    EXPECT_EQ(client.readLine(io_), "OK Réf-été");
}

TEST_F(TcpLineScannerTest, LinesSplitAcrossWritesAreJoined) {
    Client client(scanner_.boundPort());
    // Once FIRST is delivered, the server has also read the start of the next code.
    client.send("FIRST\n37601");
    ASSERT_TRUE(waitForEvents(1));
    client.send("23456789\r");
    client.send("\n");
    ASSERT_TRUE(waitForEvents(2));
    EXPECT_EQ(codes(), (std::vector<std::string>{"FIRST", "3760123456789"}));
}

TEST_F(TcpLineScannerTest, TwoConnectionsAtOnceEachGetTheirOwnReplies) {
    Client first(scanner_.boundPort());
    Client second(scanner_.boundPort());

    first.send("A1\n");
    ASSERT_TRUE(waitForEvents(1));
    second.send("B1\n");
    ASSERT_TRUE(waitForEvents(2));
    first.send("A2\n");
    ASSERT_TRUE(waitForEvents(3));

    EXPECT_EQ(codes(), (std::vector<std::string>{"A1", "B1", "A2"}));
    EXPECT_EQ(second.readLine(io_), "OK B1");
    EXPECT_EQ(first.readLine(io_), "OK A1");
    EXPECT_EQ(first.readLine(io_), "OK A2");
    second.pump();
    EXPECT_EQ(second.unreadBytes(), "");
}

TEST_F(TcpLineScannerTest, TooLongLineIsRefusedAndTheConnectionGoesOn) {
    Client client(scanner_.boundPort());
    const std::string longest(4096, 'x');
    client.send(std::string(5000, 'A') + "\n" + longest + "\r\n" + std::string(4097, 'B') +
                "\nNEXT\n");

    ASSERT_TRUE(waitForEvents(2));
    ASSERT_EQ(events_.size(), 2u);
    EXPECT_EQ(events_[0].code, longest);
    EXPECT_EQ(events_[1].code, "NEXT");
    EXPECT_EQ(client.readLine(io_), "ERR line too long");
    EXPECT_EQ(client.readLine(io_), "OK " + longest);
    EXPECT_EQ(client.readLine(io_), "ERR line too long");
    EXPECT_EQ(client.readLine(io_), "OK NEXT");
}

TEST_F(TcpLineScannerTest, LastLineWithoutNewlineCountsAndIsStillAnswered) {
    Client client(scanner_.boundPort());
    client.send("FIRST\nLAST");
    client.shutdownSend();

    ASSERT_TRUE(waitForEvents(2));
    EXPECT_EQ(codes(), (std::vector<std::string>{"FIRST", "LAST"}));
    EXPECT_EQ(client.readLine(io_), "OK FIRST");
    EXPECT_EQ(client.readLine(io_), "OK LAST");
    // Nobody can answer any more, so the server lets the connection go.
    EXPECT_TRUE(client.waitClosedByServer(io_));
}

TEST(TcpLineScanner, RepliesGivenLaterAreWrittenInOrder) {
    boost::asio::io_context io;
    TcpLineScanner scanner(io, "bench-2", "127.0.0.1", 0);
    std::vector<ScanReply> held;
    scanner.start([&](const ScanEvent&, ScanReply reply) { held.push_back(std::move(reply)); });
    ASSERT_TRUE(scanner.status().up);

    Client client(scanner.boundPort());
    client.send("ONE\nTWO\n");
    ASSERT_TRUE(runUntil(io, [&] { return held.size() == 2; }));

    // Several replies in one go: the later ones queue behind the write in progress.
    held[1]("second-a");
    held[0]("first");
    held[1]("second-b");
    EXPECT_EQ(client.readLine(io), "second-a");
    EXPECT_EQ(client.readLine(io), "first");
    EXPECT_EQ(client.readLine(io), "second-b");
}

TEST(TcpLineScanner, ReplyToAClosedConnectionIsDropped) {
    boost::asio::io_context io;
    TcpLineScanner scanner(io, "bench-3", "127.0.0.1", 0);
    std::optional<ScanReply> held;
    scanner.start([&](const ScanEvent&, ScanReply reply) { held = std::move(reply); });

    {
        Client client(scanner.boundPort());
        client.send("GONE\n");
        ASSERT_TRUE(runUntil(io, [&] { return held.has_value(); }));
        client.close();
    }
    io.poll();
    (*held)("nobody listens");
    (*held)("still nobody");
    io.restart();
    io.poll();

    EXPECT_TRUE(scanner.status().up);
    // The scanner keeps serving other clients.
    held.reset();
    Client next(scanner.boundPort());
    next.send("NEXT\n");
    EXPECT_TRUE(runUntil(io, [&] { return held.has_value(); }));
}

TEST(TcpLineScanner, PortInUseIsReportedInStatusNotThrown) {
    boost::asio::io_context io;
    TcpLineScanner first(io, "first", "127.0.0.1", 0);
    first.start([](const ScanEvent&, ScanReply) {});
    ASSERT_TRUE(first.status().up);

    TcpLineScanner second(io, "second", "127.0.0.1", first.boundPort());
    EXPECT_NO_THROW(second.start([](const ScanEvent&, ScanReply) {}));
    const auto status = second.status();
    EXPECT_FALSE(status.up);
    EXPECT_NE(status.detail.find("127.0.0.1:" + std::to_string(first.boundPort())),
              std::string::npos)
        << status.detail;
    EXPECT_NE(status.detail.find("in use"), std::string::npos) << status.detail;
    EXPECT_EQ(second.boundPort(), 0);
}

TEST(TcpLineScanner, InvalidAddressIsReportedInStatus) {
    boost::asio::io_context io;
    TcpLineScanner scanner(io, "bad", "not-an-address", 0);
    EXPECT_NO_THROW(scanner.start([](const ScanEvent&, ScanReply) {}));
    EXPECT_FALSE(scanner.status().up);
    EXPECT_NE(scanner.status().detail.find("not-an-address"), std::string::npos);
}

TEST(TcpLineScanner, StopClosesConnectionsAndDeliversNothingMore) {
    boost::asio::io_context io;
    TcpLineScanner scanner(io, "bench-4", "127.0.0.1", 0);
    std::vector<std::string> codes;
    scanner.start([&](const ScanEvent& event, ScanReply) { codes.push_back(event.code); });
    const unsigned short port = scanner.boundPort();

    Client client(port);
    client.send("BEFORE\n");
    ASSERT_TRUE(runUntil(io, [&] { return codes.size() == 1; }));

    client.send("AFTER\n");
    scanner.stop();
    EXPECT_TRUE(client.waitClosedByServer(io));
    io.restart();
    io.poll();
    EXPECT_EQ(codes, (std::vector<std::string>{"BEFORE"}));
    EXPECT_FALSE(scanner.status().up);

    boost::asio::io_context clientIo;
    tcp::socket late(clientIo);
    boost::system::error_code ec;
    late.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
    EXPECT_EQ(ec, boost::asio::error::connection_refused);
}

TEST(TcpLineScanner, DestroyedWithOperationsPendingIsSafe) {
    boost::asio::io_context io;
    int delivered = 0;
    std::optional<Client> client;
    {
        TcpLineScanner scanner(io, "short-lived", "127.0.0.1", 0);
        scanner.start([&](const ScanEvent&, ScanReply) { ++delivered; });
        client.emplace(scanner.boundPort());
        client->send("ONE\n");
        io.poll();  // accepted, read pending; maybe ONE delivered
        client->send("TWO\n");
    }
    const int beforeRun = delivered;
    io.restart();
    io.run_for(std::chrono::milliseconds(100));
    EXPECT_EQ(delivered, beforeRun);  // nothing reaches a handler after the scanner is gone
    EXPECT_TRUE(client->waitClosedByServer(io));
}

}  // namespace
