#include "drivers/ToledoContinuous.h"

#include <cmath>

namespace drivers {

namespace {

constexpr char kStx = 0x02;
constexpr char kCr = 0x0D;
constexpr std::size_t kFrameBytes = 17;  // STX, SWA, SWB, SWC, 6 weight, 6 tare, CR
constexpr double kGramsPerPound = 453.59237;

std::size_t frameLength(ToledoChecksum checksum) {
    return checksum == ToledoChecksum::Verify ? kFrameBytes + 1 : kFrameBytes;
}

// Six digits; leading blanks are zeros on some scales.
bool parseDigits(std::string_view digits, std::int64_t& value) {
    value = 0;
    bool seenDigit = false;
    for (char c : digits) {
        if (c == ' ' && !seenDigit) {
            continue;
        }
        if (c < '0' || c > '9') {
            return false;
        }
        seenDigit = true;
        value = value * 10 + (c - '0');
    }
    return seenDigit;
}

std::string hexByte(unsigned char c) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    return std::string("0x") + kHex[c >> 4] + kHex[c & 0x0F];
}

}  // namespace

ToledoFrame parseToledoFrame(std::string_view frame, ToledoChecksum checksum) {
    ToledoFrame out;
    const std::size_t length = frameLength(checksum);
    if (frame.size() < length || frame[0] != kStx || frame[16] != kCr) {
        out.error = "Toledo frame is not STX ... CR of " + std::to_string(length) + " bytes";
        return out;
    }
    if (checksum == ToledoChecksum::Verify) {
        unsigned sum = 0;
        for (std::size_t i = 0; i <= 16; ++i) {
            sum += static_cast<unsigned char>(frame[i]);
        }
        const auto expected = static_cast<unsigned char>((0x80 - (sum & 0x7F)) & 0x7F);
        const auto got = static_cast<unsigned char>(frame[17]);
        if ((got & 0x7F) != expected) {
            out.error = "Toledo frame checksum " + hexByte(got) + " should be " +
                        hexByte(expected) + ": frame dropped";
            return out;
        }
    }
    const auto swa = static_cast<unsigned char>(frame[1]);
    const auto swb = static_cast<unsigned char>(frame[2]);
    const auto swc = static_cast<unsigned char>(frame[3]);

    std::int64_t weight = 0;
    std::int64_t tare = 0;
    if (!parseDigits(frame.substr(4, 6), weight) || !parseDigits(frame.substr(10, 6), tare)) {
        out.error = "Toledo frame has non-digits in its weight or tare";
        return out;
    }
    // SWA bits 0-2: where the decimal point sits. 0 and 1 are the "XX00" and "XX0" formats of
    // scales counting in hundreds or tens; 2 is whole units; 3..7 give 1..5 decimals.
    static constexpr double kScale[] = {100, 10, 1, 0.1, 0.01, 0.001, 0.0001, 0.00001};
    const double factor = kScale[swa & 0x07];

    double gramsPerUnit = 0;
    switch (swc & 0x07) {
        case 0:
            gramsPerUnit = (swb & 0x10) != 0 ? 1000.0 : kGramsPerPound;
            break;
        case 1:
            gramsPerUnit = 1.0;
            break;
        case 2:
            gramsPerUnit = 1.0e6;
            break;
        case 3:
            gramsPerUnit = kGramsPerPound / 16;
            break;
        default:
            out.error = "Toledo frame has unknown unit code " + std::to_string(swc & 0x07);
            return out;
    }

    const bool negative = (swb & 0x02) != 0;
    const bool outOfRange = (swb & 0x04) != 0;
    const bool motion = (swb & 0x08) != 0;
    out.net = (swb & 0x01) != 0;
    const auto grams = std::llround(static_cast<double>(weight) * factor * gramsPerUnit);
    out.tareGrams = std::llround(static_cast<double>(tare) * factor * gramsPerUnit);
    out.reading.grams = negative ? -grams : grams;
    if (outOfRange) {
        // The scale cannot say how heavy: the weight digits mean nothing.
        out.reading.status = negative ? ScaleStatus::UnderZero : ScaleStatus::Overload;
        out.reading.grams = 0;
    } else if (motion) {
        out.reading.status = ScaleStatus::InMotion;
    } else if (negative && grams != 0) {
        out.reading.status = ScaleStatus::UnderZero;
    } else if (grams == 0) {
        out.reading.status = ScaleStatus::AtZero;
        out.reading.grams = 0;
    } else {
        out.reading.status = ScaleStatus::Stable;
    }
    out.ok = true;
    return out;
}

ToledoStream::ToledoStream(ToledoChecksum checksum) : checksum_(checksum) {}

void ToledoStream::reset() {
    buffer_.clear();
}

std::vector<ToledoFrame> ToledoStream::feed(std::string_view bytes) {
    std::vector<ToledoFrame> frames;
    const std::size_t length = frameLength(checksum_);
    buffer_.append(bytes);
    std::size_t at = 0;
    for (;;) {
        const std::size_t stx = buffer_.find(kStx, at);
        if (stx == std::string::npos) {
            discarded_ += buffer_.size() - at;
            at = buffer_.size();
            break;
        }
        discarded_ += stx - at;
        at = stx;
        if (buffer_.size() - at < length) {
            break;  // the rest of this frame is still on its way
        }
        if (buffer_[at + 16] != kCr) {
            // Not a frame start after all (an STX in noise): look for the next one.
            ++discarded_;
            ++at;
            continue;
        }
        ToledoFrame frame =
            parseToledoFrame(std::string_view(buffer_).substr(at, length), checksum_);
        if (frame.ok) {
            at += length;
        } else {
            // A damaged frame may hide the start of a good one: resynchronise byte by byte.
            ++discarded_;
            ++at;
        }
        frames.push_back(std::move(frame));
    }
    buffer_.erase(0, at);
    return frames;
}

}  // namespace drivers
