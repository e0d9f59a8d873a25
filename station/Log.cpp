#include "station/Log.h"

#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace station::log {
namespace {

Level gLevel = Level::Info;
std::string gStation;
bool gJournal = false;

// systemd documents JOURNAL_STREAM as "device:inode" of the stream it connected to stderr;
// only when it still matches is stderr really the journal (not redirected by a wrapper).
bool stderrIsJournal() {
    const char* env = std::getenv("JOURNAL_STREAM");
    if (!env) {
        return false;
    }
    unsigned long long dev = 0;
    unsigned long long ino = 0;
    if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) {
        return false;
    }
    struct stat st {};
    if (fstat(2, &st) != 0) {
        return false;
    }
    return static_cast<unsigned long long>(st.st_dev) == dev &&
           static_cast<unsigned long long>(st.st_ino) == ino;
}

const char* levelName(Level l) {
    switch (l) {
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warning:
            return "warning";
        case Level::Error:
            return "error";
    }
    return "info";
}

}  // namespace

void setup(std::string_view level, std::string_view station) {
    gLevel = level == "debug"     ? Level::Debug
             : level == "warning" ? Level::Warning
             : level == "error"   ? Level::Error
                                  : Level::Info;
    gStation = station;
    gJournal = stderrIsJournal();
}

void write(Level level, std::string_view message, const Fields& f) {
    if (static_cast<int>(level) > static_cast<int>(gLevel)) {
        return;
    }
    if (gJournal) {
        const std::string msg = "MESSAGE=" + std::string(message);
        const std::string prio = "PRIORITY=" + std::to_string(static_cast<int>(level));
        const std::string station = "STATION=" + gStation;
        const std::string order = "ORDER=" + std::string(f.order);
        const std::string user = "USER=" + std::string(f.user);
        const std::string device = "DEVICE=" + std::string(f.device);
        sd_journal_send("%s", msg.c_str(), "%s", prio.c_str(), "%s", station.c_str(), "%s",
                        order.c_str(), "%s", user.c_str(), "%s", device.c_str(),
                        "SYSLOG_IDENTIFIER=stationd", nullptr);
        return;
    }
    std::string line = "stationd: ";
    if (level != Level::Info) {
        line += levelName(level);
        line += ": ";
    }
    line += message;
    if (!f.order.empty()) {
        line += " [order " + std::string(f.order) + "]";
    }
    if (!f.user.empty()) {
        line += " [user " + std::string(f.user) + "]";
    }
    if (!f.device.empty()) {
        line += " [device " + std::string(f.device) + "]";
    }
    line += '\n';
    std::cerr << line << std::flush;
}

}  // namespace station::log
