#include "drivers/TcpLineScanner.h"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstring>
#include <deque>
#include <list>
#include <utility>

namespace drivers {

namespace {

using boost::asio::ip::tcp;

// Longer than any barcode a scanner can produce (a QR code holds at most ~3 KB), so a longer
// line is a client sending garbage: drop it rather than buffer it without bound.
constexpr std::size_t kMaxLineBytes = 4096;
// A client that stops reading must not pin a reply in memory forever.
constexpr auto kWriteTimeout = std::chrono::seconds(10);
// After an accept error such as "too many open files", wait instead of spinning on it.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(500);

std::string formatEndpoint(const boost::asio::ip::address& address, unsigned short port) {
    const std::string host =
        address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(port);
}

// One client connection: splits the byte stream into lines and writes replies back in order.
// There is deliberately no read deadline: a scanner stays connected and silent for hours.
class LineSession : public std::enable_shared_from_this<LineSession> {
  public:
    using LineSink = std::function<void(std::string line, ScanReply reply)>;

    LineSession(tcp::socket socket, LineSink sink)
        : socket_(std::move(socket)), writeTimer_(socket_.get_executor()), sink_(std::move(sink)) {}

    void start() { read(); }

    void send(std::string text) {
        if (closed_) {
            return;
        }
        outbox_.push_back(std::move(text));
        if (!writing_) {
            writeNext();
        }
    }

    void close() {
        if (closed_) {
            return;
        }
        closed_ = true;
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
        writeTimer_.cancel();
    }

  private:
    void read() {
        socket_.async_read_some(
            boost::asio::buffer(readBuffer_),
            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t size) {
                if (self->closed_) {
                    return;  // stopped: bytes already read are not delivered any more
                }
                self->consume(self->readBuffer_.data(), size);
                if (ec == boost::asio::error::eof) {
                    // A last line without LF still counts. The session lives on while a
                    // reply is being written or a handler still holds a ScanReply for it.
                    if (!self->discarding_ && !self->pending_.empty()) {
                        self->finishLine();
                    }
                    return;
                }
                if (ec) {
                    self->close();
                    return;
                }
                if (!self->closed_) {
                    self->read();
                }
            });
    }

    void consume(const char* data, std::size_t size) {
        while (size > 0 && !closed_) {
            const auto* lf = static_cast<const char*>(std::memchr(data, '\n', size));
            const std::size_t take = lf != nullptr ? static_cast<std::size_t>(lf - data) : size;
            if (!discarding_) {
                pending_.append(data, take);
                // One byte of slack for a CR that is stripped before the length counts.
                if (pending_.size() > kMaxLineBytes + 1) {
                    refuseLongLine();
                }
            }
            if (lf == nullptr) {
                return;
            }
            data += take + 1;
            size -= take + 1;
            if (discarding_) {
                discarding_ = false;  // the rest of the long line is gone; the next one counts
                continue;
            }
            finishLine();
        }
    }

    void refuseLongLine() {
        pending_.clear();
        discarding_ = true;
        send("ERR line too long\n");
    }

    void finishLine() {
        std::string line = std::move(pending_);
        pending_.clear();
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.size() > kMaxLineBytes) {
            send("ERR line too long\n");
            return;
        }
        if (line.empty()) {
            return;
        }
        // The reply owns the session: a handler may answer after the client half-closed,
        // and the connection then stays open until the last reply is written or dropped.
        ScanReply reply = [self = shared_from_this()](std::string_view text) {
            std::string out;
            out.reserve(text.size() + 1);
            out.append(text);
            out.push_back('\n');
            self->send(std::move(out));
        };
        sink_(std::move(line), std::move(reply));
    }

    void writeNext() {
        writing_ = true;
        writeTimer_.expires_after(kWriteTimeout);
        writeTimer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || !self->writing_ ||
                self->writeTimer_.expiry() > std::chrono::steady_clock::now()) {
                return;  // cancelled, or re-armed for a later write
            }
            self->close();
        });
        boost::asio::async_write(
            socket_, boost::asio::buffer(outbox_.front()),
            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                self->writing_ = false;
                self->writeTimer_.cancel();
                if (ec || self->closed_) {
                    // The client is gone: its pending replies are dropped without fuss.
                    self->outbox_.clear();
                    self->close();
                    return;
                }
                self->outbox_.pop_front();
                if (!self->outbox_.empty()) {
                    self->writeNext();
                }
            });
    }

    tcp::socket socket_;
    boost::asio::steady_timer writeTimer_;
    LineSink sink_;
    std::array<char, 4096> readBuffer_{};
    std::string pending_;
    bool discarding_ = false;
    std::deque<std::string> outbox_;
    bool writing_ = false;
    bool closed_ = false;
};

}  // namespace

// Shared with every pending accept and every session (weakly), so that destroying the
// scanner while operations are queued on the io_context leaves nothing dangling.
struct TcpLineScanner::Impl : std::enable_shared_from_this<TcpLineScanner::Impl> {
    Impl(boost::asio::io_context& io, std::string scannerName, std::string address,
         unsigned short requestedPort)
        : name(std::move(scannerName)),
          listenAddress(std::move(address)),
          port(requestedPort),
          acceptor(io),
          retryTimer(io) {}

    void start(ScanHandler onScan) {
        handler = std::make_shared<const ScanHandler>(std::move(onScan));
        if (listening) {
            return;
        }
        ++generation;
        boost::system::error_code ec;
        const auto address = boost::asio::ip::make_address(listenAddress, ec);
        if (ec) {
            detail = "invalid listen address '" + listenAddress + "': expected an IP address";
            return;
        }
        const tcp::endpoint endpoint(address, port);
        const std::string where = formatEndpoint(address, port);
        auto failed = [&](const char* step) {
            detail = "cannot listen on " + where + ": " + step + ": " + ec.message();
            boost::system::error_code ignored;
            acceptor.close(ignored);
        };
        if (acceptor.open(endpoint.protocol(), ec); ec) {
            return failed("open");
        }
        // Lets a restarted daemon take its port back while old connections sit in TIME_WAIT;
        // Linux still refuses a port that another socket is listening on.
        if (acceptor.set_option(tcp::acceptor::reuse_address(true), ec); ec) {
            return failed("setsockopt");
        }
        if (acceptor.bind(endpoint, ec); ec) {
            return failed("bind");
        }
        if (acceptor.listen(tcp::socket::max_listen_connections, ec); ec) {
            return failed("listen");
        }
        const auto local = acceptor.local_endpoint(ec);
        if (ec) {
            return failed("getsockname");
        }
        boundPort = local.port();
        listening = true;
        detail = "listening on " + formatEndpoint(address, boundPort);
        accept(generation);
    }

    void stop() {
        const bool wasListening = listening;
        listening = false;
        ++generation;
        boost::system::error_code ignored;
        acceptor.close(ignored);
        retryTimer.cancel();
        for (auto& weak : sessions) {
            if (auto session = weak.lock()) {
                session->close();
            }
        }
        sessions.clear();
        // Deliveries in progress hold their own copy, so this is safe from inside the handler.
        handler.reset();
        boundPort = 0;
        if (wasListening) {
            detail = "stopped";
        }
    }

    void accept(unsigned long gen) {
        acceptor.async_accept([self = shared_from_this(), gen](const boost::system::error_code& ec,
                                                               tcp::socket socket) {
            if (gen != self->generation || !self->listening) {
                return;  // stopped, or restarted with a newer accept loop
            }
            if (ec) {
                self->retryTimer.expires_after(kAcceptRetryDelay);
                self->retryTimer.async_wait([self, gen](const boost::system::error_code& waitEc) {
                    if (!waitEc && gen == self->generation && self->listening) {
                        self->accept(gen);
                    }
                });
                return;
            }
            std::erase_if(self->sessions, [](const auto& weak) { return weak.expired(); });
            auto session = std::make_shared<LineSession>(std::move(socket), self->makeSink());
            self->sessions.push_back(session);
            session->start();
            self->accept(gen);
        });
    }

    LineSession::LineSink makeSink() {
        return [weak = weak_from_this()](std::string line, ScanReply reply) {
            auto self = weak.lock();
            if (!self || !self->listening || !self->handler) {
                return;
            }
            const auto handlerCopy = self->handler;
            (*handlerCopy)(ScanEvent{self->name, std::move(line)}, std::move(reply));
        };
    }

    std::string name;
    std::string listenAddress;
    unsigned short port;
    tcp::acceptor acceptor;
    boost::asio::steady_timer retryTimer;
    std::shared_ptr<const ScanHandler> handler;
    bool listening = false;
    unsigned long generation = 0;
    unsigned short boundPort = 0;
    std::string detail = "not started";
    std::list<std::weak_ptr<LineSession>> sessions;
};

TcpLineScanner::TcpLineScanner(boost::asio::io_context& io, std::string name,
                               std::string listenAddress, unsigned short port)
    : impl_(std::make_shared<Impl>(io, std::move(name), std::move(listenAddress), port)) {}

TcpLineScanner::~TcpLineScanner() {
    impl_->stop();
}

const std::string& TcpLineScanner::name() const {
    return impl_->name;
}

void TcpLineScanner::start(ScanHandler onScan) {
    impl_->start(std::move(onScan));
}

void TcpLineScanner::stop() {
    impl_->stop();
}

DeviceStatus TcpLineScanner::status() const {
    DeviceStatus status;
    status.name = impl_->name;
    status.kind = "tcp";
    status.role = "scanner";
    status.up = impl_->listening;
    status.detail = impl_->detail;
    return status;
}

unsigned short TcpLineScanner::boundPort() const {
    return impl_->boundPort;
}

}  // namespace drivers
