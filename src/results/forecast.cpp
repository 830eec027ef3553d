#include "pgfleet/results/forecast.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace pgfleet {
namespace {

using nlohmann::json;

// Reads+writes first, then the longest held; equal ones in relation, mode order.
std::vector<BlockingLock> ordered_locks(
    const std::map<std::pair<std::string, std::string>, BlockingLock>& by_lock) {
  std::vector<BlockingLock> out;
  for (const auto& [key, b] : by_lock) out.push_back(b);
  std::stable_sort(out.begin(), out.end(), [](const BlockingLock& a, const BlockingLock& b) {
    if (a.blocks != b.blocks) return a.blocks > b.blocks;
    return a.max_ms > b.max_ms;
  });
  return out;
}

}  // namespace

LockImpact lock_impact(std::string_view mode) {
  if (mode == "AccessExclusiveLock") return LockImpact::reads_and_writes;
  if (mode == "ExclusiveLock" || mode == "ShareRowExclusiveLock" || mode == "ShareLock") {
    return LockImpact::writes;
  }
  return LockImpact::none;
}

const char* to_string(LockImpact impact) {
  switch (impact) {
    case LockImpact::reads_and_writes: return "reads+writes";
    case LockImpact::writes: return "writes";
    case LockImpact::none: return "none";
  }
  return "none";
}

long nearest_rank_percentile(const std::vector<long>& sorted, double p) {
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

void ForecastTally::add(const TenantOutcome& tenant) {
  for (const MigrationResult& m : tenant.migrations) {
    const auto [it, first] = by_version_.try_emplace(m.version);
    PerMigration& per = it->second;
    if (first) per.name = m.name;
    per.durations_ms.push_back(m.duration_ms);
    per.attempts_max = std::max(per.attempts_max, m.attempts);
    per.slowest.add({tenant.tenant_id, m.duration_ms});
    for (const RelationLock& lock : m.locks) {
      const LockImpact impact = lock_impact(lock.mode);
      if (impact == LockImpact::none) continue;
      BlockingLock& b = per.locks[{lock.relation, lock.mode}];
      b.relation = lock.relation;
      b.mode = lock.mode;
      b.blocks = impact;
      ++b.tenants;
      b.max_ms = std::max(b.max_ms, m.duration_ms);
    }
  }
}

std::vector<MigrationForecast> ForecastTally::forecast() const {
  std::vector<MigrationForecast> out;
  for (const auto& [version, per] : by_version_) {
    MigrationForecast f;
    f.version = version;
    f.name = per.name;
    f.tenants = static_cast<long>(per.durations_ms.size());
    f.durations_ms = per.durations_ms;
    std::sort(f.durations_ms.begin(), f.durations_ms.end());
    f.p50_ms = nearest_rank_percentile(f.durations_ms, 50);
    f.p95_ms = nearest_rank_percentile(f.durations_ms, 95);
    f.max_ms = f.durations_ms.back();
    f.attempts_max = per.attempts_max;
    f.blocking = ordered_locks(per.locks);
    f.slowest = per.slowest.items();
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<MigrationForecast> build_forecast(const std::vector<TenantOutcome>& tenants) {
  ForecastTally tally;
  for (const TenantOutcome& t : tenants) tally.add(t);
  return tally.forecast();
}

nlohmann::json forecast_to_json(const std::vector<MigrationForecast>& forecast) {
  json out = json::array();
  for (const MigrationForecast& f : forecast) {
    json blocking = json::array();
    for (const BlockingLock& b : f.blocking) {
      blocking.push_back(json{{"relation", b.relation},
                              {"mode", b.mode},
                              {"blocks", to_string(b.blocks)},
                              {"tenants", b.tenants},
                              {"max_ms", b.max_ms}});
    }
    json slowest = json::array();
    for (const SlowTenant& s : f.slowest) {
      slowest.push_back(json{{"tenant_id", s.tenant_id}, {"duration_ms", s.duration_ms}});
    }
    out.push_back(json{{"version", f.version},
                       {"name", f.name},
                       {"tenants", f.tenants},
                       {"duration_ms", {{"p50", f.p50_ms}, {"p95", f.p95_ms}, {"max", f.max_ms}}},
                       {"attempts_max", f.attempts_max},
                       {"blocking", std::move(blocking)},
                       {"slowest", std::move(slowest)}});
  }
  return out;
}

std::vector<HistogramBin> duration_histogram(const std::vector<long>& sorted, int max_bins) {
  if (sorted.empty() || max_bins < 1) return {};
  const long low = sorted.front();
  const long span = sorted.back() - low + 1;
  const long width = std::max(1L, (span + max_bins - 1) / max_bins);
  const long bins = (span + width - 1) / width;
  std::vector<HistogramBin> out;
  for (long i = 0; i < bins; ++i) out.push_back({low + i * width, low + (i + 1) * width - 1, 0});
  for (long value : sorted) ++out[static_cast<std::size_t>((value - low) / width)].count;
  return out;
}

}  // namespace pgfleet
