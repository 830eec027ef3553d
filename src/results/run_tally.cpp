#include "pgfleet/results/run_tally.hpp"

#include <algorithm>

namespace pgfleet {
namespace {

bool was_reached(TenantStatus s) {
  return s != TenantStatus::invalid && s != TenantStatus::unreachable &&
         s != TenantStatus::skipped && s != TenantStatus::cancelled;
}

}  // namespace

void RunTally::add(const TenantOutcome& t) {
  ++tenants_;
  ++counts_[t.status];
  if (was_reached(t.status)) ++census_[t.to_version ? *t.to_version : t.from_version.value_or(0)];
  durations_ms_.push_back(t.duration_ms);
  if (!is_ok(t.status)) {
    all_ok_ = false;
    add_failure(t);
  }
  slowest_.add({t.tenant_id, t.status, t.migrations.size(), t.duration_ms});
  forecast_.add(t);
  const auto ended = t.started_at + std::chrono::milliseconds(t.duration_ms);
  if (!first_started_ || t.started_at < *first_started_) first_started_ = t.started_at;
  if (!last_ended_ || ended > *last_ended_) last_ended_ = ended;
}

void RunTally::add_failure(const TenantOutcome& t) {
  const std::string sqlstate = t.error ? t.error->sqlstate : "";
  const std::string message = t.error ? t.error->message : t.reason;
  auto it = failures_.find({t.status, sqlstate, message});
  if (it == failures_.end()) {
    if (failures_.size() >= kFailureKindsKept) {
      ++failures_not_grouped_;
      return;
    }
    it = failures_
             .emplace(std::make_tuple(t.status, sqlstate, message),
                      FailureGroup{t.status, sqlstate, message, 0, {}})
             .first;
  }
  FailureGroup& g = it->second;
  ++g.tenants;
  if (g.tenant_ids.size() < kIdsPerGroup) g.tenant_ids.push_back(t.tenant_id);
}

std::vector<FailureGroup> RunTally::failure_groups() const {
  std::vector<FailureGroup> out;
  for (const auto& [key, g] : failures_) out.push_back(g);
  std::stable_sort(out.begin(), out.end(), [](const FailureGroup& a, const FailureGroup& b) {
    return a.tenants > b.tenants;
  });
  return out;
}

std::vector<FinishedTenant> RunTally::slowest(std::size_t count) const {
  std::vector<FinishedTenant> out = slowest_.items();
  if (out.size() > count) out.resize(count);
  return out;
}

}  // namespace pgfleet
