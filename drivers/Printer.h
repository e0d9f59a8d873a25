// The printer role: takes a job of bytes in the printer's language and says how it went.
// A job id is stable across retries so that a device can refuse to print it twice.
#pragma once

#include <functional>
#include <string>

#include "drivers/Device.h"

namespace drivers {

struct PrintJob {
    std::string id;        // unique and stable: the same job offered again keeps its id
    std::string language;  // "zpl", "pdf"
    std::string data;
};

struct PrintResult {
    bool ok = false;
    bool duplicate = false;  // the device already had this job id: nothing new printed
    std::string error;       // for the person at the bench when !ok
};

using PrintDone = std::function<void(const PrintResult&)>;

class Printer {
  public:
    virtual ~Printer() = default;
    virtual const std::string& name() const = 0;
    virtual const std::string& language() const = 0;
    // `done` is called exactly once, on the printer's io_context.
    virtual void submit(PrintJob job, PrintDone done) = 0;
    virtual DeviceStatus status() const = 0;
    // Stops polling and closes connections so that the daemon can exit; a job in flight
    // completes with an error. Nothing to do for a printer without timers.
    virtual void stop() {}
};

}  // namespace drivers
