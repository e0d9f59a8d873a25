// The daemon's log: structured journald entries under systemd, plain lines on stderr
// elsewhere. Callers pass fields (order, user, device); secrets never go in a log call.
#pragma once

#include <string>
#include <string_view>

namespace station::log {

enum class Level { Debug = 7, Info = 6, Warning = 4, Error = 3 };  // syslog priorities

struct Fields {
    std::string_view order;
    std::string_view user;
    std::string_view device;
};

// Reads the level ("debug", "info", "warning", "error"), the station id added to every entry,
// and whether stderr is connected to the journal (systemd sets JOURNAL_STREAM then).
void setup(std::string_view level, std::string_view station);
void write(Level level, std::string_view message, const Fields& fields = {});

inline void debug(std::string_view m, const Fields& f = {}) {
    write(Level::Debug, m, f);
}
inline void info(std::string_view m, const Fields& f = {}) {
    write(Level::Info, m, f);
}
inline void warning(std::string_view m, const Fields& f = {}) {
    write(Level::Warning, m, f);
}
inline void error(std::string_view m, const Fields& f = {}) {
    write(Level::Error, m, f);
}

}  // namespace station::log
