#pragma once
// A tenant run a second time within one run id — claimed again from the ledger after its worker
// died, `pgfleet resume`, `--retry-failed` — reports what the run did to it over every attempt
// (docs/LEDGER.md, "Workers"; docs/SCALING.md, "Resume without a ledger"): `applied`, with the
// migrations the run applied before, not `up_to_date`. The one place that decides it for every
// path.
#include <string>

#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/engine/outcome.hpp"

namespace pgfleet {

// What the tenant's history says run `run_id` applied before the attempt that ended in `now`:
// its applied rows that carry `run_id` (with their recorded durations), less the versions `now`
// applied itself; from_version the highest applied version another run wrote. No migrations
// when there is none, or when `run_id` is empty.
TenantOutcome earlier_attempts_in_history(const TenantState& state, const std::string& run_id,
                                          const TenantOutcome& now);

// `now` with the earlier attempt's applied migrations in front of its own (a version both list
// is kept once, as the earlier attempt recorded it), from_version from before the earlier
// attempt when that one applied any, to_version kept when `now` never connected, and
// `up_to_date` made `applied` when the run applied migrations all the same.
TenantOutcome merge_with_earlier(const TenantOutcome& earlier, TenantOutcome now);

}  // namespace pgfleet
