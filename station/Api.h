// The station's HTTP API: maps each route of docs/api.md onto the Station, and pushes every
// event to the WebSocket clients. The plumbing (Beast) is HttpServer's.
#pragma once

#include "drivers/SimulatedScale.h"
#include "station/HttpServer.h"
#include "station/Station.h"

namespace station {

class Api {
  public:
    // `simulatedScale` may be null: then POST /api/scale answers 409, as a real scale is in use.
    Api(HttpServer& server, Station& station, drivers::SimulatedScale* simulatedScale);

    // Called after each event has been broadcast (systemd status, later the screens).
    void onEvent(std::function<void(const Event&)> listener) { listener_ = std::move(listener); }

  private:
    Response scan(const Request& request);
    Response scale(const Request& request);
    Response note(const Request& request);

    HttpServer& server_;
    Station& station_;
    drivers::SimulatedScale* simulatedScale_;
    std::function<void(const Event&)> listener_;
};

}  // namespace station
