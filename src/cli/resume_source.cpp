// Where `pgfleet resume` reads a run from, and which of its tenants run again.
#include <set>

#include "pgfleet/cli/resume.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/results/tenants_jsonl_file.hpp"

namespace pgfleet::cli {

ResumeSource resume_source_from_directory(const std::string& results_dir,
                                          const std::string& run_id) {
  ResumeSource source;
  try {
    const RunDirectory dir = RunDirectory::open(results_dir, run_id);
    source.record = read_run_manifest(dir);
    TenantsJsonl lines = read_tenants_jsonl(dir.file("tenants.jsonl"));
    source.last_outcomes = std::move(lines.last_outcomes);
    for (int line : lines.damaged_lines) {
      source.warnings.push_back(dir.file("tenants.jsonl") + ":" + std::to_string(line) +
                                ": not a tenant record; ignored (its tenant, if any, counts as "
                                "not finished)");
    }
  } catch (const std::exception& e) {
    throw UsageError("resume " + run_id + ": " + e.what());
  }
  return source;
}

bool runs_again(TenantStatus status, RetryFailed retry) {
  switch (status) {
    case TenantStatus::cancelled:
    case TenantStatus::skipped: return true;
    case TenantStatus::failed:
    case TenantStatus::unreachable: return retry == RetryFailed::yes;
    case TenantStatus::applied:
    case TenantStatus::up_to_date:
    case TenantStatus::pending:
    case TenantStatus::verified:
    case TenantStatus::drift:
    case TenantStatus::dirty:
    case TenantStatus::invalid: return false;
  }
  return false;
}

ResumePlan plan_resume(const ResumeSource& source, RetryFailed retry) {
  ResumePlan plan;
  std::set<std::string> seen;  // a duplicate id is one tenant here, as in tenants.jsonl
  for (const std::string& id : source.record.tenant_ids) {
    if (!seen.insert(id).second) continue;
    const auto it = source.last_outcomes.find(id);
    if (it == source.last_outcomes.end()) {
      plan.rerun_ids.push_back(id);
    } else if (runs_again(it->second.status, retry)) {
      plan.rerun_ids.push_back(id);
      plan.earlier.emplace(id, it->second);
    } else {
      plan.standing.push_back(it->second);
    }
  }
  return plan;
}

}  // namespace pgfleet::cli
