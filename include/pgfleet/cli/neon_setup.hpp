#pragma once
// The CLI side of Neon preflight: the API client from flags and NEON_API_KEY, the branch set-up
// before a run, and what summary.json records about the branches.
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "pgfleet/cli/options.hpp"
#include "pgfleet/neon/preflight.hpp"

namespace pgfleet::cli {

// A client for --neon-api / NEON_API_HOST with the key from NEON_API_KEY (UsageError if unset).
std::shared_ptr<neon::NeonClient> make_neon_client(const Options& o);
// Creates the preflight branches and rewrites the tenants. Throws RunError (exit 3) for API
// failures, UsageError for missing project or bad flags.
neon::PreflightSetup start_neon_preflight(const Options& o, const std::string& run_id,
                                          const std::vector<Tenant>& tenants);
// The "neon" object of summary.json: project, branch id/name, deleted.
nlohmann::json neon_summary(const std::vector<neon::ReleasedBranch>& branches);
// One console line per branch: deleted, kept, or left behind by a failed delete (it costs money
// until its expiry, so this is printed even with --quiet).
void report_branches(const std::vector<neon::ReleasedBranch>& branches, std::ostream& out);

}  // namespace pgfleet::cli
