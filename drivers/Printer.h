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

// Why a job did not print, which decides what the station does with it next.
enum class PrintFailure {
    None,  // printed (ok)
    // The printer cannot take jobs now (offline, paper out, head open, unplugged) and not a
    // byte of this job went out: hold it and offer it again once the printer is back.
    Unavailable,
    // The job's bytes had started to go out when something failed: it may have printed, so a
    // person looks before it is sent again.
    MayHavePrinted,
    // The job itself cannot print here (wrong language, bad id, no such printer): offering it
    // again will not help.
    Refused,
};

struct PrintResult {
    bool ok = false;
    bool duplicate = false;  // the device already had this job id: nothing new printed
    std::string error;       // for the person at the bench when !ok
    PrintFailure failure = PrintFailure::None;
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
    // True when the device itself recognises a job id it already has, even after the daemon
    // restarted (a spool folder, a CUPS job history): a job whose answer was lost may then
    // simply be offered again. Otherwise a job cut short by a crash may have printed.
    virtual bool remembersJobs() const { return false; }
    // Stops polling and closes connections so that the daemon can exit; a job in flight
    // completes with an error. Nothing to do for a printer without timers.
    virtual void stop() {}
};

}  // namespace drivers
