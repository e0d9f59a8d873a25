// A printer behind a CUPS queue through libcups: jobs sent raw (ZPL) or as PDF and followed to
// completed or aborted, the queue's state reasons reported; blocking calls on a worker thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "drivers/Printer.h"

namespace drivers {

struct CupsPrinterOptions {
    // "host:port", "host" (port 631) or a domain socket path; empty: libcups's default
    // (CUPS_SERVER, client.conf, then localhost).
    std::string server;
    // "zpl" (or any printer language) is sent raw; "pdf" as application/pdf.
    std::string language = "zpl";
    // How often a job in progress is asked about.
    std::chrono::milliseconds followInterval{500};
    // A job that has not completed after this is given up: cancelled in CUPS (so that it
    // cannot print later behind the station's back) and reported as a printer error.
    std::chrono::milliseconds jobTimeout{20000};
    // How often the queue is asked about while idle; zero turns it off.
    std::chrono::milliseconds pollInterval{5000};
    std::size_t rememberedJobs = 1000;  // see PrintedJobs
};

// "media-empty-error" -> "paper out"; unknown reasons are returned as they are, without the
// -error/-warning/-report suffix.
std::string describeCupsReason(const std::string& reason);
// Reasons that keep a printer from printing: any "-error", and media-empty, media-jam,
// cover-open, door-open, offline, paused, shutdown whatever their suffix.
bool cupsReasonBlocks(const std::string& reason);

class CupsPrinter : public Printer {
  public:
    CupsPrinter(boost::asio::io_context& io, std::string name, std::string queue,
                CupsPrinterOptions options = {});
    // Stops following; a job in flight completes with an error ("may have printed").
    ~CupsPrinter() override;

    const std::string& name() const override;
    const std::string& language() const override;
    // One job at a time, in order; `done` once per job, on the io_context. Each job is named
    // "stationd <job id>" in CUPS: a job id CUPS already completed is answered duplicate, and
    // one still queued there (from before a restart) is followed instead of sent again.
    void submit(PrintJob job, PrintDone done) override;
    // kind "cups"; up when CUPS answers, the queue accepts jobs, is not stopped, reports no
    // blocking reason, and the last job did not fail.
    void stop() override;
    DeviceStatus status() const override;
    // CUPS keeps the jobs it completed, named after the job id (see submit).
    bool remembersJobs() const override { return true; }

    // The printer-state-reasons of the last answer ("media-empty-error"...), without "none".
    std::vector<std::string> stateReasons() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace drivers
