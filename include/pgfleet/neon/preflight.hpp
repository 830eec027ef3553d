#pragma once
// Neon preflight (docs/NEON.md): one throwaway branch per Neon project, tenants pointed at it, and
// the branches removed afterwards. Also the cleanup of branches a crashed run left behind.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/tenant.hpp"
#include "pgfleet/neon/branch_lease.hpp"
#include "pgfleet/neon/neon_client.hpp"

namespace pgfleet::neon {

inline constexpr const char* kPreflightPrefix = "pgfleet-preflight-";

struct PreflightOptions {
  std::optional<std::string> project_id;     // --neon-project; a tenant's neon_project_id wins
  std::optional<std::string> parent_branch;  // --neon-parent, a name or id; nullopt = default
  std::chrono::seconds ttl{7200};            // --neon-branch-ttl, sent as expires_at
  KeepBranch keep = KeepBranch::no;          // --neon-keep-branch
  std::string run_id;                        // branch name is kPreflightPrefix + run_id
};

// A tenant that preflight will not run, with the reason (never holds a password).
struct PreflightSkip {
  std::string tenant_id;
  std::string reason;
};

// A kPreflightPrefix* branch of another run, still there when this run listed the project's
// branches: a crashed run left it behind (docs/NEON.md, "Cleanup").
struct LeftoverBranch {
  std::string project_id;
  Branch branch;
  std::optional<std::chrono::seconds> age;  // from created_at; nullopt when unreadable
};

struct PreflightSetup {
  // Tenants to run, in input order: connection strings point at a preflight branch. Tenants
  // already `invalid` pass through untouched; unparsable ones come back `invalid`.
  std::vector<Tenant> tenants;
  std::vector<PreflightSkip> skipped;     // the CLI reports these as `skipped`
  BranchLease lease;                      // call release() when the run is over
  std::vector<LeftoverBranch> leftovers;  // for a warning only; the run goes on
};

// Creates the branches (one per project, sequentially), waits for their operations and
// rewrites the tenants. On any failure the branches already made are deleted before the
// NeonError is rethrown. Each project's branches are listed once, which also finds leftovers.
// Throws std::invalid_argument when no tenant has a project, NeonError for API failures (exit 3).
PreflightSetup start_preflight(std::shared_ptr<NeonClient> client, const PreflightOptions& options,
                               const std::vector<Tenant>& tenants);

// The branch name of a run.
std::string preflight_branch_name(const std::string& run_id);

enum class CleanupMode { delete_branches, dry_run };

struct CleanupResult {
  std::vector<Branch> deleted;                         // or, in a dry run, would be deleted
  std::vector<std::pair<Branch, std::string>> failed;  // branch and error text
  std::vector<Branch> kept_too_young;                  // preflight branches newer than the age
};

// Deletes the project's branches named kPreflightPrefix* created more than `older_than` ago.
// Throws NeonError when the branches cannot be listed; failed deletes are reported, not thrown.
CleanupResult cleanup_preflight_branches(NeonClient& client, const std::string& project_id,
                                         std::chrono::seconds older_than, CleanupMode mode);

}  // namespace pgfleet::neon
