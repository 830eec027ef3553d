#pragma once
// summary.json (README.md, "Results"; docs/PREFLIGHT.md for `forecast` and `gates`): the run as
// a whole, made from its record.
#include <nlohmann/json.hpp>

#include "pgfleet/results/run_record.hpp"

namespace pgfleet {

// The document: run_id, command, pgfleet_version, started_at, finished_at, target, migrations,
// tenant_count, tenants_finished, counts, duration_ms {p50, p90, p99, max}, exit_code,
// interrupted, stop_reason, forecast, gate_limits, gates, and neon when set. A run not finished
// yet has null finished_at and exit_code.
nlohmann::json summary_to_json(const RunRecord& record);

}  // namespace pgfleet
