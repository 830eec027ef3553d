#pragma once
// The locks an earlier run measured, read back from its summary.json `forecast` (README.md,
// "Results"), for lint to quote next to a lock finding (docs/LINT.md).
#include <string>
#include <vector>

#include "pgfleet/migrations/lint_fleet.hpp"

namespace pgfleet {

// Every `forecast[].blocking[]` entry of the newest run directory under `results_dir` whose
// summary.json has a `forecast`; empty when there is none, or it cannot be read. Never throws.
std::vector<MeasuredLock> read_measured_locks(const std::string& results_dir);

}  // namespace pgfleet
