#include "labels/Barcode.h"

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>

#include <exception>
#include <utility>

namespace labels {

namespace {

bool printableAscii(std::string_view data) {
    for (char c : data) {
        if (c < 0x20 || c > 0x7E) {
            return false;
        }
    }
    return true;
}

ZXing::BarcodeFormat formatOf(Symbology symbology) {
    switch (symbology) {
        case Symbology::Code128:
        case Symbology::Gs1_128:
            return ZXing::BarcodeFormat::Code128;
        case Symbology::QrCode:
            return ZXing::BarcodeFormat::QRCode;
        case Symbology::DataMatrix:
            return ZXing::BarcodeFormat::DataMatrix;
    }
    return ZXing::BarcodeFormat::Code128;
}

}  // namespace

std::string barcodeProblem(Symbology symbology, std::string_view data) {
    if (data.empty()) {
        return "nothing to encode";
    }
    switch (symbology) {
        case Symbology::Code128:
        case Symbology::DataMatrix:
            if (!printableAscii(data)) {
                return "only printable ASCII can be encoded";
            }
            break;
        case Symbology::Gs1_128:
            if (data.size() % 2 != 0 || data.find_first_not_of("0123456789") != data.npos) {
                return "a GS1 element string of an even number of digits is expected";
            }
            break;
        case Symbology::QrCode:
            break;
    }
    if (data.size() > 500) {
        return "too long for a barcode";
    }
    return {};
}

int worstCaseModules1d(Symbology symbology, std::string_view data) {
    const int n = static_cast<int>(data.size());
    // Start, data, check symbol: 11 modules each; stop: 13.
    if (symbology == Symbology::Gs1_128) {
        return 11 * (1 + 1 + (n + 1) / 2 + 1) + 13;
    }
    return 11 * (n + 2) + 13;
}

int estimatedModules2d(Symbology symbology, std::string_view data) {
    const std::size_t n = data.size();
    if (symbology == Symbology::QrCode) {
        // Byte-mode capacity at error correction M of versions 1 to 40 (ISO/IEC 18004).
        constexpr int kCapacity[] = {14,   26,   42,   62,   84,   106,  122,  152,  180,  213,
                                     251,  287,  331,  362,  412,  450,  504,  560,  624,  666,
                                     711,  779,  857,  911,  997,  1059, 1125, 1190, 1264, 1370,
                                     1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331};
        for (int v = 0; v < 40; ++v) {
            if (n + 2 <= static_cast<std::size_t>(kCapacity[v])) {  // +2: the UTF-8 ECI
                return 17 + 4 * (v + 1);
            }
        }
        return 0;
    }
    if (symbology == Symbology::DataMatrix) {
        // Square ECC 200 symbols: size and data codewords (ISO/IEC 16022); one per character.
        constexpr std::pair<int, int> kSizes[] = {
            {10, 3},   {12, 5},   {14, 8},    {16, 12},    {18, 18},    {20, 22},
            {22, 30},  {24, 36},  {26, 44},   {32, 62},    {36, 86},    {40, 114},
            {44, 144}, {48, 174}, {52, 204},  {64, 280},   {72, 368},   {80, 456},
            {88, 576}, {96, 696}, {104, 816}, {120, 1050}, {132, 1304}, {144, 1558}};
        for (const auto& [size, codewords] : kSizes) {
            if (n <= static_cast<std::size_t>(codewords)) {
                return size;
            }
        }
        return 0;
    }
    return 0;
}

Modules encodeModules(Symbology symbology, std::string_view data) {
    Modules modules;
    modules.error = barcodeProblem(symbology, data);
    if (!modules.error.empty()) {
        return modules;
    }
    // ZXing's Code 128 writer reads U+00F1 as FNC1; in first position it makes GS1-128.
    std::string content =
        symbology == Symbology::Gs1_128 ? "\xC3\xB1" + std::string(data) : std::string(data);
    try {
        ZXing::MultiFormatWriter writer(formatOf(symbology));
        writer.setMargin(0);
        if (symbology == Symbology::QrCode) {
            writer.setEncoding(ZXing::CharacterSet::UTF8);
        }
        const bool oneD = symbology == Symbology::Code128 || symbology == Symbology::Gs1_128;
        const ZXing::BitMatrix matrix = writer.encode(content, 0, oneD ? 1 : 0);
        modules.width = matrix.width();
        modules.height = oneD ? 1 : matrix.height();
        modules.dark.resize(static_cast<std::size_t>(modules.width * modules.height));
        for (int y = 0; y < modules.height; ++y) {
            for (int x = 0; x < modules.width; ++x) {
                modules.dark[static_cast<std::size_t>(y * modules.width + x)] =
                    matrix.get(x, y) ? 1 : 0;
            }
        }
    } catch (const std::exception& e) {
        modules = {};
        modules.error = std::string("cannot encode: ") + e.what();
    }
    return modules;
}

}  // namespace labels
