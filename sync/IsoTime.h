// ISO 8601 UTC times as the journal and the shops write them ("2024-03-05T09:00:00.123Z"):
// one parser for the relay's pull cursor, the outbox's retry times and the journal's ages.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace shop {

// "YYYY-MM-DDTHH:MM:SS", then optional milliseconds (".123") and anything after (a "Z" or an
// offset, which is ignored: every time here is UTC). Nothing when the first 19 characters are
// not such a time.
std::optional<std::chrono::system_clock::time_point> parseIsoTime(const std::string& iso);

// "YYYY-MM-DDTHH:MM:SS", whole seconds, UTC.
std::string isoSeconds(std::chrono::system_clock::time_point t);

}  // namespace shop
