#include "pgfleet/results/run_outputs.hpp"

#include <map>
#include <optional>

#include "pgfleet/results/json_log_reporter.hpp"

namespace pgfleet {
namespace {

std::shared_ptr<Reporter> terminal_reporter(const TerminalOutput& output, std::ostream& terminal,
                                            const std::string& results_path,
                                            std::shared_ptr<SummaryWriter> summary) {
  if (output.format == LogFormat::json) return std::make_shared<JsonLogReporter>(terminal);
  ConsoleOptions options{output.mode, output.verbosity, results_path, output.forecast_table,
                         [summary] { return summary->measures(); }};
  return std::make_shared<ConsoleReporter>(terminal, std::move(options));
}

SummaryFiles summary_files(const RunDirectory& dir, const std::string& step_summary_path) {
  return SummaryFiles{dir.file("summary.json"), dir.file("report.html"), dir.file("summary.md"),
                      step_summary_path};
}

// Each tenant's schema, looked up from worker threads (a copy: the caller's list may change).
SchemaLookup schemas_of(const std::vector<Tenant>& tenants) {
  auto schemas = std::make_shared<std::map<std::string, std::optional<std::string>>>();
  for (const Tenant& t : tenants) (*schemas)[t.id] = t.schema;
  return [schemas](const std::string& id) {
    const auto it = schemas->find(id);
    return it == schemas->end() ? std::nullopt : it->second;
  };
}

}  // namespace

RunOutputs::RunOutputs(const RunDirectory& dir, Command command, const MigrationSet& migrations,
                       const std::vector<Tenant>& tenants, const TerminalOutput& output,
                       std::ostream& terminal, const std::string& step_summary_path)
    : jsonl_(std::make_shared<TenantsJsonlWriter>(dir.file("tenants.jsonl"))),
      summary_(std::make_shared<SummaryWriter>(summary_files(dir, step_summary_path),
                                               migration_summaries(migrations))),
      junit_(std::make_shared<JunitWriter>(dir.file("junit.xml"), command)) {
  fanout_.add(terminal_reporter(output, terminal, dir.path(), summary_));
  fanout_.add(jsonl_);
  if (command == Command::apply) {
    rollback_ =
        std::make_shared<RollbackWriter>(dir.rollback_dir(), migrations, schemas_of(tenants));
    fanout_.add(rollback_);
  }
  fanout_.add(summary_);
  fanout_.add(junit_);
}

void RunOutputs::continue_run(const std::vector<TenantOutcome>& standing,
                              std::map<std::string, TenantOutcome> rerun) {
  for (const TenantOutcome& outcome : standing) {
    summary_->carry_over(outcome);
    junit_->tenant_finished(outcome);
  }
  front_.set_earlier(std::move(rerun));
}

void RunOutputs::use_tenant_migrations(MigrationsLookup migrations_of,
                                       std::vector<std::string> secrets) {
  if (rollback_) rollback_->use_tenant_migrations(std::move(migrations_of), secrets);
  if (!secrets.empty()) redacting_ = std::make_unique<RedactingReporter>(front_, secrets);
}

void RunOutputs::set_neon(nlohmann::json neon) { summary_->set_neon(std::move(neon)); }

void RunOutputs::set_gate_limits(const GateLimits& limits) { summary_->set_gate_limits(limits); }

std::vector<GateTrip> RunOutputs::gate_trips() const { return summary_->gate_trips(); }

std::vector<std::string> RunOutputs::write_errors() const {
  std::vector<std::string> errors;
  for (const auto& error : {jsonl_->write_error(), summary_->write_error(), junit_->write_error(),
                            rollback_ ? rollback_->write_error() : std::nullopt}) {
    if (error) errors.push_back(*error);
  }
  return errors;
}

}  // namespace pgfleet
