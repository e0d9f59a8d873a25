// The message catalogue: every sentence the workflow says exists in English and French, with
// the same placeholders, and renders readably.

#include "station/Messages.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace station {
namespace {

// Every key the packing workflow says or refuses with (station/Station.cpp, Packing.cpp).
const std::vector<std::string> kWorkflowKeys = {
    "already_logged_in",
    "approval_required",
    "bad_check_digit",
    "box_set",
    "carrier_label_invalid",
    "carrier_label_required",
    "close_parcel_first",
    "document_failed",
    "internal_error",
    "item_packed",
    "item_packed_case",
    "label_confirmed",
    "label_failed",
    "label_held",
    "label_in_progress",
    "label_printed",
    "label_reprinted",
    "label_scan_required",
    "label_uncertain",
    "label_voided",
    "label_withdrawn_cancelled",
    "label_withdrawn_parcel_gone",
    "label_withdrawn_parcel_open",
    "label_withdrawn_shipped_elsewhere",
    "logged_in",
    "logged_out",
    "logged_out_idle",
    "malformed_code",
    "new_parcel",
    "no_order",
    "not_logged_in",
    "note",
    "nothing_to_approve",
    "nothing_to_close",
    "nothing_to_reprint",
    "nothing_to_ship",
    "nothing_to_void",
    "no_scale",
    "order_already_open",
    "order_already_shipped",
    "order_cancelled",
    "order_complete",
    "order_held",
    "order_held_approved",
    "order_on_other_station",
    "order_opened",
    "order_partially_shipped",
    "order_released",
    "order_shipped",
    "order_unpaid",
    "order_unpaid_cheque",
    "order_unpaid_transfer",
    "parcel_closed",
    "parcel_closed_pickup",
    "parcel_empty",
    "partial_requested",
    "print_jobs_resumed",
    "request_withdrawn",
    "restock_label_held",
    "restock_label_uncertain",
    "return_slip_held",
    "return_slip_uncertain",
    "return_slip_withdrawn_cancelled",
    "role_not_allowed",
    "scale_zero_failed",
    "scale_zero_requested",
    "scale_zeroed",
    "serial_duplicate",
    "serial_invalid",
    "serial_required",
    "supervisor_required",
    "too_many",
    "tracking_duplicate",
    "tracking_exhausted",
    "unknown_code",
    "unknown_order",
    "void_requested",
    "weigh_first",
    "weight_approved",
    "weight_mismatch",
    "weight_ok",
    "wrong_item",
    "wrong_label",
};

// "{name}" placeholders of a text, as rendered with no parameters.
std::set<std::string> placeholders(const std::string& text) {
    std::set<std::string> out;
    static const std::regex kPlaceholder(R"(\{([a-z_]+)\})");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kPlaceholder);
         it != std::sregex_iterator(); ++it) {
        out.insert((*it)[1].str());
    }
    return out;
}

TEST(MessagesTest, EveryWorkflowKeyExistsInBothLanguages) {
    for (const auto& key : kWorkflowKeys) {
        EXPECT_TRUE(hasMessage(key)) << key;
        const std::string en = renderMessage(key, {}, Language::En);
        const std::string fr = renderMessage(key, {}, Language::Fr);
        EXPECT_NE(en, key) << key << " has no English text";
        EXPECT_NE(fr, key) << key << " has no French text";
        EXPECT_NE(en, fr) << key << " is not translated";
    }
}

// A key added to the workflow without its sentences would show as a bare key at the bench.
TEST(MessagesTest, KeysSaidInTheStationSourcesAreInTheCatalogue) {
    static const std::regex kCall(
        R"re((?:refuse|refuseAs)\(ctx,\s*"([a-z_]+)"|say\(ctx,\s*"[a-z_.]+",\s*"([a-z_]+)")re");
    std::set<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(
             std::filesystem::path(STATION_SOURCE_DIR) / "station")) {
        if (entry.path().extension() != ".cpp") {
            continue;
        }
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        const std::string source = text.str();
        for (auto it = std::sregex_iterator(source.begin(), source.end(), kCall);
             it != std::sregex_iterator(); ++it) {
            found.insert((*it)[1].matched ? (*it)[1].str() : (*it)[2].str());
        }
    }
    EXPECT_GT(found.size(), 30u) << "the source scan found too few keys to be trusted";
    for (const auto& key : found) {
        EXPECT_TRUE(hasMessage(key)) << key << " is said in station/ but has no message";
    }
}

TEST(MessagesTest, BothLanguagesUseTheSamePlaceholders) {
    for (const auto& key : kWorkflowKeys) {
        EXPECT_EQ(placeholders(renderMessage(key, {}, Language::En)),
                  placeholders(renderMessage(key, {}, Language::Fr)))
            << key;
    }
}

TEST(MessagesTest, AllPlaceholdersAreFilledWhenTheirParametersAreGiven) {
    for (const auto& key : kWorkflowKeys) {
        boost::json::object params;
        for (const auto& name : placeholders(renderMessage(key, {}, Language::En))) {
            params[name] = "X";
        }
        for (Language lang : {Language::En, Language::Fr}) {
            const std::string text = renderMessage(key, params, lang);
            EXPECT_EQ(text.find('{'), std::string::npos) << key << ": " << text;
        }
    }
}

TEST(MessagesTest, RendersTextAndNumbersAsAPersonReadsThem) {
    const boost::json::object params{{"name", "Mug « Café »"}, {"packed", 1}, {"quantity", 2}};
    EXPECT_EQ(renderMessage("item_packed", params, Language::En), "Mug « Café »: 1/2");
    EXPECT_EQ(renderMessage("item_packed", params, Language::Fr), "Mug « Café » : 1/2");
    EXPECT_EQ(renderMessage("order_held", {{"order", "1005"}, {"score", 92.5}}, Language::En),
              "Order 1005 is held for risk review (score 92.5): a supervisor must scan their "
              "badge");
    EXPECT_EQ(renderMessage("logged_in", {{"user", "Alice Martin"}}, Language::Fr),
              "Bonjour Alice Martin");
}

TEST(MessagesTest, MissingParameterStaysVisible) {
    EXPECT_EQ(renderMessage("item_packed", {{"name", "Mug"}}, Language::En),
              "Mug: {packed}/{quantity}");
}

TEST(MessagesTest, UnknownKeyRendersAsItself) {
    EXPECT_FALSE(hasMessage("no_such_message"));
    EXPECT_EQ(renderMessage("no_such_message", {{"x", 1}}, Language::En), "no_such_message");
    EXPECT_EQ(renderMessage("no_such_message", {}, Language::Fr), "no_such_message");
    EXPECT_FALSE(hasMessage(""));
}

TEST(MessagesTest, LanguageCodes) {
    EXPECT_EQ(languageFromCode("fr"), Language::Fr);
    EXPECT_EQ(languageFromCode("en"), Language::En);
    EXPECT_EQ(languageFromCode("de"), Language::En);
    EXPECT_EQ(languageFromCode(""), Language::En);
}

}  // namespace
}  // namespace station
