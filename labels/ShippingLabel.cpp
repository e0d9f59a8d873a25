#include "labels/ShippingLabel.h"

#include "labels/Layout.h"
#include "labels/Text.h"
#include "labels/ZplRenderer.h"

namespace labels {

namespace {

bool isSscc(std::string_view digits) {
    return digits.size() == 18 && digits.find_first_not_of("0123456789") == digits.npos;
}

std::string joinNonEmpty(std::initializer_list<std::string_view> parts, std::string_view sep) {
    std::string out;
    for (std::string_view part : parts) {
        if (part.find_first_not_of(' ') == std::string_view::npos) {
            continue;
        }
        if (!out.empty()) {
            out += sep;
        }
        out += part;
    }
    return out;
}

}  // namespace

std::string addressLines(const Address& a) {
    // Each part on one line: a newline inside a part is a space, like any control character.
    return joinNonEmpty(
        {cleanText(a.name), cleanText(a.street),
         joinNonEmpty({cleanText(a.postcode), cleanText(a.city)}, " "), cleanText(a.country)},
        "\n");
}

Document layoutShippingLabel(const ShippingLabel& label, const Template& layout) {
    Document document;
    PageBuilder b(layout, document);
    b.text("date", cleanText(label.date));
    b.text("sender", addressLines(label.sender));
    b.text("recipient_name", cleanText(label.recipient.name));
    b.text("recipient_street", cleanText(label.recipient.street));
    b.text("recipient_city",
           cleanText(joinNonEmpty({label.recipient.postcode, label.recipient.city}, " ")));
    b.text("recipient_country", cleanText(label.recipient.country));
    b.text("carrier", cleanText(label.carrier));
    b.text("service", cleanText(label.service));
    b.text("order", cleanText(label.orderNumber));
    b.text("parcel", std::to_string(label.parcelIndex) + "/" + std::to_string(label.parcelCount));
    b.text("weight", formatKilograms(label.weightGrams));

    const std::string tracking = cleanText(label.trackingNumber);
    if (tracking.empty()) {
        b.text("tracking_text", "RETRAIT / PICKUP");
        return document;
    }
    if (label.trackingIsSscc) {
        if (!isSscc(tracking)) {
            document.warnings.push_back("tracking_barcode: an SSCC has 18 digits: " + tracking);
            b.notice("tracking_barcode", "SSCC INVALIDE (18 CHIFFRES) / INVALID SSCC (18 DIGITS)");
            b.text("tracking_text", tracking);
            return document;
        }
        b.barcode("tracking_barcode", Symbology::Gs1_128, "00" + tracking);
        b.text("tracking_text", "(00) " + tracking);
    } else {
        b.barcode("tracking_barcode", Symbology::Code128, tracking);
        b.text("tracking_text", tracking);
    }
    b.code2d("tracking_2d", label.trackingData.empty() ? tracking : label.trackingData);
    return document;
}

std::string renderShippingLabelZpl(const ShippingLabel& label) {
    static const Template* const layout = defaultTemplate(DocumentKind::ShippingLabel, "4x6");
    return renderZpl(layoutShippingLabel(label, *layout), 203);
}

}  // namespace labels
