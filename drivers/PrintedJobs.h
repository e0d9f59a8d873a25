// What every printer driver shares to keep a job from printing twice: the ids it has printed
// in this process, and the two endings of a failed job (surely not printed, or maybe printed).
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "drivers/Printer.h"

namespace drivers {

// Said after an error that came before the first byte of the job reached the printer: the
// bench may simply try again.
inline constexpr std::string_view kNotPrinted = ": not printed";
// Said after an error once the job's bytes had started to go out.
inline constexpr std::string_view kMayHavePrinted =
    ": it may have printed; check the printer before printing it again";

// The three failures every driver reports, with the sentence that tells the bench which it is.
inline PrintResult notPrinted(const std::string& error) {
    return {false, false, error + std::string(kNotPrinted), PrintFailure::Unavailable};
}
inline PrintResult mayHavePrinted(const std::string& error, const std::string& after = {}) {
    return {false, false, error + std::string(kMayHavePrinted) + after,
            PrintFailure::MayHavePrinted};
}
inline PrintResult refusedJob(const std::string& error) {
    return {false, false, error, PrintFailure::Refused};
}

// The last `capacity` job ids a driver confirmed printed. A job offered again with one of
// them is answered "duplicate" instead of being sent (a retry after a lost answer, a replay
// after the printer came back). A job that ended in doubt is not remembered: printing it
// again is the station's decision, not the driver's.
class PrintedJobs {
  public:
    explicit PrintedJobs(std::size_t capacity) : capacity_(capacity) {}

    bool contains(const std::string& id) const { return ids_.count(id) != 0; }

    void remember(const std::string& id) {
        if (capacity_ == 0 || contains(id)) {
            return;
        }
        order_.push_back(id);
        ids_.insert(id);
        while (order_.size() > capacity_) {
            ids_.erase(order_.front());
            order_.pop_front();
        }
    }

  private:
    std::size_t capacity_;
    std::deque<std::string> order_;
    std::unordered_set<std::string> ids_;
};

// The jobs a printer driver was given and has not started yet, in the order given. Every job
// hears exactly once how it went: from the driver, or "not printed" when the printer stopped
// before its turn (or was stopped already when it came).
class JobQueue {
  public:
    struct Entry {
        PrintJob job;
        PrintDone done;
    };

    JobQueue(boost::asio::io_context& io, std::string printerName)
        : io_(io), printer_(std::move(printerName)) {}

    // `stopped`: the printer will not start it; `done` hears so through the io_context, never
    // from inside the caller's submit().
    void push(PrintJob job, PrintDone done, bool stopped) {
        if (stopped) {
            boost::asio::post(io_, [done = std::move(done), name = printer_] {
                done(notPrinted("printer " + name + " is stopped"));
            });
            return;
        }
        entries_.push_back({std::move(job), std::move(done)});
    }
    bool empty() const { return entries_.empty(); }
    Entry pop() {
        Entry next = std::move(entries_.front());
        entries_.pop_front();
        return next;
    }
    // The printer stopped: every job still waiting hears it was not printed.
    void failAll() {
        while (!entries_.empty()) {
            pop().done(notPrinted("printer " + printer_ + " was stopped before the job was sent"));
        }
    }

  private:
    boost::asio::io_context& io_;
    std::string printer_;
    std::deque<Entry> entries_;
};

}  // namespace drivers
