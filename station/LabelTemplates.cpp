#include "station/LabelTemplates.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace station {

namespace {

std::optional<std::string> readFile(const std::filesystem::path& file, std::string& why) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        why = std::strerror(errno);
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        why = std::strerror(errno);
        return std::nullopt;
    }
    return text.str();
}

std::string sizesOf(labels::DocumentKind kind, const LabelTemplates& templates,
                    const std::vector<std::string>& extra) {
    std::vector<std::string> sizes = labels::defaultSizes(kind);
    for (const std::string& size : extra) {
        if (templates.find(kind, size) != nullptr &&
            std::find(sizes.begin(), sizes.end(), size) == sizes.end()) {
            sizes.push_back(size);
        }
    }
    std::string out;
    for (const std::string& size : sizes) {
        out += (out.empty() ? "" : ", ") + size;
    }
    return out.empty() ? "none" : out;
}

}  // namespace

LabelTemplates LabelTemplates::load(const std::filesystem::path& dir,
                                    std::vector<std::string>& errors) {
    LabelTemplates out;
    if (dir.empty()) {
        return out;
    }
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() == ".toml") {
            files.push_back(it->path());
        }
    }
    if (ec) {
        errors.push_back(dir.string() + ": cannot list the templates: " + ec.message());
        return out;
    }
    std::sort(files.begin(), files.end());  // errors in a stable order
    for (const auto& file : files) {
        std::string why;
        const auto text = readFile(file, why);
        if (!text) {
            errors.push_back(file.string() + ": cannot be read: " + why);
            continue;
        }
        labels::TemplateResult parsed = labels::parseTemplate(*text, file.string());
        if (!parsed.layout) {
            errors.push_back(parsed.error);
            continue;
        }
        labels::Template& layout = *parsed.layout;
        // "Same name" is what the merchant sees: the file name must say what it replaces.
        const std::string expected =
            std::string(labels::toString(layout.kind)) + "-" + layout.size + ".toml";
        if (file.filename() != expected) {
            errors.push_back(file.string() + ": a " + std::string(labels::toString(layout.kind)) +
                             " of size \"" + layout.size + "\" must be in a file named " +
                             expected);
            continue;
        }
        bool pictures = true;
        for (std::size_t i = 0; i < layout.images.size(); ++i) {
            const labels::TemplateImage& image = layout.images[i];
            const std::filesystem::path picture = std::filesystem::path(image.file).is_absolute()
                                                      ? std::filesystem::path(image.file)
                                                      : dir / image.file;
            const std::string where = file.string() + ":" + std::to_string(image.line) + ":" +
                                      std::to_string(image.column) + ": image[" +
                                      std::to_string(i) + "].file: ";
            const auto png = readFile(picture, why);
            std::string problem = png ? labels::attachImage(layout, i, *png) : std::string();
            if (!png) {
                problem = "cannot read " + picture.string() + ": " + why;
            } else if (!problem.empty()) {
                problem = picture.string() + ": " + problem;
            }
            if (!problem.empty()) {
                errors.push_back(where + problem);
                pictures = false;
            }
        }
        if (pictures) {
            out.own_.push_back(std::make_shared<const labels::Template>(std::move(layout)));
        }
    }
    return out;
}

const labels::Template* LabelTemplates::find(labels::DocumentKind kind,
                                             std::string_view size) const {
    for (const auto& layout : own_) {
        if (layout->kind == kind && layout->size == size) {
            return layout.get();
        }
    }
    return labels::defaultTemplate(kind, size);
}

std::vector<std::string> checkLabelConfig(const config::StationConfig& config) {
    std::vector<std::string> errors;
    const LabelTemplates templates = LabelTemplates::load(config.labelTemplatesDir, errors);
    std::vector<std::string> sizes;
    for (const auto& printer : config.printers) {
        sizes.push_back(printer.size);
    }
    for (std::size_t i = 0; i < config.printers.size(); ++i) {
        const config::PrinterConfig& printer = config.printers[i];
        // A documents printer must at least print packing slips at its size; a pick list
        // that has no template at that size is refused when it is asked for.
        const labels::DocumentKind kind = printer.role == "documents"
                                              ? labels::DocumentKind::PackingSlip
                                              : labels::DocumentKind::ShippingLabel;
        if (templates.find(kind, printer.size) == nullptr) {
            errors.push_back(config.sourceFile.string() + ": printers[" + std::to_string(i) +
                             "].size: no " + std::string(labels::toString(kind)) +
                             " template of size \"" + printer.size +
                             "\" (there are: " + sizesOf(kind, templates, sizes) + "; add " +
                             std::string(labels::toString(kind)) + "-" + printer.size +
                             ".toml to [labels] templates_dir for another)");
        }
    }
    return errors;
}

}  // namespace station
