#include "pgfleet/results/report_html.hpp"

#include <fmt/format.h>

#include "pgfleet/results/forecast_table.hpp"
#include "pgfleet/results/html_escape.hpp"
#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/util/rfc3339.hpp"
#include "report_svg.hpp"

namespace pgfleet {
namespace {

constexpr std::size_t kGroupsShown = 50, kIdsPerGroup = RunTally::kIdsPerGroup;
constexpr std::size_t kGateRowsShown = 100;
constexpr std::size_t kSlowestShown = 10;
constexpr int kHistogramBins = 12;

const char* const kStyle = R"(
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c1c1c;
background:#f6f7f9;margin:0;padding:16px}
main{max-width:980px;margin:0 auto}
h1{font-size:1.4em;margin:0 0 8px;word-break:break-all}
h2{font-size:1.15em;margin:0 0 10px}
h3{font-size:1em;margin:0 0 6px;word-break:break-word}
section,header{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:14px 16px;
margin:0 0 14px}
dl.run{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}
dl.run dt{color:#5f6b7a}
dl.run dd{margin:0;word-break:break-all}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
svg.bar{width:100%;height:24px;display:block;border-radius:4px}
ul.legend{list-style:none;padding:0;margin:8px 0 0;display:flex;flex-wrap:wrap;gap:4px 16px}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.93em}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceef1;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code,.id{font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.mig{border-top:1px solid #eceef1;padding-top:10px;margin-top:10px}
h2+.mig{border-top:0;margin-top:0;padding-top:0}
.cols{display:flex;flex-wrap:wrap;gap:12px 20px;align-items:flex-start}
.cols>div{flex:1 1 300px;min-width:0}
svg.hist{width:100%;max-width:360px;height:auto;display:block}
.muted{color:#5f6b7a}
ul.ids{margin:4px 0 0;padding-left:18px}
@media (max-width:520px){body{padding:6px}section,header{padding:10px}th,td{padding:3px 4px}
.cols>div{flex-basis:100%}}
)";

std::string esc(const std::string& text) { return html_escape(text); }

std::string row(std::initializer_list<std::string> cells, std::initializer_list<bool> numeric) {
  std::string out = "<tr>";
  auto n = numeric.begin();
  for (const std::string& cell : cells) {
    const bool is_number = n != numeric.end() && *n;
    out += (is_number ? "<td class=\"n\">" : "<td>") + cell + "</td>";
    if (n != numeric.end()) ++n;
  }
  return out + "</tr>";
}

// The preflight branch (or one per Neon project) and whether it was deleted; summary.json read
// back by `pgfleet report` may hold anything, so every field is checked.
std::string neon_branches(const nlohmann::json& neon) {
  const auto one = [](const nlohmann::json& b) {
    if (!b.is_object()) return std::string();
    const auto name = b.find("branch_name");
    const auto deleted = b.find("deleted");
    std::string text = name != b.end() && name->is_string() ? name->get<std::string>() : "?";
    const bool gone = deleted != b.end() && deleted->is_boolean() && deleted->get<bool>();
    return "<code>" + esc(text) + "</code>" + (gone ? " (deleted)" : " (kept)");
  };
  if (!neon.is_object()) return "yes";
  const auto list = neon.find("branches");
  if (list == neon.end() || !list->is_array()) return one(neon);
  std::string out;
  for (const auto& b : *list) out += (out.empty() ? "" : ", ") + one(b);
  return out;
}

std::string run_header(const RunRecord& r) {
  const RunInfo& info = r.info;
  const std::string command = to_string(info.command);
  std::string exit_text = "<span class=\"bad\">did not finish</span>";
  std::string finished = "&#8212;";
  if (r.finished) {
    const bool ok = r.finished->exit_code == 0;
    exit_text =
        fmt::format("<span class=\"{}\">{}</span>", ok ? "ok" : "bad", r.finished->exit_code);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.finished->finished_at -
                                                                          info.started_at);
    finished = esc(util::format_rfc3339_utc(r.finished->finished_at)) + " (" +
               format_ms(static_cast<long>(ms.count())) + ")";
    if (!r.finished->stop_reason.empty()) finished += " &#8212; " + esc(r.finished->stop_reason);
  }
  const std::string neon = r.neon ? neon_branches(*r.neon) : "no";
  return fmt::format(
      "<header><h1>pgfleet {} <span class=\"id\">{}</span></h1><dl class=\"run\">"
      "<dt>Run</dt><dd class=\"id\">{}</dd><dt>Command</dt><dd>{}</dd><dt>Target</dt><dd>{}</dd>"
      "<dt>Started</dt><dd>{}</dd><dt>Finished</dt><dd>{}</dd><dt>Exit code</dt><dd>{}</dd>"
      "<dt>Neon branch</dt><dd>{}</dd><dt>Tenants</dt><dd>{}</dd></dl></header>",
      esc(command), esc(info.run_id), esc(info.run_id), esc(command),
      info.target ? std::to_string(*info.target) : "latest",
      esc(util::format_rfc3339_utc(info.started_at)), finished, exit_text, neon, r.tally.tenants());
}

std::string tenants_section(const RunRecord& r) {
  const auto& counts = r.tally.status_counts();
  std::string legend;
  for (TenantStatus s : kAllTenantStatuses) {
    const auto it = counts.find(s);
    if (it == counts.end()) continue;
    legend += fmt::format("<li><span class=\"sw\" style=\"background:{}\"></span>{} <b>{}</b></li>",
                          status_colour(s), to_string(s), it->second);
  }
  if (legend.empty()) legend = "<li class=\"muted\">no tenant finished</li>";
  return "<section id=\"tenants\"><h2>Tenants per status</h2>" + status_bar_svg(counts) +
         "<ul class=\"legend\">" + legend + "</ul></section>";
}

std::string versions_section(const RunRecord& r) {
  const auto& census = r.tally.version_census();
  std::string rows;
  for (auto it = census.rbegin(); it != census.rend(); ++it) {
    rows += row({it->first == 0 ? "none" : std::to_string(it->first), std::to_string(it->second)},
                {false, true});
  }
  if (rows.empty())
    return "<section id=\"versions\"><h2>Versions</h2><p class=\"muted\">no tenant "
           "was reached</p></section>";
  return "<section id=\"versions\"><h2>Versions</h2><div class=\"scroll\"><table><tr><th>version "
         "after the run</th><th class=\"n\">tenants</th></tr>" +
         rows + "</table></div></section>";
}

std::string blocking_table(const MigrationForecast& f) {
  if (f.blocking.empty()) return "<p class=\"muted\">No lock that blocks reads or writes.</p>";
  std::string rows;
  for (const BlockingLock& b : f.blocking) {
    rows += row({"<code>" + esc(b.relation) + "</code>", esc(b.mode),
                 std::string("<span class=\"bad\">") + to_string(b.blocks) + "</span>",
                 std::to_string(b.tenants), format_ms(b.max_ms)},
                {false, false, false, true, true});
  }
  return "<div class=\"scroll\"><table><tr><th>relation</th><th>mode</th><th>blocks</th>"
         "<th class=\"n\">tenants</th><th class=\"n\">up to</th></tr>" +
         rows + "</table></div>";
}

// The strongest thing a migration blocks, for the overview: "reads+writes on public.items".
std::string blocks_cell(const MigrationForecast& f) {
  if (f.blocking.empty()) return "<span class=\"muted\">nothing</span>";
  const BlockingLock& worst = f.blocking.front();  // reads+writes first, then the longest held
  std::string more = f.blocking.size() > 1 ? fmt::format(" +{}", f.blocking.size() - 1) : "";
  return std::string("<span class=\"bad\">") + to_string(worst.blocks) + "</span> <code>" +
         esc(worst.relation) + "</code>" + more;
}

std::string overview_table(const std::vector<MigrationForecast>& forecast) {
  std::string rows;
  for (const MigrationForecast& f : forecast) {
    rows += row({std::to_string(f.version) + " <code>" + esc(f.name) + "</code>",
                 std::to_string(f.tenants), format_ms(f.p50_ms), format_ms(f.p95_ms),
                 format_ms(f.max_ms), std::to_string(f.attempts_max), blocks_cell(f)},
                {false, true, true, true, true, true, false});
  }
  return "<div class=\"scroll\"><table><tr><th>migration</th><th class=\"n\">tenants</th>"
         "<th class=\"n\">p50</th><th class=\"n\">p95</th><th class=\"n\">max</th>"
         "<th class=\"n\">attempts</th><th>blocks</th></tr>" +
         rows + "</table></div>";
}

std::string migration_block(const MigrationForecast& f) {
  std::string slowest;
  for (const SlowTenant& s : f.slowest) {
    slowest += std::string(slowest.empty() ? "" : ", ") + "<span class=\"id\">" + esc(s.tenant_id) +
               "</span> " + format_ms(s.duration_ms);
  }
  return fmt::format(
      "<div class=\"mig\"><h3>{} <code>{}</code></h3><div class=\"cols\"><div>{}</div>"
      "<div><p>slowest: {}</p></div></div>{}</div>",
      f.version, esc(f.name), histogram_svg(duration_histogram(f.durations_ms, kHistogramBins)),
      slowest, blocking_table(f));
}

std::string forecast_section(const RunRecord& r) {
  const std::vector<MigrationForecast> forecast = r.tally.forecast();
  if (forecast.empty()) {
    return "<section id=\"forecast\"><h2>Forecast per migration</h2><p class=\"muted\">No "
           "migration ran in this run.</p></section>";
  }
  std::string details;
  for (const MigrationForecast& f : forecast) details += migration_block(f);
  return "<section id=\"forecast\"><h2>Forecast per migration</h2>" + overview_table(forecast) +
         "</section><section id=\"histograms\"><h2>Durations and locks per migration</h2>" +
         details + "</section>";
}

std::string gates_section(const RunRecord& r) {
  const GateLimits& l = r.gate_limits;
  if (!l.max_lock_hold_ms && !l.max_duration_ms) return "";
  std::string limits;
  if (l.max_lock_hold_ms) limits += " --max-lock-hold " + format_ms(*l.max_lock_hold_ms);
  if (l.max_duration_ms) limits += " --max-duration " + format_ms(*l.max_duration_ms);
  if (r.gates.empty()) {
    return "<section id=\"gates\"><h2>Gates</h2><p class=\"ok\">passed:" + limits +
           "</p></section>";
  }
  std::string rows;
  for (std::size_t i = 0; i < r.gates.size() && i < kGateRowsShown; ++i) {
    const GateTrip& t = r.gates[i];
    rows += row({to_string(t.gate), std::to_string(t.version) + " " + esc(t.name),
                 "<span class=\"id\">" + esc(t.tenant_id) + "</span>",
                 "<code>" + esc(t.relation) + "</code> " + esc(t.mode), format_ms(t.ms)},
                {false, false, false, false, true});
  }
  const std::string more =
      r.gates.size() > kGateRowsShown
          ? fmt::format("<p class=\"muted\">and {} more</p>", r.gates.size() - kGateRowsShown)
          : "";
  return fmt::format(
      "<section id=\"gates\"><h2>Gates</h2><p class=\"bad\">{} trip(s):{}</p><div "
      "class=\"scroll\"><table><tr><th>gate</th><th>migration</th><th>tenant</th><th>lock</th>"
      "<th class=\"n\">ms</th></tr>{}</table></div>{}</section>",
      r.gates.size(), limits, rows, more);
}

std::string failure_group(const FailureGroup& g) {
  std::string ids;
  for (std::size_t i = 0; i < g.tenant_ids.size() && i < kIdsPerGroup; ++i) {
    ids += "<li class=\"id\">" + esc(g.tenant_ids[i]) + "</li>";
  }
  const long shown = static_cast<long>(std::min(g.tenant_ids.size(), kIdsPerGroup));
  if (g.tenants > shown)
    ids += fmt::format("<li class=\"muted\">and {} more</li>", g.tenants - shown);
  return fmt::format(
      "<div class=\"mig\"><h3><span class=\"bad\">{}</span> {}{} &#8212; {} "
      "tenant(s)</h3><ul class=\"ids\">{}</ul></div>",
      to_string(g.status), g.sqlstate.empty() ? "" : "<code>" + esc(g.sqlstate) + "</code> ",
      esc(g.message), g.tenants, ids);
}

std::string failures_section(const RunRecord& r) {
  const std::vector<FailureGroup> groups = r.tally.failure_groups();
  const long not_grouped = r.tally.failures_not_grouped();
  if (groups.empty() && not_grouped == 0) return "";
  std::string body;
  for (std::size_t i = 0; i < groups.size() && i < kGroupsShown; ++i)
    body += failure_group(groups[i]);
  if (groups.size() > kGroupsShown) {
    body += fmt::format("<p class=\"muted\">and {} more kinds of error</p>",
                        groups.size() - kGroupsShown);
  }
  if (not_grouped > 0) {
    body += fmt::format("<p class=\"muted\">and {} more tenant(s) with yet other errors</p>",
                        not_grouped);
  }
  return "<section id=\"failures\"><h2>Tenants not ok, by error</h2>" + body + "</section>";
}

std::string slowest_section(const RunRecord& r) {
  std::string rows;
  for (const FinishedTenant& t : r.tally.slowest(kSlowestShown)) {
    rows += row({"<span class=\"id\">" + esc(t.tenant_id) + "</span>", to_string(t.status),
                 std::to_string(t.migrations), format_ms(t.duration_ms)},
                {false, false, true, true});
  }
  if (rows.empty()) return "";
  return "<section id=\"slowest\"><h2>Slowest tenants</h2><div class=\"scroll\"><table><tr>"
         "<th>tenant</th><th>status</th><th class=\"n\">migrations</th><th class=\"n\">time</th>"
         "</tr>" +
         rows + "</table></div></section>";
}

}  // namespace

std::string render_report_html(const RunRecord& r) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>pgfleet " +
         esc(to_string(r.info.command)) + " " + esc(r.info.run_id) + "</title><style>" + kStyle +
         "</style></head><body><main>" + run_header(r) + tenants_section(r) + versions_section(r) +
         forecast_section(r) + gates_section(r) + failures_section(r) + slowest_section(r) +
         "<p class=\"muted\">pgfleet " PGFLEET_VERSION "</p></main></body></html>\n";
}

}  // namespace pgfleet
