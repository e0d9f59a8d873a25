// Prepared statements kept for the life of a database connection: preparing a statement
// costs more than running it, and every scan runs the same dozen queries.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <string>
#include <unordered_map>

namespace station {

class StatementCache {
  public:
    explicit StatementCache(SQLite::Database& db) : db_(db) {}

    // A statement on loan until the lease ends, then reset with its bindings cleared.
    // When the cached one is already on loan (a query run inside another's loop), the lease
    // holds a fresh statement of its own, so nesting is always safe.
    class Lease {
      public:
        Lease(Lease&& other) noexcept;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Lease& operator=(Lease&&) = delete;
        ~Lease();
        SQLite::Statement* operator->() { return stmt_; }
        SQLite::Statement& operator*() { return *stmt_; }

      private:
        friend class StatementCache;
        Lease(SQLite::Statement* stmt, bool* busy, std::unique_ptr<SQLite::Statement> own);
        SQLite::Statement* stmt_;
        bool* busy_;  // the cache entry's flag, or null for a statement of the lease's own
        std::unique_ptr<SQLite::Statement> own_;
    };

    Lease get(const std::string& sql);
    SQLite::Database& db() { return db_; }

  private:
    struct Entry {
        std::unique_ptr<SQLite::Statement> stmt;
        bool busy = false;
    };
    SQLite::Database& db_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace station
