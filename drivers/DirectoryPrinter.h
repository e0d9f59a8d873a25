// A simulated printer that writes each job to a file named after the job id.
// The write is atomic and durable, and a job id already on disk is not written again.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <string>

#include "drivers/Printer.h"

namespace drivers {

class DirectoryPrinter : public Printer {
  public:
    DirectoryPrinter(boost::asio::io_context& io, std::string name, std::string language,
                     std::filesystem::path directory);

    const std::string& name() const override;
    const std::string& language() const override;
    void submit(PrintJob job, PrintDone done) override;
    // Up while the last job went well; after a failure, up again as soon as the folder can be
    // written to (checked on each call), so that held jobs are offered again.
    DeviceStatus status() const override;
    bool remembersJobs() const override { return true; }  // a job id already on disk is kept

    // "<directory>/<job id>.<language>"
    std::filesystem::path pathFor(const std::string& jobId) const;

  private:
    boost::asio::io_context& io_;
    std::string name_;
    std::string language_;
    std::filesystem::path directory_;
    std::string lastError_;
};

}  // namespace drivers
