#pragma once
// A tenants.jsonl record read back into an outcome, so that summary.json and junit.xml can be
// written again from the lines alone (`report` from the ledger, docs/LEDGER.md).
#include <nlohmann/json.hpp>
#include <optional>

#include "pgfleet/engine/outcome.hpp"

namespace pgfleet {

// The status a results file names, nullopt for a name pgfleet does not write.
std::optional<TenantStatus> tenant_status_named(const std::string& name);

// The outcome a record (outcome_to_json) describes: id, status, versions, migrations, error,
// reason, host, duration. Fields that are missing or of the wrong type are left empty. Throws
// std::invalid_argument when it is not an object with a tenant_id and a known status.
TenantOutcome outcome_from_json(const nlohmann::json& record);

}  // namespace pgfleet
