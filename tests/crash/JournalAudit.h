// The invariants a killed stationd must keep, read from its journal and its label folder:
// the checks that hold whatever the bench did, plus a snapshot the bench compares to its model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace crash {

struct ScanRow {
    int64_t id = 0;
    std::string code;
    bool ok = false;
    std::string reason;
    std::string order;
};

// One order as the journal holds it, summed up for the bench's reconciliation.
struct OrderRow {
    std::string state;
    std::string shopId;
    std::string claimedBy;
    int trackedParcels = 0;                  // parcels with a tracking number
    std::map<std::string, int> packedBySku;  // items in any parcel
    int parcels = 0;
    std::optional<int64_t> firstParcelWeight;
    std::string firstParcelState;
    int shipments = 0;
    int inProgressRows = 0;  // outbox rows telling the shop the order is being packed
    int shipmentRows = 0;    // outbox rows telling the shop the order left
};

struct AuditFigures {
    int64_t scans = 0;
    int64_t labels = 0;
    int64_t labelsQueued = 0;
    int64_t labelFiles = 0;
    int64_t tempFiles = 0;  // ".label-N.zpl.XXXXXX" left by a kill inside the printer's write
    int64_t shipments = 0;
    int64_t trackingNumbers = 0;
};

// When a label was queued and when its printer took it, as the journal stores them (ISO 8601).
struct LabelTimes {
    std::string createdAt;
    std::string printedAt;  // "" while queued
};

struct Audit {
    std::vector<std::string> violations;
    std::vector<LabelTimes> labels;
    std::vector<ScanRow> newScans;  // after the id asked for, oldest first
    std::map<std::string, OrderRow> orders;
    AuditFigures figures;
};

class JournalAudit {
  public:
    // `firstSscc` is [tracking] first_serial of the config: the SSCC counter starts there.
    JournalAudit(std::filesystem::path journal, std::filesystem::path labelsDir,
                 uint64_t firstSscc);

    // Reads one consistent snapshot of the journal (read-only, beside the running daemon) and
    // the label files. Remembers every label file seen, so a later call notices a rewrite.
    Audit check(int64_t afterScanId);

  private:
    struct FileIdentity {
        uint64_t inode = 0;
        int64_t size = 0;
        int64_t mtimeNs = 0;
    };

    std::filesystem::path journal_;
    std::filesystem::path labelsDir_;
    uint64_t firstSscc_;
    std::map<std::string, FileIdentity> seenFiles_;
};

}  // namespace crash
