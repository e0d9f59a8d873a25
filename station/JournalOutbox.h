// The journal as the relay's outbox store: its own SQLite connection, used from the relay's
// thread only, while the pulled orders are applied by the station on the station's thread.
#pragma once

#include <SQLiteCpp/Database.h>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "station/StatementCache.h"
#include "sync/Relay.h"

namespace station {

class Station;

class JournalOutbox final : public shop::OutboxStore {
  public:
    // `station` lives on `io`; pulled orders are posted there. Opens its own connection to the
    // journal the station already opened (and migrated).
    JournalOutbox(const std::filesystem::path& journalFile, boost::asio::io_context& io,
                  Station& station, std::string stationId);

    std::vector<shop::OutboxRow> dueRows(shop::TimePoint now, int limit) override;
    void beginAttempts(const std::vector<int64_t>& ids, shop::TimePoint now) override;
    void finishAttempts(const std::vector<shop::Delivery>& results, shop::TimePoint now) override;
    std::optional<shop::TimePoint> nextDue() override;
    std::string pullCursor() override;
    void ordersPulled(const std::vector<shop::Order>& orders, const std::string& cursor,
                      shop::TimePoint now) override;
    void pullFailed(const shop::Result& result, shop::TimePoint now) override;
    std::vector<std::string> ordersBeingPacked() override;

  private:
    SQLite::Database db_;
    StatementCache statements_{db_};
    boost::asio::io_context& io_;
    Station& station_;
    std::string stationId_;
};

}  // namespace station
