// Files that survive a crash and a power cut whole or not at all, for the printer folder
// (drivers/DirectoryPrinter) and the CSV exchange (sync/CsvAdapter): a temporary file in the
// same folder, synced, renamed into place (never over another writer's file unless asked),
// then the folder synced. A leaf: it includes nothing of the project.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace files {

// strerror for an errno, thread-safe.
std::string errnoText(int error);

// Closes the descriptor on every path out of a function; close errors that matter are checked
// explicitly before release().
class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor();
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

  private:
    int fd_;
};

// Each returns 0 when done, else the errno.
int readWholeFile(const std::filesystem::path& path, std::string& out);
int writeAll(int fd, std::string_view data);
int syncDirectory(const std::filesystem::path& dir);

enum class Placed {
    Done,
    AlreadyThere,  // another file has the name (only when not replacing)
    NotFlushed,    // in place, but the folder could not be synced: durability in doubt
    Failed,
};

// Moves `from` to `to`; with `replace` false, never over a file already there, so that two
// writers cannot both think they own a name (renameat2 RENAME_NOREPLACE, or link()).
Placed renameInto(const std::string& from, const std::string& to, bool replace, int& error);

// What writeAtomically did; `step` names what failed ("create a file in", "write", "flush",
// "rename into", "flush the folder") when it did not end Done or AlreadyThere.
struct Written {
    Placed placed = Placed::Done;
    int error = 0;
    std::string_view step;
};

// `bytes` as `dir`/`name`, 0644: readers see the old file or the whole new one. A crash before
// the rename leaves only a ".<name>.tmp-XXXXXX" file, which isTempFile() recognises.
Written writeAtomically(const std::filesystem::path& dir, const std::string& name,
                        std::string_view bytes, bool replace);

bool isTempFile(const std::string& name);
// Removes what a crash left of writeAtomically in `dir`.
void removeTempFiles(const std::filesystem::path& dir);

}  // namespace files
