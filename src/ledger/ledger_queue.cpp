#include "pgfleet/ledger/ledger_queue.hpp"

#include <algorithm>

namespace pgfleet::ledger {
namespace {

std::string lease_sql(std::chrono::milliseconds lease) {
  return "now() + interval '" + std::to_string(lease.count()) + " milliseconds'";
}

// The statuses ok_statuses_sql() lists.
bool is_ok_status(const std::string& status) {
  return status == "applied" || status == "up_to_date" || status == "pending";
}

}  // namespace

const char* ok_statuses_sql() { return "('applied', 'up_to_date', 'pending')"; }

LedgerQueue::LedgerQueue(Ledger& ledger, std::string run_id, std::string worker,
                         std::chrono::milliseconds lease, FailureCounting counting)
    : ledger_(ledger),
      run_id_(std::move(run_id)),
      worker_(std::move(worker)),
      lease_(lease),
      counting_(counting) {}

std::string LedgerQueue::run_literal() const { return ledger_.quote(run_id_); }

Claim LedgerQueue::claim(int count) {
  const std::string run = run_literal();
  const QueryResult claimed = ledger_.query(
      "WITH run AS (SELECT canary, canary_passed FROM pgfleet_ledger.runs WHERE run_id = " + run +
      " AND stop_reason IS NULL), picked AS (SELECT t.tenant_id FROM pgfleet_ledger.tenants t, "
      "run WHERE t.run_id = " +
      run +
      " AND (t.state = 'queued' OR (t.state = 'running' AND t.lease_until < now())) AND "
      "(run.canary_passed OR t.ordinal < run.canary) ORDER BY t.ordinal LIMIT " +
      std::to_string(std::max(1, count)) +
      " FOR UPDATE OF t SKIP LOCKED) UPDATE pgfleet_ledger.tenants t SET state = 'running', "
      "worker = " +
      ledger_.quote(worker_) + ", lease_until = " + lease_sql(lease_) +
      ", attempts = t.attempts + 1, started_at = now() FROM picked, run WHERE t.run_id = " + run +
      " AND t.tenant_id = picked.tenant_id RETURNING t.tenant_id, t.ordinal, "
      "NOT run.canary_passed, t.result_line");
  Claim claim;
  for (const auto& row : claimed.rows) {
    claim.tenants.push_back(
        {row[0].value_or(""), std::stol(row[1].value_or("0")), row[3].value_or("")});
    claim.canary = row[2].value_or("f") == "t";
  }
  std::sort(claim.tenants.begin(), claim.tenants.end(),
            [](const ClaimedTenant& a, const ClaimedTenant& b) { return a.ordinal < b.ordinal; });
  return claim;
}

QueueState LedgerQueue::look() {
  const std::string run = run_literal();
  const QueryResult seen = ledger_.query(
      "SELECT r.stop_reason, r.canary_passed, "
      "count(t.*) FILTER (WHERE t.state <> 'done' AND t.worker IS DISTINCT FROM " +
      ledger_.quote(worker_) +
      std::string("), "
                  "count(t.*) FILTER (WHERE t.state <> 'done' AND t.ordinal < r.canary), "
                  "count(t.*) FILTER (WHERE t.state = 'done' AND t.ordinal < r.canary AND "
                  "t.status NOT IN ") +
      ok_statuses_sql() +
      "), count(t.*) FILTER (WHERE (t.state = 'queued' OR t.lease_until < now()) AND "
      "(r.canary_passed OR t.ordinal < r.canary)) "
      "FROM pgfleet_ledger.runs r LEFT JOIN pgfleet_ledger.tenants t USING (run_id) "
      "WHERE r.run_id = " +
      run + " GROUP BY r.run_id, r.stop_reason, r.canary_passed");
  if (seen.rows.empty()) throw LedgerError("run " + run_id_ + " is not in the ledger");
  const auto& row = seen.rows[0];
  if (row[0]) {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_reason_ = *row[0];
    return QueueState::finished;
  }
  // Only this worker's own tenants are open: its workers finish them, nothing to wait for.
  if (row[2].value_or("0") == "0") return QueueState::finished;
  if (row[1].value_or("f") != "t" && row[3].value_or("0") == "0") {
    if (row[4].value_or("0") != "0") {
      stop("canary failed");
      return QueueState::finished;
    }
    ledger_.query("UPDATE pgfleet_ledger.runs SET canary_passed = true WHERE run_id = " + run);
    return QueueState::claimable;
  }
  return row[5].value_or("0") != "0" ? QueueState::claimable : QueueState::waiting;
}

void LedgerQueue::finish(const FinishedTenant& tenant) {
  const std::string run = run_literal();
  const std::string status = ledger_.quote(tenant.status);
  const std::string update_tenant =
      "UPDATE pgfleet_ledger.tenants SET state = CASE WHEN " + status +
      " = 'cancelled' THEN 'queued' ELSE 'done' END, status = " + status +
      ", result_line = " + ledger_.quote(tenant.result_line) + ", rollback_script = " +
      (tenant.rollback_script.empty() ? std::string("NULL")
                                      : ledger_.quote(tenant.rollback_script)) +
      ", finished_at = now(), lease_until = NULL, worker = " + ledger_.quote(worker_) +
      " WHERE run_id = " + run + " AND tenant_id = " + ledger_.quote(tenant.tenant_id) +
      " AND (worker = " + ledger_.quote(worker_) + " OR state <> 'done')";
  if (counting_ == FailureCounting::off) {
    ledger_.query(update_tenant);
    return;
  }
  const bool counted = tenant.status != "skipped" && tenant.status != "cancelled";
  const bool failed = counted && !is_ok_status(tenant.status);
  keep_run_state(ledger_.query(
      "WITH done AS (" + update_tenant +
      " RETURNING 1) UPDATE pgfleet_ledger.runs SET finished_count = finished_count + (SELECT "
      "count(*) FROM done) * " +
      (counted ? "1" : "0") + ", failed_count = failed_count + (SELECT count(*) FROM done) * " +
      (failed ? "1" : "0") + " WHERE run_id = " + run +
      " RETURNING finished_count, failed_count, stop_reason"));
}

void LedgerQueue::renew() {
  const std::string run = run_literal();
  keep_run_state(
      ledger_.query("UPDATE pgfleet_ledger.tenants SET lease_until = " + lease_sql(lease_) +
                    " WHERE run_id = " + run + " AND worker = " + ledger_.quote(worker_) +
                    " AND state = 'running'; SELECT finished_count, failed_count, stop_reason FROM "
                    "pgfleet_ledger.runs WHERE run_id = " +
                    run));
}

void LedgerQueue::stop(const std::string& reason) {
  ledger_.query("UPDATE pgfleet_ledger.runs SET stop_reason = coalesce(stop_reason, " +
                ledger_.quote(reason) + ") WHERE run_id = " + run_literal());
  std::lock_guard<std::mutex> lock(mutex_);
  if (stop_reason_.empty()) stop_reason_ = reason;
}

void LedgerQueue::close() {
  const std::string run = run_literal();
  ledger_.query(
      "UPDATE pgfleet_ledger.runs r SET finished_at = now() WHERE r.run_id = " + run +
      " AND r.finished_at IS NULL AND NOT EXISTS (SELECT 1 FROM pgfleet_ledger.tenants t WHERE "
      "t.run_id = r.run_id AND (t.state = 'running' OR (t.state = 'queued' AND r.stop_reason IS "
      "NULL)))");
}

void LedgerQueue::keep_run_state(const QueryResult& result) {
  if (result.rows.empty()) return;
  const auto& row = result.rows[0];
  std::lock_guard<std::mutex> lock(mutex_);
  finished_ = std::stol(row[0].value_or("0"));
  failed_ = std::stol(row[1].value_or("0"));
  if (row[2] && stop_reason_.empty()) stop_reason_ = *row[2];
}

std::pair<long, long> LedgerQueue::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {finished_, failed_};
}

std::string LedgerQueue::stop_reason() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stop_reason_;
}

}  // namespace pgfleet::ledger
