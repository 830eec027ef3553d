#include "pgfleet/ledger/ledger_views.hpp"

namespace pgfleet::ledger {
namespace {

long number(const std::optional<std::string>& value) { return value ? std::stol(*value) : 0; }

// The run row; false when there is none.
bool read_run_row(Ledger& ledger, const std::string& run, RunProgress& progress) {
  const QueryResult found = ledger.query(
      "SELECT command, target::text, to_char(started_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), to_char(finished_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), stop_reason, tenant_count, "
      "extract(epoch FROM coalesce(finished_at, now()) - started_at) "
      "FROM pgfleet_ledger.runs WHERE run_id = " +
      run);
  if (found.rows.empty()) return false;
  const auto& row = found.rows[0];
  progress.command = row[0].value_or("");
  progress.target = row[1];
  progress.started_at = row[2].value_or("");
  progress.finished_at = row[3];
  progress.stop_reason = row[4];
  progress.tenant_count = number(row[5]);
  progress.elapsed_seconds = std::stod(row[6].value_or("0"));
  return true;
}

void read_statuses(Ledger& ledger, const std::string& run, RunProgress& progress) {
  const QueryResult counts = ledger.query(
      "SELECT CASE WHEN state = 'done' THEN status ELSE state END, count(*), "
      "count(*) FILTER (WHERE state = 'done' AND finished_at > now() - interval '60 seconds') "
      "FROM pgfleet_ledger.tenants WHERE run_id = " +
      run + " GROUP BY 1 ORDER BY 1");
  for (const auto& row : counts.rows) {
    const std::string status = row[0].value_or("");
    progress.per_status[status] = number(row[1]);
    if (status != "queued" && status != "running") {
      progress.done += number(row[1]);
      progress.done_last_minute += number(row[2]);
    }
  }
}

void read_workers(Ledger& ledger, const std::string& run, RunProgress& progress) {
  const QueryResult workers = ledger.query(
      "SELECT worker, count(*) FILTER (WHERE state = 'running'), "
      "count(*) FILTER (WHERE state = 'done'), "
      "count(*) FILTER (WHERE state = 'running' AND lease_until < now()) "
      "FROM pgfleet_ledger.tenants WHERE run_id = " +
      run + " AND worker IS NOT NULL GROUP BY worker ORDER BY worker");
  for (const auto& row : workers.rows) {
    progress.workers.push_back(
        {row[0].value_or(""), number(row[1]), number(row[2]), number(row[3])});
  }
}

}  // namespace

std::optional<RunProgress> run_progress(Ledger& ledger, const std::string& run_id) {
  RunProgress progress;
  progress.run_id = run_id;
  const std::string run = ledger.quote(run_id);
  if (!read_run_row(ledger, run, progress)) return std::nullopt;
  read_statuses(ledger, run, progress);
  read_workers(ledger, run, progress);
  return progress;
}

std::vector<LedgerTenantResult> tenant_results(Ledger& ledger, const std::string& run_id) {
  const QueryResult rows = ledger.query(
      "SELECT tenant_id, result_line, rollback_script FROM pgfleet_ledger.tenants WHERE run_id "
      "= " +
      ledger.quote(run_id) + " AND result_line IS NOT NULL ORDER BY ordinal");
  std::vector<LedgerTenantResult> results;
  results.reserve(rows.rows.size());
  for (const auto& row : rows.rows) {
    results.push_back({row[0].value_or(""), row[1].value_or(""), row[2].value_or("")});
  }
  return results;
}

long requeue_unfinished(Ledger& ledger, const std::string& run_id, RetryFailed retry) {
  const std::string run = ledger.quote(run_id);
  const std::string statuses = retry == RetryFailed::yes
                                   ? "('skipped', 'cancelled', 'failed', 'unreachable')"
                                   : "('skipped', 'cancelled')";
  const QueryResult queued = ledger.query(
      "UPDATE pgfleet_ledger.tenants SET state = 'queued', worker = NULL, lease_until = NULL "
      "WHERE run_id = " +
      run + " AND ((state = 'done' AND status IN " + statuses +
      ") OR (state = 'running' AND lease_until < now())); "
      "UPDATE pgfleet_ledger.runs SET stop_reason = NULL, finished_at = NULL, canary_passed = "
      "true, finished_count = 0, failed_count = 0 WHERE run_id = " +
      run + "; SELECT count(*) FROM pgfleet_ledger.tenants WHERE run_id = " + run +
      " AND state <> 'done'");
  return number(first_value(queued));
}

}  // namespace pgfleet::ledger
