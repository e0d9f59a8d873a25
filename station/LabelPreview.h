// A PNG of a shipping label the station printed, drawn again from the journal for the screens:
// the same template, size and resolution as its printer, through labels/PngRenderer.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "config/StationConfig.h"
#include "station/Journal.h"
#include "station/LabelTemplates.h"

namespace labels {
class PngRenderer;
}

namespace station {

class LabelPreview {
  public:
    explicit LabelPreview(const config::StationConfig& config);
    ~LabelPreview();
    LabelPreview(const LabelPreview&) = delete;
    LabelPreview& operator=(const LabelPreview&) = delete;

    struct Png {
        bool found = false;  // false: no such label (or none printed yet)
        std::string png;     // empty with `error` set when it cannot be drawn
        std::string error;
    };

    // What the journal holds of label `id`, or of the latest label when `id` is nullopt:
    // {"id", "state", "order", "parcel", "tracking_number", "printer", "language", "error",
    // "created_at", "printed_at", "preview"}; nullopt when there is none.
    static std::optional<boost::json::object> labelJson(Journal& journal,
                                                        std::optional<int64_t> id);

    // The picture of label `id` (or the latest). The last one drawn is kept: every screen asks
    // for it after each label.printed event.
    Png render(Journal& journal, std::optional<int64_t> id);

  private:
    const config::StationConfig& config_;
    std::unique_ptr<labels::PngRenderer> renderer_;  // fonts loaded on first use
    std::optional<LabelTemplates> templates_;
    int64_t cachedId_ = 0;
    std::string cachedPng_;
};

}  // namespace station
