// What every device reports about itself: its configured name and whether it works.
// Shared by the scanner, scale and printer roles so the status API lists them alike.
#pragma once

#include <string>

namespace drivers {

struct DeviceStatus {
    std::string name;
    std::string kind;  // "tcp", "simulated", "directory", ...
    std::string role;  // "scanner", "scale", "printer"
    bool up = false;
    std::string detail;  // what a supervisor reads: "listening on 127.0.0.1:9101", "paper out"
};

}  // namespace drivers
