#include "drivers/DirectoryPrinter.h"

#include "drivers/PrintedJobs.h"

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

std::string errnoText(int error) {
    return std::generic_category().message(error);
}

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

// Closes the descriptor on every path out of a function; close errors that matter are checked
// explicitly before release().
class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

  private:
    int fd_;
};

// Removes the temporary file unless the job made it to its final name.
class TempFileGuard {
  public:
    explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
    ~TempFileGuard() {
        if (!path_.empty()) {
            ::unlink(path_.c_str());
        }
    }
    TempFileGuard(const TempFileGuard&) = delete;
    TempFileGuard& operator=(const TempFileGuard&) = delete;
    void keep() { path_.clear(); }

  private:
    std::string path_;
};

bool writeAll(int fd, const std::string& data, int& error) {
    std::size_t written = 0;
    while (written < data.size()) {
        const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error = errno;
            return false;
        }
        written += static_cast<std::size_t>(n);
    }
    return true;
}

enum class Placed { Done, AlreadyThere, Failed };

// Moves the temp file to its final name without ever replacing a job that is already there,
// so two submissions of one id cannot both print; falls back to a check-then-rename on file
// systems without RENAME_NOREPLACE.
Placed placeWithoutReplacing(const std::string& from, const std::string& to, int& error) {
#ifdef RENAME_NOREPLACE
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
        return Placed::Done;
    }
    if (errno == EEXIST) {
        return Placed::AlreadyThere;
    }
    if (errno != EINVAL && errno != ENOSYS) {
        error = errno;
        return Placed::Failed;
    }
#endif
    struct stat existing {};
    if (::stat(to.c_str(), &existing) == 0) {
        return Placed::AlreadyThere;
    }
    if (::rename(from.c_str(), to.c_str()) != 0) {
        error = errno;
        return Placed::Failed;
    }
    return Placed::Done;
}

// Temp file in the same directory (rename is only atomic within one file system), fsync the data,
// move it into place, then fsync the directory so the new name survives a power cut too.
PrintResult writeJobFile(const std::string& printerName, const std::filesystem::path& directory,
                         const std::string& data, const std::filesystem::path& target) {
    PrintResult result;
    const std::string prefix = "printer " + printerName + ": ";
    std::string tempPath = (directory / ("." + target.filename().string() + ".XXXXXX")).string();
    FileDescriptor file(::mkostemp(tempPath.data(), O_CLOEXEC));
    if (file.get() < 0) {
        result.error =
            prefix + "cannot create a file in " + directory.string() + ": " + errnoText(errno);
        return result;
    }
    TempFileGuard guard(tempPath);
    // mkostemp creates 0600; a print spool is read by other tools, so use the usual 0644.
    ::fchmod(file.get(), 0644);

    int error = 0;
    if (!writeAll(file.get(), data, error)) {
        result.error = prefix + "cannot write " + target.string() + ": " + errnoText(error);
        return result;
    }
    if (::fsync(file.get()) != 0) {
        result.error = prefix + "cannot flush " + target.string() + ": " + errnoText(errno);
        return result;
    }
    if (::close(file.release()) != 0) {
        result.error = prefix + "cannot write " + target.string() + ": " + errnoText(errno);
        return result;
    }

    switch (placeWithoutReplacing(tempPath, target.string(), error)) {
        case Placed::AlreadyThere:
            // Another submission of the same id won the race; ours is discarded by the guard.
            result.ok = true;
            result.duplicate = true;
            return result;
        case Placed::Failed:
            result.error =
                prefix + "cannot rename into " + target.string() + ": " + errnoText(error);
            return result;
        case Placed::Done:
            guard.keep();
            break;
    }

    FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0 || ::fsync(dir.get()) != 0) {
        // The file is complete and in place; only its durability is in doubt. Report it so the
        // bench does not assume the label is safe, but the job id stays taken.
        result.error =
            prefix + "cannot flush directory " + directory.string() + ": " + errnoText(errno);
        return result;
    }
    result.ok = true;
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
    // ".XXXXXX"); the job itself is offered again under its id, so the leftover is garbage.
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
