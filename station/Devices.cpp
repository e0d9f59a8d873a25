#include "station/Devices.h"

#include "drivers/CupsPrinter.h"
#include "drivers/DirectoryPrinter.h"
#include "drivers/KeyboardDecoder.h"
#include "drivers/SerialLink.h"
#include "drivers/SerialScale.h"
#include "drivers/SerialScanner.h"
#include "drivers/SimulatedScale.h"
#include "drivers/TcpLineScanner.h"
#include "drivers/TcpZplPrinter.h"
#include "drivers/UsbContext.h"
#include "drivers/UsbHidScale.h"
#include "drivers/UsbKeyboardScanner.h"
#include "drivers/UsbPosScanner.h"
#include "drivers/UsbPrinter.h"

namespace station {
namespace {

bool serialSettings(const config::SerialPortConfig& c, drivers::SerialSettings& out,
                    std::string& error) {
    out.device = c.device;
    out.baud = c.baud;
    return drivers::parseSerialFormat(c.format, out, error);
}

}  // namespace

Devices buildDevices(boost::asio::io_context& io, const config::StationConfig& cfg,
                     std::string& error) {
    Devices d;
    auto usb = [&](const std::string& what, const std::string& text,
                   drivers::UsbSelector& selector) {
        if (!drivers::parseUsbSelector(text, selector, error)) {
            error = what + ": " + error;
            return false;
        }
        if (!d.usb) {
            d.usb = drivers::UsbContext::create(error);
            if (!d.usb) {
                error = what + ": USB is not usable: " + error;
                return false;
            }
        }
        return true;
    };

    for (const auto& s : cfg.scanners) {
        const std::string what = "scanner " + s.name;
        if (s.kind == "usb-keyboard" || s.kind == "usb-hid-pos") {
            drivers::UsbSelector selector;
            if (!usb(what, s.usb, selector)) {
                return d;
            }
            if (s.kind == "usb-keyboard") {
                const auto layout = drivers::keyboardLayoutFrom(s.keyboardLayout)
                                        .value_or(drivers::KeyboardLayout::Us);
                d.scanners.push_back(std::make_unique<drivers::UsbKeyboardScanner>(
                    io, d.usb, s.name, selector, layout,
                    s.terminator == "enter_or_tab" ? drivers::ScanTerminator::EnterOrTab
                                                   : drivers::ScanTerminator::Enter));
            } else {
                d.scanners.push_back(
                    std::make_unique<drivers::UsbPosScanner>(io, d.usb, s.name, selector));
            }
        } else if (s.kind == "serial") {
            drivers::SerialSettings settings;
            if (!serialSettings(s.serial, settings, error)) {
                error = what + ": " + error;
                return d;
            }
            d.scanners.push_back(std::make_unique<drivers::SerialScanner>(io, s.name, settings));
        } else {
            d.scanners.push_back(
                std::make_unique<drivers::TcpLineScanner>(io, s.name, s.listen, s.port));
        }
    }

    if (cfg.scale) {
        const auto& c = *cfg.scale;
        const std::string what = "scale " + c.name;
        if (c.kind == "usb-hid") {
            drivers::UsbSelector selector;
            if (!usb(what, c.usb, selector)) {
                return d;
            }
            d.scale = std::make_unique<drivers::UsbHidScale>(io, d.usb, c.name, selector);
        } else if (c.kind == "mt-sics" || c.kind == "toledo") {
            drivers::SerialSettings settings;
            if (!serialSettings(c.serial, settings, error)) {
                error = what + ": " + error;
                return d;
            }
            drivers::SerialScaleOptions options;
            options.protocol = c.kind == "toledo" ? drivers::SerialScaleProtocol::Toledo
                                                  : drivers::SerialScaleProtocol::MtSicsImmediate;
            d.scale = std::make_unique<drivers::SerialScale>(io, c.name, settings, options);
        } else {
            auto simulated = std::make_unique<drivers::SimulatedScale>(io, c.name);
            d.simulatedScale = simulated.get();
            d.scale = std::move(simulated);
        }
    }

    for (const auto& p : cfg.printers) {
        std::unique_ptr<drivers::Printer> printer;
        if (p.kind == "zpl-tcp") {
            printer = std::make_unique<drivers::TcpZplPrinter>(io, p.name, p.host, p.port);
        } else if (p.kind == "usb") {
            drivers::UsbSelector selector;
            if (!usb("printer " + p.name, p.usb, selector)) {
                return d;
            }
            drivers::UsbPrinterOptions options;
            options.language = p.language;
            printer = std::make_unique<drivers::UsbPrinter>(io, d.usb, p.name, selector, options);
        } else if (p.kind == "cups") {
            drivers::CupsPrinterOptions options;
            options.server = p.cupsServer;
            options.language = p.language;
            printer = std::make_unique<drivers::CupsPrinter>(io, p.name, p.queue, options);
        } else {
            const auto dir = p.path.is_absolute() ? p.path : cfg.dataDir / p.path;
            printer = std::make_unique<drivers::DirectoryPrinter>(io, p.name, p.language, dir);
        }
        d.printers.emplace_back(p.role, std::move(printer));
    }
    return d;
}

}  // namespace station
