// The kinds of outbox rows: what the shop must be told, written by the station in the same
// transaction as the change, and delivered later by the relay (the shop sync issue).
#pragma once
// Namespace "shop", not "sync": the latter is a POSIX function every libc header declares.

namespace shop {

// The order is being packed at a station (shop status "in progress").
inline constexpr const char* kOrderInProgress = "order_in_progress";
// A bench cancelled its packing: the order is free again (shop status back to processing).
inline constexpr const char* kOrderReleased = "order_released";
// Parcels left with their tracking numbers and items; "partial" when a backorder remains.
inline constexpr const char* kShipment = "shipment";
// A note the customer may read. Internal notes never produce a row.
inline constexpr const char* kCustomerNote = "note";
// The returns desk received items back, graded, some restocked.
inline constexpr const char* kReturnReceived = "return_received";

}  // namespace shop
