// The shipping label as a value type, and its rendering to ZPL II.
// Pure: bytes out, no I/O. Full layouts (PDF, templates, sizes) come later.
#pragma once

#include <string>

namespace labels {

struct Address {
    std::string name;
    std::string street;
    std::string postcode;
    std::string city;
    std::string country;
};

struct ShippingLabel {
    Address sender;
    Address recipient;
    std::string orderNumber;
    std::string carrier;          // e.g. "Colissimo"; may be empty
    std::string trackingNumber;   // may be empty (customer pickup): no barcode then
    bool trackingIsSscc = false;  // 18 digits: encoded as GS1-128 with AI (00)
    int parcelIndex = 1;          // 1-based: "parcel 1 of 2"
    int parcelCount = 1;
    long weightGrams = 0;
    std::string date;  // YYYY-MM-DD
};

// A 4x6 in label at 203 dpi: ^XA ^CI28 ... ^XZ, text as UTF-8, the tracking number as a
// native ^BC Code 128 (GS1-128 with FNC1 for an SSCC). A few hundred bytes, never a bitmap.
std::string renderShippingLabelZpl(const ShippingLabel& label);

}  // namespace labels
