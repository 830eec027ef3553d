#include "pgfleet/results/summary_json.hpp"

#include <algorithm>

#include "pgfleet/results/forecast.hpp"
#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet {
namespace {

using nlohmann::json;

json migrations_json(const RunRecord& record) {
  json migrations = json::array();
  for (const auto& m : record.migrations) {
    json entry{{"version", m.version}, {"name", m.name}, {"checksum", m.checksum}};
    if (!m.verify_checksum.empty()) entry["verify_checksum"] = m.verify_checksum;
    migrations.push_back(std::move(entry));
  }
  return migrations;
}

json durations_json(const RunRecord& record) {
  std::vector<long> sorted = record.tally.durations_ms();
  if (sorted.empty())
    return json{{"p50", nullptr}, {"p90", nullptr}, {"p99", nullptr}, {"max", nullptr}};
  std::sort(sorted.begin(), sorted.end());
  return json{{"p50", nearest_rank_percentile(sorted, 50)},
              {"p90", nearest_rank_percentile(sorted, 90)},
              {"p99", nearest_rank_percentile(sorted, 99)},
              {"max", sorted.back()}};
}

}  // namespace

nlohmann::json summary_to_json(const RunRecord& record) {
  const std::map<TenantStatus, long>& by_status = record.tally.status_counts();
  json counts = json::object();
  for (TenantStatus s : kAllTenantStatuses) {
    const auto it = by_status.find(s);
    counts[to_string(s)] = it == by_status.end() ? 0 : it->second;
  }
  const RunInfo& info = record.info;
  const std::optional<RunSummary>& done = record.finished;
  json doc{
      {"run_id", info.run_id},
      {"command", to_string(info.command)},
      {"pgfleet_version", PGFLEET_VERSION},
      {"started_at", util::format_rfc3339_utc(info.started_at)},
      {"finished_at", done ? json(util::format_rfc3339_utc(done->finished_at)) : json()},
      {"target", info.target ? json(*info.target) : json(nullptr)},
      {"migrations", migrations_json(record)},
      {"tenant_count", info.tenant_count},
      {"tenants_finished", record.tally.tenants()},
      {"counts", std::move(counts)},
      {"duration_ms", durations_json(record)},
      {"exit_code", done ? json(done->exit_code) : json()},
      {"interrupted", done ? done->interrupted : false},
      {"stop_reason", done && !done->stop_reason.empty() ? json(done->stop_reason) : json(nullptr)},
      {"forecast", forecast_to_json(record.tally.forecast())},
      {"gate_limits", gate_limits_to_json(record.gate_limits)},
      {"gates", gates_to_json(record.gates)}};
  if (record.neon) doc["neon"] = *record.neon;
  return doc;
}

}  // namespace pgfleet
