#include "drivers/UsbPrinter.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <exception>
#include <utility>

#include "drivers/PrintedJobs.h"
#include "drivers/UsbLink.h"

// GCC 12 inlines Asio's coroutine frame allocator and then mistakes its recycling operator
// delete for a mismatch (a known false positive); nothing is allocated and freed differently.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace drivers {

namespace {

namespace asio = boost::asio;

constexpr int kPrinterClass = 7;
constexpr int kBidirectional = 2;
// Printer class requests (USB printer class 1.1, 4.2): device to host, class, interface.
constexpr std::uint8_t kClassIn = 0xA1;
constexpr std::uint8_t kGetDeviceId = 0;
constexpr std::uint8_t kGetPortStatus = 1;
constexpr std::uint16_t kDeviceIdMax = 1024;
// Reads that empty bulk IN before each ~HS: a few short ones, each ending at once when nothing
// is waiting.
constexpr int kMaxStaleReads = 8;
constexpr std::chrono::milliseconds kStaleReadTimeout{5};

// Makes a UsbLink transfer awaitable: `begin` starts it with the completion it is given.
template <typename Token>
auto asyncUsb(std::function<void(UsbLink::Done)> begin, Token&& token) {
    return asio::async_initiate<Token, void(UsbTransferResult)>(
        [](auto handler, std::function<void(UsbLink::Done)> start) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            start([shared](UsbTransferResult result) {
                auto executor = asio::get_associated_executor(*shared);
                asio::dispatch(executor, [shared, result = std::move(result)]() mutable {
                    (*shared)(std::move(result));
                });
            });
        },
        token, std::move(begin));
}

// "MFG:Zebra Technologies;MDL:ZTC ZD420;CMD:ZPL;" -> the value of one key, or empty.
std::string deviceIdField(const std::string& id, std::initializer_list<std::string_view> keys) {
    std::size_t start = 0;
    while (start < id.size()) {
        std::size_t end = id.find(';', start);
        if (end == std::string::npos) {
            end = id.size();
        }
        const std::string_view field(id.data() + start, end - start);
        const auto colon = field.find(':');
        if (colon != std::string_view::npos) {
            for (std::string_view key : keys) {
                if (field.substr(0, colon) == key) {
                    return std::string(field.substr(colon + 1));
                }
            }
        }
        start = end + 1;
    }
    return {};
}

struct StatusAnswer {
    std::optional<ZebraHostStatus> status;
    std::string error;
};

}  // namespace

std::string UsbPortStatus::problems() const {
    std::string text;
    auto add = [&](const char* problem) {
        text += (text.empty() ? "" : ", ");
        text += problem;
    };
    if (paperEmpty) {
        add("paper out");
    }
    if (!selected) {
        add("offline");
    }
    if (!noError) {
        add("the printer reports an error");
    }
    return text;
}

UsbPortStatus parseUsbPortStatus(unsigned char byte) {
    UsbPortStatus status;
    status.paperEmpty = (byte & 0x20) != 0;
    status.selected = (byte & 0x10) != 0;
    status.noError = (byte & 0x08) != 0;
    return status;
}

struct UsbPrinter::Impl : std::enable_shared_from_this<UsbPrinter::Impl> {
    Impl(asio::io_context& context, std::shared_ptr<UsbContext> usb, std::string printerName,
         UsbSelector selector, UsbPrinterOptions printerOptions)
        : io(context),
          name(std::move(printerName)),
          options(std::move(printerOptions)),
          wake(context),
          printed(options.rememberedJobs),
          queue(context, name),
          link(context, std::move(usb),
               UsbLinkOptions{.selector = std::move(selector),
                              .interfaceClass = kPrinterClass,
                              .preferredProtocol = kBidirectional,
                              .readInterrupt = false},
               UsbLink::Events{
                   .connected = [this](const UsbInterfaceInfo& info) { onConnected(info); },
                   .report = nullptr,
                   .disconnected =
                       [this](const std::string& why) {
                           setStatus(false, why);
                           // A replugged printer is asked again before anything is sent.
                           wake.cancel();
                       },
               }) {}

    void start() {
        link.start();
        asio::co_spawn(io, run(shared_from_this()), [](std::exception_ptr error) {
            if (error) {
                std::rethrow_exception(error);  // a bug of ours or a throwing `done`: surface it
            }
        });
    }

    void stop() {
        stopped = true;
        wake.cancel();
        link.stop();  // transfers in flight complete with "the device was closed"
    }

    void setStatus(bool isUp, std::string text) {
        up = isUp;
        problem = std::move(text);
    }

    void onConnected(const UsbInterfaceInfo& info) {
        setStatus(true, "");
        pollDue = true;
        wake.cancel();
        const auto index = static_cast<std::uint16_t>(info.number << 8 | info.altSetting);
        link.control(kClassIn, kGetDeviceId, 0, index, {}, kDeviceIdMax, options.statusTimeout,
                     [weak = weak_from_this()](const UsbTransferResult& result) {
                         auto self = weak.lock();
                         if (!self || !result.ok || result.data.size() < 2) {
                             return;
                         }
                         // Two bytes of big-endian length (themselves included), then the id.
                         const auto length = static_cast<std::size_t>(
                             static_cast<unsigned char>(result.data[0]) << 8 |
                             static_cast<unsigned char>(result.data[1]));
                         const std::size_t end =
                             std::min(result.data.size(), std::max<std::size_t>(length, 2));
                         self->deviceId = result.data.substr(2, end - 2);
                     });
    }

    std::string where() const {
        std::string text = link.detail();
        const std::string model = deviceIdField(deviceId, {"MDL", "MODEL"});
        if (!model.empty() && text.find(model) == std::string::npos) {
            text += " [" + model + "]";
        }
        return text;
    }

    asio::awaitable<void> run(std::shared_ptr<Impl> self) {
        while (!stopped) {
            if (!queue.empty()) {
                JobQueue::Entry pending = queue.pop();
                const PrintResult result = co_await print(pending.job);
                pending.done(result);
                continue;
            }
            if (pollDue && link.connected()) {
                pollDue = false;
                co_await poll();
                continue;
            }
            if (options.pollInterval.count() > 0 && link.connected()) {
                wake.expires_after(options.pollInterval);
            } else {
                wake.expires_at(asio::steady_timer::time_point::max());
            }
            auto [ec] = co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
            if (!ec) {
                pollDue = true;
            }
        }
        queue.failAll();
        (void)self;  // keeps this object alive until the loop ends
    }

    // The port status byte, or why there is none.
    asio::awaitable<std::pair<std::optional<UsbPortStatus>, std::string>> portStatus() {
        const auto index = static_cast<std::uint16_t>(link.info().number);
        // Named, not a temporary inside co_await: GCC 12 destroys such temporaries twice.
        std::function<void(UsbLink::Done)> ask = [this, index](UsbLink::Done done) {
            link.control(kClassIn, kGetPortStatus, 0, index, {}, 1, options.statusTimeout,
                         std::move(done));
        };
        UsbTransferResult result = co_await asyncUsb(std::move(ask), asio::use_awaitable);
        if (!result.ok || result.data.empty()) {
            co_return std::pair{std::optional<UsbPortStatus>(),
                                "no port status: " + (result.ok ? "empty answer" : result.error)};
        }
        co_return std::pair{std::optional<UsbPortStatus>(
                                parseUsbPortStatus(static_cast<unsigned char>(result.data[0]))),
                            std::string()};
    }

    bool asksHostStatus() const { return options.language == "zpl" && link.info().bulkIn != 0; }

    asio::awaitable<StatusAnswer> askHostStatus() {
        StatusAnswer answer;
        // An answer that arrived after an earlier query gave up (or one to another program's
        // query) would be read as this one's: "ready" from before the paper ran out. Drop what
        // is already waiting on bulk IN first.
        for (int i = 0; i < kMaxStaleReads; ++i) {
            std::function<void(UsbLink::Done)> drain = [this](UsbLink::Done done) {
                link.bulkIn(std::max<std::size_t>(link.info().bulkInSize, 64), kStaleReadTimeout,
                            std::move(done));
            };
            UsbTransferResult stale = co_await asyncUsb(std::move(drain), asio::use_awaitable);
            if (stale.data.empty()) {
                break;
            }
        }
        std::function<void(UsbLink::Done)> query = [this](UsbLink::Done done) {
            link.bulkOut(std::string(kZplHostStatusQuery), options.statusTimeout, std::move(done));
        };
        UsbTransferResult sent = co_await asyncUsb(std::move(query), asio::use_awaitable);
        if (!sent.ok) {
            answer.error = "cannot ask ~HS: " + sent.error;
            co_return answer;
        }
        const auto deadline = std::chrono::steady_clock::now() + options.statusTimeout;
        HostStatusReader reader;
        for (bool complete = false; !complete;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            const std::string tooLate =
                "no answer within " + std::to_string(options.statusTimeout.count()) + " ms";
            if (left.count() <= 0) {
                answer.error = reader.cutShort(tooLate);
                co_return answer;
            }
            // Several packets per transfer; a short packet ends it early.
            const std::size_t chunk = std::max<std::size_t>(link.info().bulkInSize, 64) * 8;
            std::function<void(UsbLink::Done)> read = [this, chunk, left](UsbLink::Done done) {
                link.bulkIn(chunk, left, std::move(done));
            };
            UsbTransferResult got = co_await asyncUsb(std::move(read), asio::use_awaitable);
            complete = reader.add(got.data);
            if (!complete && !got.ok) {
                answer.error = reader.cutShort(got.timedOut ? tooLate : got.error);
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

    // Everything that keeps the printer from printing now, or why it cannot be asked; empty
    // when it is ready.
    asio::awaitable<std::string> checkReady() {
        auto [port, portError] = co_await portStatus();
        if (!port) {
            co_return portError;
        }
        if (std::string problems = port->problems(); !problems.empty()) {
            co_return problems;
        }
        if (asksHostStatus()) {
            StatusAnswer answer = co_await askHostStatus();
            if (!answer.status) {
                co_return answer.error;
            }
            co_return answer.status->problems();
        }
        co_return std::string();
    }

    asio::awaitable<void> poll() {
        const std::string problems = co_await checkReady();
        if (stopped || !link.connected()) {
            co_return;
        }
        setStatus(problems.empty(), problems);
    }

    asio::awaitable<PrintResult> print(const PrintJob& job) {
        const std::string prefix = "printer " + name + ": ";
        auto refused = [&](std::string why) { return refusedJob(prefix + why); };
        if (job.id.empty()) {
            co_return refused("job id is empty");
        }
        if (!job.language.empty() && job.language != options.language) {
            co_return refused("prints " + options.language + ", not " + job.language);
        }
        if (printed.contains(job.id)) {
            co_return PrintResult{true, true, {}};
        }
        auto notPrinted = [&](std::string why) {
            setStatus(false, why);
            return drivers::notPrinted(prefix + why);
        };
        if (!link.connected()) {
            co_return notPrinted("not connected: " + link.detail());
        }
        if (std::string problems = co_await checkReady(); !problems.empty()) {
            co_return notPrinted(problems);
        }
        if (stopped) {
            co_return notPrinted("stopped");
        }

        std::function<void(UsbLink::Done)> send = [this, &job](UsbLink::Done done) {
            link.bulkOut(job.data, options.writeTimeout, std::move(done));
        };
        UsbTransferResult sent = co_await asyncUsb(std::move(send), asio::use_awaitable);
        if (!sent.ok) {
            if (sent.transferred == 0) {
                co_return notPrinted("cannot send the job: " + sent.error);
            }
            const std::string why = "sending the job stopped after " +
                                    std::to_string(sent.transferred) + " of " +
                                    std::to_string(job.data.size()) + " bytes (" + sent.error + ")";
            setStatus(false, why);
            co_return mayHavePrinted(prefix + why);
        }

        const std::string after = co_await checkReady();
        if (!after.empty()) {
            // The printer took the job and then stopped, or cannot be asked any more: it may
            // have printed, or may print once someone fixes it.
            setStatus(false, after);
            co_return mayHavePrinted(prefix + "job sent, then " + after,
                                     " (it may also print once fixed)");
        }
        printed.remember(job.id);
        setStatus(true, "");
        co_return PrintResult{true, false, {}};
    }

    asio::io_context& io;
    const std::string name;
    const UsbPrinterOptions options;
    asio::steady_timer wake;
    PrintedJobs printed;
    JobQueue queue;
    bool stopped = false;
    bool pollDue = false;
    bool up = false;
    std::string problem;
    std::string deviceId;
    std::optional<ZebraHostStatus> hostStatus;
    UsbLink link;  // last: its events use the members above
};

UsbPrinter::UsbPrinter(boost::asio::io_context& io, std::shared_ptr<UsbContext> usb,
                       std::string name, UsbSelector selector, UsbPrinterOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(usb), std::move(name), std::move(selector),
                                   std::move(options))) {
    impl_->start();
}

UsbPrinter::~UsbPrinter() {
    impl_->stop();
}

void UsbPrinter::stop() {
    impl_->stop();
}

const std::string& UsbPrinter::name() const {
    return impl_->name;
}

const std::string& UsbPrinter::language() const {
    return impl_->options.language;
}

void UsbPrinter::submit(PrintJob job, PrintDone done) {
    impl_->queue.push(std::move(job), std::move(done), impl_->stopped);
    impl_->wake.cancel();
}

DeviceStatus UsbPrinter::status() const {
    DeviceStatus status;
    status.name = impl_->name;
    status.kind = "usb-printer";
    status.role = "printer";
    status.up = impl_->link.connected() && impl_->up;
    status.detail = impl_->where();
    if (impl_->link.connected()) {
        status.detail += impl_->problem.empty() ? ": ready" : ": " + impl_->problem;
    }
    return status;
}

std::string UsbPrinter::deviceId() const {
    return impl_->deviceId;
}

std::optional<ZebraHostStatus> UsbPrinter::lastHostStatus() const {
    return impl_->hostStatus;
}

}  // namespace drivers
