#include "station/StatementCache.h"

namespace station {

StatementCache::Lease::Lease(SQLite::Statement* stmt, bool* busy,
                             std::unique_ptr<SQLite::Statement> own)
    : stmt_(stmt), busy_(busy), own_(std::move(own)) {}

StatementCache::Lease::Lease(Lease&& other) noexcept
    : stmt_(other.stmt_), busy_(other.busy_), own_(std::move(other.own_)) {
    other.stmt_ = nullptr;
    other.busy_ = nullptr;
}

StatementCache::Lease::~Lease() {
    if (!busy_ || !stmt_) {
        return;
    }
    // tryReset never throws; clearing bindings cannot fail on a valid statement.
    stmt_->tryReset();
    try {
        stmt_->clearBindings();
    } catch (...) {
    }
    *busy_ = false;
}

StatementCache::Lease StatementCache::get(const std::string& sql) {
    auto& entry = entries_[sql];
    if (!entry.stmt) {
        entry.stmt = std::make_unique<SQLite::Statement>(db_, sql);
    }
    if (entry.busy) {
        auto own = std::make_unique<SQLite::Statement>(db_, sql);
        SQLite::Statement* raw = own.get();
        return Lease(raw, nullptr, std::move(own));
    }
    entry.busy = true;
    return Lease(entry.stmt.get(), &entry.busy, nullptr);
}

}  // namespace station
