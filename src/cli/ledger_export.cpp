#include "ledger_export.hpp"

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ledger_worker.hpp"
#include "pgfleet/cli/cli.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/ledger/ledger_run.hpp"
#include "pgfleet/ledger/ledger_views.hpp"
#include "pgfleet/results/junit_writer.hpp"
#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/results/outcome_reading.hpp"
#include "pgfleet/results/summary_writer.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet::cli {
namespace {

using nlohmann::json;

std::vector<MigrationSummary> migrations_of(const ledger::LedgerRun& run) {
  std::vector<MigrationSummary> listed;
  const json migrations = json::parse(run.migrations_json, nullptr, false);
  for (const json& m : migrations.is_array() ? migrations : json::array()) {
    listed.push_back({m.value("version", Version{0}), m.value("name", std::string()),
                      m.value("checksum", std::string())});
  }
  return listed;
}

Command command_named(const std::string& name) {
  return name == "plan" ? Command::plan : Command::apply;
}

RunInfo run_info_of(const ledger::RunProgress& progress) {
  RunInfo info;
  info.run_id = progress.run_id;
  info.command = command_named(progress.command);
  if (progress.target) info.target = std::stoll(*progress.target);
  info.tenant_count = static_cast<std::size_t>(progress.tenant_count);
  info.started_at = util::parse_rfc3339(progress.started_at).value_or(info.started_at);
  return info;
}

RunDirectory open_or_create(const std::string& results_dir, const std::string& run_id) {
  try {
    if (std::filesystem::exists(results_dir + "/" + run_id)) {
      return RunDirectory::open(results_dir, run_id);
    }
    return RunDirectory::create(results_dir, run_id);
  } catch (const std::exception& e) {
    throw RunError(std::string("results directory: ") + e.what());
  }
}

// summary.json and junit.xml from the outcomes, as the run's own writers make them.
int write_summary_and_junit(const RunDirectory& dir, const ledger::LedgerRun& run,
                            const ledger::RunProgress& progress,
                            const std::vector<TenantOutcome>& outcomes) {
  SummaryWriter summary(
      SummaryFiles{dir.file("summary.json"), dir.file("report.html"), dir.file("summary.md"), ""},
      migrations_of(run));
  JunitWriter junit(dir.file("junit.xml"));
  const RunInfo info = run_info_of(progress);
  summary.run_started(info);
  junit.run_started(info);
  bool all_ok = outcomes.size() == info.tenant_count;
  for (const TenantOutcome& o : outcomes) {
    summary.tenant_finished(o);
    junit.tenant_finished(o);
    all_ok = all_ok && is_ok(o.status);
  }
  RunSummary done;
  done.exit_code = all_ok ? exit_ok : exit_tenant_failed;
  done.finished_at = progress.finished_at
                         ? util::parse_rfc3339(*progress.finished_at).value_or(done.finished_at)
                         : std::chrono::system_clock::now();
  done.stop_reason = progress.stop_reason.value_or("");
  summary.run_finished(done);
  junit.run_finished(done);
  for (const auto& error : {summary.write_error(), junit.write_error()}) {
    if (error) throw RunError("results: " + *error);
  }
  return done.exit_code;
}

}  // namespace

std::vector<TenantOutcome> export_ledger_run(ledger::Ledger& ledger, const std::string& run_id,
                                             const RunDirectory& dir) {
  std::string lines;
  std::vector<TenantOutcome> outcomes;
  for (const ledger::LedgerTenantResult& t : ledger::tenant_results(ledger, run_id)) {
    lines += t.result_line + "\n";
    if (!t.rollback_script.empty()) {
      write_file_atomically(dir.rollback_file(t.tenant_id), t.rollback_script,
                            Durability::rename_only);
    }
    if (auto outcome = outcome_from_json_line(t.result_line)) {
      outcomes.push_back(std::move(*outcome));
    } else {
      std::cerr << "pgfleet: warning: the ledger's line of tenant " << printable_line(t.tenant_id)
                << " cannot be read back; left out of the summary\n";
    }
  }
  write_file_atomically(dir.file("tenants.jsonl"), lines);
  return outcomes;
}

int report_from_ledger(const Options& o) {
  const auto ledger = open_ledger(o);
  try {
    const auto run = ledger::find_run(*ledger, o.run_id);
    const auto progress = ledger::run_progress(*ledger, o.run_id);
    if (!run || !progress) throw UsageError("report: no run " + o.run_id + " in the ledger");
    const RunDirectory dir = open_or_create(o.results_dir, o.run_id);
    const std::vector<TenantOutcome> outcomes = export_ledger_run(*ledger, o.run_id, dir);
    const int code = write_summary_and_junit(dir, *run, *progress, outcomes);
    std::cerr << "pgfleet: report of run " << o.run_id << " (" << outcomes.size() << " of "
              << progress->tenant_count << " tenants) written to " << dir.path() << "\n";
    return code;
  } catch (const ledger::LedgerError& e) {
    throw RunError(std::string("ledger: ") + e.what());
  } catch (const ResultsError& e) {
    throw RunError(std::string("results directory: ") + e.what());
  }
}

}  // namespace pgfleet::cli
