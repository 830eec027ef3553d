#include "pgfleet/neon/preflight.hpp"

#include <map>
#include <stdexcept>

#include "pgfleet/neon/dsn_rewrite.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet::neon {
namespace {

// The parent branch: the one named or with id `wanted`, or the default branch.
Branch find_parent(NeonClient& client, const std::string& project_id,
                   const std::optional<std::string>& wanted) {
  if (wanted && !wanted->empty()) {
    for (auto& branch : client.list_branches(project_id, *wanted)) {
      if (branch.name == *wanted || branch.id == *wanted) return branch;
    }
    throw NeonError(NeonErrorKind::not_found, 0,
                    "Neon parent branch " + *wanted + " not found in project " + project_id);
  }
  for (auto& branch : client.list_branches(project_id, "")) {
    if (branch.is_default) return branch;
  }
  throw NeonError(NeonErrorKind::not_found, 0,
                  "Neon project " + project_id + " has no default branch");
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

std::string read_write_host(const std::vector<Endpoint>& endpoints, std::string& endpoint_id) {
  for (const auto& endpoint : endpoints) {
    if (endpoint.type == "read_write" && !endpoint.host.empty()) {
      endpoint_id = endpoint.id;
      return endpoint.host;
    }
  }
  return "";
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

}  // namespace

std::string preflight_branch_name(const std::string& run_id) { return kPreflightPrefix + run_id; }

PreflightSetup start_preflight(std::shared_ptr<NeonClient> client, const PreflightOptions& options,
                               const std::vector<Tenant>& tenants) {
  if (!client) throw std::invalid_argument("start_preflight needs a Neon client");
  if (options.run_id.empty()) throw std::invalid_argument("start_preflight needs a run id");
  NeonClient& neon = *client;
  PreflightSetup setup{{}, {}, BranchLease(client, options.keep)};
  std::vector<std::optional<Tenant>> placed(tenants.size());
  std::vector<ProjectTenants> projects;
  bool any_project = false;
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    const Tenant& tenant = tenants[i];
    if (!tenant.invalid_reason.empty()) {
      placed[i] = tenant;  // reported invalid by the runner; never connected to
      continue;
    }
    std::string project = tenant.neon_project_id.value_or("");
    if (project.empty()) project = options.project_id.value_or("");
    if (project.empty()) {
      setup.skipped.push_back(
          {tenant.id, "no Neon project (set --neon-project or neon_project_id)"});
      continue;
    }
    any_project = true;
    auto found = std::find_if(projects.begin(), projects.end(),
                              [&](const ProjectTenants& p) { return p.project_id == project; });
    if (found == projects.end()) found = projects.insert(projects.end(), {project, {}});
    found->positions.push_back(i);
  }
  if (!any_project && !setup.skipped.empty()) {
    throw std::invalid_argument(
        "--neon-branch needs --neon-project (or neon_project_id per tenant)");
  }
  try {
    for (const auto& project : projects) {
      neon.get_project(project.project_id);  // clear error for a wrong id or key scope
      const Branch parent = find_parent(neon, project.project_id, options.parent_branch);
      BranchHosts hosts = parent_hosts_of(neon.list_endpoints(project.project_id, parent.id));
      // Sort out the tenants first: no branch is made for a project none of them can use.
      hosts.branch_host = "branch.invalid";
      hosts.branch_endpoint_id = "branch";
      std::vector<std::size_t> usable;
      for (std::size_t position : project.positions) {
        const Tenant& tenant = tenants[position];
        DsnRewrite check = rewrite(tenant, hosts);
        if (check.status == RewriteStatus::rewritten) {
          usable.push_back(position);
        } else if (check.status == RewriteStatus::unparsable) {
          placed[position] = tenant;
          placed[position]->invalid_reason = check.reason;
        } else {
          setup.skipped.push_back({tenant.id, check.reason + " (project " + project.project_id +
                                                  ", parent branch " + parent.name + ")"});
        }
      }
      if (usable.empty()) continue;

      const std::string name = preflight_branch_name(options.run_id);
      const auto expires_at = neon.clock().wall_now() + options.ttl;
      CreatedBranch created = neon.create_branch(project.project_id, name, parent.id, expires_at);
      std::string endpoint_id;
      std::string endpoint_host = read_write_host(created.endpoints, endpoint_id);
      setup.lease.add(
          {project.project_id, created.branch.id, created.branch.name, parent.id, endpoint_host});
      neon.wait_for_operations(project.project_id, created.operations);
      if (endpoint_host.empty()) {
        endpoint_host = read_write_host(neon.list_endpoints(project.project_id, created.branch.id),
                                        endpoint_id);
        if (endpoint_host.empty()) {
          throw NeonError(NeonErrorKind::protocol, 0,
                          "Neon branch " + name + " has no read_write endpoint");
        }
        setup.lease.set_endpoint_host(created.branch.id, endpoint_host);
      }
      hosts.branch_host = endpoint_host;
      hosts.branch_endpoint_id = endpoint_id;
      for (std::size_t position : usable) {
        DsnRewrite rewritten = rewrite(tenants[position], hosts);
        placed[position] = tenants[position];
        placed[position]->connection_string = rewritten.connection_string;
        placed[position]->conninfo = std::move(rewritten.conninfo);
      }
    }
  } catch (...) {
    setup.lease.release();  // never leave a branch behind for a run that does not happen
    throw;
  }
  for (auto& tenant : placed) {
    if (tenant) setup.tenants.push_back(std::move(*tenant));
  }
  return setup;
}

CleanupResult cleanup_preflight_branches(NeonClient& client, const std::string& project_id,
                                         std::chrono::seconds older_than, CleanupMode mode) {
  CleanupResult result;
  const auto cutoff = client.clock().wall_now() - older_than;
  const std::string prefix = kPreflightPrefix;
  for (auto& branch : client.list_branches(project_id, prefix)) {
    if (branch.name.compare(0, prefix.size(), prefix) != 0 || branch.is_default) continue;
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
