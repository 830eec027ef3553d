#pragma once
// Every output of one fleet run, built and owned together (README.md, "Results"): progress on
// the terminal (console or JSON log) and, in the run directory, tenants.jsonl, summary.json,
// junit.xml, report.html, summary.md and, for apply, the rollback scripts.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "pgfleet/engine/command.hpp"
#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/engine/tenant.hpp"
#include "pgfleet/migrations/migration_set.hpp"
#include "pgfleet/results/console_reporter.hpp"
#include "pgfleet/results/junit_writer.hpp"
#include "pgfleet/results/redacting_reporter.hpp"
#include "pgfleet/results/resumed_outcome.hpp"
#include "pgfleet/results/rollback_writer.hpp"
#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/results/summary_writer.hpp"
#include "pgfleet/results/tenants_jsonl_writer.hpp"

namespace pgfleet {

// --log-format: human progress, or one JSON object per event.
enum class LogFormat { text, json };

// What the terminal shows while the run goes.
struct TerminalOutput {
  LogFormat format = LogFormat::text;
  ConsoleMode mode = ConsoleMode::plain;                        // text only
  Verbosity verbosity = Verbosity::normal;                      // text only
  ForecastTable forecast_table = ForecastTable::when_measured;  // text only
};

class RunOutputs {
 public:
  // The listeners of a `command` run over `tenants` (their schemas name the history table in
  // rollback scripts), writing into `dir` and to `terminal`. `migrations` and `terminal` must
  // outlive this. summary.md is also appended to `step_summary_path` ($GITHUB_STEP_SUMMARY)
  // unless it is empty. Throws ResultsError when tenants.jsonl cannot be opened.
  RunOutputs(const RunDirectory& dir, Command command, const MigrationSet& migrations,
             const std::vector<Tenant>& tenants, const TerminalOutput& output,
             std::ostream& terminal, const std::string& step_summary_path = "");

  RunOutputs(const RunOutputs&) = delete;
  RunOutputs& operator=(const RunOutputs&) = delete;

  // Forwards every event to each output: terminal, tenants.jsonl, rollback scripts, summary.json,
  // junit.xml, in that order.
  Reporter& reporter() { return redacting_ ? *redacting_ : static_cast<Reporter&>(front_); }
  // A resumed run (pgfleet resume), before run_started: the `standing` outcomes of tenants not
  // run again count in summary.json and junit.xml as if reported again; a tenant in `rerun` is
  // reported merged with its earlier outcome (resumed_outcome.hpp).
  void continue_run(const std::vector<TenantOutcome>& standing,
                    std::map<std::string, TenantOutcome> rerun);
  // One more listener, after the outputs (e.g. status's census).
  void add_listener(std::shared_ptr<Reporter> listener) { fanout_.add(std::move(listener)); }
  // Before the run (docs/PREFLIGHT.md "Placeholders"): rollback scripts hold each tenant's
  // rendered .down text, and every one of `secrets` is masked in every output.
  void use_tenant_migrations(MigrationsLookup migrations_of, std::vector<std::string> secrets);
  // The `neon` object of summary.json (project, branch id/name, deleted); before run_finished.
  void set_neon(nlohmann::json neon);
  // Before any tenant (and before continue_run): the gates (docs/PREFLIGHT.md, "Gates") each
  // tenant is checked against as it finishes; summary.json, report.html, summary.md and the
  // console list the trips.
  void set_gate_limits(const GateLimits& limits);
  // The gate trips so far (after the tenants ran: all of them).
  std::vector<GateTrip> gate_trips() const;
  // After run_finished: one message per result file that could not be written.
  std::vector<std::string> write_errors() const;

 private:
  ReporterFanout fanout_;
  EarlierOutcomeMerge front_{fanout_};
  std::shared_ptr<TenantsJsonlWriter> jsonl_;
  std::shared_ptr<RollbackWriter> rollback_;  // apply only
  std::shared_ptr<SummaryWriter> summary_;
  std::shared_ptr<JunitWriter> junit_;
  std::unique_ptr<RedactingReporter> redacting_;  // in front of front_ once secrets are given
};

}  // namespace pgfleet
