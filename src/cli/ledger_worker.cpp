#include "ledger_worker.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "pgfleet/cli/cli.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/recorded_options.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/engine/earlier_attempts.hpp"
#include "pgfleet/fleet/run_id.hpp"
#include "pgfleet/fleet/stop_control.hpp"
#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/results/outcome_reading.hpp"
#include "pgfleet/results/rollback_script.hpp"
#include "pgfleet/util/duration.hpp"

namespace pgfleet::cli {
namespace {

using nlohmann::json;

// Tenants claimed at once: half the worker threads, so that a claim serves several tenants while
// a worker holds few that others could run, and a dead worker's lease holds few.
int batch_size(const Options& o) { return std::max(1, (o.concurrency + 1) / 2); }

std::string worker_name() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid());
}

std::chrono::milliseconds lease_period(const Options& o) {
  try {
    return util::parse_duration(o.lease);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--lease: ") + e.what());
  }
}

std::string ledger_url(const Options& o) {
  if (o.ledger != "control-plane") return o.ledger;
  if (o.control_plane.empty()) {
    throw UsageError("--ledger control-plane needs --control-plane URL (or PGFLEET_CONTROL_PLANE)");
  }
  return o.control_plane;
}

json selection_json(const Options& o) {
  return json{{"source", tenant_source_kind(o)},
              {"tenants", o.tenants_file},
              {"only", o.only},
              {"exclude", o.exclude},
              {"shard", o.shard}};
}

}  // namespace

// Hands the ledger each finished tenant's tenants.jsonl line and rollback script (the ledger
// itself knows nothing of result formats). Runs on worker threads and never throws: a failed
// query stops the worker from claiming more (exit 3).
class LedgerWorker::Recorder : public Reporter {
 public:
  Recorder(ledger::LedgerQueue& queue, ledger::LedgerFeed& feed, std::string run_id,
           Command command, const MigrationSet& migrations, const std::vector<Tenant>& tenants)
      : queue_(queue),
        feed_(feed),
        run_id_(std::move(run_id)),
        command_(command),
        migrations_(migrations) {
    for (const Tenant& t : tenants) schemas_[t.id] = t.schema;
  }

  void tenant_finished(const TenantOutcome& finished) override {
    try {
      // A rerun within the run keeps what an earlier attempt applied, as a local resume does
      // (docs/LEDGER.md, "Resume").
      TenantOutcome outcome = finished;
      if (const auto earlier = outcome_from_json_line(feed_.take_earlier_line(finished.tenant_id)))
        outcome = merge_with_earlier(*earlier, finished);
      ledger::FinishedTenant done;
      done.tenant_id = outcome.tenant_id;
      done.status = to_string(outcome.status);
      done.result_line = dump_json_line(outcome_to_json(outcome));
      if (command_ == Command::apply && !outcome.migrations.empty()) {
        const auto schema = schemas_.find(outcome.tenant_id);
        done.rollback_script = format_rollback_script(
            outcome, migrations_, schema == schemas_.end() ? std::nullopt : schema->second, run_id_,
            std::chrono::system_clock::now());
      }
      queue_.finish(done);
    } catch (const std::exception& e) {
      feed_.fail(e.what());
    }
  }

 private:
  ledger::LedgerQueue& queue_;
  ledger::LedgerFeed& feed_;
  std::string run_id_;
  Command command_;
  const MigrationSet& migrations_;
  std::map<std::string, std::optional<std::string>> schemas_;
};

void check_ledger_flags(const Options& o) {
  if (!o.run_id.empty()) {
    try {
      validate_run_id(o.run_id);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--run-id: ") + e.what());
    }
  }
  if (lease_period(o).count() <= 0) throw UsageError("--lease: must be more than 0");
  if (o.ledger.empty()) return;
  ledger_url(o);
  if (o.neon_branch) {
    throw UsageError("--neon-branch and --ledger do not go together: a preflight is one process");
  }
}

std::unique_ptr<ledger::Ledger> open_ledger(const Options& o) {
  try {
    return ledger::Ledger::open(ledger_url(o));
  } catch (const ledger::LedgerError& e) {
    throw RunError(std::string("ledger: ") + e.what());
  }
}

ledger::LedgerRun ledger_run_of(const Options& o, const std::string& run_id, Command command,
                                const MigrationSet& migrations) {
  ledger::LedgerRun run;
  run.run_id = run_id;
  run.command = to_string(command);
  if (!o.target.empty()) run.target = parse_version(o.target, "target");
  json listed = json::array();
  for (const Migration& m : migrations.all()) {
    listed.push_back(json{{"version", m.version}, {"name", m.name}, {"checksum", m.checksum}});
  }
  run.migrations_json = listed.dump();
  run.selection_json = selection_json(o).dump(-1, ' ', false, json::error_handler_t::replace);
  run.options_json = recorded_options(o).dump(-1, ' ', false, json::error_handler_t::replace);
  run.canary = o.canary;
  return run;
}

ledger::Registration join_run(ledger::Ledger& ledger, const ledger::LedgerRun& run,
                              const std::vector<Tenant>& tenants) {
  std::vector<std::string> ids;
  ids.reserve(tenants.size());
  for (const Tenant& t : tenants) ids.push_back(t.id);
  try {
    return ledger::register_or_join(ledger, run, ids);
  } catch (const ledger::LedgerMismatch& e) {
    throw UsageError(std::string("--run-id: ") + e.what());
  } catch (const ledger::LedgerError& e) {
    throw RunError(std::string("ledger: ") + e.what());
  }
}

void apply_run_options(const ledger::LedgerRun& run, Options& o) {
  // The same record as a local run's run.json options (recorded_options.hpp).
  const json options = json::parse(run.options_json, nullptr, false);
  if (options.is_object()) o = with_recorded_options(o, options);
  o.target = run.target ? std::to_string(*run.target) : "";
  o.canary = 0;  // the canaries of a resumed run have run
}

LedgerWorker::LedgerWorker(const Options& o, const std::string& run_id, Command command,
                           const MigrationSet& migrations, const std::vector<Tenant>& tenants)
    : run_id_(run_id), ledger_(open_ledger(o)) {
  join_run(*ledger_, ledger_run_of(o, run_id, command, migrations), tenants);
  const FailurePolicy policy = failure_policy(o);
  const auto counting = policy.max_failures || policy.max_failure_rate
                            ? ledger::FailureCounting::run_wide
                            : ledger::FailureCounting::off;
  queue_ = std::make_unique<ledger::LedgerQueue>(*ledger_, run_id, worker_name(), lease_period(o),
                                                 counting);
  feed_ = std::make_unique<ledger::LedgerFeed>(*queue_, tenants, tenants.size(), batch_size(o),
                                               StopControl::process().stop_flag());
  recorder_ = std::make_shared<Recorder>(*queue_, *feed_, run_id, command, migrations, tenants);
}

LedgerWorker::~LedgerWorker() = default;

Reporter& LedgerWorker::reporter(Reporter& outputs) {
  fanout_.add(std::shared_ptr<Reporter>(&outputs, [](Reporter*) {}));  // not owned
  fanout_.add(recorder_);
  return fanout_;
}

int LedgerWorker::finish(const FleetResult& result, int exit_code, const Options& o) {
  feed_->stop_renewing();
  try {
    queue_->close();
  } catch (const std::exception& e) {
    feed_->fail(e.what());
  }
  const ledger::LedgerCost cost = ledger_->cost();
  if (!o.quiet) {
    std::cerr << fmt::format(
        "pgfleet: ledger: run {}: this worker ran {} tenant(s) with {} ledger queries in {:.1f} "
        "ms\n",
        run_id_, result.statuses.size(), cost.queries, cost.time.count() / 1000.0);
  }
  if (const auto error = feed_->error()) {
    std::cerr << "pgfleet: ledger: " << *error << "; no tenant was claimed after that\n";
    if (!result.interrupted) return exit_run_error;
  }
  const std::string stopped = queue_->stop_reason();
  if (!stopped.empty() && !result.interrupted) {
    std::cerr << "pgfleet: ledger: run " << run_id_ << " was stopped: " << stopped << "\n";
    if (exit_code == exit_ok) return exit_tenant_failed;
  }
  return exit_code;
}

}  // namespace pgfleet::cli
