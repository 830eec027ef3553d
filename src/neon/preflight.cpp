#include "pgfleet/neon/preflight.hpp"

#include <algorithm>
#include <stdexcept>

#include "pgfleet/neon/dsn_rewrite.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet::neon {
namespace {

// The parent branch among the project's `branches`: the one named or with id `wanted`, or the
// default branch.
Branch find_parent(const std::vector<Branch>& branches, const std::string& project_id,
                   const std::optional<std::string>& wanted) {
  const bool named = wanted && !wanted->empty();
  for (const auto& branch : branches) {
    if (named ? branch.name == *wanted || branch.id == *wanted : branch.is_default) return branch;
  }
  if (named) {
    throw NeonError(NeonErrorKind::not_found, 0,
                    "Neon parent branch " + *wanted + " not found in project " + project_id);
  }
  throw NeonError(NeonErrorKind::not_found, 0,
                  "Neon project " + project_id + " has no default branch");
}

bool is_preflight_branch(const Branch& branch) {
  const std::string prefix = kPreflightPrefix;
  return !branch.is_default && branch.name.compare(0, prefix.size(), prefix) == 0;
}

// The preflight branches of other runs among `branches`, with their age.
void note_leftovers(NeonClient& neon, const std::string& project_id,
                    const std::vector<Branch>& branches, const PreflightOptions& options,
                    std::vector<LeftoverBranch>& leftovers) {
  const std::string ours = preflight_branch_name(options.run_id);
  for (const auto& branch : branches) {
    if (!is_preflight_branch(branch) || branch.name == ours) continue;
    std::optional<std::chrono::seconds> age;
    if (const auto created = util::parse_rfc3339(branch.created_at)) {
      age = std::max(std::chrono::seconds(0), std::chrono::duration_cast<std::chrono::seconds>(
                                                  neon.clock().wall_now() - *created));
    }
    leftovers.push_back({project_id, branch, age});
  }
}

BranchHosts parent_hosts_of(const std::vector<Endpoint>& endpoints) {
  BranchHosts hosts;
  for (const auto& endpoint : endpoints) {
    hosts.parent_endpoint_ids.push_back(endpoint.id);
    hosts.parent_hosts.push_back(endpoint.host);
    hosts.parent_hosts.push_back(pooler_host(endpoint));
  }
  return hosts;
}

// The branch's read_write endpoint that has a host, or nullopt.
std::optional<Endpoint> read_write_endpoint(const std::vector<Endpoint>& endpoints) {
  for (const auto& endpoint : endpoints) {
    if (endpoint.type == "read_write" && !endpoint.host.empty()) return endpoint;
  }
  return std::nullopt;
}

// A validated tenant carries its parsed connection string; one built by hand is parsed here.
DsnRewrite rewrite(const Tenant& tenant, const BranchHosts& hosts) {
  return tenant.conninfo ? rewrite_for_branch(*tenant.conninfo, hosts)
                         : rewrite_for_branch(tenant.connection_string, hosts);
}

struct ProjectTenants {
  std::string project_id;
  std::vector<std::size_t> positions;  // into the input tenant list
};

// start_preflight's work in progress: each input tenant's place in the run, by input position
// (nullopt = not run), and the setup that collects skips and branches.
struct Placement {
  const std::vector<Tenant>& tenants;
  std::vector<std::optional<Tenant>> placed;
  PreflightSetup& setup;
};

// The valid tenants grouped by Neon project (the tenant's own, else the flag's), in order of
// first appearance. Invalid tenants pass through untouched; tenants without a project are
// skipped.
std::vector<ProjectTenants> group_by_project(Placement& placement,
                                             const std::optional<std::string>& flag_project) {
  std::vector<ProjectTenants> projects;
  for (std::size_t i = 0; i < placement.tenants.size(); ++i) {
    const Tenant& tenant = placement.tenants[i];
    if (!tenant.invalid_reason.empty()) {
      placement.placed[i] = tenant;  // reported invalid by the runner; never connected to
      continue;
    }
    std::string project = tenant.neon_project_id.value_or("");
    if (project.empty()) project = flag_project.value_or("");
    if (project.empty()) {
      placement.setup.skipped.push_back(
          {tenant.id, "no Neon project (set --neon-project or neon_project_id)"});
      continue;
    }
    auto found = std::find_if(projects.begin(), projects.end(),
                              [&](const ProjectTenants& p) { return p.project_id == project; });
    if (found == projects.end()) found = projects.insert(projects.end(), {project, {}});
    found->positions.push_back(i);
  }
  return projects;
}

// The project's tenants whose connection string can be pointed at a branch of `parent`.
// Unparsable ones become invalid, refused ones are skipped: no branch is made for a project
// none of them can use.
std::vector<std::size_t> usable_tenants(Placement& placement, const ProjectTenants& project,
                                        BranchHosts hosts, const Branch& parent) {
  hosts.branch_host = "branch.invalid";
  hosts.branch_endpoint_id = "branch";
  std::vector<std::size_t> usable;
  for (std::size_t position : project.positions) {
    const Tenant& tenant = placement.tenants[position];
    DsnRewrite check = rewrite(tenant, hosts);
    if (check.status == RewriteStatus::rewritten) {
      usable.push_back(position);
    } else if (check.status == RewriteStatus::unparsable) {
      placement.placed[position] = tenant;
      placement.placed[position]->invalid_reason = check.reason;
    } else {
      placement.setup.skipped.push_back({tenant.id, check.reason + " (project " +
                                                        project.project_id + ", parent branch " +
                                                        parent.name + ")"});
    }
  }
  return usable;
}

// Creates the run's branch of `parent`, leases it at once, waits for its operations and
// returns its read_write endpoint. Throws NeonError when the branch has none.
Endpoint create_leased_branch(NeonClient& neon, const std::string& project_id, const Branch& parent,
                              const PreflightOptions& options, BranchLease& lease) {
  const std::string name = preflight_branch_name(options.run_id);
  const auto expires_at = neon.clock().wall_now() + options.ttl;
  CreatedBranch created = neon.create_branch(project_id, name, parent.id, expires_at);
  std::optional<Endpoint> endpoint = read_write_endpoint(created.endpoints);
  lease.add({project_id, created.branch.id, created.branch.name, parent.id,
             endpoint ? endpoint->host : ""});
  neon.wait_for_operations(project_id, created.operations);
  if (!endpoint) {
    endpoint = read_write_endpoint(neon.list_endpoints(project_id, created.branch.id));
    if (!endpoint) {
      throw NeonError(NeonErrorKind::protocol, 0,
                      "Neon branch " + name + " has no read_write endpoint");
    }
    lease.set_endpoint_host(created.branch.id, endpoint->host);
  }
  return *endpoint;
}

// One project: finds its parent branch, makes the preflight branch if any tenant can use it
// and points those tenants at it.
void branch_project(NeonClient& neon, const PreflightOptions& options,
                    const ProjectTenants& project, Placement& placement) {
  neon.get_project(project.project_id);  // clear error for a wrong id or key scope
  // One listing finds the parent and the branches crashed runs left behind.
  const std::vector<Branch> branches = neon.list_branches(project.project_id, "");
  note_leftovers(neon, project.project_id, branches, options, placement.setup.leftovers);
  const Branch parent = find_parent(branches, project.project_id, options.parent_branch);
  BranchHosts hosts = parent_hosts_of(neon.list_endpoints(project.project_id, parent.id));
  const std::vector<std::size_t> usable = usable_tenants(placement, project, hosts, parent);
  if (usable.empty()) return;
  const Endpoint endpoint =
      create_leased_branch(neon, project.project_id, parent, options, placement.setup.lease);
  hosts.branch_host = endpoint.host;
  hosts.branch_endpoint_id = endpoint.id;
  for (std::size_t position : usable) {
    const Tenant& tenant = placement.tenants[position];
    DsnRewrite rewritten = rewrite(tenant, hosts);
    placement.placed[position] = tenant;
    placement.placed[position]->connection_string = rewritten.connection_string;
    placement.placed[position]->conninfo = std::move(rewritten.conninfo);
  }
}

}  // namespace

std::string preflight_branch_name(const std::string& run_id) { return kPreflightPrefix + run_id; }

PreflightSetup start_preflight(std::shared_ptr<NeonClient> client, const PreflightOptions& options,
                               const std::vector<Tenant>& tenants) {
  if (!client) throw std::invalid_argument("start_preflight needs a Neon client");
  if (options.run_id.empty()) throw std::invalid_argument("start_preflight needs a run id");
  PreflightSetup setup{{}, {}, BranchLease(client, options.keep), {}};
  Placement placement{tenants, std::vector<std::optional<Tenant>>(tenants.size()), setup};
  const std::vector<ProjectTenants> projects = group_by_project(placement, options.project_id);
  if (projects.empty() && !setup.skipped.empty()) {
    throw std::invalid_argument(
        "--neon-branch needs --neon-project (or neon_project_id per tenant)");
  }
  try {
    for (const auto& project : projects) branch_project(*client, options, project, placement);
  } catch (...) {
    setup.lease.release();  // never leave a branch behind for a run that does not happen
    throw;
  }
  for (auto& tenant : placement.placed) {
    if (tenant) setup.tenants.push_back(std::move(*tenant));
  }
  return setup;
}

CleanupResult cleanup_preflight_branches(NeonClient& client, const std::string& project_id,
                                         std::chrono::seconds older_than, CleanupMode mode) {
  CleanupResult result;
  const auto cutoff = client.clock().wall_now() - older_than;
  for (auto& branch : client.list_branches(project_id, kPreflightPrefix)) {
    if (!is_preflight_branch(branch)) continue;
    const auto created = util::parse_rfc3339(branch.created_at);
    if (!created || *created > cutoff) {
      result.kept_too_young.push_back(branch);
      continue;
    }
    if (mode == CleanupMode::dry_run) {
      result.deleted.push_back(branch);
      continue;
    }
    try {
      auto deleted = client.delete_branch(project_id, branch.id);
      client.wait_for_operations(project_id, deleted.operations);
      result.deleted.push_back(branch);
    } catch (const NeonError& error) {
      result.failed.emplace_back(branch, error.what());
    }
  }
  return result;
}

}  // namespace pgfleet::neon
