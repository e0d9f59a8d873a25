// What the screens need beyond the bench's API: their files under /screens/, the message
// catalogue, the activity search, the day's figures, the label preview and approvals.
#pragma once

#include <filesystem>
#include <string>

#include "station/HttpServer.h"
#include "station/LabelPreview.h"
#include "station/Station.h"

namespace station {

// Where the screens' files are: [api] screens_dir when set; else the installed folder beside
// the binary (<bin>/../share/stationd/screens, so /usr/share/stationd/screens for the .deb);
// else `sourceWeb`, the checkout's web/ for a build run from the source tree. When none
// exists, the installed folder, so that the warning names where they should be.
std::filesystem::path findScreensDir(const std::filesystem::path& configured,
                                     const std::filesystem::path& executable,
                                     const std::filesystem::path& sourceWeb);

class ScreenApi {
  public:
    // Serves `screensDir` under /screens/ and redirects / to the packing screen.
    ScreenApi(HttpServer& server, Station& station, std::filesystem::path screensDir);

  private:
    Response activity(const Request& request);
    Response label(const Request& request);
    Response approve(const Request& request);

    Station& station_;
    LabelPreview preview_;
};

}  // namespace station
