#pragma once
// The settings that shape how migrations run on a tenant (README "Safety" and
// "Configuration").
#include <optional>
#include <string>

#include "pgfleet/migrations/migration.hpp"

namespace pgfleet {

enum class TxMode { file, tenant };  // one transaction per migration, or one per tenant

struct RunSettings {
  std::string run_id;             // e.g. 20261124T050000Z-a1b2
  std::string applied_by;         // user@host of the operator, recorded in history
  std::optional<Version> target;  // apply up to (inclusive); nullopt = latest
  TxMode tx_mode = TxMode::file;
  Millis lock_timeout{5000};                // SET LOCAL lock_timeout (directive overrides)
  std::optional<Millis> statement_timeout;  // nullopt = 0 (no limit) unless a directive says
  int retries = 3;                          // retries after 55P03 / 40P01
  Millis lock_wait{30000};                  // how long to poll for the tenant's advisory lock
};

}  // namespace pgfleet
