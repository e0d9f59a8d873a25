// The layouts the station prints with: the built-in templates (config/labels), with the
// merchant's folder ([labels] templates_dir) over them, their logos read from files.
#pragma once

#include "config/StationConfig.h"
#include "labels/Template.h"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace station {

class LabelTemplates {
  public:
    // Reads every *.toml file in `dir` (nothing when `dir` is empty) and the pictures they
    // name. A file named like a built-in template (shipping-label-4x6.toml) replaces it; a new
    // <kind>-<size>.toml adds a size. Each broken file adds an error, "file:line:column: key:
    // why", and is left out: the built-in template of that name stays in use.
    static LabelTemplates load(const std::filesystem::path& dir, std::vector<std::string>& errors);

    // The merchant's template for this document and size, else the built-in one, else null.
    const labels::Template* find(labels::DocumentKind kind, std::string_view size) const;

  private:
    // Owned one by one so that the pointers handed out stay valid.
    std::vector<std::shared_ptr<const labels::Template>> own_;
};

// What the labels part of a config needs before the station may start: every template in
// [labels] templates_dir valid with its logos readable, and a template for each printer's
// documents at its size. One message per problem; empty when the station can start.
std::vector<std::string> checkLabelConfig(const config::StationConfig& config);

}  // namespace station
