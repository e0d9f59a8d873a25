// Every sentence the station says to a person, in English and French, by key.
// The journal stores the key and its parameters, so a screen can show either language later.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace station {

enum class Language { En, Fr };
Language languageFromCode(std::string_view code);  // "fr" -> Fr, anything else -> En

// Renders message `key` with `{name}` placeholders taken from `params`.
// An unknown key renders as the key itself, so a missing translation shows but never crashes.
std::string renderMessage(std::string_view key, const boost::json::object& params, Language lang);

// Every sentence of the catalogue in one language, by key, placeholders left in: the screens
// render events and refusals in the language chosen on screen (GET /api/messages).
boost::json::object messageCatalogue(Language lang);

// True when the catalogue has the key in both languages (used by tests).
bool hasMessage(std::string_view key);

}  // namespace station
