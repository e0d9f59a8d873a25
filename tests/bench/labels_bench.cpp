// Render time and size of the documents: the ZPL and PDF shipping label and a pick list of
// 100 orders, from value types and from the station's journal. Usage: labels_bench [--quick].
// Prints figures; asserts nothing about time.
//
// Each figure is the median over several rounds of the mean time per render in that round,
// from the value type to the bytes (layout included), with one renderer reused throughout as
// the station does.
#include "drivers/DirectoryPrinter.h"
#include "labels/Documents.h"
#include "labels/PdfRenderer.h"
#include "labels/PngRenderer.h"
#include "labels/ShippingLabel.h"
#include "labels/ZplRenderer.h"
#include "station/Journal.h"
#include "station/Station.h"

#include <stdlib.h>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace {

labels::ShippingLabel shippingLabel() {
    labels::ShippingLabel label;
    label.sender = {"Librairie Côté Cour", "12 rue de l'Église", "69002", "Lyon", "France"};
    label.recipient = {"Hélène Dupré-Ferrière", "3 bis, allée des Châtaigniers", "13090",
                       "Aix-en-Provence", "France"};
    label.orderNumber = "CMD-2024-00042";
    label.carrier = "Colissimo";
    label.service = "Domicile sans signature";
    label.trackingNumber = "037612345000000014";
    label.trackingIsSscc = true;
    label.parcelIndex = 1;
    label.parcelCount = 2;
    label.weightGrams = 1234;
    label.date = "2024-05-14";
    return label;
}

labels::PickList pickList(int orders) {
    labels::PickList list;
    list.title = "Lot du matin";
    list.date = "2024-05-14";
    for (int i = 0; i < orders; ++i) {
        labels::PickOrder order;
        order.orderNumber = "CMD-2024-" + std::to_string(10000 + i);
        // Three lines an order: two SKUs shared across the batch, one of its own.
        order.lines.push_back({"SKU-" + std::to_string(i % 40),
                               "Carnet ligné A5 — édition " + std::to_string(i % 40), 1 + i % 3,
                               "A-" + std::to_string(i % 40)});
        order.lines.push_back({"SKU-" + std::to_string(40 + i % 25), "Stylo plume « Écolier »", 1,
                               "B-" + std::to_string(i % 25)});
        order.lines.push_back({"SKU-U" + std::to_string(i),
                               "Article personnalisé n° " + std::to_string(i), 1,
                               "C-" + std::to_string(i)});
        list.orders.push_back(order);
    }
    return list;
}

// A station with 100 orders of three lines in its journal, as the pick list reads them.
struct JournalStation {
    std::filesystem::path dir;
    std::unique_ptr<config::StationConfig> config;
    std::unique_ptr<station::Journal> journal;
    boost::asio::io_context io;
    std::unique_ptr<drivers::DirectoryPrinter> office;
    std::unique_ptr<station::Station> station;
    std::vector<std::string> numbers;

    explicit JournalStation(int orders) {
        std::string pattern = "/tmp/labels-bench-XXXXXX";
        dir = ::mkdtemp(pattern.data());
        const std::string toml = R"toml(
[station]
id = "bench-1"
data_dir = "."
[tracking]
gs1_company_prefix = "3012345"
[sender]
name = "Librairie Côté Cour"
[[users]]
name = "Alice"
badge = "U-1"
role = "packer"
[[printers]]
name = "zebra-1"
role = "shipping"
kind = "directory"
language = "zpl"
path = "labels"
)toml";
        config = std::make_unique<config::StationConfig>(
            *config::parseConfig(toml, "bench.toml", dir).config);
        journal = std::make_unique<station::Journal>(dir / "journal.db");
        station = std::make_unique<station::Station>(io, *config, *journal);
        office = std::make_unique<drivers::DirectoryPrinter>(io, "office-1", "pdf", dir / "docs");
        station->addPrinter("documents", office.get());
        boost::json::array list;
        const labels::PickList source = pickList(orders);
        for (const labels::PickOrder& order : source.orders) {
            boost::json::array lines;
            for (const labels::DocumentLine& line : order.lines) {
                lines.push_back({{"sku", line.sku},
                                 {"name", line.description},
                                 {"quantity", line.quantity},
                                 {"unit_weight_grams", 100},
                                 {"bin", line.bin}});
            }
            list.push_back({{"number", order.orderNumber},
                            {"shop_id", order.orderNumber},
                            {"payment", "paid"},
                            {"shipping_method", "colissimo"},
                            {"customer",
                             {{"name", "Hélène Dupré"},
                              {"street", "3 allée des Châtaigniers"},
                              {"postcode", "13090"},
                              {"city", "Aix-en-Provence"},
                              {"country", "FR"}}},
                            {"lines", std::move(lines)}});
            numbers.push_back(order.orderNumber);
        }
        station->importOrders(list);
    }
    ~JournalStation() {
        station.reset();
        journal.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
};

// Median over `rounds` of the mean seconds per call in a round of `perRound` calls.
double measure(int rounds, int perRound, const std::function<void()>& render) {
    render();  // warm up: caches, the lazily parsed built-in templates
    std::vector<double> means;
    for (int r = 0; r < rounds; ++r) {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < perRound; ++i) {
            render();
        }
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
        means.push_back(elapsed.count() / perRound);
    }
    std::sort(means.begin(), means.end());
    return means[means.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const int rounds = quick ? 3 : 9;
    const labels::ShippingLabel label = shippingLabel();
    const labels::Template& label4x6 =
        *labels::defaultTemplate(labels::DocumentKind::ShippingLabel, "4x6");

    std::size_t zplSize = 0;
    const double zpl = measure(rounds, quick ? 2000 : 20000,
                               [&] { zplSize = labels::renderShippingLabelZpl(label).size(); });
    std::size_t zpl300Size = 0;
    const double zpl300 = measure(rounds, quick ? 2000 : 20000, [&] {
        zpl300Size = labels::renderZpl(layoutShippingLabel(label, label4x6), 300).size();
    });

    labels::PdfRenderer pdf;
    std::size_t pdfSize = 0;
    const double pdfLabel = measure(rounds, quick ? 200 : 2000, [&] {
        pdfSize = pdf.render(layoutShippingLabel(label, label4x6)).pdf.size();
    });

    labels::PngRenderer png;
    std::size_t pngSize = 0;
    const double pngLabel = measure(rounds, quick ? 10 : 50, [&] {
        pngSize = png.renderPng(layoutShippingLabel(label, label4x6), 0, 203).size();
    });

    const labels::PickList list = pickList(100);
    const labels::Template& a4 = *labels::defaultTemplate(labels::DocumentKind::PickList, "a4");
    std::size_t pickSize = 0;
    std::size_t pickPages = 0;
    const double pick = measure(rounds, quick ? 3 : 10, [&] {
        const labels::Document doc = layoutPickList(list, a4);
        pickPages = doc.pages.size();
        pickSize = pdf.render(doc).pdf.size();
    });

    // From the journal: 100 orders loaded, laid out and rendered as the documents printer's
    // PDF, as `stationctl print pick-list` does before it hands the job over.
    JournalStation bench(100);
    std::size_t stationSize = 0;
    std::string stationError;
    const double stationPick = measure(rounds, quick ? 3 : 10, [&] {
        const station::PrintedDocument d = bench.station->renderPickList(bench.numbers);
        stationSize = d.bytes.size();
        stationError = d.error;
    });

    std::printf("labels_bench (%s)\n", quick ? "quick" : "full");
    std::printf("%-44s %12s %10s   %s\n", "document", "per render", "bytes", "goal");
    std::printf("%-44s %9.1f us %10zu   <= 20 us, <= 3 KB\n", "shipping label 4x6, ZPL 203 dpi",
                zpl * 1e6, zplSize);
    std::printf("%-44s %9.1f us %10zu\n", "shipping label 4x6, ZPL 300 dpi", zpl300 * 1e6,
                zpl300Size);
    std::printf("%-44s %9.3f ms %10zu   <= 0.5 ms, <= 8 KB\n", "shipping label 4x6, PDF",
                pdfLabel * 1e3, pdfSize);
    std::printf("%-44s %9.3f ms %10zu\n", "shipping label 4x6, PNG preview 203 dpi", pngLabel * 1e3,
                pngSize);
    std::printf("%-44s %9.3f ms %10zu   <= 50 ms\n",
                ("pick list, 100 orders, PDF A4 (" + std::to_string(pickPages) + " pages)").c_str(),
                pick * 1e3, pickSize);
    std::printf("%-44s %9.3f ms %10zu   <= 50 ms%s\n",
                "pick list, 100 orders from the journal, PDF", stationPick * 1e3, stationSize,
                stationError.empty() ? "" : stationError.c_str());
    return 0;
}
