#include "labels/Documents.h"

#include "labels/Layout.h"
#include "labels/Text.h"

#include <algorithm>
#include <map>

namespace labels {

namespace {

// Compares digit runs by value, the rest byte by byte: "A-2" < "A-10".
bool naturalLess(std::string_view a, std::string_view b) {
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() && j < b.size()) {
        const bool da = a[i] >= '0' && a[i] <= '9';
        const bool db = b[j] >= '0' && b[j] <= '9';
        if (da && db) {
            std::size_t ei = i;
            std::size_t ej = j;
            while (ei < a.size() && a[ei] >= '0' && a[ei] <= '9') {
                ++ei;
            }
            while (ej < b.size() && b[ej] >= '0' && b[ej] <= '9') {
                ++ej;
            }
            std::string_view na = a.substr(i, ei - i);
            std::string_view nb = b.substr(j, ej - j);
            while (na.size() > 1 && na.front() == '0') {
                na.remove_prefix(1);
            }
            while (nb.size() > 1 && nb.front() == '0') {
                nb.remove_prefix(1);
            }
            if (na.size() != nb.size()) {
                return na.size() < nb.size();
            }
            if (na != nb) {
                return na < nb;
            }
            i = ei;
            j = ej;
            continue;
        }
        if (a[i] != b[j]) {
            return a[i] < b[j];
        }
        ++i;
        ++j;
    }
    return a.size() - i < b.size() - j;
}

std::vector<TableRow> itemRows(const std::vector<DocumentLine>& lines) {
    std::vector<TableRow> rows;
    for (const DocumentLine& line : lines) {
        rows.push_back({{{"bin", line.bin},
                         {"sku", line.sku},
                         {"description", line.description},
                         {"quantity", std::to_string(line.quantity)}}});
    }
    return rows;
}

}  // namespace

std::vector<PickLine> aggregatePickLines(const PickList& list) {
    std::vector<PickLine> lines;
    std::map<std::string, std::size_t> bySku;
    for (const PickOrder& order : list.orders) {
        for (const DocumentLine& line : order.lines) {
            auto [it, added] = bySku.try_emplace(line.sku, lines.size());
            if (added) {
                lines.push_back({line.bin, line.sku, line.description, 0, {}});
            }
            PickLine& pick = lines[it->second];
            pick.quantity += line.quantity;
            if (pick.bin.empty()) {
                pick.bin = line.bin;
            }
            if (pick.description.empty()) {
                pick.description = line.description;
            }
            if (pick.orders.empty() || pick.orders.back() != order.orderNumber) {
                pick.orders.push_back(order.orderNumber);
            }
        }
    }
    std::stable_sort(lines.begin(), lines.end(), [](const PickLine& a, const PickLine& b) {
        if (a.bin.empty() != b.bin.empty()) {
            return b.bin.empty();
        }
        if (a.bin != b.bin) {
            return naturalLess(a.bin, b.bin);
        }
        return naturalLess(a.sku, b.sku);
    });
    return lines;
}

Document layoutReturnSlip(const ReturnSlip& slip, const Template& layout) {
    Document document;
    PageBuilder b(layout, document);
    b.text("order", cleanText(slip.orderNumber));
    b.text("date", cleanText(slip.date));
    b.text("customer", cleanText(slip.customerName));
    b.text("return_address", addressLines(slip.returnAddress));
    const std::string rma = cleanText(slip.rmaCode);
    b.barcode("rma_barcode", Symbology::Code128, rma);
    b.code2d("rma_qr", rma);
    b.text("rma_text", rma);
    const double end = b.table("items", itemRows(slip.items));
    b.textAfter("instructions", slip.instructions, end + 2);
    return document;
}

Document layoutPackingSlip(const PackingSlip& slip, const Template& layout) {
    Document document;
    PageBuilder b(layout, document);
    b.text("order", cleanText(slip.orderNumber));
    b.text("date", cleanText(slip.date));
    b.barcode("order_barcode", Symbology::Code128, cleanText(slip.orderNumber));
    b.text("sender", addressLines(slip.sender));
    b.text("recipient", addressLines(slip.recipient));
    const double end = b.table("lines", itemRows(slip.lines));
    b.textAfter("note", slip.customerNote, end + 2);
    return document;
}

Document layoutPickList(const PickList& list, const Template& layout) {
    Document document;
    PageBuilder b(layout, document);
    const std::vector<PickLine> lines = aggregatePickLines(list);
    int units = 0;
    std::vector<TableRow> rows;
    for (const PickLine& line : lines) {
        units += line.quantity;
        std::string orders;
        for (const std::string& order : line.orders) {
            orders += (orders.empty() ? "" : ", ") + order;
        }
        rows.push_back({{{"bin", line.bin},
                         {"sku", line.sku},
                         {"description", line.description},
                         {"quantity", std::to_string(line.quantity)},
                         {"orders", orders}}});
    }
    b.text("title", cleanText(list.title));
    b.text("date", cleanText(list.date));
    b.text("summary", std::to_string(list.orders.size()) + " commandes / orders, " +
                          std::to_string(lines.size()) + " SKU, " + std::to_string(units) +
                          " articles / items");
    const double end = b.table("lines", rows);
    std::vector<GridCell> cells;
    for (const PickOrder& order : list.orders) {
        int count = 0;
        for (const DocumentLine& line : order.lines) {
            count += line.quantity;
        }
        const std::string number = cleanText(order.orderNumber);
        cells.push_back({Symbology::Code128, number, number + " (" + std::to_string(count) + ")"});
    }
    b.grid("order_barcodes", cells, end + 4);
    return document;
}

Document layoutCommandSheet(const CommandSheet& sheet, const Template& layout) {
    Document document;
    PageBuilder b(layout, document);
    b.text("title", cleanText(sheet.title));
    std::vector<GridCell> commands;
    for (const CommandBarcode& c : sheet.commands) {
        commands.push_back({Symbology::Code128, cleanText(c.data), c.caption});
    }
    const double end = b.grid("commands", commands);
    std::vector<GridCell> badges;
    for (const CommandBarcode& c : sheet.badges) {
        badges.push_back({Symbology::Code128, cleanText(c.data), c.caption});
    }
    b.grid("badges", badges, end + 6);
    return document;
}

}  // namespace labels
