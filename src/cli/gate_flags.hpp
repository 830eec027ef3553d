#pragma once
// --max-lock-hold and --max-duration (docs/PREFLIGHT.md, "Gates"): the flags, and the limits
// they set.
#include "pgfleet/cli/options.hpp"
#include "pgfleet/results/gates.hpp"

namespace CLI {
class App;
}

namespace pgfleet::cli {

// Adds both flags (env PGFLEET_MAX_LOCK_HOLD / PGFLEET_MAX_DURATION, pgfleet.json keys
// "max-lock-hold" / "max-duration").
void add_gate_flags(CLI::App& cmd, Options& o);
// The limits the flags set (none when not given). Throws UsageError for a bad duration.
GateLimits gate_limits(const Options& o);

}  // namespace pgfleet::cli
