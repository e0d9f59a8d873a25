// Builds the devices the config names (scanners, scale, printers) on the station's io_context:
// simulated ones for the demo and tests, USB, serial, network and CUPS ones for a real bench.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>
#include <vector>

#include "config/StationConfig.h"
#include "drivers/Printer.h"
#include "drivers/Scale.h"
#include "drivers/Scanner.h"

namespace drivers {
class SimulatedScale;
class UsbContext;
}  // namespace drivers

namespace station {

struct Devices {
    std::shared_ptr<drivers::UsbContext> usb;  // only when a USB device is configured
    std::vector<std::unique_ptr<drivers::Scanner>> scanners;
    std::unique_ptr<drivers::Scale> scale;
    drivers::SimulatedScale* simulatedScale = nullptr;  // the same, when it is simulated
    // In config order, with their roles.
    std::vector<std::pair<std::string, std::unique_ptr<drivers::Printer>>> printers;
};

// A device that cannot be opened now (unplugged, no paper) is not an error: it is built, says
// so in its status, and resumes when it comes back. `error` is for what can never work (libusb
// unusable, a selector the driver refuses).
Devices buildDevices(boost::asio::io_context& io, const config::StationConfig& cfg,
                     std::string& error);

}  // namespace station
