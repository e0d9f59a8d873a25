// The [[scanners]], [scale] and [[printers]] sections: kinds, USB selectors, serial ports,
// network printers, CUPS queues.
#include "config/ConfigReader.h"

#include <arpa/inet.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <system_error>
#include <utility>

namespace config::detail {

bool isUsbSelector(const std::string& text) {
    auto hex4 = [&](size_t at) {
        return at + 4 <= text.size() &&
               std::all_of(text.begin() + static_cast<long>(at),
                           text.begin() + static_cast<long>(at + 4),
                           [](unsigned char c) { return std::isxdigit(c) != 0; });
    };
    return hex4(0) && text.size() >= 9 && text[4] == ':' && hex4(5) &&
           (text.size() == 9 || (text[9] == ':' && text.size() > 10));
}

std::optional<std::string> readUsb(Section& entry, Need need) {
    auto usb = entry.text("usb", need);
    if (usb && !isUsbSelector(*usb)) {
        entry.error("usb",
                    "must be the USB vendor and product ids in hexadecimal, e.g. "
                    "\"05e0:1200\", optionally with the serial number: "
                    "\"05e0:1200:S123\" (lsusb shows them), not " +
                        inQuotes(*usb));
        return std::nullopt;
    }
    return usb;
}

void readSerialPort(Section& entry, Need need, SerialPortConfig& out) {
    if (auto device = entry.text("device", need)) {
        if (device->rfind("/dev/", 0) != 0) {
            entry.error("device",
                        "must be a device path such as /dev/serial/by-id/... or "
                        "/dev/ttyUSB0, not " +
                            inQuotes(*device));
        }
        out.device = *device;
    }
    if (auto baud = entry.integer("baud", 300, 4000000, Need::Optional)) {
        out.baud = static_cast<unsigned>(*baud);
    }
    if (auto format = entry.text("format", Need::Optional)) {
        const std::string& f = *format;
        const bool ok = f.size() == 3 && (f[0] >= '5' && f[0] <= '8') &&
                        (f[1] == 'N' || f[1] == 'E' || f[1] == 'O') && (f[2] == '1' || f[2] == '2');
        if (!ok) {
            entry.error("format",
                        "must be data bits, parity and stop bits such as \"8N1\" or "
                        "\"7E1\", not " +
                            inQuotes(f));
        } else {
            out.format = f;
        }
    }
}

void readScanners(Section& root, StationConfig& cfg) {
    std::map<std::string, size_t> names;
    size_t index = 0;
    for (auto& entry : root.tableArray("scanners").value_or(std::vector<Section>{})) {
        ScannerConfig scanner;
        if (auto name = entry.text("name", Need::Required)) {
            scanner.name = *name;
            const auto [found, inserted] = names.try_emplace(*name, index);
            if (!inserted) {
                entry.error("name", inQuotes(*name) + " is already the name of scanners[" +
                                        std::to_string(found->second) +
                                        "]; every scanner name must be unique");
            }
        }
        if (auto kind = entry.choice("kind", {"tcp", "usb-keyboard", "usb-hid-pos", "serial"},
                                     Need::Required)) {
            scanner.kind = *kind;
        }
        const bool tcp = scanner.kind == "tcp";
        const bool usb = scanner.kind == "usb-keyboard" || scanner.kind == "usb-hid-pos";
        if (auto selector = readUsb(entry, usb ? Need::Required : Need::Optional)) {
            scanner.usb = *selector;
        }
        if (auto layout =
                entry.choice("keyboard_layout", {"us", "fr", "de", "uk"}, Need::Optional)) {
            scanner.keyboardLayout = *layout;
        }
        if (auto terminator =
                entry.choice("terminator", {"enter", "enter_or_tab"}, Need::Optional)) {
            scanner.terminator = *terminator;
        }
        readSerialPort(entry, scanner.kind == "serial" ? Need::Required : Need::Optional,
                       scanner.serial);
        if (auto listen = entry.ipAddress("listen", Need::Optional)) {
            scanner.listen = *listen;
        }
        if (auto port = entry.integer("port", 1, 65535, tcp ? Need::Required : Need::Optional)) {
            scanner.port = static_cast<uint16_t>(*port);
            // Two listeners on one port would make the station fail at start-up instead.
            const auto clashes = [&](const std::string& otherListen) {
                return otherListen == scanner.listen || isWildcard(otherListen) ||
                       isWildcard(scanner.listen);
            };
            if (scanner.port == cfg.apiPort && clashes(cfg.apiListen)) {
                entry.error("port", std::to_string(scanner.port) + " is already the api port");
            }
            for (size_t other = 0; other < cfg.scanners.size(); ++other) {
                const auto& previous = cfg.scanners[other];
                if (previous.port == scanner.port && clashes(previous.listen)) {
                    entry.error("port", std::to_string(scanner.port) +
                                            " is already the port of scanners[" +
                                            std::to_string(other) + "]");
                    break;
                }
            }
        }
        entry.finish();
        cfg.scanners.push_back(std::move(scanner));
        ++index;
    }
}

void readScale(Section& root, StationConfig& cfg) {
    auto scale = root.table("scale", Need::Optional);
    if (!scale) {
        return;
    }
    ScaleConfig result;
    if (auto name = scale->text("name", Need::Required)) {
        result.name = *name;
    }
    if (auto kind =
            scale->choice("kind", {"simulated", "usb-hid", "mt-sics", "toledo"}, Need::Required)) {
        result.kind = *kind;
    }
    if (auto usb = readUsb(*scale, result.kind == "usb-hid" ? Need::Required : Need::Optional)) {
        result.usb = *usb;
    }
    readSerialPort(
        *scale,
        result.kind == "mt-sics" || result.kind == "toledo" ? Need::Required : Need::Optional,
        result.serial);
    scale->finish();
    cfg.scale = std::move(result);
}

void readPrinters(Section& root, StationConfig& cfg) {
    std::map<std::string, size_t> names;
    size_t index = 0;
    bool shipping = false;
    bool unclearRole = false;
    auto entries = root.tableArray("printers");
    if (!entries) {
        return;
    }
    for (auto& entry : *entries) {
        PrinterConfig printer;
        if (auto name = entry.text("name", Need::Required)) {
            printer.name = *name;
            const auto [found, inserted] = names.try_emplace(*name, index);
            if (!inserted) {
                entry.error("name", inQuotes(*name) + " is already the name of printers[" +
                                        std::to_string(found->second) +
                                        "]; every printer name must be unique");
            }
        }
        if (auto role =
                entry.choice("role", {"shipping", "documents", "restock"}, Need::Required)) {
            printer.role = *role;
            shipping = shipping || *role == "shipping";
        } else {
            unclearRole = true;
        }
        if (auto kind =
                entry.choice("kind", {"directory", "zpl-tcp", "usb", "cups"}, Need::Required)) {
            printer.kind = *kind;
        }
        const bool network = printer.kind == "zpl-tcp";
        if (auto usb = readUsb(entry, printer.kind == "usb" ? Need::Required : Need::Optional)) {
            printer.usb = *usb;
        }
        if (auto queue =
                entry.text("queue", printer.kind == "cups" ? Need::Required : Need::Optional)) {
            printer.queue = *queue;
        }
        if (auto server = entry.text("server", Need::Optional)) {
            printer.cupsServer = *server;
        }
        if (auto language = entry.choice("language", {"zpl", "pdf"}, Need::Required)) {
            printer.language = *language;
        }
        // Which template size the station lays documents out for; the station checks at start
        // that a template of that size exists (config/labels, or [labels] templates_dir).
        if (auto size = entry.text("size", Need::Optional)) {
            printer.size = *size;
        } else {
            printer.size = printer.language == "pdf" && printer.role == "documents" ? "a4" : "4x6";
        }
        if (auto dpi = entry.integer("dpi", 100, 600, Need::Optional)) {
            printer.dpi = static_cast<int>(*dpi);
        }
        // Kept relative on purpose: the station resolves it against its data directory.
        if (auto path =
                entry.text("path", printer.kind == "directory" ? Need::Required : Need::Optional)) {
            printer.path = *path;
        }
        if (auto host = entry.text("host", network ? Need::Required : Need::Optional)) {
            printer.host = *host;
        }
        if (auto port = entry.integer("port", 1, 65535, Need::Optional)) {
            printer.port = static_cast<uint16_t>(*port);
        }
        if (network && printer.language != "zpl" && !printer.language.empty()) {
            entry.error("language",
                        "a zpl-tcp printer speaks zpl, not " + inQuotes(printer.language));
        }
        entry.finish();
        cfg.printers.push_back(std::move(printer));
        ++index;
    }
    // A printer whose role is already reported as wrong was probably meant for shipping.
    if (!shipping && !unclearRole) {
        root.error("printers",
                   "no [[printers]] entry with role = \"shipping\": the station needs one to print "
                   "shipping labels");
    }
}

}  // namespace config::detail
