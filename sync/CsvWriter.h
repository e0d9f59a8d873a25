// Writing the files the station leaves for shops without an API (shipments, returns, notes) in
// the form a French Excel opens without asking: UTF-8 with a byte order mark, ';', CRLF.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace shop::csv {

// Quoted only when it has to be: a separator, a quote, a line break, or spaces at either end.
std::string formatField(std::string_view value, char separator = ';');
// The whole file: byte order mark, then each row on its own CRLF-terminated line.
std::string formatExcelCsv(const std::vector<std::vector<std::string>>& rows);

}  // namespace shop::csv
