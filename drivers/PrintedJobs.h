// What every printer driver shares to keep a job from printing twice: the ids it has printed
// in this process, and the two endings of a failed job (surely not printed, or maybe printed).
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

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

}  // namespace drivers
