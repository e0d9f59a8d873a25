// One thing that happened at the station, as the activity log, the API and the WebSocket see it.
// Carries the message key and parameters so a screen can show it in either language.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

namespace station {

struct Event {
    uint64_t seq = 0;
    std::string at;
    std::string station;
    std::string type;  // "scan.accepted", "scan.refused", "order.opened", "label.printed", ...
    std::string order;
    std::string user;
    bool ok = true;
    std::string reason;      // the refusal, e.g. "wrong_item"; empty when ok
    std::string messageKey;  // key in the Messages catalogue
    boost::json::object params;
    std::string message;  // rendered in the station's language
};

boost::json::object toJson(const Event& event);

}  // namespace station
