#include "files/DurableFile.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

namespace files {

namespace fs = std::filesystem;

std::string errnoText(int error) {
    return std::generic_category().message(error);
}

FileDescriptor::~FileDescriptor() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

namespace {

// Removes the temporary file unless it made it to its final name.
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

}  // namespace

int readWholeFile(const fs::path& path, std::string& out) {
    FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (file.get() < 0) {
        return errno;
    }
    out.clear();
    std::array<char, 65536> buffer;
    for (;;) {
        const ssize_t n = ::read(file.get(), buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        if (n == 0) {
            return 0;
        }
        out.append(buffer.data(), static_cast<std::size_t>(n));
    }
}

int writeAll(int fd, std::string_view data) {
    std::size_t written = 0;
    while (written < data.size()) {
        const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        written += static_cast<std::size_t>(n);
    }
    return 0;
}

int syncDirectory(const fs::path& dir) {
    FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
        return errno;
    }
    return 0;
}

Placed renameInto(const std::string& from, const std::string& to, bool replace, int& error) {
    if (replace) {
        if (::rename(from.c_str(), to.c_str()) != 0) {
            error = errno;
            return Placed::Failed;
        }
        return Placed::Done;
    }
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
    // link() refuses an existing name just as atomically, on file systems without renameat2.
    if (::link(from.c_str(), to.c_str()) != 0) {
        if (errno == EEXIST) {
            return Placed::AlreadyThere;
        }
        error = errno;
        return Placed::Failed;
    }
    ::unlink(from.c_str());
    return Placed::Done;
}

bool isTempFile(const std::string& name) {
    return name.size() > 1 && name.front() == '.' && name.find(".tmp-") != std::string::npos;
}

void removeTempFiles(const fs::path& dir) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (isTempFile(it->path().filename().string())) {
            std::error_code ignored;
            fs::remove(it->path(), ignored);
        }
    }
}

Written writeAtomically(const fs::path& dir, const std::string& name, std::string_view bytes,
                        bool replace) {
    Written out;
    auto fail = [&](std::string_view step, int error) {
        out.placed = Placed::Failed;
        out.step = step;
        out.error = error;
        return out;
    };
    std::string tempPath = (dir / ("." + name + ".tmp-XXXXXX")).string();
    FileDescriptor file(::mkostemp(tempPath.data(), O_CLOEXEC));
    if (file.get() < 0) {
        return fail("create a file in", errno);
    }
    TempFileGuard guard(tempPath);
    // mkostemp creates 0600; a print spool or a shop's import tool reads as another user.
    ::fchmod(file.get(), 0644);
    if (const int error = writeAll(file.get(), bytes); error != 0) {
        return fail("write", error);
    }
    if (::fsync(file.get()) != 0) {
        return fail("flush", errno);
    }
    if (::close(file.release()) != 0) {
        return fail("write", errno);
    }
    int error = 0;
    out.placed = renameInto(tempPath, (dir / name).string(), replace, error);
    if (out.placed == Placed::Failed) {
        return fail("rename into", error);
    }
    if (out.placed == Placed::AlreadyThere) {
        return out;  // the guard removes ours
    }
    guard.keep();
    if (const int flushError = syncDirectory(dir); flushError != 0) {
        out.placed = Placed::NotFlushed;
        out.step = "flush the folder";
        out.error = flushError;
    }
    return out;
}

}  // namespace files
