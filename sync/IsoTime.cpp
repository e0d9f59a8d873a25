#include "sync/IsoTime.h"

#include <cctype>
#include <ctime>

namespace shop {

std::optional<std::chrono::system_clock::time_point> parseIsoTime(const std::string& iso) {
    std::tm tm{};
    if (iso.size() < 19 ||
        strptime(iso.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) {
        return std::nullopt;
    }
    auto t = std::chrono::system_clock::from_time_t(timegm(&tm));
    if (iso.size() >= 23 && iso[19] == '.' && std::isdigit(static_cast<unsigned char>(iso[20])) &&
        std::isdigit(static_cast<unsigned char>(iso[21])) &&
        std::isdigit(static_cast<unsigned char>(iso[22]))) {
        t += std::chrono::milliseconds((iso[20] - '0') * 100 + (iso[21] - '0') * 10 +
                                       (iso[22] - '0'));
    }
    return t;
}

std::string isoSeconds(std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return buf;
}

}  // namespace shop
