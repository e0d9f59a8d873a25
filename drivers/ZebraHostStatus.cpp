#include "drivers/ZebraHostStatus.h"

#include <vector>

namespace drivers {

namespace {

constexpr char kStx = 0x02;
constexpr char kEtx = 0x03;
constexpr int kStrings = 3;

std::vector<std::string_view> splitCommas(std::string_view text) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = text.find(',', start);
        fields.push_back(text.substr(start, comma - start));
        if (comma == std::string_view::npos) {
            return fields;
        }
        start = comma + 1;
    }
}

bool allDigits(std::string_view field) {
    if (field.empty()) {
        return false;
    }
    for (char c : field) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

bool parseFlag(std::string_view field, bool& flag) {
    if (field != "0" && field != "1") {
        return false;
    }
    flag = field == "1";
    return true;
}

bool parseNumber(std::string_view field, long& value) {
    if (!allDigits(field) || field.size() > 9) {
        return false;
    }
    value = 0;
    for (char c : field) {
        value = value * 10 + (c - '0');
    }
    return true;
}

}  // namespace

std::string ZebraHostStatus::problems() const {
    std::string out;
    auto add = [&out](bool flag, const char* what) {
        if (flag) {
            out += (out.empty() ? "" : ", ") + std::string(what);
        }
    };
    add(paperOut, "paper out");
    add(headOpen, "head open");
    add(ribbonOut, "ribbon out");
    add(paused, "paused");
    add(headTooHot, "head too hot");
    add(bufferFull, "receive buffer full");
    add(corruptRam, "memory corrupt");
    return out;
}

std::size_t hostStatusReplyLength(std::string_view received) {
    int found = 0;
    for (std::size_t i = 0; i < received.size(); ++i) {
        if (received[i] == kEtx && ++found == kStrings) {
            return i + 1;
        }
    }
    return 0;
}

HostStatusParse parseHostStatus(std::string_view reply) {
    HostStatusParse out;
    std::string_view strings[kStrings];
    std::size_t at = 0;
    for (int n = 0; n < kStrings; ++n) {
        // Only line ends may sit between the strings; anything else means a garbled answer.
        while (at < reply.size() && (reply[at] == '\r' || reply[at] == '\n')) {
            ++at;
        }
        if (at >= reply.size()) {
            out.error =
                "printer status answer is incomplete: " + std::to_string(n) + " of 3 strings";
            return out;
        }
        if (reply[at] != kStx) {
            out.error = "printer status answer is garbled: string " + std::to_string(n + 1) +
                        " does not start with STX";
            return out;
        }
        const std::size_t etx = reply.find(kEtx, at + 1);
        if (etx == std::string_view::npos) {
            out.error = "printer status answer is incomplete: string " + std::to_string(n + 1) +
                        " has no end";
            return out;
        }
        strings[n] = reply.substr(at + 1, etx - at - 1);
        if (strings[n].find(kStx) != std::string_view::npos) {
            out.error = "printer status answer is garbled: string " + std::to_string(n + 1) +
                        " holds a second STX";
            return out;
        }
        at = etx + 1;
    }
    for (; at < reply.size(); ++at) {
        if (reply[at] != '\r' && reply[at] != '\n') {
            out.error = "printer status answer has extra bytes after its third string";
            return out;
        }
    }

    const auto one = splitCommas(strings[0]);
    const auto two = splitCommas(strings[1]);
    const auto three = splitCommas(strings[2]);
    ZebraHostStatus status;
    auto garbled = [&out](int string) {
        out.error = "printer status answer is garbled: string " + std::to_string(string) +
                    " has unexpected fields";
        return out;
    };
    long formats = 0;
    // Older firmware ends string 1 after the corrupt-RAM flag; the temperature flags are read
    // when present.
    if (one.size() < 10 || !allDigits(one[0]) || !parseFlag(one[1], status.paperOut) ||
        !parseFlag(one[2], status.paused) || !allDigits(one[3]) || !parseNumber(one[4], formats) ||
        !parseFlag(one[5], status.bufferFull) || !parseFlag(one[9], status.corruptRam)) {
        return garbled(1);
    }
    status.formatsInBuffer = static_cast<int>(formats);
    if (one.size() >= 12 &&
        (!parseFlag(one[10], status.underTemperature) || !parseFlag(one[11], status.headTooHot))) {
        return garbled(1);
    }
    if (two.size() < 9 || !allDigits(two[0]) || !parseFlag(two[2], status.headOpen) ||
        !parseFlag(two[3], status.ribbonOut) || !parseFlag(two[7], status.labelWaiting) ||
        !parseNumber(two[8], status.labelsRemaining)) {
        return garbled(2);
    }
    if (three.empty() || !allDigits(three[0])) {
        return garbled(3);
    }
    out.status = status;
    return out;
}

bool HostStatusReader::add(std::string_view bytes) {
    if (length_ == 0) {
        received_.append(bytes);
        length_ = hostStatusReplyLength(received_);
    }
    return length_ > 0 || received_.size() > kMaxBytes;
}

HostStatusParse HostStatusReader::result() const {
    if (length_ == 0) {
        HostStatusParse out;
        out.error = "answer to ~HS is garbled: more than " + std::to_string(kMaxBytes) +
                    " bytes without its end";
        return out;
    }
    return parseHostStatus(std::string_view(received_).substr(0, length_));
}

std::string HostStatusReader::cutShort(const std::string& why) const {
    return (received_.empty() ? "no answer to ~HS: " : "incomplete answer to ~HS: ") + why;
}

}  // namespace drivers
