// The documents other than the shipping label, as value types, and their layouts: return
// slip, packing slip, pick list for a batch of orders, and the command sheet.
#pragma once

#include "labels/Document.h"
#include "labels/ShippingLabel.h"
#include "labels/Template.h"

#include <string>
#include <vector>

namespace labels {

struct DocumentLine {
    std::string sku;
    std::string description;
    int quantity = 0;
    std::string bin;  // storage location, e.g. "A-03-2"; may be empty
};

struct ReturnSlip {
    std::string orderNumber;
    std::string rmaCode;  // printed as Code 128 and as a QR code for the returns desk
    std::string date;
    std::string customerName;
    Address returnAddress;
    std::vector<DocumentLine> items;  // what was shipped
    std::string instructions;
};

struct PackingSlip {
    std::string orderNumber;  // printed as Code 128
    std::string date;
    Address sender;
    Address recipient;
    std::vector<DocumentLine> lines;
    std::string customerNote;
};

struct PickOrder {
    std::string orderNumber;
    std::vector<DocumentLine> lines;
};

struct PickList {
    std::string title;  // e.g. the batch name
    std::string date;
    std::vector<PickOrder> orders;
};

// One line of a pick list: a SKU with its total over the batch.
struct PickLine {
    std::string bin;
    std::string sku;
    std::string description;
    int quantity = 0;
    std::vector<std::string> orders;  // the orders that need it, in batch order
};

// Lines aggregated per SKU and sorted by bin (numbers inside bins compare as numbers, so
// A-2 comes before A-10; lines with no bin come last). A SKU found in several bins takes the
// first bin given.
std::vector<PickLine> aggregatePickLines(const PickList& list);

struct CommandBarcode {
    std::string caption;  // what a person reads: "Fermer le colis / Close parcel"
    std::string data;     // what the scanner reads: "CMD-CLOSE"
};

struct CommandSheet {
    std::string title;
    std::vector<CommandBarcode> commands;
    std::vector<CommandBarcode> badges;  // for a supervisor's sheet; empty otherwise
};

Document layoutReturnSlip(const ReturnSlip& slip, const Template& layout);
Document layoutPackingSlip(const PackingSlip& slip, const Template& layout);
Document layoutPickList(const PickList& list, const Template& layout);
Document layoutCommandSheet(const CommandSheet& sheet, const Template& layout);

}  // namespace labels
