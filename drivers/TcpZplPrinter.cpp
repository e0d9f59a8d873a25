#include "drivers/TcpZplPrinter.h"

#include "drivers/PrintedJobs.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <deque>
#include <exception>
#include <utility>

// GCC 12 inlines Asio's coroutine frame allocator and then mistakes its recycling operator
// delete for a mismatch (a known false positive); nothing is allocated and freed differently.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace drivers {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string describe(std::chrono::milliseconds duration) {
    if (duration.count() % 1000 == 0) {
        return std::to_string(duration.count() / 1000) + " s";
    }
    return std::to_string(duration.count()) + " ms";
}

std::string describeError(const boost::system::error_code& ec, std::chrono::milliseconds limit) {
    if (ec == beast::error::timeout) {
        return "no answer within " + describe(limit);
    }
    if (ec == asio::error::eof) {
        return "the printer closed the connection";
    }
    return ec.message();
}

// Answer to one ~HS: the status, or why there is none.
struct StatusAnswer {
    std::optional<ZebraHostStatus> status;
    std::string error;
};

}  // namespace

struct TcpZplPrinter::Impl : std::enable_shared_from_this<TcpZplPrinter::Impl> {
    Impl(asio::io_context& context, std::string printerName, std::string printerHost,
         unsigned short printerPort, TcpZplPrinterOptions printerOptions)
        : io(context),
          name(std::move(printerName)),
          host(std::move(printerHost)),
          port(printerPort),
          options(printerOptions),
          wake(context),
          queue(context, name),
          printed(printerOptions.rememberedJobs) {}

    void start() {
        asio::co_spawn(io, run(shared_from_this()), [](std::exception_ptr error) {
            if (error) {
                std::rethrow_exception(error);  // a bug of ours or a throwing `done`: surface it
            }
        });
    }

    void stop() {
        stopped = true;
        wake.cancel();
        if (active != nullptr) {
            active->close();
        }
    }

    std::string where() const { return host + ":" + std::to_string(port); }

    void setStatus(bool isUp, std::string text) {
        up = isUp;
        detail = std::move(text);
    }

    // Idle between jobs on a timer: polls every pollInterval, and submit() cancels the wait.
    asio::awaitable<void> run(std::shared_ptr<Impl> self) {
        bool pollDue = options.pollInterval.count() > 0;
        while (!stopped) {
            if (!queue.empty()) {
                JobQueue::Entry pending = queue.pop();
                const PrintResult result = co_await print(pending.job);
                pending.done(result);
                pollDue = false;
                continue;
            }
            if (pollDue) {
                co_await poll();
                pollDue = false;
                continue;
            }
            if (options.pollInterval.count() > 0) {
                wake.expires_after(options.pollInterval);
            } else {
                wake.expires_at(asio::steady_timer::time_point::max());
            }
            auto [ec] = co_await wake.async_wait(kTuple);
            pollDue = !ec && options.pollInterval.count() > 0;
        }
        queue.failAll();
        (void)self;  // keeps this object alive until the loop ends
    }

    // Connects with a deadline; the error is empty on success.
    asio::awaitable<std::string> connect(beast::tcp_stream& stream) {
        tcp::resolver resolver(io);
        auto [resolveError, endpoints] =
            co_await resolver.async_resolve(host, std::to_string(port), kTuple);
        if (resolveError) {
            co_return "cannot find " + host + ": " + resolveError.message();
        }
        stream.expires_after(options.connectTimeout);
        auto [connectError, endpoint] = co_await stream.async_connect(endpoints, kTuple);
        if (connectError) {
            co_return "cannot connect to " + where() + ": " +
                describeError(connectError, options.connectTimeout);
        }
        co_return std::string();
    }

    asio::awaitable<StatusAnswer> askStatus(beast::tcp_stream& stream) {
        StatusAnswer answer;
        stream.expires_after(options.statusTimeout);
        auto [writeError, written] =
            co_await asio::async_write(stream, asio::buffer(kZplHostStatusQuery), kTuple);
        if (writeError) {
            answer.error = "cannot ask ~HS: " + describeError(writeError, options.statusTimeout);
            co_return answer;
        }
        HostStatusReader reader;
        std::array<char, 512> chunk{};
        for (bool complete = false; !complete;) {
            auto [readError, n] = co_await stream.async_read_some(asio::buffer(chunk), kTuple);
            complete = reader.add(std::string_view(chunk.data(), n));
            if (!complete && readError) {
                answer.error = reader.cutShort(describeError(readError, options.statusTimeout));
                co_return answer;
            }
        }
        HostStatusParse parsed = reader.result();
        if (!parsed.status) {
            answer.error = parsed.error;
            co_return answer;
        }
        hostStatus = parsed.status;
        answer.status = parsed.status;
        co_return answer;
    }

    // One connection per exchange: a Zebra serves one client at a time, and holding the port
    // open between jobs would lock out anyone else printing to it.
    struct ActiveGuard {
        Impl& impl;
        ~ActiveGuard() { impl.active = nullptr; }
    };

    asio::awaitable<void> poll() {
        beast::tcp_stream stream(io);
        active = &stream;
        ActiveGuard guard{*this};
        if (std::string error = co_await connect(stream); !error.empty()) {
            setStatus(false, error);
            co_return;
        }
        StatusAnswer answer = co_await askStatus(stream);
        if (stopped) {
            co_return;
        }
        if (!answer.status) {
            setStatus(false, answer.error);
        } else if (std::string problems = answer.status->problems(); !problems.empty()) {
            setStatus(false, problems);
        } else {
            setStatus(true, "ready at " + where());
        }
        stream.close();
    }

    asio::awaitable<PrintResult> print(const PrintJob& job) {
        const std::string prefix = "printer " + name + ": ";
        auto refused = [&](std::string why) { return refusedJob(prefix + why); };
        if (job.id.empty()) {
            co_return refused("job id is empty");
        }
        if (!job.language.empty() && job.language != language) {
            co_return refused("prints " + language + ", not " + job.language);
        }
        if (printed.contains(job.id)) {
            co_return PrintResult{true, true, {}};
        }

        beast::tcp_stream stream(io);
        active = &stream;
        ActiveGuard guard{*this};
        // Until the job's bytes start to go out, nothing can have printed: say so, so that the
        // bench may simply try again.
        auto notPrinted = [&](std::string why) {
            setStatus(false, why);
            return drivers::notPrinted(prefix + why);
        };
        if (std::string error = co_await connect(stream); !error.empty()) {
            co_return notPrinted(error);
        }
        StatusAnswer before = co_await askStatus(stream);
        if (!before.status) {
            co_return notPrinted(before.error);
        }
        if (std::string problems = before.status->problems(); !problems.empty()) {
            co_return notPrinted(problems);
        }
        if (stopped) {
            co_return notPrinted("stopped");
        }

        stream.expires_after(options.writeTimeout);
        auto [writeError, written] =
            co_await asio::async_write(stream, asio::buffer(job.data), kTuple);
        if (writeError) {
            if (written == 0) {
                co_return notPrinted("cannot send the job: " +
                                     describeError(writeError, options.writeTimeout));
            }
            const std::string why = "sending the job stopped after " + std::to_string(written) +
                                    " of " + std::to_string(job.data.size()) + " bytes (" +
                                    describeError(writeError, options.writeTimeout) + ")";
            setStatus(false, why);
            co_return mayHavePrinted(prefix + why);
        }

        StatusAnswer after = co_await askStatus(stream);
        if (!after.status) {
            setStatus(false, after.error);
            co_return mayHavePrinted(prefix + "job sent, then " + after.error);
        }
        if (std::string problems = after.status->problems(); !problems.empty()) {
            // The printer took the job and then stopped (ran out of paper on it, say): it may
            // have printed, or may print once someone fixes it.
            setStatus(false, problems);
            co_return mayHavePrinted(prefix + "job sent, then the printer reported " + problems,
                                     " (it may also print once fixed)");
        }
        stream.close();
        printed.remember(job.id);
        setStatus(true, "ready at " + where());
        co_return PrintResult{true, false, {}};
    }

    asio::io_context& io;
    const std::string name;
    const std::string language = "zpl";
    const std::string host;
    const unsigned short port;
    const TcpZplPrinterOptions options;
    asio::steady_timer wake;
    JobQueue queue;
    bool stopped = false;
    beast::tcp_stream* active = nullptr;  // the connection in use, so stop() can close it
    bool up = false;
    std::string detail = "not checked yet";
    std::optional<ZebraHostStatus> hostStatus;
    PrintedJobs printed;
};

TcpZplPrinter::TcpZplPrinter(boost::asio::io_context& io, std::string name, std::string host,
                             unsigned short port, TcpZplPrinterOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(name), std::move(host), port, options)) {
    impl_->start();
}

TcpZplPrinter::~TcpZplPrinter() {
    impl_->stop();
}

void TcpZplPrinter::stop() {
    impl_->stop();
}

const std::string& TcpZplPrinter::name() const {
    return impl_->name;
}

const std::string& TcpZplPrinter::language() const {
    return impl_->language;
}

void TcpZplPrinter::submit(PrintJob job, PrintDone done) {
    impl_->queue.push(std::move(job), std::move(done), impl_->stopped);
    impl_->wake.cancel();
}

DeviceStatus TcpZplPrinter::status() const {
    DeviceStatus status;
    status.name = impl_->name;
    status.kind = "zpl-tcp";
    status.role = "printer";
    status.up = impl_->up;
    status.detail = impl_->detail;
    return status;
}

std::optional<ZebraHostStatus> TcpZplPrinter::lastHostStatus() const {
    return impl_->hostStatus;
}

}  // namespace drivers
