#include "drivers/MtSics.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace drivers {

namespace {

std::vector<std::string_view> splitFields(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ') {
            ++i;
        }
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ') {
            ++i;
        }
        if (i > start) {
            fields.push_back(line.substr(start, i - start));
        }
    }
    return fields;
}

double gramsPerUnit(std::string_view unit) {
    if (unit == "g") {
        return 1.0;
    }
    if (unit == "kg") {
        return 1000.0;
    }
    if (unit == "mg") {
        return 0.001;
    }
    if (unit == "lb") {
        return 453.59237;
    }
    if (unit == "oz") {
        return 28.349523125;
    }
    if (unit == "ct") {
        return 0.2;
    }
    return 0.0;
}

// "-0.123" -> -0.123 without locale or exponent: strtod would accept "1e9" and a comma locale.
bool parseDecimal(std::string_view text, double& value) {
    std::size_t i = 0;
    bool negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
        negative = text[i] == '-';
        ++i;
    }
    std::int64_t mantissa = 0;
    int decimals = 0;
    bool point = false;
    bool anyDigit = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '.' && !point) {
            point = true;
        } else if (c >= '0' && c <= '9') {
            if (mantissa > 100'000'000'000'000) {
                return false;
            }
            mantissa = mantissa * 10 + (c - '0');
            decimals += point ? 1 : 0;
            anyDigit = true;
        } else {
            return false;
        }
    }
    if (!anyDigit) {
        return false;
    }
    value = static_cast<double>(mantissa) / std::pow(10.0, decimals);
    if (negative) {
        value = -value;
    }
    return true;
}

MtSicsReply unreadable(std::string_view line) {
    MtSicsReply reply;
    reply.kind = MtSicsReply::Kind::Unreadable;
    std::string shown;
    for (char c : line.substr(0, 64)) {
        shown.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c);
    }
    reply.error = "unreadable MT-SICS reply \"" + shown + "\"";
    return reply;
}

}  // namespace

MtSicsReply parseMtSicsReply(std::string_view line) {
    const std::vector<std::string_view> f = splitFields(line);
    MtSicsReply reply;
    if (f.empty()) {
        return unreadable(line);
    }
    if (f.size() == 1 && (f[0] == "ES" || f[0] == "ET" || f[0] == "EL")) {
        reply.kind = MtSicsReply::Kind::CommandError;
        reply.error = f[0] == "ES"   ? "scale did not understand the command (ES)"
                      : f[0] == "ET" ? "scale reports a transmission error (ET)"
                                     : "scale cannot carry out the command (EL)";
        return reply;
    }
    if (f[0] == "S" || f[0] == "SI") {
        if (f.size() == 2 && f[1] == "I") {
            reply.kind = MtSicsReply::Kind::Busy;
            return reply;
        }
        if (f.size() == 2 && f[1] == "+") {
            reply.kind = MtSicsReply::Kind::Overload;
            reply.reading.status = ScaleStatus::Overload;
            return reply;
        }
        if (f.size() == 2 && f[1] == "-") {
            reply.kind = MtSicsReply::Kind::Underload;
            reply.reading.status = ScaleStatus::UnderZero;
            return reply;
        }
        if (f.size() == 4 && (f[1] == "S" || f[1] == "D")) {
            double value = 0;
            const double perUnit = gramsPerUnit(f[3]);
            if (!parseDecimal(f[2], value) || perUnit == 0.0) {
                return unreadable(line);
            }
            const double grams = value * perUnit;
            if (std::fabs(grams) > 1.0e12) {
                return unreadable(line);
            }
            reply.kind = MtSicsReply::Kind::Weight;
            reply.reading.grams = std::llround(grams);
            if (f[1] == "D") {
                reply.reading.status = ScaleStatus::InMotion;
            } else if (reply.reading.grams == 0) {
                reply.reading.status = ScaleStatus::AtZero;
            } else if (reply.reading.grams < 0) {
                reply.reading.status = ScaleStatus::UnderZero;
            } else {
                reply.reading.status = ScaleStatus::Stable;
            }
            return reply;
        }
        return unreadable(line);
    }
    if (f[0] == "Z" && f.size() == 2) {
        if (f[1] == "A") {
            reply.kind = MtSicsReply::Kind::Zeroed;
            return reply;
        }
        if (f[1] == "I") {
            reply.kind = MtSicsReply::Kind::Busy;
            return reply;
        }
        if (f[1] == "+" || f[1] == "-") {
            reply.kind = MtSicsReply::Kind::ZeroRefused;
            reply.error = f[1] == "+" ? "scale cannot zero: load above the zeroing range"
                                      : "scale cannot zero: load below the zeroing range";
            return reply;
        }
    }
    return unreadable(line);
}

void MtSicsStream::reset() {
    pending_.clear();
    discarding_ = false;
}

std::vector<MtSicsReply> MtSicsStream::feed(std::string_view bytes) {
    std::vector<MtSicsReply> replies;
    for (char c : bytes) {
        if (c == '\r' || c == '\n') {
            if (discarding_) {
                discarding_ = false;
            } else if (!pending_.empty()) {
                replies.push_back(parseMtSicsReply(pending_));
            }
            pending_.clear();
            continue;
        }
        if (discarding_) {
            continue;
        }
        if (pending_.size() >= kMaxLineBytes) {
            MtSicsReply noise;
            noise.error = "MT-SICS line longer than " + std::to_string(kMaxLineBytes) +
                          " bytes: is the serial speed right?";
            replies.push_back(std::move(noise));
            pending_.clear();
            discarding_ = true;
            continue;
        }
        pending_.push_back(c);
    }
    return replies;
}

}  // namespace drivers
