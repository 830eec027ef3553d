#include "pgfleet/results/run_record.hpp"

#include <algorithm>
#include <tuple>

namespace pgfleet {

std::map<TenantStatus, long> status_counts(const RunRecord& record) {
  std::map<TenantStatus, long> counts;
  for (const TenantOutcome& t : record.tenants) ++counts[t.status];
  return counts;
}

std::vector<const TenantOutcome*> slowest_tenants(const RunRecord& record, std::size_t count) {
  std::vector<const TenantOutcome*> all;
  for (const TenantOutcome& t : record.tenants) all.push_back(&t);
  const std::size_t kept = std::min(count, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(kept), all.end(),
                    [](const TenantOutcome* a, const TenantOutcome* b) {
                      if (a->duration_ms != b->duration_ms) return a->duration_ms > b->duration_ms;
                      return a->tenant_id < b->tenant_id;
                    });
  all.resize(kept);
  return all;
}

std::vector<FailureGroup> failure_groups(const RunRecord& record) {
  std::map<std::tuple<TenantStatus, std::string, std::string>, FailureGroup> groups;
  for (const TenantOutcome& t : record.tenants) {
    if (is_ok(t.status)) continue;
    const std::string sqlstate = t.error ? t.error->sqlstate : "";
    const std::string message = t.error ? t.error->message : t.reason;
    FailureGroup& g = groups[{t.status, sqlstate, message}];
    g.status = t.status;
    g.sqlstate = sqlstate;
    g.message = message;
    g.tenant_ids.push_back(t.tenant_id);
  }
  std::vector<FailureGroup> out;
  for (auto& [key, g] : groups) out.push_back(std::move(g));
  std::stable_sort(out.begin(), out.end(), [](const FailureGroup& a, const FailureGroup& b) {
    return a.tenant_ids.size() > b.tenant_ids.size();
  });
  return out;
}

std::map<Version, long> version_census(const RunRecord& record) {
  std::map<Version, long> census;
  for (const TenantOutcome& t : record.tenants) {
    const bool reached = t.status != TenantStatus::invalid &&
                         t.status != TenantStatus::unreachable &&
                         t.status != TenantStatus::skipped && t.status != TenantStatus::cancelled;
    if (!reached) continue;
    ++census[t.to_version ? *t.to_version : t.from_version.value_or(0)];
  }
  return census;
}

}  // namespace pgfleet
