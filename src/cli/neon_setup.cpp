#include "pgfleet/cli/neon_setup.hpp"

#include <cstdlib>
#include <iostream>
#include <ostream>
#include <string>

#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/neon/http_transport.hpp"
#include "pgfleet/neon/neon_client.hpp"
#include "pgfleet/neon/neon_error.hpp"
#include "pgfleet/util/duration.hpp"

namespace pgfleet::cli {

namespace {

// The key from NEON_API_KEY and the API base from --neon-api / NEON_API_HOST, both checked.
neon::NeonClientOptions client_options(const Options& o) {
  const char* key = std::getenv("NEON_API_KEY");
  if (!key || !*key) throw UsageError("Neon preflight needs the API key in NEON_API_KEY");
  neon::NeonClientOptions options;
  options.api_base = neon::resolve_api_base(
      o.neon_api.empty() ? std::nullopt : std::optional<std::string>(o.neon_api));
  try {
    neon::require_safe_api_base(options.api_base);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  options.api_key = key;
  return options;
}

std::chrono::seconds branch_ttl(const Options& o) {
  try {
    return std::chrono::duration_cast<std::chrono::seconds>(
        util::parse_duration(o.neon_branch_ttl));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--neon-branch-ttl: ") + e.what());
  }
}

// A rough age for a person: "45s", "12min", "5h", "3d".
std::string age_text(std::chrono::seconds age) {
  const long long s = age.count();
  if (s < 120) return std::to_string(s) + "s";
  if (s < 120 * 60) return std::to_string(s / 60) + "min";
  if (s < 48 * 3600) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

}  // namespace

void check_neon_flags(const Options& o) {
  client_options(o);
  branch_ttl(o);
}

std::shared_ptr<neon::NeonClient> make_neon_client(const Options& o) {
  neon::NeonLog log;
  if (o.verbose > 0) log = [](const std::string& line) { std::cerr << "neon: " << line << "\n"; };
  return std::make_shared<neon::NeonClient>(client_options(o), neon::make_curl_transport(),
                                            std::make_shared<util::SystemClock>(), log);
}

neon::PreflightSetup start_neon_preflight(const Options& o, const std::string& run_id,
                                          const std::vector<Tenant>& tenants) {
  neon::PreflightOptions options;
  if (!o.neon_project.empty()) options.project_id = o.neon_project;
  if (!o.neon_parent.empty()) options.parent_branch = o.neon_parent;
  options.ttl = branch_ttl(o);
  options.keep = o.neon_keep_branch ? neon::KeepBranch::yes : neon::KeepBranch::no;
  options.run_id = run_id;
  try {
    return neon::start_preflight(make_neon_client(o), options, tenants);
  } catch (const neon::NeonError& e) {
    throw RunError(std::string("Neon preflight: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("Neon preflight: ") + e.what());
  }
}

void check_neon_projects(const Options& o, const std::vector<Tenant>& tenants) {
  if (!o.neon_project.empty()) return;
  bool any_valid = false;
  for (const Tenant& t : tenants) {
    if (!t.invalid_reason.empty()) continue;
    any_valid = true;
    if (t.neon_project_id && !t.neon_project_id->empty()) return;
  }
  if (any_valid) {
    throw UsageError("--neon-branch needs --neon-project (or neon_project_id per tenant)");
  }
}

nlohmann::json neon_summary_at_start(const Options& o, const std::string& run_id) {
  return nlohmann::json{{"project", o.neon_project.empty() ? nlohmann::json(nullptr)
                                                           : nlohmann::json(o.neon_project)},
                        {"branch_name", neon::preflight_branch_name(run_id)},
                        {"deleted", false}};
}

nlohmann::json neon_summary(const std::vector<neon::ReleasedBranch>& branches,
                            const std::vector<neon::LeftoverBranch>& leftovers) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& b : branches) {
    nlohmann::json j{{"project", b.branch.project_id},
                     {"branch_id", b.branch.branch_id},
                     {"branch_name", b.branch.branch_name},
                     {"parent_branch_id", b.branch.parent_branch_id},
                     {"deleted", b.status == neon::ReleaseStatus::deleted}};
    if (b.status == neon::ReleaseStatus::failed) j["delete_error"] = b.error;
    list.push_back(j);
  }
  // One project is the common case: keep the flat `neon` object of docs/NEON.md then.
  nlohmann::json summary = list.size() == 1 ? list[0] : nlohmann::json{{"branches", list}};
  if (!leftovers.empty()) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& leftover : leftovers) names.push_back(leftover.branch.name);
    summary["leftover_branches"] = names;
  }
  return summary;
}

void report_branches(const std::vector<neon::ReleasedBranch>& branches, std::ostream& out) {
  for (const auto& b : branches) {
    const std::string name =
        b.branch.branch_name + " (" + b.branch.branch_id + ", project " + b.branch.project_id + ")";
    switch (b.status) {
      case neon::ReleaseStatus::deleted: out << "neon: deleted branch " << name << "\n"; break;
      case neon::ReleaseStatus::kept:
        out << "neon: kept branch " << name
            << "; remove it with `pgfleet neon cleanup --neon-project " << b.branch.project_id
            << "`\n";
        break;
      case neon::ReleaseStatus::failed:
        out << "neon: FAILED to delete branch " << name << ": " << b.error
            << "; it expires on its own, or run `pgfleet neon cleanup --neon-project "
            << b.branch.project_id << " --older-than 0`\n";
        break;
    }
  }
}

void report_leftovers(const std::vector<neon::LeftoverBranch>& leftovers, std::ostream& out) {
  for (const auto& leftover : leftovers) {
    const std::string age = leftover.age ? age_text(*leftover.age) + " old" : "age unknown";
    out << "neon: warning: branch " << leftover.branch.name << " (" << leftover.branch.id
        << ", project " << leftover.project_id << ", " << age
        << ") was left behind by an earlier run and costs money until it expires; remove it with "
           "`pgfleet neon cleanup --neon-project "
        << leftover.project_id << "`\n";
  }
}

}  // namespace pgfleet::cli
