#include "sync/CsvReader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

namespace shop::csv {

namespace {

constexpr std::size_t kMaxErrorsPerFile = 20;

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Where the first byte that breaks UTF-8 is (overlong forms, surrogates and code points past
// U+10FFFF included), or npos.
std::size_t firstInvalidUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) {
            ++i;
            continue;
        }
        int length = 0;
        char32_t min = 0;
        char32_t cp = 0;
        if ((b & 0xE0) == 0xC0) {
            length = 2;
            min = 0x80;
            cp = b & 0x1F;
        } else if ((b & 0xF0) == 0xE0) {
            length = 3;
            min = 0x800;
            cp = b & 0x0F;
        } else if ((b & 0xF8) == 0xF0) {
            length = 4;
            min = 0x10000;
            cp = b & 0x07;
        } else {
            return i;
        }
        if (i + length > s.size()) {
            return i;
        }
        for (int k = 1; k < length; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0) != 0x80) {
                return i;
            }
            cp = (cp << 6) | (c & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return i;
        }
        i += length;
    }
    return std::string_view::npos;
}

int lineAt(std::string_view s, std::size_t offset) {
    return 1 + static_cast<int>(std::count(s.begin(), s.begin() + offset, '\n'));
}

bool isBlank(const Record& record) {
    return std::all_of(record.fields.begin(), record.fields.end(), [](const std::string& f) {
        return f.find_first_not_of(" \t") == std::string::npos;
    });
}

std::string trim(std::string_view s) {
    const auto begin = s.find_first_not_of(" \t");
    if (begin == std::string_view::npos) {
        return {};
    }
    const auto end = s.find_last_not_of(" \t");
    return std::string(s.substr(begin, end - begin + 1));
}

// Spaces, including the no-break and narrow no-break spaces a French spreadsheet puts between
// thousands, and the case of ASCII letters do not matter in a number.
std::string compactNumber(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == ' ' || c == '\t') {
            continue;
        }
        if (s.substr(i, 2) == "\xC2\xA0") {
            ++i;
            continue;
        }
        if (s.substr(i, 3) == "\xE2\x80\xAF") {
            i += 2;
            continue;
        }
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

// A decimal number with a comma or a point as decimal mark; no exponent (that is Excel having
// mangled a barcode or an id, not a number anyone typed).
std::optional<double> parseDecimal(std::string_view text) {
    std::string s = compactNumber(text);
    if (s.empty()) {
        return std::nullopt;
    }
    std::size_t digits = 0;
    int marks = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char& c = s[i];
        if (c >= '0' && c <= '9') {
            ++digits;
        } else if (c == ',' || c == '.') {
            c = '.';
            ++marks;
        } else if (!((c == '-' || c == '+') && i == 0)) {
            return std::nullopt;
        }
    }
    if (digits == 0 || marks > 1) {
        return std::nullopt;
    }
    const char* begin = s.data() + (s.front() == '+' ? 1 : 0);
    double value = 0;
    const auto [end, ec] = std::from_chars(begin, s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return value;
}

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// ---- columns of the orders export ----

enum class Column {
    Order,
    Status,
    Payment,
    Name,
    FirstName,
    Street,
    Street2,
    Postcode,
    City,
    Country,
    Shipping,
    Sku,
    Gtin,
    Product,
    Quantity,
    Weight,
    Bin,
    Risk,
    Note,
    Count
};

struct ColumnAlias {
    Column column;
    const char* folded;
    int weightUnitGrams = 1;
};

// Compared after foldForMatching: case, accents and punctuation do not matter.
constexpr ColumnAlias kAliases[] = {
    {Column::Order, "order"},
    {Column::Order, "order number"},
    {Column::Order, "order no"},
    {Column::Order, "order id"},
    {Column::Order, "commande"},
    {Column::Order, "n commande"},
    {Column::Order, "n de commande"},
    {Column::Order, "no commande"},
    {Column::Order, "numero commande"},
    {Column::Order, "numero de commande"},
    {Column::Order, "reference commande"},
    {Column::Status, "status"},
    {Column::Status, "order status"},
    {Column::Status, "statut"},
    {Column::Status, "statut commande"},
    {Column::Status, "statut de la commande"},
    {Column::Status, "etat"},
    {Column::Status, "etat de la commande"},
    {Column::Payment, "payment"},
    {Column::Payment, "payment method"},
    {Column::Payment, "paiement"},
    {Column::Payment, "moyen de paiement"},
    {Column::Payment, "mode de paiement"},
    {Column::Payment, "mode de reglement"},
    {Column::Payment, "reglement"},
    {Column::Name, "name"},
    {Column::Name, "full name"},
    {Column::Name, "customer"},
    {Column::Name, "customer name"},
    {Column::Name, "shipping name"},
    {Column::Name, "last name"},
    {Column::Name, "nom"},
    {Column::Name, "nom complet"},
    {Column::Name, "nom de famille"},
    {Column::Name, "nom du client"},
    {Column::Name, "client"},
    {Column::Name, "destinataire"},
    {Column::FirstName, "first name"},
    {Column::FirstName, "prenom"},
    {Column::Street, "street"},
    {Column::Street, "address"},
    {Column::Street, "address 1"},
    {Column::Street, "address1"},
    {Column::Street, "address line 1"},
    {Column::Street, "shipping address"},
    {Column::Street, "adresse"},
    {Column::Street, "adresse 1"},
    {Column::Street, "adresse de livraison"},
    {Column::Street, "rue"},
    {Column::Street2, "address 2"},
    {Column::Street2, "address2"},
    {Column::Street2, "address line 2"},
    {Column::Street2, "adresse 2"},
    {Column::Street2, "complement"},
    {Column::Street2, "complement d adresse"},
    {Column::Street2, "complement adresse"},
    {Column::Postcode, "postcode"},
    {Column::Postcode, "post code"},
    {Column::Postcode, "postal code"},
    {Column::Postcode, "zip"},
    {Column::Postcode, "zip code"},
    {Column::Postcode, "code postal"},
    {Column::Postcode, "cp"},
    {Column::City, "city"},
    {Column::City, "town"},
    {Column::City, "ville"},
    {Column::City, "localite"},
    {Column::City, "commune"},
    {Column::Country, "country"},
    {Column::Country, "country code"},
    {Column::Country, "pays"},
    {Column::Country, "code pays"},
    {Column::Shipping, "shipping method"},
    {Column::Shipping, "shipping"},
    {Column::Shipping, "delivery"},
    {Column::Shipping, "carrier"},
    {Column::Shipping, "livraison"},
    {Column::Shipping, "mode de livraison"},
    {Column::Shipping, "methode de livraison"},
    {Column::Shipping, "mode d expedition"},
    {Column::Shipping, "transporteur"},
    {Column::Sku, "sku"},
    {Column::Sku, "product sku"},
    {Column::Sku, "reference"},
    {Column::Sku, "reference produit"},
    {Column::Sku, "ref"},
    {Column::Sku, "ref produit"},
    {Column::Sku, "code article"},
    {Column::Gtin, "gtin"},
    {Column::Gtin, "ean"},
    {Column::Gtin, "ean13"},
    {Column::Gtin, "ean 13"},
    {Column::Gtin, "code ean"},
    {Column::Gtin, "upc"},
    {Column::Gtin, "barcode"},
    {Column::Gtin, "code barre"},
    {Column::Gtin, "code barres"},
    {Column::Product, "product"},
    {Column::Product, "product name"},
    {Column::Product, "item"},
    {Column::Product, "item name"},
    {Column::Product, "article"},
    {Column::Product, "produit"},
    {Column::Product, "designation"},
    {Column::Product, "libelle"},
    {Column::Product, "nom du produit"},
    {Column::Quantity, "quantity"},
    {Column::Quantity, "qty"},
    {Column::Quantity, "quantite"},
    {Column::Quantity, "qte"},
    {Column::Weight, "weight"},
    {Column::Weight, "unit weight"},
    {Column::Weight, "poids"},
    {Column::Weight, "poids unitaire"},
    {Column::Weight, "weight g"},
    {Column::Weight, "weight grams"},
    {Column::Weight, "poids g"},
    {Column::Weight, "poids grammes"},
    {Column::Weight, "weight kg", 1000},
    {Column::Weight, "unit weight kg", 1000},
    {Column::Weight, "poids kg", 1000},
    {Column::Weight, "poids unitaire kg", 1000},
    {Column::Bin, "bin"},
    {Column::Bin, "bin location"},
    {Column::Bin, "location"},
    {Column::Bin, "emplacement"},
    {Column::Bin, "casier"},
    {Column::Risk, "risk"},
    {Column::Risk, "risk score"},
    {Column::Risk, "fraud score"},
    {Column::Risk, "score"},
    {Column::Risk, "score de risque"},
    {Column::Risk, "risque"},
    {Column::Note, "note"},
    {Column::Note, "notes"},
    {Column::Note, "customer note"},
    {Column::Note, "comment"},
    {Column::Note, "comments"},
    {Column::Note, "commentaire"},
    {Column::Note, "commentaires"},
    {Column::Note, "note client"},
    {Column::Note, "message"},
};

struct RequiredColumn {
    Column column;
    const char* label;  // as the error message names it
};

constexpr RequiredColumn kRequired[] = {
    {Column::Order, "order (commande)"},
    {Column::Status, "status (statut)"},
    {Column::Name, "name (nom)"},
    {Column::Street, "street (adresse)"},
    {Column::Postcode, "postcode (code postal)"},
    {Column::City, "city (ville)"},
    {Column::Country, "country (pays)"},
    {Column::Quantity, "quantity (quantité)"},
};

enum class StatusKind {
    Ready,
    AwaitingTransfer,
    AwaitingCheque,
    AwaitingPayment,
    Shipped,
    Cancelled
};

struct StatusWord {
    const char* folded;
    StatusKind kind;
};

// WooCommerce and PrestaShop wording, in English and French, as their exports write it.
constexpr StatusWord kStatusWords[] = {
    {"paid", StatusKind::Ready},
    {"payee", StatusKind::Ready},
    {"paye", StatusKind::Ready},
    {"processing", StatusKind::Ready},
    {"ready", StatusKind::Ready},
    {"a expedier", StatusKind::Ready},
    {"en cours", StatusKind::Ready},
    {"en preparation", StatusKind::Ready},
    {"en cours de preparation", StatusKind::Ready},
    {"paiement accepte", StatusKind::Ready},
    {"awaiting transfer", StatusKind::AwaitingTransfer},
    {"awaiting bank transfer", StatusKind::AwaitingTransfer},
    {"virement", StatusKind::AwaitingTransfer},
    {"en attente de virement", StatusKind::AwaitingTransfer},
    {"en attente de virement bancaire", StatusKind::AwaitingTransfer},
    {"en attente de paiement par virement bancaire", StatusKind::AwaitingTransfer},
    {"awaiting cheque", StatusKind::AwaitingCheque},
    {"awaiting check", StatusKind::AwaitingCheque},
    {"cheque", StatusKind::AwaitingCheque},
    {"en attente de cheque", StatusKind::AwaitingCheque},
    {"en attente de paiement par cheque", StatusKind::AwaitingCheque},
    {"awaiting payment", StatusKind::AwaitingPayment},
    {"pending", StatusKind::AwaitingPayment},
    {"pending payment", StatusKind::AwaitingPayment},
    {"on hold", StatusKind::AwaitingPayment},
    {"en attente", StatusKind::AwaitingPayment},
    {"en attente de paiement", StatusKind::AwaitingPayment},
    {"shipped", StatusKind::Shipped},
    {"completed", StatusKind::Shipped},
    {"delivered", StatusKind::Shipped},
    {"expediee", StatusKind::Shipped},
    {"expedie", StatusKind::Shipped},
    {"livree", StatusKind::Shipped},
    {"livre", StatusKind::Shipped},
    {"terminee", StatusKind::Shipped},
    {"cancelled", StatusKind::Cancelled},
    {"canceled", StatusKind::Cancelled},
    {"refunded", StatusKind::Cancelled},
    {"failed", StatusKind::Cancelled},
    {"annulee", StatusKind::Cancelled},
    {"annule", StatusKind::Cancelled},
    {"remboursee", StatusKind::Cancelled},
    {"rembourse", StatusKind::Cancelled},
    {"erreur de paiement", StatusKind::Cancelled},
};

struct CountryName {
    const char* folded;
    const char* code;
};

constexpr CountryName kCountryNames[] = {
    {"france", "FR"},      {"belgique", "BE"},    {"belgium", "BE"},
    {"suisse", "CH"},      {"switzerland", "CH"}, {"luxembourg", "LU"},
    {"monaco", "MC"},      {"allemagne", "DE"},   {"germany", "DE"},
    {"deutschland", "DE"}, {"espagne", "ES"},     {"spain", "ES"},
    {"italie", "IT"},      {"italy", "IT"},       {"pays bas", "NL"},
    {"netherlands", "NL"}, {"royaume uni", "GB"}, {"united kingdom", "GB"},
    {"uk", "GB"},          {"portugal", "PT"},    {"autriche", "AT"},
    {"austria", "AT"},     {"irlande", "IE"},     {"ireland", "IE"},
    {"canada", "CA"},      {"etats unis", "US"},  {"united states", "US"},
    {"usa", "US"},
};

std::optional<std::string> countryCode(std::string_view text) {
    const std::string folded = foldForMatching(text);
    for (const auto& c : kCountryNames) {
        if (folded == c.folded) {
            return std::string(c.code);
        }
    }
    if (folded.size() == 2 && std::isalpha(static_cast<unsigned char>(folded[0])) &&
        std::isalpha(static_cast<unsigned char>(folded[1]))) {
        return std::string{static_cast<char>(folded[0] - 'a' + 'A'),
                           static_cast<char>(folded[1] - 'a' + 'A')};
    }
    return std::nullopt;
}

// One order while its rows are read: fields come from the first row that fills them, so that
// exports which repeat the order's columns on every line and those which leave them blank after
// the first line both work.
struct OrderDraft {
    Order order;
    int firstLine = 0;
    std::optional<StatusKind> status;
    std::string paymentText;
    std::string firstName;
    std::string street2;
};

void fillOnce(std::string& target, const std::string& value) {
    if (target.empty()) {
        target = value;
    }
}

class OrdersFileReader {
  public:
    explicit OrdersFileReader(const std::string& fileName) : fileName_(fileName) {}

    OrdersFile read(std::string_view bytes) {
        DecodedText decoded = decodeText(bytes);
        result_.encoding = decoded.encoding;
        if (!decoded.error.empty()) {
            fail(fileName_ + ": " + decoded.error);
            return std::move(result_);
        }
        Table table = readTable(decoded.text);
        result_.separator = table.separator;
        if (!table.error.empty()) {
            fail(fileName_ + " " + table.error);
            return std::move(result_);
        }
        if (table.records.empty()) {
            fail(fileName_ + ": the file is empty (no header line)");
            return std::move(result_);
        }
        if (!mapHeader(table.records.front())) {
            return std::move(result_);
        }
        for (std::size_t i = 1; i < table.records.size(); ++i) {
            readRow(table.records[i]);
        }
        for (auto& draft : drafts_) {
            finish(draft);
        }
        if (result_.errors.size() > kMaxErrorsPerFile) {
            const std::size_t more = result_.errors.size() - kMaxErrorsPerFile;
            result_.errors.resize(kMaxErrorsPerFile);
            result_.errors.push_back(fileName_ + ": and " + std::to_string(more) +
                                     " more problems");
        }
        if (result_.errors.empty()) {
            for (auto& draft : drafts_) {
                result_.orders.push_back(std::move(draft.order));
            }
        }
        return std::move(result_);
    }

  private:
    void fail(std::string message) { result_.errors.push_back(std::move(message)); }
    void failAt(int line, const std::string& message) {
        fail(fileName_ + " line " + std::to_string(line) + ": " + message);
    }

    bool mapHeader(const Record& header) {
        index_.fill(-1);
        for (std::size_t i = 0; i < header.fields.size(); ++i) {
            const std::string folded = foldForMatching(header.fields[i]);
            for (const auto& alias : kAliases) {
                auto& slot = index_[static_cast<std::size_t>(alias.column)];
                if (folded == alias.folded && slot < 0) {
                    slot = static_cast<int>(i);
                    if (alias.column == Column::Weight) {
                        weightUnitGrams_ = alias.weightUnitGrams;
                    }
                }
            }
        }
        std::string missing;
        for (const auto& required : kRequired) {
            if (!has(required.column)) {
                missing += (missing.empty() ? "" : ", ") + std::string(required.label);
            }
        }
        if (!has(Column::Sku) && !has(Column::Gtin)) {
            missing += (missing.empty() ? "" : ", ") + std::string("sku (référence) or gtin (ean)");
        }
        if (missing.empty()) {
            return true;
        }
        std::string found;
        for (const auto& field : header.fields) {
            found += (found.empty() ? "" : ", ") + trim(field);
        }
        fail(fileName_ + ": missing columns " + missing + " (header line " +
             std::to_string(header.line) + " has: " + found + ")");
        return false;
    }

    bool has(Column c) const { return index_[static_cast<std::size_t>(c)] >= 0; }

    std::string get(const Record& r, Column c) const {
        const int i = index_[static_cast<std::size_t>(c)];
        if (i < 0 || static_cast<std::size_t>(i) >= r.fields.size()) {
            return {};
        }
        return trim(r.fields[static_cast<std::size_t>(i)]);
    }

    void readRow(const Record& r) {
        std::string number = get(r, Column::Order);
        if (number.empty()) {
            // Some exports fill the order's columns on its first line only.
            if (lastOrder_.empty()) {
                failAt(r.line, "no order number");
                return;
            }
            number = lastOrder_;
        }
        lastOrder_ = number;
        auto [it, inserted] = byNumber_.try_emplace(number, drafts_.size());
        if (inserted) {
            drafts_.emplace_back();
            drafts_.back().order.number = number;
            drafts_.back().order.shopId = number;
            drafts_.back().firstLine = r.line;
        }
        OrderDraft& draft = drafts_[it->second];
        Order& o = draft.order;

        if (const std::string status = get(r, Column::Status); !status.empty() && !draft.status) {
            const std::string folded = foldForMatching(status);
            for (const auto& word : kStatusWords) {
                if (folded == word.folded) {
                    draft.status = word.kind;
                }
            }
            if (!draft.status) {
                failAt(r.line, "status '" + status +
                                   "' is not one the station knows (see docs/csv-exchange.md)");
            }
        }
        fillOnce(draft.paymentText, get(r, Column::Payment));
        fillOnce(o.customer.name, get(r, Column::Name));
        fillOnce(draft.firstName, get(r, Column::FirstName));
        fillOnce(o.customer.street, get(r, Column::Street));
        fillOnce(draft.street2, get(r, Column::Street2));
        fillOnce(o.customer.postcode, get(r, Column::Postcode));
        fillOnce(o.customer.city, get(r, Column::City));
        fillOnce(o.customer.country, get(r, Column::Country));
        fillOnce(o.shippingMethod, get(r, Column::Shipping));
        fillOnce(o.customerNote, get(r, Column::Note));
        if (const std::string risk = get(r, Column::Risk); !risk.empty() && o.riskScore == 0) {
            std::string_view digits = risk;
            if (endsWith(digits, "%")) {
                digits.remove_suffix(1);
            }
            if (auto value = parseDecimal(digits); value && *value >= 0) {
                o.riskScore = *value;
            } else {
                failAt(r.line, "risk score '" + risk + "' is not a number");
            }
        }

        OrderLine line;
        line.shopLineId = std::to_string(o.lines.size() + 1);
        line.sku = get(r, Column::Sku);
        line.gtin = get(r, Column::Gtin);
        line.name = get(r, Column::Product);
        line.bin = get(r, Column::Bin);
        if (!line.gtin.empty()) {
            line.gtin = compactNumber(line.gtin);
            if (line.gtin.find_first_of("e+,.") != std::string::npos) {
                failAt(r.line, "gtin '" + get(r, Column::Gtin) +
                                   "' was turned into a number by the spreadsheet; format that "
                                   "column as text before exporting");
            } else if (line.gtin.size() < 8 || line.gtin.size() > 14 ||
                       line.gtin.find_first_not_of("0123456789") != std::string::npos) {
                failAt(r.line, "gtin '" + get(r, Column::Gtin) + "' is not 8 to 14 digits");
            }
        }
        if (line.sku.empty() && line.gtin.empty()) {
            failAt(r.line, "the line has neither a sku nor a gtin");
        }
        if (line.name.empty()) {
            line.name = line.sku.empty() ? line.gtin : line.sku;
        }
        const std::string quantity = get(r, Column::Quantity);
        const auto q = parseDecimal(quantity);
        if (!q || *q != std::floor(*q) || *q < 1 || *q > 1'000'000) {
            failAt(r.line, "quantity '" + quantity + "' is not a whole number of at least 1");
        } else {
            line.quantity = static_cast<int>(*q);
        }
        if (const std::string weight = get(r, Column::Weight); !weight.empty()) {
            if (auto grams = parseWeightGrams(weight, weightUnitGrams_)) {
                line.unitWeightGrams = *grams;
            } else {
                failAt(r.line, "weight '" + weight + "' is not a weight (e.g. 250 g, 1,5 kg)");
            }
        }
        o.lines.push_back(std::move(line));
    }

    void finish(OrderDraft& draft) {
        Order& o = draft.order;
        if (!draft.status) {
            failAt(draft.firstLine, "order " + o.number + " has no status");
            return;
        }
        if (!draft.firstName.empty()) {
            o.customer.name =
                o.customer.name.empty() ? draft.firstName : draft.firstName + " " + o.customer.name;
        }
        if (o.customer.name.empty()) {
            failAt(draft.firstLine, "order " + o.number + " has no customer name");
        }
        if (!draft.street2.empty()) {
            o.customer.street += (o.customer.street.empty() ? "" : "\n") + draft.street2;
        }
        if (!o.customer.country.empty()) {
            if (auto code = countryCode(o.customer.country)) {
                o.customer.country = *code;
            } else {
                failAt(draft.firstLine, "country '" + o.customer.country +
                                            "' is neither a two-letter code nor a known name");
            }
        }
        // Excel drops the leading zero of French postcodes (01000 Bourg-en-Bresse -> 1000).
        if (o.customer.country == "FR" && o.customer.postcode.size() == 4 &&
            o.customer.postcode.find_first_not_of("0123456789") == std::string::npos) {
            o.customer.postcode.insert(0, "0");
        }
        const std::string payment = foldForMatching(draft.paymentText);
        const bool transfer = payment.find("virement") != std::string::npos ||
                              payment.find("transfer") != std::string::npos ||
                              payment.find("bacs") != std::string::npos;
        const bool cheque = payment.find("cheque") != std::string::npos ||
                            payment.find("check") != std::string::npos;
        switch (*draft.status) {
            case StatusKind::Ready:
                o.status = "ready";
                o.payment = "paid";
                break;
            case StatusKind::AwaitingTransfer:
                o.status = "awaiting_payment";
                o.payment = "awaiting_transfer";
                break;
            case StatusKind::AwaitingCheque:
                o.status = "awaiting_payment";
                o.payment = "awaiting_cheque";
                break;
            case StatusKind::AwaitingPayment:
                o.status = "awaiting_payment";
                o.payment = transfer ? "awaiting_transfer" : cheque ? "awaiting_cheque" : "";
                break;
            case StatusKind::Shipped:
                o.status = "shipped";
                o.payment = "paid";
                break;
            case StatusKind::Cancelled:
                o.status = "cancelled";
                break;
        }
    }

    const std::string& fileName_;
    OrdersFile result_;
    std::array<int, static_cast<std::size_t>(Column::Count)> index_{};
    int weightUnitGrams_ = 1;
    std::vector<OrderDraft> drafts_;
    std::map<std::string, std::size_t> byNumber_;
    std::string lastOrder_;
};

}  // namespace

bool isValidUtf8(std::string_view bytes) {
    return firstInvalidUtf8(bytes) == std::string_view::npos;
}

std::string windows1252ToUtf8(std::string_view bytes) {
    // 0x80-0x9F; 0x81, 0x8D, 0x8F, 0x90 and 0x9D are unassigned and map to the same code point.
    static constexpr char16_t kHigh[32] = {
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    };
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 8);
    for (char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x80) {
            out += c;
        } else if (b < 0xA0) {
            appendUtf8(out, kHigh[b - 0x80]);
        } else {
            appendUtf8(out, b);
        }
    }
    return out;
}

DecodedText decodeText(std::string_view bytes) {
    DecodedText decoded;
    if (bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF")) {
        decoded.error =
            "the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" or \"CSV "
            "(separator: semicolon)\" instead";
        return decoded;
    }
    if (bytes.starts_with("\xEF\xBB\xBF")) {
        bytes.remove_prefix(3);
        decoded.encoding = TextEncoding::Utf8WithBom;
        if (const auto bad = firstInvalidUtf8(bytes); bad != std::string_view::npos) {
            decoded.error = "line " + std::to_string(lineAt(bytes, bad)) +
                            ": the file says it is UTF-8 but this line is not";
            return decoded;
        }
        decoded.text = std::string(bytes);
        return decoded;
    }
    if (isValidUtf8(bytes)) {
        decoded.text = std::string(bytes);
        return decoded;
    }
    decoded.encoding = TextEncoding::Windows1252;
    decoded.text = windows1252ToUtf8(bytes);
    return decoded;
}

char detectSeparator(std::string_view text) {
    int semicolons = 0;
    int tabs = 0;
    int commas = 0;
    bool quoted = false;
    for (char c : text) {
        if (c == '"') {
            quoted = !quoted;
        } else if (quoted) {
            continue;
        } else if (c == '\n' || c == '\r') {
            break;
        } else if (c == ';') {
            ++semicolons;
        } else if (c == '\t') {
            ++tabs;
        } else if (c == ',') {
            ++commas;
        }
    }
    if (semicolons >= tabs && semicolons >= commas) {
        return ';';
    }
    return tabs >= commas ? '\t' : ',';
}

Table parseRecords(std::string_view text, char separator) {
    Table table;
    table.separator = separator;
    int line = 1;
    Record record;
    record.line = 1;
    std::string field;
    bool inQuotes = false;
    bool fieldQuoted = false;
    int quoteLine = 0;

    auto endField = [&] {
        record.fields.push_back(std::move(field));
        field.clear();
        fieldQuoted = false;
    };
    auto endRecord = [&] {
        endField();
        if (!isBlank(record)) {
            table.records.push_back(std::move(record));
        }
        record = Record{};
        record.line = line;
    };

    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        const bool crlf = c == '\r' && i + 1 < text.size() && text[i + 1] == '\n';
        if (inQuotes) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    i += 2;
                } else {
                    inQuotes = false;
                    ++i;
                }
            } else if (c == '\r' || c == '\n') {
                field += '\n';
                ++line;
                i += crlf ? 2 : 1;
            } else {
                field += c;
                ++i;
            }
            continue;
        }
        if (c == '"' && !fieldQuoted && field.find_first_not_of(' ') == std::string::npos) {
            field.clear();  // spaces before an opening quote are layout, not content
            inQuotes = true;
            fieldQuoted = true;
            quoteLine = line;
            ++i;
        } else if (c == separator) {
            endField();
            ++i;
        } else if (c == '\r' || c == '\n') {
            ++line;
            i += crlf ? 2 : 1;
            endRecord();
        } else {
            field += c;
            ++i;
        }
    }
    if (inQuotes) {
        table.error = "line " + std::to_string(quoteLine) +
                      ": a quoted field starts here and its closing quote is missing";
        table.records.clear();
        return table;
    }
    if (!field.empty() || fieldQuoted || !record.fields.empty()) {
        endRecord();
    }
    return table;
}

Table readTable(std::string_view text) {
    // Excel writes and honours a first line "sep=;" that names the separator.
    if (text.size() >= 5 && foldForMatching(text.substr(0, 3)) == "sep" && text[3] == '=' &&
        (text.size() == 5 || text[5] == '\r' || text[5] == '\n')) {
        Table table = parseRecords(text, text[4]);
        if (!table.records.empty() && table.records.front().line == 1) {
            table.records.erase(table.records.begin());
        }
        return table;
    }
    return parseRecords(text, detectSeparator(text));
}

std::optional<int> parseWeightGrams(std::string_view text, int bareUnitGrams) {
    std::string s = compactNumber(text);
    int unit = bareUnitGrams;
    if (endsWith(s, "kg")) {
        unit = 1000;
        s.resize(s.size() - 2);
    } else if (endsWith(s, "grammes")) {
        unit = 1;
        s.resize(s.size() - 7);
    } else if (endsWith(s, "gr")) {
        unit = 1;
        s.resize(s.size() - 2);
    } else if (endsWith(s, "g")) {
        unit = 1;
        s.resize(s.size() - 1);
    }
    const auto value = parseDecimal(s);
    if (!value || *value < 0 || *value * unit > 1e9) {
        return std::nullopt;
    }
    return static_cast<int>(std::lround(*value * unit));
}

std::string foldForMatching(std::string_view text) {
    // Latin-1 letters U+00C0-U+00FF without their accents; "" where the character is not a letter.
    static constexpr const char* kLatin1[64] = {
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
        "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
        "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",
    };
    std::string out;
    bool pendingSpace = false;
    auto emit = [&](std::string_view letters) {
        if (letters.empty()) {
            pendingSpace = true;
            return;
        }
        if (pendingSpace && !out.empty()) {
            out += ' ';
        }
        pendingSpace = false;
        out += letters;
    };
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (b < 0x80) {
            if (std::isalnum(b)) {
                const char lower = static_cast<char>(std::tolower(b));
                emit(std::string_view(&lower, 1));
            } else {
                emit({});
            }
            ++i;
            continue;
        }
        std::size_t length = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : 4;
        length = std::min(length, text.size() - i);
        char32_t cp = 0;
        if (length == 2) {
            cp = ((b & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F);
        }
        if (cp >= 0xC0 && cp <= 0xFF) {
            emit(kLatin1[cp - 0xC0]);
        } else if (cp == 0x152 || cp == 0x153) {
            emit("oe");
        } else if (cp == 0x178) {
            emit("y");
        } else {
            emit({});
        }
        i += length;
    }
    return out;
}

OrdersFile readOrdersFile(std::string_view bytes, const std::string& fileName) {
    return OrdersFileReader(fileName).read(bytes);
}

ShipmentRows readShipmentRows(std::string_view bytes, const std::string& fileName) {
    ShipmentRows result;
    const DecodedText decoded = decodeText(bytes);
    if (!decoded.error.empty()) {
        result.error = fileName + ": " + decoded.error;
        return result;
    }
    const Table table = readTable(decoded.text);
    if (!table.error.empty()) {
        result.error = fileName + " " + table.error;
        return result;
    }
    if (table.records.empty()) {
        return result;
    }
    const auto& header = table.records.front().fields;
    bool headerOk = header.size() == std::size(kShipmentColumns);
    for (std::size_t i = 0; headerOk && i < header.size(); ++i) {
        headerOk = trim(header[i]) == kShipmentColumns[i];
    }
    if (!headerOk) {
        result.error = fileName + ": not a shipments file (unexpected header line)";
        return result;
    }
    for (std::size_t i = 1; i < table.records.size(); ++i) {
        const Record& r = table.records[i];
        int parcel = 0;
        const std::string parcelText = r.fields.size() > 1 ? trim(r.fields[1]) : "";
        const auto [end, ec] =
            std::from_chars(parcelText.data(), parcelText.data() + parcelText.size(), parcel);
        if (r.fields.size() != std::size(kShipmentColumns) || ec != std::errc() ||
            end != parcelText.data() + parcelText.size()) {
            result.error = fileName + " line " + std::to_string(r.line) +
                           ": not a shipment row (order;parcel;tracking_number;carrier;date)";
            result.rows.clear();
            return result;
        }
        result.rows.push_back({r.fields[0], parcel, r.fields[2], r.fields[3], r.fields[4]});
    }
    return result;
}

}  // namespace shop::csv
