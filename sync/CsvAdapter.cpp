#include "sync/CsvAdapter.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <optional>
#include <system_error>
#include <tuple>
#include <utility>

#include "files/DurableFile.h"
#include "sync/CsvReader.h"
#include "sync/CsvWriter.h"

namespace shop {

namespace fs = std::filesystem;
using std::chrono::sys_seconds;

namespace {

constexpr int kPageSize = 100;
constexpr std::size_t kMaxOrderInFileName = 80;
constexpr const char* kLedgerFolder = "shipments";

using files::errnoText;

// A full disk or a flaky share clears up; a read-only or forbidden folder needs a person.
Result::Kind kindForErrno(int error) {
    switch (error) {
        case EACCES:
        case EPERM:
        case EROFS:
        case ENAMETOOLONG:
        case ENOTDIR:
        case EISDIR:
            return Result::Kind::Permanent;
        default:
            return Result::Kind::Transient;
    }
}

Result failure(Result::Kind kind, std::string message) {
    Result r;
    r.kind = kind;
    r.error = std::move(message);
    return r;
}

Result failureFromErrno(int error, const std::string& what) {
    return failure(kindForErrno(error), "csv exchange: " + what + ": " + errnoText(error));
}

using files::Placed;
using files::readWholeFile;
using files::renameInto;
using files::syncDirectory;

// Readers of the folder see either the old file or the whole new one, also after a power cut
// (files/DurableFile.h); `error` gets the errno of what failed.
Placed writeAtomically(const fs::path& dir, const std::string& name, const std::string& bytes,
                       bool replace, int& error) {
    const files::Written written = files::writeAtomically(dir, name, bytes, replace);
    error = written.error;
    return written.placed;
}

// "20240502T101500Z": sorts as it reads, and is a safe file name.
std::string compactTime(sys_seconds t) {
    const std::time_t tt = t.time_since_epoch().count();
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm);
    return buffer;
}

std::string isoTime(sys_seconds t) {
    const std::time_t tt = t.time_since_epoch().count();
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

bool readInt(std::string_view s, std::size_t pos, std::size_t length, int& value) {
    if (pos + length > s.size()) {
        return false;
    }
    const char* begin = s.data() + pos;
    const auto [end, ec] = std::from_chars(begin, begin + length, value);
    return ec == std::errc() && end == begin + length;
}

sys_seconds fromFields(int y, int mo, int d, int h, int mi, int s, bool& valid) {
    using namespace std::chrono;
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                              day{static_cast<unsigned>(d)}};
    valid = date.ok() && h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 61;
    return sys_days{date} + hours{h} + minutes{mi} + seconds{s};
}

// "2024-05-02", "2024-05-02T10:15:00", with optional fraction and "Z" or "+02:00"; no zone is UTC.
std::optional<sys_seconds> parseIsoTime(std::string_view s) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!readInt(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !readInt(s, 5, 2, mo) ||
        s[7] != '-' || !readInt(s, 8, 2, d)) {
        return std::nullopt;
    }
    std::size_t pos = 10;
    if (pos < s.size()) {
        if ((s[pos] != 'T' && s[pos] != ' ') || !readInt(s, pos + 1, 2, h) || s.size() < pos + 6 ||
            s[pos + 3] != ':' || !readInt(s, pos + 4, 2, mi)) {
            return std::nullopt;
        }
        pos += 6;
        if (pos < s.size() && s[pos] == ':') {
            if (!readInt(s, pos + 1, 2, sec)) {
                return std::nullopt;
            }
            pos += 3;
        }
        if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
            ++pos;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                ++pos;
            }
        }
    }
    int offsetMinutes = 0;
    if (pos < s.size()) {
        if (s[pos] == 'Z' && pos + 1 == s.size()) {
            pos = s.size();
        } else if (s[pos] == '+' || s[pos] == '-') {
            int oh = 0, om = 0;
            const std::string_view zone = s.substr(pos + 1);
            const bool colon = zone.size() == 5 && zone[2] == ':';
            if (!readInt(zone, 0, 2, oh) || !(zone.size() == 2 || colon || zone.size() == 4) ||
                (zone.size() > 2 && !readInt(zone, colon ? 3 : 2, 2, om))) {
                return std::nullopt;
            }
            offsetMinutes = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
            pos = s.size();
        } else {
            return std::nullopt;
        }
    }
    bool valid = false;
    const sys_seconds t = fromFields(y, mo, d, h, mi, sec, valid);
    if (!valid) {
        return std::nullopt;
    }
    return t - std::chrono::minutes{offsetMinutes};
}

// "<20240502T101500Z>-<n>-<name>" as the processed folder holds them.
struct ProcessedName {
    sys_seconds at;
    int n = 0;
};

std::optional<ProcessedName> parseProcessedName(std::string_view name) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (name.size() < 19 || name[8] != 'T' || name[15] != 'Z' || name[16] != '-' ||
        !readInt(name, 0, 4, y) || !readInt(name, 4, 2, mo) || !readInt(name, 6, 2, d) ||
        !readInt(name, 9, 2, h) || !readInt(name, 11, 2, mi) || !readInt(name, 13, 2, s)) {
        return std::nullopt;
    }
    const auto dash = name.find('-', 17);
    ProcessedName parsed;
    if (dash == std::string_view::npos || !readInt(name, 17, dash - 17, parsed.n)) {
        return std::nullopt;
    }
    bool valid = false;
    parsed.at = fromFields(y, mo, d, h, mi, s, valid);
    if (!valid) {
        return std::nullopt;
    }
    return parsed;
}

// Order numbers come from the shop: keep file names to a safe alphabet. Two numbers that map to
// the same name share files; the rows inside carry the real number.
std::string safeForFileName(const std::string& order) {
    std::string out;
    for (char c : order.substr(0, kMaxOrderInFileName)) {
        const bool safe =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        out += safe ? c : '_';
    }
    return out;
}

bool hasCsvExtension(const std::string& name) {
    if (name.size() < 5) {
        return false;
    }
    std::string ext = name.substr(name.size() - 4);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".csv";
}

bool sameOrder(const Order& a, const Order& b) {
    auto addressKey = [](const Address& x) {
        return std::tie(x.name, x.street, x.postcode, x.city, x.country);
    };
    auto lineKey = [](const OrderLine& l) {
        return std::tie(l.shopLineId, l.sku, l.gtin, l.name, l.quantity, l.unitWeightGrams, l.bin);
    };
    if (std::tie(a.number, a.shopId, a.status, a.payment, a.riskScore, a.shippingMethod,
                 a.customerNote) != std::tie(b.number, b.shopId, b.status, b.payment, b.riskScore,
                                             b.shippingMethod, b.customerNote) ||
        addressKey(a.customer) != addressKey(b.customer) || a.lines.size() != b.lines.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.lines.size(); ++i) {
        if (lineKey(a.lines[i]) != lineKey(b.lines[i])) {
            return false;
        }
    }
    return true;
}

std::string joinLines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) {
        out += (out.empty() ? "" : "\n") + line;
    }
    return out;
}

std::vector<std::string> shipmentHeader() {
    return {std::begin(csv::kShipmentColumns), std::end(csv::kShipmentColumns)};
}

}  // namespace

// ---- watching the inbox ----

struct CsvAdapter::Watcher : std::enable_shared_from_this<CsvAdapter::Watcher> {
    Watcher(CsvAdapter& owner, boost::asio::io_context& io, std::chrono::milliseconds every,
            std::function<void(const CsvScanReport&)> callback)
        : adapter(owner), timer(io), interval(every), onScan(std::move(callback)) {}
    // Notifying only: no timer, no scan on this thread.
    Watcher(CsvAdapter& owner, boost::asio::io_context& io, std::function<void()> callback)
        : adapter(owner), timer(io), onChange(std::move(callback)) {}

    // False when inotify cannot watch the inbox.
    bool start(boost::asio::io_context& io) {
        bool watching = false;
        const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd >= 0) {
            // Network shares and exhausted watch limits get no events: the timer still scans.
            if (::inotify_add_watch(fd, adapter.settings_.inbox.c_str(),
                                    IN_MOVED_TO | IN_CLOSE_WRITE) >= 0) {
                inotify.emplace(io, fd);
                readEvents();
                watching = true;
            } else {
                ::close(fd);
            }
        }
        if (!onChange) {
            armTimer();
        }
        return watching;
    }

    void scanAndReport() {
        if (onChange) {
            onChange();
            return;
        }
        const CsvScanReport report = adapter.scan();
        if (!report.empty() || !report.result.ok()) {
            onScan(report);
        }
    }

    void armTimer() {
        timer.expires_after(interval);
        timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self) {
                return;
            }
            self->scanAndReport();
            self->armTimer();
        });
    }

    void readEvents() {
        inotify->async_read_some(
            boost::asio::buffer(buffer),
            [weak = weak_from_this()](const boost::system::error_code& ec, std::size_t n) {
                auto self = weak.lock();
                if (!self || ec == boost::asio::error::operation_aborted) {
                    return;
                }
                if (ec) {
                    self->inotify.reset();  // the timer goes on scanning
                    return;
                }
                self->handleEvents(n);
                self->scanAndReport();
                self->readEvents();
            });
    }

    void handleEvents(std::size_t n) {
        std::size_t offset = 0;
        while (offset + sizeof(inotify_event) <= n) {
            inotify_event event;
            std::memcpy(&event, buffer.data() + offset, sizeof event);
            if ((event.mask & IN_MOVED_TO) && event.len > 0) {
                const char* name = buffer.data() + offset + sizeof(inotify_event);
                std::lock_guard lock(adapter.renamedMutex_);
                adapter.renamedIn_.insert(std::string(name, ::strnlen(name, event.len)));
            }
            offset += sizeof(inotify_event) + event.len;
        }
    }

    CsvAdapter& adapter;
    boost::asio::steady_timer timer;
    std::optional<boost::asio::posix::stream_descriptor> inotify;
    std::chrono::milliseconds interval{0};
    std::function<void(const CsvScanReport&)> onScan;
    std::function<void()> onChange;
    std::array<char, 8192> buffer{};
};

CsvAdapter::CsvAdapter(CsvSettings settings) : settings_(std::move(settings)) {}

CsvAdapter::~CsvAdapter() = default;

void CsvAdapter::watch(boost::asio::io_context& io, std::chrono::milliseconds interval,
                       std::function<void(const CsvScanReport&)> onScan) {
    ensureLoaded();  // creates the inbox, which inotify can only watch once it exists
    watcher_ = std::make_shared<Watcher>(*this, io, interval, std::move(onScan));
    watcher_->start(io);
}

bool CsvAdapter::notifyChanges(boost::asio::io_context& io, std::function<void()> onChange) {
    if (!ensureLoaded().ok()) {
        return false;  // the relay's first pull says why
    }
    watcher_ = std::make_shared<Watcher>(*this, io, std::move(onChange));
    return watcher_->start(io);
}

// ---- the inbox ----

std::chrono::system_clock::time_point CsvAdapter::now() const {
    return settings_.clock ? settings_.clock() : std::chrono::system_clock::now();
}

Result CsvAdapter::ensureLoaded() {
    if (loaded_) {
        return {};
    }
    if (settings_.inbox.empty() || settings_.processed.empty() || settings_.outbox.empty()) {
        return failure(Result::Kind::Permanent,
                       "csv exchange: the inbox, processed and outbox folders must all be set");
    }
    std::error_code ec;
    for (const fs::path& dir : {settings_.inbox, settings_.processed,
                                settings_.processed / kLedgerFolder, settings_.outbox}) {
        fs::create_directories(dir, ec);
        if (ec) {
            return failureFromErrno(ec.value(), "cannot create folder " + dir.string());
        }
    }
    if (fs::equivalent(settings_.inbox, settings_.processed, ec) ||
        fs::equivalent(settings_.inbox, settings_.outbox, ec)) {
        return failure(Result::Kind::Permanent,
                       "csv exchange: the inbox must not be the processed or the outbox folder");
    }
    files::removeTempFiles(settings_.processed);
    files::removeTempFiles(settings_.processed / kLedgerFolder);
    files::removeTempFiles(settings_.outbox);

    struct Entry {
        ProcessedName stamp;
        std::string name;
    };
    std::vector<Entry> entries;
    for (fs::directory_iterator it(settings_.processed, ec), end; !ec && it != end;
         it.increment(ec)) {
        std::error_code typeError;
        const std::string name = it->path().filename().string();
        if (!it->is_regular_file(typeError) || !hasCsvExtension(name)) {
            continue;
        }
        if (auto stamp = parseProcessedName(name)) {
            entries.push_back({*stamp, name});
        }
    }
    if (ec) {
        return failureFromErrno(ec.value(), "cannot read folder " + settings_.processed.string());
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return std::tie(a.stamp.at, a.stamp.n, a.name) < std::tie(b.stamp.at, b.stamp.n, b.name);
    });
    const auto cutoff = std::chrono::floor<std::chrono::seconds>(now()) - settings_.remember;
    orders_.clear();  // a load that failed half-way starts again from the first file
    for (const Entry& entry : entries) {
        if (entry.stamp.at < cutoff) {
            continue;
        }
        std::string bytes;
        if (const int error = readWholeFile(settings_.processed / entry.name, bytes); error != 0) {
            return failureFromErrno(error, "cannot read " + entry.name);
        }
        csv::OrdersFile file = csv::readOrdersFile(bytes, entry.name);
        if (!file.errors.empty()) {
            // Read once already, so only a hand edit can have broken it; its orders stay out.
            unreportedErrors_.push_back(joinLines(file.errors));
            continue;
        }
        importOrders(file.orders, entry.stamp.at, nullptr);
        lastImportAt_ = entry.stamp.at;
        importsInThatSecond_ = std::max(importsInThatSecond_, entry.stamp.n);
    }
    loaded_ = true;
    return {};
}

void CsvAdapter::importOrders(std::vector<Order>& orders, sys_seconds at,
                              std::vector<Order>* changed) {
    for (Order& order : orders) {
        order.modifiedAt = isoTime(at);
        auto it = orders_.find(order.number);
        if (it != orders_.end() && sameOrder(it->second.order, order)) {
            continue;
        }
        if (changed) {
            changed->push_back(order);
        }
        const std::string number = order.number;
        orders_[number] = StoredOrder{std::move(order), at, ++sequence_};
    }
}

void CsvAdapter::forgetOldOrders() {
    const auto cutoff = std::chrono::floor<std::chrono::seconds>(now()) - settings_.remember;
    std::erase_if(orders_, [&](const auto& entry) { return entry.second.changedAt < cutoff; });
}

Result CsvAdapter::moveToProcessed(const std::string& name, const std::string& bytes,
                                   sys_seconds at) {
    if (at != lastImportAt_) {
        lastImportAt_ = at;
        importsInThatSecond_ = 0;
    }
    const std::string from = (settings_.inbox / name).string();
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const std::string target =
            compactTime(at) + "-" + std::to_string(++importsInThatSecond_) + "-" + name;
        int error = 0;
        Placed placed = renameInto(from, (settings_.processed / target).string(), false, error);
        if (placed == Placed::Failed && error == EXDEV) {
            // The inbox is on another file system (a share): copy what we read, then remove it.
            placed = writeAtomically(settings_.processed, target, bytes, false, error);
            if (placed == Placed::Done || placed == Placed::NotFlushed) {
                if (::unlink(from.c_str()) != 0 && errno != ENOENT) {
                    error = errno;
                    std::error_code ignored;
                    fs::remove(settings_.processed / target, ignored);
                    return failureFromErrno(error, "cannot remove " + name + " from the inbox");
                }
            }
        }
        switch (placed) {
            case Placed::AlreadyThere:
                continue;
            case Placed::Failed:
                return failureFromErrno(
                    error, "cannot move " + name + " to " + settings_.processed.string());
            case Placed::Done:
            case Placed::NotFlushed:
                syncDirectory(settings_.processed);
                syncDirectory(settings_.inbox);
                return {};
        }
    }
    return failure(Result::Kind::Transient, "csv exchange: no free name for " + name + " in " +
                                                settings_.processed.string());
}

CsvScanReport CsvAdapter::scan() {
    CsvScanReport report;
    report.result = ensureLoaded();
    if (!report.result.ok()) {
        return report;
    }
    struct Candidate {
        std::string name;
        FileSignature signature;
    };
    std::vector<Candidate> candidates;
    std::error_code ec;
    for (fs::directory_iterator it(settings_.inbox, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        // Hidden files, and "~$orders.csv", the lock file Excel keeps beside an open workbook.
        if (!hasCsvExtension(name) || name.front() == '.' || name.starts_with("~$")) {
            continue;
        }
        struct stat st {};
        if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
            continue;
        }
        candidates.push_back(
            {name,
             {static_cast<std::uintmax_t>(st.st_size),
              static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
              static_cast<std::uintmax_t>(st.st_ino)}});
    }
    if (ec) {
        report.result =
            failureFromErrno(ec.value(), "cannot read the inbox " + settings_.inbox.string());
        return report;
    }
    // Oldest first, so that a later export of the same order wins.
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        return std::tie(a.signature.mtimeNs, a.name) < std::tie(b.signature.mtimeNs, b.name);
    });

    std::set<std::string> present;
    for (const Candidate& c : candidates) {
        present.insert(c.name);
        if (c.signature.size == 0) {
            seen_[c.name] = c.signature;  // created, not written yet
            report.waiting.push_back(c.name);
            continue;
        }
        if (auto r = rejected_.find(c.name); r != rejected_.end() && r->second == c.signature) {
            continue;
        }
        bool renamed = false;
        {
            std::lock_guard lock(renamedMutex_);
            renamed = renamedIn_.erase(c.name) > 0;
        }
        const auto previous = seen_.find(c.name);
        const bool unchanged = previous != seen_.end() && previous->second == c.signature;
        seen_[c.name] = c.signature;
        if (!renamed && !unchanged) {
            report.waiting.push_back(c.name);
            continue;
        }
        std::string bytes;
        if (const int error = readWholeFile(settings_.inbox / c.name, bytes); error != 0) {
            report.result = failureFromErrno(error, "cannot read " + c.name);
            continue;
        }
        if (bytes.size() != c.signature.size) {
            seen_.erase(c.name);  // still being written after all
            report.waiting.push_back(c.name);
            continue;
        }
        csv::OrdersFile file = csv::readOrdersFile(bytes, c.name);
        if (!file.errors.empty()) {
            rejected_[c.name] = c.signature;
            report.errors.push_back(joinLines(file.errors));
            unreportedErrors_.push_back(report.errors.back());
            continue;
        }
        const auto at = std::chrono::floor<std::chrono::seconds>(now());
        if (Result moved = moveToProcessed(c.name, bytes, at); !moved.ok()) {
            // Importing without moving would read the file again and again: wait for the folder.
            report.result = moved;
            continue;
        }
        seen_.erase(c.name);
        rejected_.erase(c.name);
        importOrders(file.orders, at, &report.changed);
        report.imported.push_back(c.name);
    }
    std::erase_if(seen_, [&](const auto& e) { return !present.contains(e.first); });
    std::erase_if(rejected_, [&](const auto& e) { return !present.contains(e.first); });
    {
        std::lock_guard lock(renamedMutex_);
        std::erase_if(renamedIn_, [&](const auto& name) { return !present.contains(name); });
    }
    forgetOldOrders();
    return report;
}

// ---- what the relay calls ----

OrderPage CsvAdapter::fetchOrders(const std::string& since, int page) {
    OrderPage result;
    if (page < 1) {
        result.result = failure(Result::Kind::Permanent,
                                "csv exchange: page " + std::to_string(page) + " does not exist");
        return result;
    }
    sys_seconds from{};
    if (!since.empty()) {
        const auto parsed = parseIsoTime(since);
        if (!parsed) {
            result.result = failure(Result::Kind::Permanent,
                                    "csv exchange: '" + since + "' is not an ISO 8601 time");
            return result;
        }
        from = *parsed;
    }
    if (page == 1) {
        result.result = scan().result;
    } else {
        result.result = ensureLoaded();
    }
    if (!loaded_) {
        return result;
    }
    std::vector<const StoredOrder*> matching;
    for (const auto& [number, stored] : orders_) {
        if (since.empty() || stored.changedAt >= from) {
            matching.push_back(&stored);
        }
    }
    std::sort(matching.begin(), matching.end(),
              [](const StoredOrder* a, const StoredOrder* b) { return a->sequence < b->sequence; });
    const std::size_t first = static_cast<std::size_t>(page - 1) * kPageSize;
    for (std::size_t i = first; i < matching.size() && i < first + kPageSize; ++i) {
        result.orders.push_back(matching[i]->order);
    }
    result.more = matching.size() > first + kPageSize;
    if (page == 1 && result.result.ok() && !unreportedErrors_.empty()) {
        result.result = failure(Result::Kind::Permanent, joinLines(unreportedErrors_));
        unreportedErrors_.clear();
    }
    return result;
}

std::optional<Order> CsvAdapter::fetchOrder(const std::string& shopId, Result& result) {
    // A scan first: the export that cancels this order may have just arrived.
    result = scan().result;
    if (!loaded_) {
        return std::nullopt;
    }
    const auto it = orders_.find(shopId);
    if (it == orders_.end()) {
        result = failure(Result::Kind::Permanent,
                         "csv exchange: order " + shopId + " is in no export the station has read");
        return std::nullopt;
    }
    result = {};
    return it->second.order;
}

Result CsvAdapter::markInProgress(const std::string&) {
    return {};
}

Result CsvAdapter::releaseOrder(const std::string&) {
    return {};
}

// ---- the outbox ----

fs::path CsvAdapter::ledgerPath(const std::string& order) const {
    return settings_.processed / kLedgerFolder / (safeForFileName(order) + ".csv");
}

namespace {

bool containsParcel(const std::vector<csv::ShipmentRow>& rows, int parcel,
                    const std::string& tracking) {
    return std::any_of(rows.begin(), rows.end(), [&](const csv::ShipmentRow& r) {
        return r.parcel == parcel && r.trackingNumber == tracking;
    });
}

struct KnownShipments {
    std::vector<csv::ShipmentRow> rows;  // each (parcel, tracking number) once
    bool unrecorded = false;             // some are in the outbox only
};

// What the station wrote for `order`: its own record, plus the shipments files still in the
// outbox, which cover a crash between writing a file and recording it.
Result knownShipments(const fs::path& ledger, const fs::path& outbox, const std::string& order,
                      KnownShipments& known) {
    known = {};
    auto add = [&](csv::ShipmentRow& row) {
        if (row.order != order || containsParcel(known.rows, row.parcel, row.trackingNumber)) {
            return false;
        }
        known.rows.push_back(std::move(row));
        return true;
    };
    std::string bytes;
    if (const int error = readWholeFile(ledger, bytes); error == 0) {
        csv::ShipmentRows recorded = csv::readShipmentRows(bytes, ledger.string());
        if (!recorded.error.empty()) {
            return failure(
                Result::Kind::Permanent,
                "csv exchange: the record of shipments written is damaged: " + recorded.error);
        }
        for (auto& row : recorded.rows) {
            add(row);
        }
    } else if (error != ENOENT) {
        return failureFromErrno(error, "cannot read " + ledger.string());
    }
    std::vector<std::string> names;
    const std::string prefix = "shipments-" + safeForFileName(order) + "-";
    std::error_code ec;
    for (fs::directory_iterator it(outbox, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.starts_with(prefix) && hasCsvExtension(name)) {
            names.push_back(name);
        }
    }
    if (ec) {
        return failureFromErrno(ec.value(), "cannot read the outbox " + outbox.string());
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        // A file the shop took or changed meanwhile is not ours to judge: skip what we cannot read.
        if (readWholeFile(outbox / name, bytes) != 0) {
            continue;
        }
        for (auto& row : csv::readShipmentRows(bytes, name).rows) {
            known.unrecorded = add(row) || known.unrecorded;
        }
    }
    return {};
}

}  // namespace

std::optional<std::vector<std::string>> CsvAdapter::fetchTrackingNumbers(const std::string& shopId,
                                                                         Result& result) {
    result = ensureLoaded();
    if (!result.ok()) {
        return std::nullopt;
    }
    KnownShipments known;
    result = knownShipments(ledgerPath(shopId), settings_.outbox, shopId, known);
    if (!result.ok()) {
        return std::nullopt;
    }
    std::vector<std::string> numbers;
    for (const auto& row : known.rows) {
        if (!row.trackingNumber.empty() &&
            std::find(numbers.begin(), numbers.end(), row.trackingNumber) == numbers.end()) {
            numbers.push_back(row.trackingNumber);
        }
    }
    return numbers;
}

Result CsvAdapter::writeOutboxFile(const std::string& kind, const std::string& order,
                                   const std::string& bytes) {
    const std::string stamp = compactTime(std::chrono::floor<std::chrono::seconds>(now()));
    for (int n = 1; n <= 1000; ++n) {
        const std::string name =
            kind + "-" + safeForFileName(order) + "-" + stamp + "-" + std::to_string(n) + ".csv";
        int error = 0;
        switch (writeAtomically(settings_.outbox, name, bytes, false, error)) {
            case Placed::AlreadyThere:
                continue;
            case Placed::Done:
                return {};
            case Placed::NotFlushed:
                return failure(
                    Result::Kind::Unclear,
                    "csv exchange: " + name +
                        " was written but may not survive a power cut: " + errnoText(error));
            case Placed::Failed:
                return failureFromErrno(
                    error, "cannot write " + name + " in " + settings_.outbox.string());
        }
    }
    return failure(Result::Kind::Transient,
                   "csv exchange: no free file name for the " + kind + " of order " + order);
}

Result CsvAdapter::pushShipment(const Shipment& shipment) {
    const std::string order = shipment.orderNumber.empty() ? shipment.shopId : shipment.orderNumber;
    if (order.empty()) {
        return failure(Result::Kind::Permanent, "csv exchange: a shipment without an order number");
    }
    if (shipment.parcels.empty()) {
        return failure(Result::Kind::Permanent,
                       "csv exchange: the shipment of order " + order + " has no parcel");
    }
    if (Result r = ensureLoaded(); !r.ok()) {
        return r;
    }
    KnownShipments known;
    if (Result r = knownShipments(ledgerPath(order), settings_.outbox, order, known); !r.ok()) {
        return r;
    }
    const std::string today = isoTime(std::chrono::floor<std::chrono::seconds>(now()));
    std::vector<csv::ShipmentRow> fresh;
    for (const auto& parcel : shipment.parcels) {
        if (!containsParcel(known.rows, parcel.index, parcel.trackingNumber) &&
            !containsParcel(fresh, parcel.index, parcel.trackingNumber)) {
            fresh.push_back({order, parcel.index, parcel.trackingNumber, parcel.carrier,
                             parcel.shippedAt.empty() ? today : parcel.shippedAt});
        }
    }
    auto toRows = [](const std::vector<csv::ShipmentRow>& rows) {
        std::vector<std::vector<std::string>> out{shipmentHeader()};
        for (const auto& r : rows) {
            out.push_back({r.order, std::to_string(r.parcel), r.trackingNumber, r.carrier, r.date});
        }
        return out;
    };
    Result written;
    if (!fresh.empty()) {
        written = writeOutboxFile("shipments", order, csv::formatExcelCsv(toRows(fresh)));
        if (written.kind == Result::Kind::Permanent || written.kind == Result::Kind::Transient) {
            return written;
        }
        known.rows.insert(known.rows.end(), fresh.begin(), fresh.end());
    } else if (!known.unrecorded) {
        return {};
    }
    // Recorded after the outbox file, never before: a crash in between leaves a file the next
    // call finds in the outbox, not a record of a file that was never written.
    int error = 0;
    const fs::path ledger = ledgerPath(order);
    if (writeAtomically(ledger.parent_path(), ledger.filename().string(),
                        csv::formatExcelCsv(toRows(known.rows)), true, error) != Placed::Done) {
        return failure(Result::Kind::Unclear,
                       "csv exchange: the shipment of order " + order +
                           " is in the outbox, but the station could not record it (" +
                           errnoText(error) + "); it is not written twice while it is there");
    }
    return written;
}

Result CsvAdapter::pushReturn(const ReturnReceived& ret) {
    const std::string order = ret.orderNumber.empty() ? ret.shopId : ret.orderNumber;
    if (order.empty() || ret.items.empty()) {
        return failure(Result::Kind::Permanent,
                       "csv exchange: a return needs an order number and at least one item");
    }
    if (Result r = ensureLoaded(); !r.ok()) {
        return r;
    }
    const std::string date = isoTime(std::chrono::floor<std::chrono::seconds>(now()));
    std::vector<std::vector<std::string>> rows{
        {"order", "sku", "quantity", "condition", "restock", "date"}};
    for (const auto& item : ret.items) {
        rows.push_back({order, item.sku, std::to_string(item.quantity), item.condition,
                        item.restock ? "yes" : "no", date});
    }
    return writeOutboxFile("returns", order, csv::formatExcelCsv(rows));
}

Result CsvAdapter::addNote(const std::string& shopId, const std::string& text, bool customerNote) {
    if (shopId.empty() || text.empty()) {
        return failure(Result::Kind::Permanent,
                       "csv exchange: a note needs an order number and a text");
    }
    if (Result r = ensureLoaded(); !r.ok()) {
        return r;
    }
    const std::string date = isoTime(std::chrono::floor<std::chrono::seconds>(now()));
    return writeOutboxFile(
        "notes", shopId,
        csv::formatExcelCsv({{"order", "visibility", "note", "date"},
                             {shopId, customerNote ? "customer" : "internal", text, date}}));
}

}  // namespace shop
