#include "drivers/PosScanAssembler.h"

namespace drivers {

namespace {

constexpr std::size_t kDataOffset = 5;
constexpr std::size_t kFlagsOffset = 63;

bool isPrintable(std::uint8_t c) {
    return c > 0x20 && c < 0x7F;
}

// The identifier is three bytes "]Xm"; some scanners leave out the "]" and pad with a zero,
// and a scanner with identifiers switched off sends zeros.
std::optional<std::string> symbologyPrefix(std::span<const std::uint8_t> id, std::string& error) {
    if (id[0] == 0 && id[1] == 0 && id[2] == 0) {
        return std::string();
    }
    if (id[0] == ']' && isPrintable(id[1]) && isPrintable(id[2])) {
        return std::string(id.begin(), id.end());
    }
    if (isPrintable(id[0]) && isPrintable(id[1]) && id[2] == 0) {
        return "]" + std::string(id.begin(), id.begin() + 2);
    }
    error = "HID POS scanner sent an unreadable symbology identifier";
    return std::nullopt;
}

}  // namespace

void PosScanAssembler::reset() {
    pending_.clear();
    inProgress_ = false;
    overflowed_ = false;
    dataBytes_ = 0;
}

std::optional<PosScan> PosScanAssembler::feed(std::span<const std::uint8_t> report) {
    if (report.empty() || report[0] != kReportId) {
        return std::nullopt;
    }
    auto fail = [this](std::string message) {
        reset();
        return PosScan{{}, std::move(message)};
    };
    if (report.size() < kDataOffset) {
        return fail("HID POS scanner sent a report of " + std::to_string(report.size()) +
                    " bytes, too short for a code");
    }
    const std::size_t length = report[1];
    if (length > kMaxDataPerReport || kDataOffset + length > report.size()) {
        return fail("HID POS scanner report says " + std::to_string(length) +
                    " data bytes, which do not fit in a report of " +
                    std::to_string(report.size()) + " bytes");
    }
    // Short reports (some scanners trim them) cannot carry the flag: they are the last fragment.
    const bool more = report.size() > kFlagsOffset && (report[kFlagsOffset] & 0x01) != 0;

    if (!inProgress_) {
        std::string error;
        auto prefix = symbologyPrefix(report.subspan(2, 3), error);
        if (!prefix) {
            return fail(std::move(error));
        }
        pending_ = std::move(*prefix);
        inProgress_ = true;
    }
    if (!overflowed_) {
        if (pending_.size() + length > kMaxCodeBytes) {
            overflowed_ = true;
            pending_.clear();
        } else {
            pending_.append(report.begin() + kDataOffset, report.begin() + kDataOffset + length);
            dataBytes_ += length;
        }
    }
    if (more) {
        return std::nullopt;
    }
    if (overflowed_) {
        return fail("HID POS scanner sent a code longer than " + std::to_string(kMaxCodeBytes) +
                    " bytes: dropped");
    }
    if (dataBytes_ == 0) {
        return fail("HID POS scanner sent an empty code");
    }
    PosScan scan{std::move(pending_), {}};
    reset();
    return scan;
}

}  // namespace drivers
