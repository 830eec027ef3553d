#include "pgfleet/results/forecast.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace pgfleet {
namespace {

using nlohmann::json;

constexpr std::size_t kSlowestKept = 5;

// One tenant's run of one migration.
struct Sample {
  const std::string* tenant_id;
  const MigrationResult* result;
};

std::vector<BlockingLock> blocking_locks(const std::vector<Sample>& samples) {
  std::map<std::pair<std::string, std::string>, BlockingLock> by_lock;
  for (const Sample& s : samples) {
    for (const RelationLock& lock : s.result->locks) {
      const LockImpact impact = lock_impact(lock.mode);
      if (impact == LockImpact::none) continue;
      BlockingLock& b = by_lock[{lock.relation, lock.mode}];
      b.relation = lock.relation;
      b.mode = lock.mode;
      b.blocks = impact;
      ++b.tenants;
      b.max_ms = std::max(b.max_ms, s.result->duration_ms);
    }
  }
  std::vector<BlockingLock> out;
  for (auto& [key, b] : by_lock) out.push_back(std::move(b));
  std::stable_sort(out.begin(), out.end(), [](const BlockingLock& a, const BlockingLock& b) {
    if (a.blocks != b.blocks) return a.blocks > b.blocks;
    return a.max_ms > b.max_ms;
  });
  return out;
}

std::vector<SlowTenant> slowest_of(const std::vector<Sample>& samples) {
  std::vector<SlowTenant> all;
  all.reserve(samples.size());
  for (const Sample& s : samples) all.push_back({*s.tenant_id, s.result->duration_ms});
  const std::size_t kept = std::min(kSlowestKept, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(kept), all.end(),
                    [](const SlowTenant& a, const SlowTenant& b) {
                      if (a.duration_ms != b.duration_ms) return a.duration_ms > b.duration_ms;
                      return a.tenant_id < b.tenant_id;
                    });
  all.resize(kept);
  return all;
}

MigrationForecast forecast_of(const std::vector<Sample>& samples) {
  MigrationForecast f;
  f.version = samples.front().result->version;
  f.name = samples.front().result->name;
  f.tenants = static_cast<long>(samples.size());
  for (const Sample& s : samples) {
    f.durations_ms.push_back(s.result->duration_ms);
    f.attempts_max = std::max(f.attempts_max, s.result->attempts);
  }
  std::sort(f.durations_ms.begin(), f.durations_ms.end());
  f.p50_ms = nearest_rank_percentile(f.durations_ms, 50);
  f.p95_ms = nearest_rank_percentile(f.durations_ms, 95);
  f.max_ms = f.durations_ms.back();
  f.blocking = blocking_locks(samples);
  f.slowest = slowest_of(samples);
  return f;
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

std::vector<MigrationForecast> build_forecast(const std::vector<TenantOutcome>& tenants) {
  std::map<Version, std::vector<Sample>> by_version;
  for (const TenantOutcome& t : tenants) {
    for (const MigrationResult& m : t.migrations)
      by_version[m.version].push_back({&t.tenant_id, &m});
  }
  std::vector<MigrationForecast> forecast;
  for (const auto& [version, samples] : by_version) forecast.push_back(forecast_of(samples));
  return forecast;
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
