#include "pgfleet/results/summary_markdown.hpp"

#include <fmt/format.h>

#include <string_view>

#include "pgfleet/results/forecast_table.hpp"
#include "pgfleet/results/html_escape.hpp"
#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet {
namespace {

constexpr std::size_t kGroupsShown = 20, kIdsShown = 5, kGatesShown = 20, kSlowestShown = 5;

std::string md(const std::string& text) { return markdown_escape(text); }

std::string run_part(const RunRecord& r) {
  const std::string exit =
      r.finished ? "exit " + std::to_string(r.finished->exit_code) : "did not finish";
  std::string out = fmt::format("## pgfleet {} `{}` ({})\n\n| run | |\n|---|---|\n",
                                to_string(r.info.command), md(r.info.run_id), exit);
  out += "| target | " + (r.info.target ? std::to_string(*r.info.target) : std::string("latest")) +
         " |\n";
  out += "| started | " + util::format_rfc3339_utc(r.info.started_at) + " |\n";
  if (r.finished) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.finished->finished_at -
                                                                          r.info.started_at);
    out += "| finished | " + util::format_rfc3339_utc(r.finished->finished_at) + " (" +
           format_ms(static_cast<long>(ms.count())) + ") |\n";
    if (!r.finished->stop_reason.empty())
      out += "| stopped | " + md(r.finished->stop_reason) + " |\n";
  }
  if (r.neon) out += "| Neon preflight | yes (summary.json `neon`) |\n";
  return out;
}

std::string tenants_part(const RunRecord& r) {
  const auto& counts = r.tally.status_counts();
  std::string out = fmt::format("\n**{} tenant(s):**", r.tally.tenants());
  const char* separator = " ";
  for (TenantStatus s : kAllTenantStatuses) {
    const auto it = counts.find(s);
    if (it == counts.end()) continue;
    out += fmt::format("{}{} {}", separator, to_string(s), it->second);
    separator = ", ";
  }
  out += "\n\n| version after the run | tenants |\n|---|---:|\n";
  const auto& census = r.tally.version_census();
  for (auto it = census.rbegin(); it != census.rend(); ++it) {
    out += fmt::format("| {} | {} |\n", it->first == 0 ? "none" : std::to_string(it->first),
                       it->second);
  }
  return out;
}

std::string forecast_part(const RunRecord& r) {
  const auto forecast = r.tally.forecast();
  if (forecast.empty()) return "\n### Forecast\n\nNo migration ran in this run.\n";
  std::string out =
      "\n### Forecast\n\n| version | name | tenants | p50 | p95 | max | attempts | blocks |\n"
      "|---|---|---:|---:|---:|---:|---:|---|\n";
  for (const MigrationForecast& f : forecast) {
    std::string blocks;
    for (const BlockingLock& b : f.blocking) {
      blocks += fmt::format("{}`{}` {} ({}, up to {})", blocks.empty() ? "" : "<br>",
                            md(b.relation), md(b.mode), to_string(b.blocks), format_ms(b.max_ms));
    }
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", f.version, md(f.name),
                       f.tenants, format_ms(f.p50_ms), format_ms(f.p95_ms), format_ms(f.max_ms),
                       f.attempts_max, blocks.empty() ? "none" : blocks);
  }
  return out;
}

std::string gates_part(const RunRecord& r) {
  if (!r.gate_limits.max_lock_hold_ms && !r.gate_limits.max_duration_ms) return "";
  if (r.gates.empty()) return "\n### Gates\n\nPassed.\n";
  std::string out = fmt::format(
      "\n### Gates\n\n**{} trip(s)**\n\n| gate | migration | tenant | lock | time |\n"
      "|---|---|---|---|---:|\n",
      r.gates.size());
  for (std::size_t i = 0; i < r.gates.size() && i < kGatesShown; ++i) {
    const GateTrip& t = r.gates[i];
    out += fmt::format("| {} | {} {} | {} | {} | {} |\n", to_string(t.gate), t.version, md(t.name),
                       md(t.tenant_id),
                       t.relation.empty() ? "" : "`" + md(t.relation) + "` " + md(t.mode),
                       format_ms(t.ms));
  }
  if (r.gates.size() > kGatesShown)
    out += fmt::format("\nand {} more\n", r.gates.size() - kGatesShown);
  return out;
}

std::string failures_part(const RunRecord& r) {
  const auto groups = r.tally.failure_groups();
  const long not_grouped = r.tally.failures_not_grouped();
  if (groups.empty() && not_grouped == 0) return "";
  std::string out =
      "\n### Tenants not ok, by error\n\n| status | SQLSTATE | message | tenants | e.g. |\n"
      "|---|---|---|---:|---|\n";
  for (std::size_t i = 0; i < groups.size() && i < kGroupsShown; ++i) {
    const FailureGroup& g = groups[i];
    std::string ids;
    for (std::size_t k = 0; k < g.tenant_ids.size() && k < kIdsShown; ++k) {
      ids += (ids.empty() ? "" : ", ") + md(g.tenant_ids[k]);
    }
    out += fmt::format("| {} | {} | {} | {} | {} |\n", to_string(g.status), md(g.sqlstate),
                       md(g.message), g.tenants, ids);
  }
  if (not_grouped > 0)
    out += fmt::format("\nand {} more tenant(s) with yet other errors\n", not_grouped);
  return out;
}

std::string slowest_part(const RunRecord& r) {
  const auto slowest = r.tally.slowest(kSlowestShown);
  if (slowest.empty()) return "";
  std::string out = "\n### Slowest tenants\n\n| tenant | status | time |\n|---|---|---:|\n";
  for (const FinishedTenant& t : slowest) {
    out += fmt::format("| {} | {} | {} |\n", md(t.tenant_id), to_string(t.status),
                       format_ms(t.duration_ms));
  }
  return out;
}

}  // namespace

std::string markdown_escape(const std::string& text) {
  const std::string escaped = html_escape(text);
  std::string out;
  out.reserve(escaped.size());
  for (char c : escaped) {
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]()#|!~").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string render_summary_markdown(const RunRecord& r) {
  return run_part(r) + tenants_part(r) + forecast_part(r) + gates_part(r) + failures_part(r) +
         slowest_part(r);
}

}  // namespace pgfleet
