#include "drivers/DirectoryPrinter.h"

#include "drivers/PrintedJobs.h"
#include "files/DurableFile.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

namespace drivers {

namespace {

// NAME_MAX is 255 on the usual file systems; leave room for ".<language>" and the temp suffix.
constexpr std::size_t kMaxJobIdLength = 200;

std::string validateJobId(const std::string& id) {
    if (id.empty()) {
        return "job id is empty";
    }
    if (id.size() > kMaxJobIdLength) {
        return "job id is longer than " + std::to_string(kMaxJobIdLength) + " characters";
    }
    if (id.front() == '.') {
        return "job id '" + id + "' must not start with a dot";
    }
    for (char c : id) {
        const bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!safe) {
            return "job id '" + id + "' may only contain letters, digits, '.', '_' and '-'";
        }
    }
    return {};
}

// The job's file, durable and written once (files/DurableFile.h): a second submission of the
// same id finds it there and prints nothing new.
PrintResult writeJobFile(const std::string& printerName, const std::filesystem::path& directory,
                         const std::string& data, const std::filesystem::path& target) {
    PrintResult result;
    const files::Written written =
        files::writeAtomically(directory, target.filename().string(), data, false);
    const std::string prefix = "printer " + printerName + ": ";
    switch (written.placed) {
        case files::Placed::Done:
            result.ok = true;
            break;
        case files::Placed::AlreadyThere:
            // Another submission of the same id won the race; ours was discarded.
            result.ok = true;
            result.duplicate = true;
            break;
        case files::Placed::NotFlushed:
            // The file is complete and in place; only its durability is in doubt. Report it so
            // the bench does not assume the label is safe, but the job id stays taken.
            result.error = prefix + "cannot flush directory " + directory.string() + ": " +
                           files::errnoText(written.error);
            break;
        case files::Placed::Failed:
            result.error =
                prefix + "cannot " + std::string(written.step) + " " +
                (written.step == "create a file in" ? directory.string() : target.string()) + ": " +
                files::errnoText(written.error);
            break;
    }
    return result;
}

}  // namespace

DirectoryPrinter::DirectoryPrinter(boost::asio::io_context& io, std::string name,
                                   std::string language, std::filesystem::path directory)
    : io_(io),
      name_(std::move(name)),
      language_(std::move(language)),
      directory_(std::move(directory)) {
    // A write cut short by a crash leaves its hidden temporary file behind ("." + target +
    // ".tmp-XXXXXX"); the job itself is offered again under its id, so the leftover is garbage.
    files::removeTempFiles(directory_);
    // Those of an older stationd were named "." + target + ".XXXXXX".
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(directory_, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        const std::string file = it->path().filename().string();
        const std::string marker = "." + language_ + ".";
        const auto at = file.rfind(marker);
        if (file.size() > 1 && file[0] == '.' && at != std::string::npos &&
            file.size() - at - marker.size() == 6) {
            std::error_code ignored;
            std::filesystem::remove(it->path(), ignored);
        }
    }
}

const std::string& DirectoryPrinter::name() const {
    return name_;
}

const std::string& DirectoryPrinter::language() const {
    return language_;
}

std::filesystem::path DirectoryPrinter::pathFor(const std::string& jobId) const {
    return directory_ / (jobId + "." + language_);
}

DeviceStatus DirectoryPrinter::status() const {
    DeviceStatus status;
    status.name = name_;
    status.kind = "directory";
    status.role = "printer";
    bool writable = lastError_.empty();
    if (!writable) {
        // The folder, or the nearest folder above it that exists, accepts new files.
        std::error_code ec;
        std::filesystem::path probe = directory_;
        while (!probe.empty() && !std::filesystem::exists(probe, ec)) {
            probe = probe.parent_path();
        }
        writable = !probe.empty() && std::filesystem::is_directory(probe, ec) &&
                   ::access(probe.c_str(), W_OK | X_OK) == 0;
    }
    status.up = writable;
    status.detail =
        lastError_.empty() ? "writing to " + directory_.string()
        : writable ? "writing to " + directory_.string() + " again (last job: " + lastError_ + ")"
                   : lastError_;
    return status;
}

void DirectoryPrinter::submit(PrintJob job, PrintDone done) {
    PrintResult result;
    // A refused job is the caller's mistake, not the device's: it does not mark the printer down.
    bool deviceError = false;

    auto fail = [&](std::string message, bool ofDevice) {
        result.ok = false;
        result.error = std::move(message);
        deviceError = ofDevice;
    };

    if (std::string idError = validateJobId(job.id); !idError.empty()) {
        fail("printer " + name_ + ": " + idError, false);
        result.failure = PrintFailure::Refused;
    } else if (!job.language.empty() && job.language != language_) {
        fail("printer " + name_ + " prints " + language_ + ", not " + job.language, false);
        result.failure = PrintFailure::Refused;
    } else {
        const std::filesystem::path target = pathFor(job.id);
        std::error_code ec;
        std::filesystem::create_directories(directory_, ec);
        struct stat existing {};
        if (ec) {
            fail("printer " + name_ + ": cannot create directory " + directory_.string() + ": " +
                     ec.message(),
                 true);
        } else if (::stat(target.c_str(), &existing) == 0) {
            result.ok = true;
            result.duplicate = true;
        } else {
            result = writeJobFile(name_, directory_, job.data, target);
            deviceError = !result.ok;
        }
    }

    if (deviceError) {
        // Nothing printed, or the file is complete and only its durability is in doubt: either
        // way the same job id may be offered again, once the folder can take it.
        lastError_ = result.error;
        result = notPrinted(result.error);
    } else if (result.ok) {
        lastError_.clear();
    }
    boost::asio::post(io_, [done = std::move(done), result = std::move(result)] { done(result); });
}

}  // namespace drivers
