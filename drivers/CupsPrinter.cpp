#include "drivers/CupsPrinter.h"

#include <cups/cups.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <deque>
#include <exception>
#include <utility>

#include "drivers/BlockingWorker.h"
#include "drivers/PrintedJobs.h"

// GCC 12 inlines Asio's coroutine frame allocator and then mistakes its recycling operator
// delete for a mismatch (a known false positive); nothing is allocated and freed differently.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace drivers {

namespace {

namespace asio = boost::asio;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr int kConnectTimeoutMs = 5000;
// Messages with which CUPS's network backends say they are still trying to reach the device:
// a job given up while one of them is showing never reached the printer.
constexpr const char* kNotReachedMessages[] = {
    "The printer may not exist or is unavailable at this time.",
    "The printer is not responding.",
    "The printer is in use.",
    "Connecting to printer.",
    "Unable to locate printer",
    "Network host",
};

std::string stripSuffix(const std::string& reason) {
    for (const char* suffix : {"-error", "-warning", "-report"}) {
        const std::size_t length = std::strlen(suffix);
        if (reason.size() > length && reason.compare(reason.size() - length, length, suffix) == 0) {
            return reason.substr(0, reason.size() - length);
        }
    }
    return reason;
}

// What a libcups call on the worker thread learned about the queue.
struct QueueState {
    bool answered = false;
    std::string error;  // when !answered: why CUPS could not be asked
    int state = 0;      // printer-state: 3 idle, 4 processing, 5 stopped
    bool accepting = true;
    std::vector<std::string> reasons;
    std::string message;
};

struct JobState {
    QueueState queue;
    bool answered = false;
    std::string error;
    int state = 0;  // job-state: 3 pending ... 9 completed
    std::string message;
    int impressions = 0;
};

struct Submitted {
    int jobId = 0;
    bool alreadyCompleted = false;  // CUPS printed a job of this name before
    bool followingExisting = false;
    std::string error;
};

// The connection to cupsd, used only on the worker thread.
class CupsConnection {
  public:
    explicit CupsConnection(std::string server) : server_(std::move(server)) {}
    ~CupsConnection() { drop(); }
    CupsConnection(const CupsConnection&) = delete;
    CupsConnection& operator=(const CupsConnection&) = delete;

    // Connects if needed; empty on success, else why not.
    std::string ensure() {
        if (http_ != nullptr) {
            return {};
        }
        std::string host = server_;
        int port = ippPort();
        if (host.empty()) {
            host = cupsServer();
        }
        if (!host.empty() && host[0] != '/') {
            const auto colon = host.rfind(':');
            if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
                port = std::atoi(host.c_str() + colon + 1);
                host.resize(colon);
            }
        }
        http_ = httpConnect2(host.c_str(), port, nullptr, AF_UNSPEC, HTTP_ENCRYPTION_IF_REQUESTED,
                             1, kConnectTimeoutMs, nullptr);
        if (http_ == nullptr) {
            return "cannot reach CUPS at " + where() + ": " + std::strerror(errno);
        }
        return {};
    }

    void drop() {
        if (http_ != nullptr) {
            httpClose(http_);
            http_ = nullptr;
        }
    }

    http_t* http() const { return http_; }

    std::string where() const { return server_.empty() ? std::string(cupsServer()) : server_; }

    // The error of the last request; drops the connection when it is the connection that
    // failed, so the next call reconnects.
    std::string lastError() {
        const ipp_status_t status = cupsLastError();
        if (status == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE || status == IPP_STATUS_ERROR_INTERNAL) {
            drop();
        }
        const char* text = cupsLastErrorString();
        return text != nullptr && *text != '\0' ? text : ippErrorString(status);
    }

  private:
    std::string server_;
    http_t* http_ = nullptr;
};

std::string printerUri(const std::string& queue) {
    char uri[HTTP_MAX_URI];
    httpAssembleURIf(HTTP_URI_CODING_ALL, uri, sizeof uri, "ipp", nullptr, "localhost", ippPort(),
                     "/printers/%s", queue.c_str());
    return uri;
}

QueueState askQueue(CupsConnection& cups, const std::string& queue) {
    QueueState state;
    if (std::string error = cups.ensure(); !error.empty()) {
        state.error = error;
        return state;
    }
    static const char* const kAttributes[] = {"printer-state", "printer-state-reasons",
                                              "printer-state-message", "printer-is-accepting-jobs"};
    ipp_t* request = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr,
                 printerUri(queue).c_str());
    ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                  static_cast<int>(std::size(kAttributes)), nullptr, kAttributes);
    ipp_t* response = cupsDoRequest(cups.http(), request, "/");
    if (response == nullptr || cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
        state.error = cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND
                          ? "CUPS has no queue named " + queue
                          : "CUPS at " + cups.where() + " did not answer: " + cups.lastError();
        ippDelete(response);
        return state;
    }
    state.answered = true;
    if (ipp_attribute_t* a = ippFindAttribute(response, "printer-state", IPP_TAG_ENUM)) {
        state.state = ippGetInteger(a, 0);
    }
    if (ipp_attribute_t* a =
            ippFindAttribute(response, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN)) {
        state.accepting = ippGetBoolean(a, 0) != 0;
    }
    if (ipp_attribute_t* a = ippFindAttribute(response, "printer-state-message", IPP_TAG_TEXT)) {
        state.message = ippGetString(a, 0, nullptr);
    }
    if (ipp_attribute_t* a = ippFindAttribute(response, "printer-state-reasons", IPP_TAG_KEYWORD)) {
        for (int i = 0; i < ippGetCount(a); ++i) {
            std::string reason = ippGetString(a, i, nullptr);
            if (reason != "none") {
                state.reasons.push_back(std::move(reason));
            }
        }
    }
    ippDelete(response);
    return state;
}

JobState askJob(CupsConnection& cups, const std::string& queue, int jobId) {
    JobState job;
    job.queue = askQueue(cups, queue);
    if (!job.queue.answered) {
        job.error = job.queue.error;
        return job;
    }
    static const char* const kAttributes[] = {"job-state", "job-printer-state-message",
                                              "job-impressions-completed"};
    ipp_t* request = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr,
                 printerUri(queue).c_str());
    ippAddInteger(request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", jobId);
    ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                  static_cast<int>(std::size(kAttributes)), nullptr, kAttributes);
    ipp_t* response = cupsDoRequest(cups.http(), request, "/");
    if (response == nullptr || cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
        job.error =
            "CUPS did not say how job " + std::to_string(jobId) + " went: " + cups.lastError();
        ippDelete(response);
        return job;
    }
    job.answered = true;
    if (ipp_attribute_t* a = ippFindAttribute(response, "job-state", IPP_TAG_ENUM)) {
        job.state = ippGetInteger(a, 0);
    }
    if (ipp_attribute_t* a =
            ippFindAttribute(response, "job-printer-state-message", IPP_TAG_TEXT)) {
        job.message = ippGetString(a, 0, nullptr);
    }
    if (ipp_attribute_t* a =
            ippFindAttribute(response, "job-impressions-completed", IPP_TAG_INTEGER)) {
        job.impressions = ippGetInteger(a, 0);
    }
    ippDelete(response);
    return job;
}

Submitted submitJob(CupsConnection& cups, const std::string& queue, const std::string& title,
                    const std::string& format, const std::string& data) {
    Submitted submitted;
    if (std::string error = cups.ensure(); !error.empty()) {
        submitted.error = error;
        return submitted;
    }
    // A job of this name still in CUPS: printed already, or waiting there from before a
    // restart. Either way, sending it again could print it twice.
    cups_job_t* jobs = nullptr;
    const int count = cupsGetJobs2(cups.http(), &jobs, queue.c_str(), 0, CUPS_WHICHJOBS_ALL);
    for (int i = 0; i < count; ++i) {
        if (jobs[i].title == nullptr || title != jobs[i].title) {
            continue;
        }
        if (jobs[i].state == IPP_JSTATE_COMPLETED) {
            submitted.alreadyCompleted = true;
            submitted.jobId = jobs[i].id;
        } else if (jobs[i].state < IPP_JSTATE_STOPPED && !submitted.alreadyCompleted) {
            submitted.followingExisting = true;
            submitted.jobId = jobs[i].id;
        }
    }
    cupsFreeJobs(count, jobs);
    if (submitted.jobId != 0) {
        return submitted;
    }

    // Create-Job by hand: cupsCreateJob looks the queue up as a destination first and, for a
    // raw queue, then asks its device URI (socket://...) instead of the queue.
    ipp_t* request = ippNewRequest(IPP_OP_CREATE_JOB);
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr,
                 printerUri(queue).c_str());
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr,
                 cupsUser());
    ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", nullptr, title.c_str());
    ipp_t* response = cupsDoRequest(cups.http(), request, "/");
    int jobId = 0;
    if (ipp_attribute_t* a = ippFindAttribute(response, "job-id", IPP_TAG_INTEGER)) {
        jobId = ippGetInteger(a, 0);
    }
    ippDelete(response);
    if (jobId == 0 || cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
        submitted.error = "CUPS refused the job: " + cups.lastError();
        return submitted;
    }
    auto failed = [&](const std::string& step) {
        submitted.error = "CUPS did not take the job (" + step + "): " + cups.lastError();
        cupsCancelJob2(cups.http(), queue.c_str(), jobId, 0);
        return submitted;
    };
    if (cupsStartDocument(cups.http(), queue.c_str(), jobId, title.c_str(), format.c_str(), 1) !=
        HTTP_STATUS_CONTINUE) {
        return failed("start");
    }
    if (cupsWriteRequestData(cups.http(), data.data(), data.size()) != HTTP_STATUS_CONTINUE) {
        return failed("data");
    }
    if (cupsFinishDocument(cups.http(), queue.c_str()) != IPP_STATUS_OK) {
        return failed("finish");
    }
    submitted.jobId = jobId;
    return submitted;
}

}  // namespace

std::string describeCupsReason(const std::string& reason) {
    const std::string base = stripSuffix(reason);
    static const std::pair<const char*, const char*> kWords[] = {
        {"media-empty", "paper out"},
        {"media-needed", "paper needed"},
        {"media-jam", "paper jam"},
        {"media-low", "paper low"},
        {"cover-open", "cover open"},
        {"door-open", "door open"},
        {"offline", "offline"},
        {"paused", "paused"},
        {"shutdown", "shut down"},
        {"toner-empty", "toner empty"},
        {"marker-supply-empty", "ribbon or ink empty"},
        {"connecting-to-device", "connecting to the printer"},
        {"timed-out", "the printer does not answer"},
        {"stopped-partly", "partly stopped"},
    };
    for (const auto& [key, words] : kWords) {
        if (base == key) {
            return words;
        }
    }
    return base;
}

bool cupsReasonBlocks(const std::string& reason) {
    const std::string base = stripSuffix(reason);
    if (reason.size() > 6 && reason.compare(reason.size() - 6, 6, "-error") == 0) {
        return true;
    }
    for (const char* blocking :
         {"media-empty", "media-jam", "cover-open", "door-open", "offline", "paused", "shutdown"}) {
        if (base == blocking) {
            return true;
        }
    }
    return false;
}

struct CupsPrinter::Impl : std::enable_shared_from_this<CupsPrinter::Impl> {
    Impl(asio::io_context& context, std::string printerName, std::string printerQueue,
         CupsPrinterOptions printerOptions)
        : io(context),
          name(std::move(printerName)),
          queueName(std::move(printerQueue)),
          options(std::move(printerOptions)),
          wake(context),
          tick(context),
          printed(options.rememberedJobs),
          pending(context, name),
          cups(std::make_shared<CupsConnection>(options.server)) {}

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
        tick.cancel();
    }

    std::string format() const {
        return options.language == "pdf" ? CUPS_FORMAT_PDF : CUPS_FORMAT_RAW;
    }

    std::string where() const {
        return "queue " + queueName + " on " + (options.server.empty() ? "CUPS" : options.server);
    }

    // Blocking work on the worker; the connection is captured, never this object.
    asio::awaitable<QueueState> fetchQueue() {
        // Named, not a temporary inside co_await: GCC 12 destroys such temporaries twice.
        std::function<QueueState()> call = [cupsConnection = cups, queue = queueName] {
            return askQueue(*cupsConnection, queue);
        };
        QueueState state =
            co_await asyncBlocking<QueueState>(worker, io, std::move(call), asio::use_awaitable);
        co_return state;
    }

    void remember(const QueueState& state) {
        reachable = state.answered;
        if (!state.answered) {
            reasons.clear();
            message = state.error;
            return;
        }
        queueState = state.state;
        accepting = state.accepting;
        reasons = state.reasons;
        message = state.message;
    }

    // Why the queue cannot take a job now; empty when it can.
    std::string blockers() const {
        if (!reachable) {
            return message;
        }
        std::string text;
        auto add = [&](const std::string& what) {
            if (text.find(what) == std::string::npos) {
                text += (text.empty() ? "" : ", ") + what;
            }
        };
        for (const std::string& reason : reasons) {
            if (cupsReasonBlocks(reason)) {
                add(describeCupsReason(reason));
            }
        }
        if (queueState == IPP_PSTATE_STOPPED) {
            add("the queue is stopped" + (message.empty() ? "" : " (" + message + ")"));
        }
        if (!accepting) {
            add("the queue does not accept jobs");
        }
        return text;
    }

    asio::awaitable<void> run(std::shared_ptr<Impl> self) {
        bool pollDue = true;
        while (!stopped) {
            if (!pending.empty()) {
                JobQueue::Entry next = pending.pop();
                const PrintResult result = co_await print(next.job);
                next.done(result);
                continue;
            }
            if (pollDue) {
                pollDue = false;
                const QueueState state = co_await fetchQueue();
                if (!stopped) {
                    remember(state);
                    // Asked afresh and nothing keeps the queue from printing: the failure of
                    // the last job no longer says the printer is down, and held jobs may come.
                    if (reachable && blockers().empty()) {
                        lastJobError.clear();
                    }
                }
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
        pending.failAll();
        (void)self;  // keeps this object alive until the loop ends
    }

    asio::awaitable<PrintResult> print(const PrintJob& job) {
        const std::string prefix = "printer " + name + ": ";
        if (job.id.empty()) {
            co_return refusedJob(prefix + "job id is empty");
        }
        if (!job.language.empty() && job.language != options.language) {
            co_return refusedJob(prefix + "prints " + options.language + ", not " + job.language);
        }
        if (printed.contains(job.id)) {
            co_return PrintResult{true, true, {}};
        }
        auto failed = [&](std::string why, std::string_view ending) {
            lastJobError = why;
            return ending == kNotPrinted ? drivers::notPrinted(prefix + why)
                                         : drivers::mayHavePrinted(prefix + why);
        };

        const QueueState before = co_await fetchQueue();
        remember(before);
        if (std::string problems = blockers(); !problems.empty()) {
            co_return failed(problems, kNotPrinted);
        }
        if (stopped) {
            co_return failed("stopped", kNotPrinted);
        }

        const std::string title = "stationd " + job.id;
        std::function<Submitted()> submit = [cupsConnection = cups, queue = queueName, title,
                                             format = format(), data = job.data] {
            return submitJob(*cupsConnection, queue, title, format, data);
        };
        const Submitted submitted =
            co_await asyncBlocking<Submitted>(worker, io, std::move(submit), asio::use_awaitable);
        if (submitted.alreadyCompleted) {
            printed.remember(job.id);
            co_return PrintResult{true, true, {}};
        }
        if (submitted.jobId == 0) {
            co_return failed(submitted.error, kNotPrinted);
        }
        co_return co_await follow(job, submitted.jobId, prefix);
    }

    asio::awaitable<PrintResult> follow(const PrintJob& job, int jobId, const std::string& prefix) {
        const auto deadline = std::chrono::steady_clock::now() + options.jobTimeout;
        const std::string cupsJob = "CUPS job " + std::to_string(jobId);
        JobState last;
        for (;;) {
            tick.expires_after(options.followInterval);
            co_await tick.async_wait(kTuple);
            if (stopped) {
                lastJobError = "stopped while " + cupsJob + " was in progress";
                co_return mayHavePrinted(prefix + lastJobError);
            }
            std::function<JobState()> ask = [cupsConnection = cups, queue = queueName, jobId] {
                return askJob(*cupsConnection, queue, jobId);
            };
            JobState state =
                co_await asyncBlocking<JobState>(worker, io, std::move(ask), asio::use_awaitable);
            remember(state.queue);
            if (state.answered) {
                last = state;
                if (state.state == IPP_JSTATE_COMPLETED) {
                    printed.remember(job.id);
                    lastJobError.clear();
                    co_return PrintResult{true, false, {}};
                }
                if (state.state >= IPP_JSTATE_STOPPED) {
                    const char* how = state.state == IPP_JSTATE_CANCELED  ? "was cancelled"
                                      : state.state == IPP_JSTATE_ABORTED ? "was aborted"
                                                                          : "stopped";
                    std::string why = cupsJob + " " + how;
                    const std::string said = !state.message.empty() ? state.message : message;
                    if (!said.empty()) {
                        why += ": " + said;
                    }
                    if (state.state == IPP_JSTATE_STOPPED) {
                        cancel(jobId);
                    }
                    co_return failedAfterSubmit(why, state, prefix);
                }
                if (std::string problems = blockers(); !problems.empty()) {
                    cancel(jobId);
                    co_return failedAfterSubmit(problems + "; " + cupsJob + " cancelled", state,
                                                prefix);
                }
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                cancel(jobId);
                std::string said = last.message.empty() ? message : last.message;
                if (!state.answered) {
                    said = state.error;
                }
                std::string why = cupsJob + " did not complete within " +
                                  std::to_string(options.jobTimeout.count() / 1000) + " s" +
                                  (said.empty() ? "" : " (" + said + ")") + "; cancelled in CUPS";
                co_return failedAfterSubmit(why, last, prefix);
            }
        }
    }

    // A job that CUPS took and that went wrong: it never reached the printer while it was
    // still pending, or while the backend was still trying to connect; otherwise it may have
    // printed.
    PrintResult failedAfterSubmit(const std::string& why, const JobState& state,
                                  const std::string& prefix) {
        bool notReached = state.answered && state.impressions == 0 &&
                          (state.state == IPP_JSTATE_PENDING || state.state == IPP_JSTATE_HELD);
        for (const std::string& reason : state.queue.reasons) {
            notReached = notReached || stripSuffix(reason) == "connecting-to-device";
        }
        for (const char* text : kNotReachedMessages) {
            notReached = notReached ||
                         (state.impressions == 0 && state.message.find(text) != std::string::npos);
        }
        lastJobError = why;
        return notReached ? notPrinted(prefix + why) : mayHavePrinted(prefix + why);
    }

    // So that a job given up cannot print later, behind the station's back.
    void cancel(int jobId) {
        worker.post([cupsConnection = cups, queue = queueName, jobId] {
            if (cupsConnection->ensure().empty()) {
                cupsCancelJob2(cupsConnection->http(), queue.c_str(), jobId, 0);
            }
        });
    }

    asio::io_context& io;
    const std::string name;
    const std::string queueName;
    const CupsPrinterOptions options;
    asio::steady_timer wake;
    asio::steady_timer tick;
    PrintedJobs printed;
    JobQueue pending;
    bool stopped = false;
    // The queue as last seen (io_context thread only).
    bool reachable = false;
    int queueState = 0;
    bool accepting = true;
    std::vector<std::string> reasons;
    std::string message = "not asked yet";
    std::string lastJobError;
    std::shared_ptr<CupsConnection> cups;  // worker thread only
    BlockingWorker worker;                 // last: joined first, before what its tasks use
};

CupsPrinter::CupsPrinter(boost::asio::io_context& io, std::string name, std::string queue,
                         CupsPrinterOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(name), std::move(queue), std::move(options))) {
    impl_->start();
}

CupsPrinter::~CupsPrinter() {
    impl_->stop();
}

void CupsPrinter::stop() {
    impl_->stop();
}

const std::string& CupsPrinter::name() const {
    return impl_->name;
}

const std::string& CupsPrinter::language() const {
    return impl_->options.language;
}

void CupsPrinter::submit(PrintJob job, PrintDone done) {
    impl_->pending.push(std::move(job), std::move(done), impl_->stopped);
    impl_->wake.cancel();
}

DeviceStatus CupsPrinter::status() const {
    DeviceStatus status;
    status.name = impl_->name;
    status.kind = "cups";
    status.role = "printer";
    const std::string problems = impl_->blockers();
    status.up = impl_->reachable && problems.empty() && impl_->lastJobError.empty();
    status.detail = impl_->where() + ": ";
    if (!problems.empty()) {
        status.detail += problems;
    } else if (!impl_->lastJobError.empty()) {
        status.detail += "last job failed: " + impl_->lastJobError;
    } else if (!impl_->reachable) {
        status.detail += impl_->message;
    } else {
        status.detail += impl_->queueState == IPP_PSTATE_PROCESSING ? "printing" : "ready";
        std::string notes;
        for (const std::string& reason : impl_->reasons) {
            notes += (notes.empty() ? "" : ", ") + describeCupsReason(reason);
        }
        if (!notes.empty()) {
            status.detail += " (" + notes + ")";
        }
    }
    return status;
}

std::vector<std::string> CupsPrinter::stateReasons() const {
    return impl_->reasons;
}

}  // namespace drivers
