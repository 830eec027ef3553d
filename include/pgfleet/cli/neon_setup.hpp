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

// A client for --neon-api / NEON_API_HOST with the key from NEON_API_KEY. Throws UsageError when
// the key is unset or the API base would send it in clear (plain http:// to a non-loopback host).
std::shared_ptr<neon::NeonClient> make_neon_client(const Options& o);
// The checks of make_neon_client and start_neon_preflight that need no API call: NEON_API_KEY,
// --neon-api, --neon-branch-ttl. Throws UsageError.
void check_neon_flags(const Options& o);
// Creates the preflight branches and rewrites the tenants. Throws RunError (exit 3) for API
// failures, UsageError for missing project or bad flags.
neon::PreflightSetup start_neon_preflight(const Options& o, const std::string& run_id,
                                          const std::vector<Tenant>& tenants);
// --neon-branch with tenants none of which has a Neon project (no --neon-project, no
// neon_project_id) is a UsageError, found before anything is created.
void check_neon_projects(const Options& o, const std::vector<Tenant>& tenants);
// The "neon" object of summary.json while the run goes: project (or null), the branch name, not
// deleted. A run that dies leaves it behind, so its summary still says it was a preflight.
nlohmann::json neon_summary_at_start(const Options& o, const std::string& run_id);
// The "neon" object of summary.json: project, branch id/name, deleted, and the names of other
// runs' preflight branches found at the start (`leftover_branches`, only when there are some).
nlohmann::json neon_summary(const std::vector<neon::ReleasedBranch>& branches,
                            const std::vector<neon::LeftoverBranch>& leftovers);
// One console line per branch: deleted, kept, or left behind by a failed delete (it costs money
// until its expiry, so this is printed even with --quiet).
void report_branches(const std::vector<neon::ReleasedBranch>& branches, std::ostream& out);
// One console warning line per preflight branch a crashed run left behind: its name, age and the
// command that removes it. Printed even with --quiet, like report_branches; the run goes on.
void report_leftovers(const std::vector<neon::LeftoverBranch>& leftovers, std::ostream& out);

}  // namespace pgfleet::cli
