// The print spool: shipping labels (table `labels`) and the returns desk's slips and restock
// labels (`return_documents`). A job is marked "sending" in a commit of its own before its first
// byte goes out, so a crash can never make it print twice unnoticed; a printer that cannot take
// jobs holds them (state "held"), and they are offered again in order once it is ready, each
// checked against what happened to its parcel and order meanwhile.
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <algorithm>

#include "drivers/PrintedJobs.h"
#include "station/DocumentSetup.h"
#include "station/Log.h"
#include "station/Station.h"

namespace station {

namespace {

namespace json = boost::json;

constexpr auto kHeldCheckInterval = std::chrono::seconds(1);
constexpr auto kLongestBackoff = std::chrono::seconds(60);

const char* tableOf(bool labels) {
    return labels ? "labels" : "return_documents";
}

}  // namespace

// One print job as the spool and its messages see it.
struct Station::SpoolRow {
    std::string state;
    std::string printer;
    std::string order;
    std::string jobId;    // "label-12", "return-slip-3", "restock-4"
    std::string subject;  // message keys start with it: "label", "return_slip", "restock_label"
    json::object params;  // what its messages name: {parcel} or {rma} or {sku}, and {printer}
};

std::optional<Station::SpoolRow> Station::spoolRow(Spool spool, int64_t id) {
    SpoolRow row;
    if (spool == Spool::Labels) {
        auto q = journal_.statements().get(
            "SELECT l.state, l.printer, p.idx, p.order_number FROM labels l LEFT JOIN parcels p "
            "ON p.id = l.parcel_id WHERE l.id = ?");
        q->bind(1, id);
        if (!q->executeStep()) {
            return std::nullopt;
        }
        row.state = q->getColumn(0).getString();
        row.printer = q->getColumn(1).getString();
        row.order = q->getColumn(3).isNull() ? "" : q->getColumn(3).getString();
        row.jobId = "label-" + std::to_string(id);
        row.subject = "label";
        row.params = {{"parcel", q->getColumn(2).getInt()}, {"printer", row.printer}};
        return row;
    }
    auto q = journal_.statements().get(
        "SELECT d.state, d.printer, d.order_number, d.kind, l.sku, c.code FROM "
        "return_documents d LEFT JOIN return_items ri ON ri.id = d.return_item_id LEFT JOIN "
        "order_lines l ON l.id = ri.line_id LEFT JOIN rma_codes c ON c.shipment_id = "
        "d.shipment_id WHERE d.id = ?");
    q->bind(1, id);
    if (!q->executeStep()) {
        return std::nullopt;
    }
    auto text = [&](int column) {
        return q->getColumn(column).isNull() ? std::string() : q->getColumn(column).getString();
    };
    row.state = text(0);
    row.printer = text(1);
    row.order = text(2);
    const bool slip = text(3) == return_document::kReturnSlip;
    // Job ids of their own, apart from the shipping labels' "label-<id>".
    row.jobId = (slip ? "return-slip-" : "restock-") + std::to_string(id);
    row.subject = slip ? return_document::kReturnSlip : "restock_label";
    row.params = {{"printer", row.printer}};
    if (slip) {
        row.params["rma"] = text(5);
    } else {
        row.params["sku"] = text(4);
    }
    return row;
}

drivers::Printer* Station::printerNamed(const std::string& name) const {
    for (const auto& [role, p] : printers_) {
        if (p->name() == name) {
            return p;
        }
    }
    return nullptr;
}

void Station::recoverPrintJobs() {
    Context ctx;
    ctx.at = now();
    bool anyHeld = false;
    transact(ctx, [&] {
        for (const Spool spool : {Spool::Labels, Spool::ReturnDocuments}) {
            const bool labels = spool == Spool::Labels;
            const std::string table = tableOf(labels);
            std::vector<int64_t> sending;
            auto q = journal_.statements().get("SELECT id FROM " + table +
                                               " WHERE state = 'sending' ORDER BY id");
            while (q->executeStep()) {
                sending.push_back(q->getColumn(0).getInt64());
            }
            for (int64_t id : sending) {
                auto row = spoolRow(spool, id);
                drivers::Printer* printer = printerNamed(row->printer);
                if (printer != nullptr && printer->remembersJobs()) {
                    // The printer knows the job id: offered again, it prints at most once.
                    auto up = journal_.statements().get("UPDATE " + table +
                                                        " SET state = 'queued' WHERE id = ?");
                    up->bind(1, id);
                    up->exec();
                    continue;
                }
                const std::string error = "the station stopped while sending it to " +
                                          row->printer + std::string(drivers::kMayHavePrinted);
                auto up = journal_.statements().get(
                    "UPDATE " + table + " SET state = 'uncertain', error = ? WHERE id = ?");
                up->bind(1, error);
                up->bind(2, id);
                up->exec();
                json::object params = row->params;
                params["error"] = error;
                say(ctx, row->subject + ".uncertain", row->subject + "_uncertain",
                    std::move(params), row->order);
                ctx.events.back().ok = false;
                ctx.events.back().reason = row->subject + "_uncertain";
                log::warning(row->jobId + ": " + error, {row->order, "", row->printer});
            }
            auto queued = journal_.statements().get("SELECT id FROM " + table +
                                                    " WHERE state = 'queued' ORDER BY id");
            while (queued->executeStep()) {
                (labels ? ctx.labelsToPrint : ctx.returnDocumentsToPrint)
                    .push_back(queued->getColumn(0).getInt64());
            }
            auto held = journal_.statements().get("SELECT COUNT(*) FROM " + table +
                                                  " WHERE state = 'held'");
            held->executeStep();
            anyHeld = anyHeld || held->getColumn(0).getInt64() > 0;
        }
    });
    if (anyHeld) {
        armHeldTimer();
    }
}

void Station::dispatchJob(Spool spool, int64_t id, bool reoffer) {
    if (stopped_) {
        return;  // still queued: offered at the next start
    }
    const bool labels = spool == Spool::Labels;
    const std::string table = tableOf(labels);
    auto row = spoolRow(spool, id);
    if (!row || row->state != "queued") {
        return;  // voided, or already handled
    }
    drivers::Printer* printer = printerNamed(row->printer);
    if (printer == nullptr) {
        onJobDone(spool, id, reoffer,
                  drivers::refusedJob("no printer named " + row->printer + " is configured"));
        return;
    }
    // A job made while older ones wait for this printer waits behind them, so that the
    // printer gives them out in the order they were made.
    int64_t waiting = 0;
    {
        auto older = journal_.statements().get(
            "SELECT (SELECT COUNT(*) FROM labels WHERE printer = ?1 AND state = 'held') + (SELECT "
            "COUNT(*) FROM return_documents WHERE printer = ?1 AND state = 'held')");
        older->bind(1, row->printer);
        older->executeStep();
        waiting = older->getColumn(0).getInt64();
    }
    if (waiting > 0) {
        const drivers::DeviceStatus status = printer->status();
        onJobDone(spool, id, reoffer,
                  drivers::notPrinted("printer " + row->printer + ": " +
                                      (status.up ? std::to_string(waiting) +
                                                       " earlier job(s) are waiting to go first"
                                                 : status.detail)));
        return;
    }
    drivers::PrintJob job;
    job.id = row->jobId;
    try {
        // Durable before the first byte: after a crash, a job found "sending" may have printed.
        SQLite::Transaction tx(journal_.db(), SQLite::TransactionBehavior::IMMEDIATE);
        auto mark =
            journal_.statements().get("UPDATE " + table + " SET state = 'sending' WHERE id = ?");
        mark->bind(1, id);
        mark->exec();
        auto data =
            journal_.statements().get("SELECT language, data FROM " + table + " WHERE id = ?");
        data->bind(1, id);
        data->executeStep();
        job.language = data->getColumn(0).getString();
        job.data = data->getColumn(1).getString();
        tx.commit();
    } catch (const std::exception& e) {
        // Not recorded as sent, so not sent: it stays queued for the next start or a reprint.
        log::error(row->jobId + " not sent: the journal cannot record it: " + e.what(),
                   {row->order, session_.userName, row->printer});
        return;
    }
    printer->submit(std::move(job), [this, spool, id, reoffer](const drivers::PrintResult& r) {
        onJobDone(spool, id, reoffer, r);
    });
}

void Station::onJobDone(Spool spool, int64_t id, bool reoffer, const drivers::PrintResult& result) {
    const std::string table = tableOf(spool == Spool::Labels);
    std::string printer;
    bool held = false;
    Context ctx;
    ctx.at = now();
    transact(ctx, [&] {
        auto row = spoolRow(spool, id);
        if (!row || (row->state != "sending" && row->state != "queued")) {
            return;  // voided meanwhile
        }
        printer = row->printer;
        using drivers::PrintFailure;
        const char* outcome = result.ok                                        ? "printed"
                              : result.failure == PrintFailure::Unavailable    ? "held"
                              : result.failure == PrintFailure::MayHavePrinted ? "uncertain"
                                                                               : "failed";
        held = !result.ok && result.failure == PrintFailure::Unavailable;
        auto up = journal_.statements().get(
            "UPDATE " + table + " SET state = ?, error = ?, printed_at = ? WHERE id = ?");
        up->bind(1, outcome);
        up->bind(2, result.error);
        if (result.ok) {
            up->bind(3, ctx.at);
        } else {
            up->bind(3);
        }
        up->bind(4, id);
        up->exec();
        const std::string key = row->subject + "_" + outcome;
        const log::Fields fields{row->order, session_.userName, row->printer};
        if (held && reoffer) {
            // Offered again and still not taken: the bench was told when it was first held.
            log::debug(row->jobId + " still held: " + result.error, fields);
            return;
        }
        json::object params = row->params;
        if (!result.ok) {
            params["error"] = result.error;
        }
        say(ctx, row->subject + "." + outcome, key, std::move(params), row->order);
        if (!result.ok) {
            ctx.events.back().ok = false;
            ctx.events.back().reason = key;
            log::error(row->jobId + " not printed on " + row->printer +
                           (held ? ", held until the printer is ready: " : ": ") + result.error,
                       fields);
        }
    });
    if (printer.empty()) {
        return;
    }
    if (result.ok) {
        printerBackoff_.erase(printer);
    } else if (held) {
        if (reoffer) {
            Backoff& b = printerBackoff_[printer];
            b.failures = std::min(b.failures + 1, 6);
            b.notBefore = std::chrono::steady_clock::now() +
                          std::min<std::chrono::steady_clock::duration>(
                              std::chrono::seconds(1 << b.failures), kLongestBackoff);
        }
        armHeldTimer();
    }
}

std::string Station::heldJobObsolete(Spool spool, int64_t id) {
    if (spool == Spool::Labels) {
        auto q = journal_.statements().get(
            "SELECT p.state, p.shipment_id, o.state FROM labels l JOIN parcels p ON p.id = "
            "l.parcel_id JOIN orders o ON o.number = p.order_number WHERE l.id = ?");
        q->bind(1, id);
        if (!q->executeStep()) {
            return "parcel_gone";
        }
        const std::string parcel = q->getColumn(0).getString();
        const bool shippedHere = !q->getColumn(1).isNull();
        const std::string order = q->getColumn(2).getString();
        if (order == order_state::kCancelled) {
            return "cancelled";
        }
        if (order == order_state::kShipped && !shippedHere) {
            return "shipped_elsewhere";
        }
        if (parcel == parcel_state::kOpen) {
            return "parcel_open";  // reopened since: it gets a label of its own when it closes
        }
        return "";
    }
    // Return slips and restock labels: a slip for an order cancelled meanwhile is not needed.
    auto q = journal_.statements().get(
        "SELECT o.state, d.kind FROM return_documents d JOIN orders o ON o.number = "
        "d.order_number WHERE d.id = ?");
    q->bind(1, id);
    if (q->executeStep() && q->getColumn(1).getString() == return_document::kReturnSlip &&
        q->getColumn(0).getString() == order_state::kCancelled) {
        return "cancelled";
    }
    return "";
}

void Station::offerHeldJobs() {
    if (stopped_) {
        return;
    }
    std::vector<std::string> names;
    auto q = journal_.statements().get(
        "SELECT printer FROM labels WHERE state = 'held' UNION SELECT printer FROM "
        "return_documents WHERE state = 'held'");
    while (q->executeStep()) {
        names.push_back(q->getColumn(0).getString());
    }
    bool waiting = false;
    const auto nowSteady = std::chrono::steady_clock::now();
    for (const std::string& name : names) {
        drivers::Printer* printer = printerNamed(name);
        if (printer != nullptr && !printer->status().up) {
            waiting = true;
            continue;
        }
        if (auto b = printerBackoff_.find(name);
            printer != nullptr && b != printerBackoff_.end() && nowSteady < b->second.notBefore) {
            waiting = true;
            continue;
        }
        // Ready, or gone from the config (then each job fails with the reason): offer them all
        // in one commit, oldest first, and let dispatchJob send them in that order.
        Context ctx;
        ctx.at = now();
        ctx.reoffer = true;
        transact(ctx, [&] {
            int offered = 0;
            for (const Spool spool : {Spool::Labels, Spool::ReturnDocuments}) {
                const bool labels = spool == Spool::Labels;
                const std::string table = tableOf(labels);
                std::vector<int64_t> ids;
                auto h = journal_.statements().get("SELECT id FROM " + table +
                                                   " WHERE printer = ? AND state = 'held' "
                                                   "ORDER BY id");
                h->bind(1, name);
                while (h->executeStep()) {
                    ids.push_back(h->getColumn(0).getInt64());
                }
                for (int64_t id : ids) {
                    const std::string obsolete = heldJobObsolete(spool, id);
                    auto up = journal_.statements().get("UPDATE " + table +
                                                        " SET state = ? WHERE id = ?");
                    up->bind(1, obsolete.empty() ? "queued" : "withdrawn");
                    up->bind(2, id);
                    up->exec();
                    if (obsolete.empty()) {
                        (labels ? ctx.labelsToPrint : ctx.returnDocumentsToPrint).push_back(id);
                        ++offered;
                        continue;
                    }
                    auto row = spoolRow(spool, id);
                    json::object params = row->params;
                    params["order"] = row->order;
                    say(ctx, row->subject + ".withdrawn", row->subject + "_withdrawn_" + obsolete,
                        std::move(params), row->order);
                    log::info(row->jobId + " withdrawn (" + obsolete + "), never sent",
                              {row->order, session_.userName, name});
                }
            }
            if (offered > 0 && printer != nullptr) {
                say(ctx, "printer.resumed", "print_jobs_resumed",
                    {{"printer", name}, {"count", offered}}, "");
            }
        });
    }
    if (waiting) {
        armHeldTimer();
    }
}

void Station::armHeldTimer() {
    if (heldTimerArmed_ || stopped_) {
        return;
    }
    heldTimerArmed_ = true;
    heldTimer_.expires_after(kHeldCheckInterval);
    heldTimer_.async_wait([this](const boost::system::error_code& ec) {
        heldTimerArmed_ = false;
        if (!ec) {
            offerHeldJobs();
        }
    });
}

Station::Reprint Station::reprintLabel(int64_t labelId, const std::string& user) {
    Reprint out;
    {
        auto q = journal_.statements().get("SELECT 1 FROM labels WHERE id = ?");
        q->bind(1, labelId);
        if (!q->executeStep()) {
            out.unknown = true;
            out.reason = "nothing_to_reprint";
            out.message = renderMessage("nothing_to_reprint", {}, language_);
            return out;
        }
    }
    Context ctx;
    ctx.at = now();
    ctx.actor = user;
    transact(ctx, [&] { reprintLabel(ctx, labelId); });
    out.ok = ctx.ok;
    out.reason = ctx.reason;
    out.message = ctx.lastMessage;
    out.job = ctx.reprintedLabel.value_or(0);
    return out;
}

json::object Station::labelsJson(const std::vector<std::string>& states) {
    std::string sql =
        "SELECT l.id, l.state, p.order_number, p.idx, l.tracking_number, l.printer, l.error, "
        "l.created_at, l.printed_at, l.reprint_of FROM labels l LEFT JOIN parcels p ON p.id = "
        "l.parcel_id";
    for (std::size_t i = 0; i < states.size(); ++i) {
        sql += i == 0 ? " WHERE l.state IN (?" : ", ?";
    }
    sql += states.empty() ? "" : ")";
    sql += " ORDER BY l.id DESC LIMIT 200";
    auto q = journal_.statements().get(sql);
    for (std::size_t i = 0; i < states.size(); ++i) {
        q->bind(static_cast<int>(i + 1), states[i]);
    }
    auto text = [&](int column) -> json::value {
        if (q->getColumn(column).isNull()) {
            return nullptr;
        }
        return json::value(q->getColumn(column).getString());
    };
    json::array labels;
    while (q->executeStep()) {
        json::object label{
            {"id", q->getColumn(0).getInt64()},
            {"state", q->getColumn(1).getString()},
            {"order", text(2)},
            {"parcel", q->getColumn(3).isNull() ? json::value(nullptr)
                                                : json::value(q->getColumn(3).getInt())},
            {"tracking_number", q->getColumn(4).getString()},
            {"printer", q->getColumn(5).getString()},
            {"error", q->getColumn(6).getString().empty()
                          ? json::value(nullptr)
                          : json::value(q->getColumn(6).getString())},
            {"created_at", q->getColumn(7).getString()},
            {"printed_at", text(8)},
            {"reprint_of", q->getColumn(9).isNull() ? json::value(nullptr)
                                                    : json::value(q->getColumn(9).getInt64())}};
        labels.push_back(std::move(label));
    }
    return {{"labels", std::move(labels)}};
}

}  // namespace station
