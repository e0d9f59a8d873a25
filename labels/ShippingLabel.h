// The shipping label as a value type, its layout from a template, and the ZPL the station
// sends to a thermal printer. Pure: bytes out, no I/O.
#pragma once

#include "labels/Document.h"
#include "labels/Template.h"

#include <string>

namespace labels {

struct Address {
    std::string name;
    std::string street;
    std::string postcode;
    std::string city;
    std::string country;
};

// "name\nstreet\npostcode city\ncountry", leaving out empty parts.
std::string addressLines(const Address& address);

struct ShippingLabel {
    Address sender;
    Address recipient;
    std::string orderNumber;
    std::string carrier;          // e.g. "Colissimo"; may be empty
    std::string service;          // e.g. "Domicile sans signature"; may be empty
    std::string trackingNumber;   // may be empty (customer pickup): no barcode then
    bool trackingIsSscc = false;  // 18 digits: encoded as GS1-128 with AI (00)
    std::string trackingData;     // content of the 2D code; empty: the tracking number
    int parcelIndex = 1;          // 1-based: "parcel 1 of 2"
    int parcelCount = 1;
    long weightGrams = 0;
    std::string date;  // YYYY-MM-DD
};

Document layoutShippingLabel(const ShippingLabel& label, const Template& layout);

// The built-in 4x6 in label at 203 dpi: ^XA ^CI28 ... ^XZ, text as UTF-8, the tracking number
// as a native ^BC Code 128 (GS1-128 with FNC1 for an SSCC) and a ^BQ QR code. A few KB.
std::string renderShippingLabelZpl(const ShippingLabel& label);

}  // namespace labels
