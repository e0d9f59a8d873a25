#include "station/Messages.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <charconv>

namespace station {
namespace {

struct Entry {
    std::string_view key;
    std::string_view en;
    std::string_view fr;
};

// Sorted by key: looked up by binary search on every scan.
constexpr std::array kCatalogue = std::to_array<Entry>({
    {"access_cross_site", "{method} {endpoint} refused: sent by a page of another site ({origin})",
     "{method} {endpoint} refusé : envoyé par une page d'un autre site ({origin})"},
    {"access_login_required", "{method} {endpoint} refused to {address}: sign in first",
     "{method} {endpoint} refusé à {address} : connectez-vous d'abord"},
    {"access_role_refused", "{method} {endpoint} refused to {user} ({role}): only for {roles}",
     "{method} {endpoint} refusé à {user} ({role}) : réservé à {roles}"},
    {"already_logged_in", "{user} is already logged in", "{user} est déjà connecté(e)"},
    {"approval_required", "Waiting for a supervisor: {what}",
     "En attente d'un superviseur : {what}"},
    {"bad_check_digit", "Bad check digit in {code}: scan it again",
     "Clé de contrôle fausse dans {code} : scannez à nouveau"},
    {"box_set", "Box {box} for parcel {parcel}", "Carton {box} pour le colis {parcel}"},
    {"carrier_label_invalid", "{code} is not a carrier tracking number",
     "{code} n'est pas un numéro de suivi transporteur"},
    {"carrier_label_required", "Scan the carrier label for parcel {parcel}",
     "Scannez l'étiquette transporteur du colis {parcel}"},
    {"close_parcel_first", "Close parcel {parcel} first", "Fermez d'abord le colis {parcel}"},
    {"document_failed", "Document {document} not printed on {printer}: {error}. Ask for it again",
     "Document {document} non imprimé sur {printer} : {error}. Redemandez-le"},
    {"internal_error", "The station could not save this scan: scan it again",
     "Le poste n'a pas pu enregistrer ce scan : scannez à nouveau"},
    {"item_packed", "{name}: {packed}/{quantity}", "{name} : {packed}/{quantity}"},
    {"item_packed_case", "Case of {count} × {name}: {packed}/{quantity}",
     "Carton de {count} × {name} : {packed}/{quantity}"},
    {"label_confirmed", "Label of parcel {parcel} checked", "Étiquette du colis {parcel} vérifiée"},
    {"label_failed", "Label of parcel {parcel} not printed on {printer}: {error}",
     "Étiquette du colis {parcel} non imprimée sur {printer} : {error}"},
    {"label_held",
     "Label of parcel {parcel} waits for {printer} ({error}): it prints by itself once the "
     "printer is ready",
     "L'étiquette du colis {parcel} attend {printer} ({error}) : elle s'imprimera d'elle-même dès "
     "que l'imprimante sera prête"},
    {"label_in_progress", "Label of parcel {parcel} is being sent to {printer}: wait for it",
     "L'étiquette du colis {parcel} est en cours d'envoi à {printer} : attendez-la"},
    {"label_printed", "Label of parcel {parcel} printed on {printer}",
     "Étiquette du colis {parcel} imprimée sur {printer}"},
    {"label_reprinted", "Label of parcel {parcel} sent again to {printer}",
     "Étiquette du colis {parcel} renvoyée sur {printer}"},
    {"label_scan_required", "Scan the barcode on the label of parcel {parcel}",
     "Scannez le code-barres de l'étiquette du colis {parcel}"},
    {"label_uncertain",
     "Label of parcel {parcel} may have printed on {printer} ({error}): look at the printer, and "
     "scan CMD-REPRINT only if it did not come out",
     "L'étiquette du colis {parcel} est peut-être sortie sur {printer} ({error}) : regardez "
     "l'imprimante, et scannez CMD-REPRINT seulement si elle n'est pas sortie"},
    {"label_voided", "Label {tracking} of parcel {parcel} voided, approved by {supervisor}",
     "Étiquette {tracking} du colis {parcel} annulée, validé par {supervisor}"},
    {"label_withdrawn_cancelled",
     "Label of parcel {parcel} was waiting for {printer}: not printed, order {order} was cancelled",
     "L'étiquette du colis {parcel} attendait {printer} : non imprimée, la commande {order} a été "
     "annulée"},
    {"label_withdrawn_parcel_gone",
     "A label was waiting for {printer}: not printed, its parcel no longer exists",
     "Une étiquette attendait {printer} : non imprimée, son colis n'existe plus"},
    {"label_withdrawn_parcel_open",
     "Label of parcel {parcel} was waiting for {printer}: not printed, the parcel was reopened",
     "L'étiquette du colis {parcel} attendait {printer} : non imprimée, le colis a été rouvert"},
    {"label_withdrawn_shipped_elsewhere",
     "Label of parcel {parcel} was waiting for {printer}: not printed, order {order} was shipped "
     "elsewhere",
     "L'étiquette du colis {parcel} attendait {printer} : non imprimée, la commande {order} a été "
     "expédiée ailleurs"},
    {"logged_in", "Hello {user}", "Bonjour {user}"},
    {"logged_out", "{user} logged out", "{user} déconnecté(e)"},
    {"logged_out_idle", "{user} logged out after {minutes} min without a scan",
     "{user} déconnecté(e) après {minutes} min sans scan"},
    {"login_failed", "Sign-in refused from {address}: unknown badge or PIN",
     "Connexion refusée depuis {address} : badge ou code PIN inconnu"},
    {"malformed_code", "Unreadable GS1 code {code}: scan it again",
     "Code GS1 illisible {code} : scannez à nouveau"},
    {"new_parcel", "Parcel {parcel} started", "Colis {parcel} commencé"},
    {"no_order", "No order open: scan an order number or a packing slip first",
     "Aucune commande ouverte : scannez d'abord un numéro de commande ou un bon de livraison"},
    {"no_return", "No return open: scan the return slip or the order number first",
     "Aucun retour ouvert : scannez d'abord le bon de retour ou le numéro de commande"},
    {"no_scale", "This bench has no scale", "Ce poste n'a pas de balance"},
    {"not_logged_in", "Scan your badge first", "Scannez d'abord votre badge"},
    {"note", "Note: {text}", "Note : {text}"},
    {"nothing_to_approve", "Nothing is waiting for approval", "Rien n'attend de validation"},
    {"nothing_to_close", "No parcel to close: scan an item first",
     "Aucun colis à fermer : scannez d'abord un article"},
    {"nothing_to_grade", "No item waits for a grade: scan a returned item first",
     "Aucun article n'attend son état : scannez d'abord un article retourné"},
    {"nothing_to_reprint", "No label to reprint", "Aucune étiquette à réimprimer"},
    {"nothing_to_ship", "Nothing to ship: close a parcel first",
     "Rien à expédier : fermez d'abord un colis"},
    {"nothing_to_void", "No label to void in this order",
     "Aucune étiquette à annuler dans cette commande"},
    {"order_already_open", "Order {current} is still open: finish or cancel it before {order}",
     "La commande {current} est encore ouverte : terminez-la ou annulez-la avant {order}"},
    {"order_already_shipped", "Order {order} was already shipped",
     "La commande {order} est déjà expédiée"},
    {"order_cancelled", "Order {order} is cancelled: do not ship it",
     "La commande {order} est annulée : ne pas l'expédier"},
    {"order_cancelled_in_shop",
     "Order {order} was cancelled in the shop: stop packing, put the items back",
     "La commande {order} a été annulée dans la boutique : arrêtez l'emballage, remettez les "
     "articles en place"},
    {"order_cancelled_in_shop_labels",
     "Order {order} was cancelled in the shop: stop, put the items back; a supervisor must void "
     "its labels",
     "La commande {order} a été annulée dans la boutique : arrêtez, remettez les articles en place "
     "; un superviseur doit annuler ses étiquettes"},
    {"order_changed_in_shop",
     "Order {order} was changed in the shop: scan it again to pack the new lines",
     "La commande {order} a été modifiée dans la boutique : scannez-la à nouveau pour emballer les "
     "nouvelles lignes"},
    {"order_changed_in_shop_closed",
     "Order {order} was changed in the shop after parcels were closed: call a supervisor",
     "La commande {order} a été modifiée dans la boutique après la fermeture de colis : appelez un "
     "superviseur"},
    {"order_complete", "All items of order {order} packed: weigh the parcel",
     "Tous les articles de la commande {order} sont emballés : pesez le colis"},
    {"order_held",
     "Order {order} is held for risk review (score {score}): a supervisor must "
     "scan their badge",
     "La commande {order} est bloquée pour risque de fraude (score {score}) : un superviseur "
     "doit scanner son badge"},
    {"order_held_approved", "Risk review of order {order} approved by {supervisor}",
     "Contrôle de risque de la commande {order} validé par {supervisor}"},
    {"order_imported", "Order {order} received from the shop ({adapter})",
     "Commande {order} reçue de la boutique ({adapter})"},
    {"order_on_other_station", "Order {order} is open on station {station}",
     "La commande {order} est ouverte sur le poste {station}"},
    {"order_opened", "Order {order}: {items} items to pack",
     "Commande {order} : {items} articles à emballer"},
    {"order_partially_shipped",
     "Order {order}: {parcels} parcel(s) shipped, approved by {supervisor}; the rest stays "
     "as backorder",
     "Commande {order} : {parcels} colis expédié(s), validé par {supervisor} ; le reste reste "
     "en reliquat"},
    {"order_released", "Packing of order {order} cancelled: order released",
     "Emballage de la commande {order} annulé : commande libérée"},
    {"order_shipped", "Order {order} shipped: {parcels} parcel(s)",
     "Commande {order} expédiée : {parcels} colis"},
    {"order_shipped_elsewhere",
     "Order {order} was already shipped from elsewhere: stop packing, put the items back",
     "La commande {order} a déjà été expédiée ailleurs : arrêtez l'emballage, remettez les "
     "articles en place"},
    {"order_shipped_elsewhere_labels",
     "Order {order} was already shipped from elsewhere: stop, put the items back; a supervisor "
     "must void its labels",
     "La commande {order} a déjà été expédiée ailleurs : arrêtez, remettez les articles en place ; "
     "un superviseur doit annuler ses étiquettes"},
    {"order_unpaid", "Order {order} is not paid: do not ship before payment is confirmed",
     "La commande {order} n'est pas payée : ne pas expédier avant confirmation du paiement"},
    {"order_unpaid_cheque",
     "Order {order} awaits a cheque: do not ship before payment is confirmed",
     "La commande {order} attend un chèque : ne pas expédier avant confirmation du paiement"},
    {"order_unpaid_transfer",
     "Order {order} awaits a bank transfer: do not ship before payment is confirmed",
     "La commande {order} attend un virement : ne pas expédier avant confirmation du paiement"},
    {"order_updated_from_shop", "Order {order} updated from the shop",
     "Commande {order} mise à jour depuis la boutique"},
    {"parcel_closed", "Parcel {parcel} closed, tracking {tracking}",
     "Colis {parcel} fermé, suivi {tracking}"},
    {"parcel_closed_pickup", "Parcel {parcel} closed (customer pickup)",
     "Colis {parcel} fermé (retrait client)"},
    {"parcel_empty", "Parcel {parcel} is still empty", "Le colis {parcel} est encore vide"},
    {"partial_requested", "Partial shipment of order {order}: a supervisor must scan their badge",
     "Expédition partielle de la commande {order} : un superviseur doit scanner son badge"},
    {"print_jobs_resumed", "{printer} is ready again: {count} waiting job(s) sent",
     "{printer} est de nouveau prête : {count} impression(s) en attente envoyée(s)"},
    {"request_withdrawn", "Request withdrawn: {what}", "Demande retirée : {what}"},
    {"restock_label_failed", "Restock label of {sku} not printed on {printer}: {error}",
     "Étiquette de remise en stock de {sku} non imprimée sur {printer} : {error}"},
    {"restock_label_held",
     "Restock label of {sku} waits for {printer} ({error}): it prints by itself once the printer "
     "is ready",
     "L'étiquette de remise en stock de {sku} attend {printer} ({error}) : elle s'imprimera "
     "d'elle-même dès que l'imprimante sera prête"},
    {"restock_label_printed", "Restock label of {sku} printed on {printer}",
     "Étiquette de remise en stock de {sku} imprimée sur {printer}"},
    {"restock_label_uncertain",
     "Restock label of {sku} may have printed on {printer} ({error}): look at the printer",
     "L'étiquette de remise en stock de {sku} est peut-être sortie sur {printer} ({error}) : "
     "regardez l'imprimante"},
    {"return_all_received", "Everything shipped in order {order} has already been returned",
     "Tout ce qui a été expédié dans la commande {order} a déjà été retourné"},
    {"return_cancelled", "Return of order {order} cancelled: nothing is sent to the shop",
     "Retour de la commande {order} annulé : rien n'est envoyé à la boutique"},
    {"return_closed",
     "Return of order {order} closed: {items} item(s) received, {restocked} back in stock",
     "Retour de la commande {order} clôturé : {items} article(s) reçu(s), {restocked} remis en "
     "stock"},
    {"return_empty", "No item received yet: scan the returned items, or cancel the return",
     "Aucun article reçu : scannez les articles retournés, ou annulez le retour"},
    {"return_grade_required",
     "Grade {name} first: scan resellable, damaged, missing parts or wrong item",
     "Indiquez d'abord l'état de {name} : scannez revendable, abîmé, pièces manquantes ou "
     "mauvais article"},
    {"return_graded_damaged", "{name}: damaged, not restocked",
     "{name} : abîmé, non remis en stock"},
    {"return_graded_missing_parts", "{name}: parts missing, not restocked",
     "{name} : pièces manquantes, non remis en stock"},
    {"return_graded_resellable", "{name}: resellable, put it back in bin {bin}",
     "{name} : revendable, remettez-le dans l'emplacement {bin}"},
    {"return_graded_resellable_no_bin", "{name}: resellable, put it back in stock (no bin known)",
     "{name} : revendable, remettez-le en stock (emplacement inconnu)"},
    {"return_graded_wrong_item", "{name}: wrong item, not restocked",
     "{name} : mauvais article, non remis en stock"},
    {"return_item_not_shipped", "{code} was not shipped in order {order}",
     "{code} n'a pas été expédié dans la commande {order}"},
    {"return_item_received", "{name} returned ({returned}/{shipped}): scan its grade",
     "{name} retourné ({returned}/{shipped}) : scannez son état"},
    {"return_not_allowed",
     "{user} cannot take returns with the role {role}: the returns desk or a supervisor can",
     "{user} ne peut pas prendre de retours avec le rôle {role} : le poste retours ou un "
     "superviseur le peut"},
    {"return_nothing_shipped",
     "Order {order} has no shipped items recorded here: nothing to return",
     "La commande {order} n'a aucun article expédié enregistré ici : rien à retourner"},
    {"return_open",
     "The return of order {order} is open: close it (CMD-CLOSE-RETURN) or cancel it "
     "(CMD-CANCEL) first",
     "Le retour de la commande {order} est ouvert : clôturez-le (CMD-CLOSE-RETURN) ou "
     "annulez-le (CMD-CANCEL) d'abord"},
    {"return_opened",
     "Return of order {order} opened: scan each returned item ({items} can come back)",
     "Retour de la commande {order} ouvert : scannez chaque article retourné ({items} peuvent "
     "revenir)"},
    {"return_serial_duplicate", "Serial number {serial} was already returned",
     "Le numéro de série {serial} a déjà été retourné"},
    {"return_serial_not_shipped", "Serial number {serial} was not shipped in order {order}",
     "Le numéro de série {serial} n'a pas été expédié dans la commande {order}"},
    {"return_slip_failed", "Return slip {rma} not printed on {printer}: {error}",
     "Bon de retour {rma} non imprimé sur {printer} : {error}"},
    {"return_slip_held",
     "Return slip {rma} waits for {printer} ({error}): it prints by itself once the printer is "
     "ready",
     "Le bon de retour {rma} attend {printer} ({error}) : il s'imprimera de lui-même dès que "
     "l'imprimante sera prête"},
    {"return_slip_instructions",
     "To return items, put this slip in the parcel with them and send it to the address above. "
     "We check them and refund you on arrival.",
     "Pour retourner des articles, glissez ce bon dans le colis avec eux et envoyez-le à "
     "l'adresse ci-dessus. Nous les vérifions et vous remboursons à réception."},
    {"return_slip_printed", "Return slip {rma} printed on {printer}",
     "Bon de retour {rma} imprimé sur {printer}"},
    {"return_slip_uncertain",
     "Return slip {rma} may have printed on {printer} ({error}): look at the printer",
     "Le bon de retour {rma} est peut-être sorti sur {printer} ({error}) : regardez "
     "l'imprimante"},
    {"return_slip_withdrawn_cancelled",
     "Return slip {rma} was waiting for {printer}: not printed, order {order} was cancelled",
     "Le bon de retour {rma} attendait {printer} : non imprimé, la commande {order} a été "
     "annulée"},
    {"return_too_many", "One too many: {name} shipped {shipped}, already returned {returned}",
     "Un de trop : {name} expédié {shipped}, déjà retourné {returned}"},
    {"return_unknown", "No order or return slip {code}: scan the return slip or the order number",
     "Pas de commande ni de bon de retour {code} : scannez le bon de retour ou le numéro de "
     "commande"},
    {"return_weighed", "Return parcel: {weight} g", "Colis retour : {weight} g"},
    {"return_weight_mismatch",
     "Return parcel weighs {weight} g, expected {expected} g ± {tolerance} g: check for an item "
     "missing or one too many",
     "Le colis retour pèse {weight} g, attendu {expected} g ± {tolerance} g : vérifiez qu'il ne "
     "manque rien et que rien n'est en trop"},
    {"return_weight_ok", "Return parcel: {weight} g, as expected ({expected} g)",
     "Colis retour : {weight} g, conforme ({expected} g)"},
    {"role_not_allowed", "{user} cannot pack orders with the role {role}",
     "{user} ne peut pas emballer de commandes avec le rôle {role}"},
    {"scale_zero_failed", "{scale} not set to zero: {error}",
     "{scale} non remise à zéro : {error}"},
    {"scale_zero_requested", "Setting {scale} to zero: leave the platter empty",
     "Remise à zéro de {scale} : laissez le plateau vide"},
    {"scale_zeroed", "{scale} set to zero", "{scale} remise à zéro"},
    {"scanner_problem", "Scanner {scanner}: {problem}. Scan again once it is fixed",
     "Lecteur {scanner} : {problem}. Scannez à nouveau une fois corrigé"},
    {"screen_login", "{user} signed in on a screen from {address}",
     "{user} connecté(e) sur un écran depuis {address}"},
    {"screen_logout", "{user} signed out of a screen", "{user} déconnecté(e) d'un écran"},
    {"serial_duplicate", "Serial number {serial} was already scanned in this order",
     "Le numéro de série {serial} a déjà été scanné dans cette commande"},
    {"serial_invalid", "{code} cannot be a serial number: scan the serial number of {name}",
     "{code} ne peut pas être un numéro de série : scannez le numéro de série de {name}"},
    {"serial_required", "{name}: scan the serial number", "{name} : scannez le numéro de série"},
    {"supervisor_required", "Only a supervisor can approve: {what}",
     "Seul un superviseur peut valider : {what}"},
    {"sync_row_retried", "Sending {kind} to the shop again (it failed with: {error})",
     "Nouvel envoi de {kind} à la boutique (échec précédent : {error})"},
    {"too_many", "One too many: {name} already {packed}/{quantity}",
     "Un de trop : {name} déjà {packed}/{quantity}"},
    {"tracking_duplicate", "Tracking number {tracking} is already used by another parcel",
     "Le numéro de suivi {tracking} est déjà utilisé par un autre colis"},
    {"tracking_exhausted", "No tracking numbers left in this station's range: call a supervisor",
     "Plus de numéros de suivi dans la plage de ce poste : appelez un superviseur"},
    {"unknown_code", "Unknown code {code}", "Code inconnu {code}"},
    {"unknown_order", "No order {code}: scan an order number or a packing slip",
     "Pas de commande {code} : scannez un numéro de commande ou un bon de livraison"},
    {"void_requested",
     "Void the label of parcel {parcel} ({tracking}): a supervisor must scan "
     "their badge",
     "Annuler l'étiquette du colis {parcel} ({tracking}) : un superviseur doit scanner son "
     "badge"},
    {"weigh_first", "Put parcel {parcel} on the scale first",
     "Posez d'abord le colis {parcel} sur la balance"},
    {"weight_approved", "Weight {weight} g of parcel {parcel} approved by {supervisor}",
     "Poids {weight} g du colis {parcel} validé par {supervisor}"},
    {"weight_mismatch",
     "Parcel {parcel} weighs {weight} g, expected {expected} g ± {tolerance} g: re-weigh or "
     "ask a supervisor",
     "Le colis {parcel} pèse {weight} g, attendu {expected} g ± {tolerance} g : repesez ou "
     "appelez un superviseur"},
    {"weight_ok", "Parcel {parcel}: {weight} g, as expected ({expected} g)",
     "Colis {parcel} : {weight} g, conforme ({expected} g)"},
    {"wrong_item", "Wrong item: {code} is not in order {order}",
     "Mauvais article : {code} n'est pas dans la commande {order}"},
    {"wrong_label", "This is not the label of parcel {parcel}: scan the label just printed",
     "Ce n'est pas l'étiquette du colis {parcel} : scannez l'étiquette qui vient de sortir"},
});

const Entry* find(std::string_view key) {
    auto it = std::lower_bound(kCatalogue.begin(), kCatalogue.end(), key,
                               [](const Entry& e, std::string_view k) { return e.key < k; });
    return it != kCatalogue.end() && it->key == key ? &*it : nullptr;
}

std::string valueText(const boost::json::value& v) {
    if (v.is_string()) {
        return std::string(v.get_string());
    }
    if (v.is_double()) {
        // Shortest plain form ("80.5"), never the scientific notation JSON would use.
        char buf[64];
        auto r = std::to_chars(buf, buf + sizeof buf, v.get_double(), std::chars_format::fixed);
        return r.ec == std::errc() ? std::string(buf, r.ptr) : boost::json::serialize(v);
    }
    return boost::json::serialize(v);
}

}  // namespace

Language languageFromCode(std::string_view code) {
    return code == "fr" ? Language::Fr : Language::En;
}

boost::json::object messageCatalogue(Language lang) {
    boost::json::object out;
    for (const Entry& e : kCatalogue) {
        out[e.key] = lang == Language::Fr ? e.fr : e.en;
    }
    return out;
}

bool hasMessage(std::string_view key) {
    const Entry* e = find(key);
    return e && !e->en.empty() && !e->fr.empty();
}

std::string renderMessage(std::string_view key, const boost::json::object& params, Language lang) {
    const Entry* e = find(key);
    if (!e) {
        return std::string(key);
    }
    std::string_view text = lang == Language::Fr ? e->fr : e->en;
    std::string out;
    out.reserve(text.size() + 32);
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '{') {
            size_t end = text.find('}', i);
            if (end != std::string_view::npos) {
                std::string_view name = text.substr(i + 1, end - i - 1);
                if (auto* v = params.if_contains(name)) {
                    out += valueText(*v);
                } else {
                    out.append(text.substr(i, end - i + 1));
                }
                i = end;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

}  // namespace station
