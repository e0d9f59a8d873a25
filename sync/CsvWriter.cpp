#include "sync/CsvWriter.h"

namespace shop::csv {

std::string formatField(std::string_view value, char separator) {
    bool quote = !value.empty() && (value.front() == ' ' || value.back() == ' ');
    for (char c : value) {
        if (c == separator || c == '"' || c == '\n' || c == '\r') {
            quote = true;
            break;
        }
    }
    if (!quote) {
        return std::string(value);
    }
    std::string out = "\"";
    for (char c : value) {
        if (c == '"') {
            out += '"';
        }
        out += c;
    }
    out += '"';
    return out;
}

std::string formatExcelCsv(const std::vector<std::vector<std::string>>& rows) {
    // Without the byte order mark Excel reads the file as the system's ANSI code page and every
    // accent comes out wrong.
    std::string out = "\xEF\xBB\xBF";
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (i > 0) {
                out += ';';
            }
            out += formatField(row[i], ';');
        }
        out += "\r\n";
    }
    return out;
}

}  // namespace shop::csv
