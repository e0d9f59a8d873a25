#include "labels/ShippingLabel.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace labels {

namespace {

// 4x6 in at 203 dpi (8 dots/mm).
constexpr int kLabelWidth = 812;
constexpr int kLabelLength = 1218;
constexpr int kLeft = 40;
constexpr int kTextWidth = kLabelWidth - 2 * kLeft;

// Character budgets per field. ^A0 is proportional, so these are estimates of what fits the
// ^FB block at that font size; they also bound the label size whatever the input is.
constexpr std::size_t kSenderLineChars = 50;
constexpr std::size_t kRecipientNameChars = 48;
constexpr std::size_t kRecipientStreetChars = 64;
constexpr std::size_t kRecipientCityChars = 40;
constexpr std::size_t kRecipientCountryChars = 30;
constexpr std::size_t kInfoChars = 20;
constexpr std::size_t kDateChars = 20;
// Code 128 in subset B at a 2-dot module (0.25 mm, the thinnest a carrier scans reliably)
// fits about 30 characters in the printable width.
constexpr std::size_t kMaxBarcodeChars = 30;
constexpr int kBarcodeTop = 870;
constexpr int kBarcodeHeight = 230;

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

// Splits UTF-8 into characters, replacing what a printer would garble: control characters
// (a newline inside ^FD would print as data) become spaces, invalid bytes become '?'.
std::vector<std::string> characters(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t codePoint = 0;
        if (lead < 0x80) {
            length = 1;
            codePoint = lead;
        } else if ((lead & 0xE0) == 0xC0) {
            length = 2;
            codePoint = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            codePoint = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            codePoint = lead & 0x07;
        }
        bool valid = length > 0 && i + length <= text.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            valid = (next & 0xC0) == 0x80;
            codePoint = (codePoint << 6) | (next & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not characters either.
        constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
        if (valid && (codePoint < kMinForLength[length] || codePoint > 0x10FFFF ||
                      (codePoint >= 0xD800 && codePoint <= 0xDFFF))) {
            valid = false;
        }
        if (!valid) {
            out.emplace_back("?");
            ++i;
            continue;
        }
        if (codePoint < 0x20 || (codePoint >= 0x7F && codePoint <= 0x9F)) {
            out.emplace_back(" ");
        } else {
            out.emplace_back(text.substr(i, length));
        }
        i += length;
    }
    return out;
}

// Cleaned, trimmed and cut to `maxChars` characters (an ellipsis shows that text is missing).
std::string clip(std::string_view text, std::size_t maxChars) {
    std::vector<std::string> chars = characters(text);
    while (!chars.empty() && chars.back() == " ") {
        chars.pop_back();
    }
    std::size_t first = 0;
    while (first < chars.size() && chars[first] == " ") {
        ++first;
    }
    const std::size_t count = chars.size() - first;
    const bool cut = count > maxChars;
    const std::size_t keep = cut ? maxChars - 1 : count;
    std::string out;
    for (std::size_t k = first; k < first + keep; ++k) {
        out += chars[k];
    }
    if (cut) {
        out += kEllipsis;
    }
    return out;
}

// For a ^FH field inside a ^FB block. ^ and ~ would start a command; _ is the ^FH escape
// itself; \ is the ^FB escape, and doubling it also keeps user text from forming a "\&" break.
std::string escapeField(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '^':
                out += "_5E";
                break;
            case '~':
                out += "_7E";
                break;
            case '_':
                out += "_5F";
                break;
            case '\\':
                out += "\\\\";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string joinNonEmpty(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const auto& part : parts) {
        if (part.empty()) {
            continue;
        }
        if (!out.empty()) {
            out += separator;
        }
        out += part;
    }
    return out;
}

std::string formatKilograms(long grams) {
    const bool negative = grams < 0;
    const unsigned long magnitude =
        negative ? 0UL - static_cast<unsigned long>(grams) : static_cast<unsigned long>(grams);
    std::string fraction = std::to_string(magnitude % 1000);
    fraction.insert(0, 3 - fraction.size(), '0');
    return (negative ? "-" : "") + std::to_string(magnitude / 1000) + "." + fraction + " kg";
}

class ZplWriter {
  public:
    void raw(std::string_view commands) {
        out_ += commands;
        out_ += '\n';
    }

    // Fixed text of ours: no escaping needed, no wrapping wanted.
    void caption(int x, int y, int height, std::string_view text) {
        out_ += "^FO" + std::to_string(x) + "," + std::to_string(y) + "^A0N," +
                std::to_string(height) + "," + std::to_string(height) + "^FD";
        out_ += text;
        out_ += "^FS\n";
    }

    // User text: escaped, and wrapped inside a block of at most `maxLines` lines so that a long
    // value stays within its part of the label.
    void block(int x, int y, int width, int height, int maxLines, char justify,
               std::string_view escapedText) {
        if (escapedText.empty()) {
            return;  // an empty field prints nothing; leave it out of the label
        }
        out_ += "^FO" + std::to_string(x) + "," + std::to_string(y) + "^A0N," +
                std::to_string(height) + "," + std::to_string(height) + "^FB" +
                std::to_string(width) + "," + std::to_string(maxLines) + ",4," + justify +
                ",0^FH^FD";
        out_ += escapedText;
        out_ += "^FS\n";
    }

    void line(int y) {
        out_ +=
            "^FO30," + std::to_string(y) + "^GB" + std::to_string(kLabelWidth - 60) + ",3,3^FS\n";
    }

    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

bool isSscc(std::string_view digits) {
    if (digits.size() != 18) {
        return false;
    }
    for (char c : digits) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

// Code 128 subset B data for ^BC in mode N: ^, > and ~ are written as invocation codes.
// Returns empty if a character cannot be encoded in subset B.
std::string code128SubsetB(std::string_view text) {
    std::string out = ">:";
    for (char c : text) {
        if (c < 0x20 || c > 0x7E) {
            return {};
        }
        switch (c) {
            case '^':
                out += "><";
                break;
            case '>':
                out += ">0";
                break;
            case '~':
                out += ">=";
                break;
            default:
                out += c;
        }
    }
    return out;
}

void barcodeUnavailable(ZplWriter& zpl, std::string_view reason, std::string_view tracking) {
    zpl.caption(kLeft, kBarcodeTop + 20, 30, reason);
    zpl.block(kLeft, kBarcodeTop + 70, kTextWidth, 44, 2, 'C', escapeField(clip(tracking, 40)));
}

void trackingSection(ZplWriter& zpl, const ShippingLabel& label) {
    const std::string tracking = clip(label.trackingNumber, 64);
    if (tracking.empty()) {
        zpl.block(kLeft, kBarcodeTop + 80, kTextWidth, 80, 1, 'C', "RETRAIT / PICKUP");
        return;
    }
    if (label.trackingIsSscc) {
        if (!isSscc(tracking)) {
            barcodeUnavailable(zpl, "SSCC INVALIDE (18 CHIFFRES) / INVALID SSCC (18 DIGITS)",
                               tracking);
            return;
        }
        // GS1 logistic labels want a module of at least 0.495 mm: 4 dots at 203 dpi. Start C,
        // FNC1, then AI 00 and the 18 digits: 13 symbols of 11 modules plus a 13-module stop.
        constexpr int kModule = 4;
        constexpr int kModules = 13 * 11 + 13;
        zpl.raw("^BY" + std::to_string(kModule));
        zpl.raw("^FO" + std::to_string((kLabelWidth - kModules * kModule) / 2) + "," +
                std::to_string(kBarcodeTop) + "^A0N,30,30^BCN," + std::to_string(kBarcodeHeight) +
                ",Y,N,N^FD>;>800" + tracking + "^FS");
        return;
    }
    const std::string data = code128SubsetB(tracking);
    if (data.empty() || tracking.size() > kMaxBarcodeChars) {
        barcodeUnavailable(zpl, "CODE-BARRES IMPOSSIBLE / CANNOT BARCODE", tracking);
        return;
    }
    // Start, data, check digit (11 modules each) and stop (13); widest module that fits.
    const int modules = static_cast<int>(11 * (tracking.size() + 2) + 13);
    const int module = modules * 3 <= kLabelWidth - 100 ? 3 : 2;
    zpl.raw("^BY" + std::to_string(module));
    zpl.raw("^FO" + std::to_string((kLabelWidth - modules * module) / 2) + "," +
            std::to_string(kBarcodeTop) + "^A0N,30,30^BCN," + std::to_string(kBarcodeHeight) +
            ",Y,N,N^FD" + data + "^FS");
}

}  // namespace

std::string renderShippingLabelZpl(const ShippingLabel& label) {
    ZplWriter zpl;
    zpl.raw("^XA");
    zpl.raw("^CI28");
    zpl.raw("^PW" + std::to_string(kLabelWidth));
    zpl.raw("^LL" + std::to_string(kLabelLength));
    zpl.raw("^LH0,0");

    // Sender: small, one block, empty parts left out so there are no blank lines.
    const Address& from = label.sender;
    zpl.caption(kLeft, 30, 22, "EXPÉDITEUR / FROM");
    zpl.block(500, 30, kLabelWidth - 500 - kLeft, 22, 1, 'R',
              escapeField(clip(label.date, kDateChars)));
    const std::string senderLines = joinNonEmpty(
        {escapeField(clip(from.name, kSenderLineChars)),
         escapeField(clip(from.street, kSenderLineChars)),
         escapeField(clip(joinNonEmpty({clip(from.postcode, 12), clip(from.city, 40)}, " "),
                          kSenderLineChars)),
         escapeField(clip(from.country, kSenderLineChars))},
        "\\&");
    zpl.block(kLeft, 60, kTextWidth, 24, 5, 'L', senderLines);
    zpl.line(205);

    // Recipient: large, each part in its own block so a long street cannot push the city off.
    const Address& to = label.recipient;
    zpl.caption(kLeft, 222, 26, "DESTINATAIRE / TO");
    zpl.block(kLeft, 258, kTextWidth, 56, 2, 'L', escapeField(clip(to.name, kRecipientNameChars)));
    zpl.block(kLeft, 380, kTextWidth, 44, 2, 'L',
              escapeField(clip(to.street, kRecipientStreetChars)));
    zpl.block(kLeft, 480, kTextWidth, 48, 2, 'L',
              escapeField(clip(joinNonEmpty({clip(to.postcode, 12), clip(to.city, 40)}, " "),
                               kRecipientCityChars)));
    zpl.block(kLeft, 588, kTextWidth, 40, 1, 'L',
              escapeField(clip(to.country, kRecipientCountryChars)));
    zpl.line(640);

    // Carrier, order, parcel count and weight in two columns.
    constexpr int kRight = 500;
    constexpr int kLeftColumn = kRight - kLeft - 20;
    constexpr int kRightColumn = kLabelWidth - kRight - kLeft;
    zpl.caption(kLeft, 658, 22, "TRANSPORTEUR / CARRIER");
    zpl.block(kLeft, 684, kLeftColumn, 44, 1, 'L', escapeField(clip(label.carrier, kInfoChars)));
    zpl.caption(kRight, 658, 22, "COLIS / PARCEL");
    zpl.block(kRight, 684, kRightColumn, 44, 1, 'L',
              std::to_string(label.parcelIndex) + "/" + std::to_string(label.parcelCount));
    zpl.caption(kLeft, 746, 22, "COMMANDE / ORDER");
    zpl.block(kLeft, 772, kLeftColumn, 44, 1, 'L',
              escapeField(clip(label.orderNumber, kInfoChars)));
    zpl.caption(kRight, 746, 22, "POIDS / WEIGHT");
    zpl.block(kRight, 772, kRightColumn, 44, 1, 'L', formatKilograms(label.weightGrams));
    zpl.line(840);

    trackingSection(zpl, label);

    zpl.raw("^PQ1");
    std::string out = zpl.take();
    out += "^XZ";
    return out;
}

}  // namespace labels
