// `lint --fleet`: findings graded by what the fleet has — the size of the largest copy of the
// table a lock finding is about, version notes, and the lock hold a previous run measured
// (docs/LINT.md, "Linting against the fleet").
#include "pgfleet/migrations/lint_fleet.hpp"

#include <cmath>

#include "lint_context.hpp"

namespace pgfleet {

std::optional<int> LintFleet::lowest_version() const {
  if (server_versions.empty()) return std::nullopt;
  return server_versions.begin()->first;
}

bool LintFleet::runs_version_in(int from, int to) const {
  const auto it = server_versions.lower_bound(from);
  return it != server_versions.end() && it->first < to;
}

std::string server_version_text(int num) {
  if (num >= 100000) return std::to_string(num / 10000) + "." + std::to_string(num % 10000);
  return std::to_string(num / 10000) + "." + std::to_string(num / 100 % 100) + "." +
         std::to_string(num % 100);
}

namespace lint_detail {
namespace {

std::string bytes_text(long long bytes) {
  const char* units[] = {"bytes", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  return std::to_string(std::llround(value)) + " " + units[unit];
}

std::string rows_text(double rows) { return "~" + std::to_string(std::llround(rows)) + " rows"; }

// "public.accounts" and "accounts" name the same table for a migration that runs with its
// search_path; the catalog spelling of the last part is compared.
bool same_relation(const std::string& measured, const std::string& table) {
  std::string last =
      measured.substr(measured.rfind('.') == std::string::npos ? 0 : measured.rfind('.') + 1);
  if (last.size() >= 2 && last.front() == '"') last = last.substr(1, last.size() - 2);
  return last == table;
}

void quote_measured_lock(LintFinding& f, const LintFleet& fleet) {
  for (const MeasuredLock& lock : fleet.measured) {
    if (lock.version != f.version || !same_relation(lock.relation, f.table)) continue;
    f.message += "; run " + lock.run_id + " measured " + lock.mode + " on " + lock.relation +
                 " held up to " + std::to_string(lock.max_ms) + " ms (blocking " + lock.blocks +
                 ", " + std::to_string(lock.tenants) + " tenant(s))";
    return;
  }
}

// CONCURRENTLY has no counterpart on servers older than the rule's safe way needs.
void add_version_notes(LintFinding& f, const LintFleet& fleet) {
  const std::optional<int> lowest = fleet.lowest_version();
  if (!lowest) return;
  const int needs = f.rule == "reindex-not-concurrently"            ? 120000
                    : f.rule == "detach-partition-not-concurrently" ? 140000
                                                                    : 0;
  if (*lowest >= needs) return;
  f.message += "; the fleet's lowest version is PostgreSQL " + server_version_text(*lowest) +
               " (tenant " + fleet.server_versions.begin()->second.example_tenant +
               "), where CONCURRENTLY is not available: upgrade first or plan a window";
}

void grade_by_size(LintFinding& f, const LintFleet& fleet) {
  const auto found = fleet.largest.find(f.table);
  if (found == fleet.largest.end()) return;  // on no tenant read: left as the text rule says
  const RelationSize& size = found->second;
  const std::string where = "on tenant " + size.tenant_id;
  const std::string table =
      size.table == f.table ? f.table : size.table + " (the table of " + f.table + ")";
  if (size.rows < 0) {
    f.message += "; " + table + " was never analyzed " + where + " (" + bytes_text(size.bytes) +
                 "): its row count is unknown";
  } else if (size.rows < static_cast<double>(fleet.big_table_rows)) {
    f.severity = LintSeverity::info;
    f.message += "; small table: the largest copy of " + table + " has " + rows_text(size.rows) +
                 " (" + bytes_text(size.bytes) + ", " + where + "), under --big-table " +
                 std::to_string(fleet.big_table_rows);
  } else {
    if (f.severity == LintSeverity::info) f.severity = LintSeverity::warning;
    f.message = table + " has " + rows_text(size.rows) + " (" + bytes_text(size.bytes) + ") " +
                where + ", over --big-table " + std::to_string(fleet.big_table_rows) + ": " +
                f.message;
  }
}

}  // namespace

void grade_for_fleet(LintFinding& f, const LintFleet& fleet) {
  const LintRule* rule = find_lint_rule(f.rule);
  if (!rule) return;
  add_version_notes(f, fleet);
  if (rule->graded != GradedBy::table_size || f.table.empty()) return;
  grade_by_size(f, fleet);
  quote_measured_lock(f, fleet);
}

}  // namespace lint_detail
}  // namespace pgfleet
