// pgfleet rollback --run RUN_ID | --target V.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "ledger_worker.hpp"
#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/fleet_command.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/ledger/ledger_run.hpp"
#include "pgfleet/ledger/ledger_views.hpp"
#include "pgfleet/results/rollback_script.hpp"
#include "pgfleet/results/run_directory.hpp"

namespace pgfleet::cli {
namespace {

// How one tenant that an earlier run changed is rolled back: the run's script for it, and the
// versions that run moved it between.
struct TenantRollback {
  Version expected_top = 0;  // the tenant's version when that run finished
  Version back_to = 0;       // its version before that run
  RollbackScript script;     // rollback/<tenant>.sql
  std::string refusal;       // non-empty: the script must not be run (damaged, a .down missing)
};

// Empty when every .down the script was made from is still, word for word, in the script.
std::string changed_down_file(const MigrationSet& migrations, const TenantRollback& rollback) {
  for (const Migration& m : migrations.all()) {
    if (m.version <= rollback.back_to || m.version > rollback.expected_top) continue;
    if (!m.down || rollback.script.text.find(m.down->sql) == std::string::npos) {
      return fmt::format(
          "the .down of version {} changed since the run; review the rollback "
          "script and run it by hand",
          m.version);
    }
  }
  return {};
}

// A run made on a Neon preflight branch: its scripts undo what was done to the branch, and run on
// production tenants they would undo what production never had (README.md, "Rollback").
void refuse_preflight_run(const RunDirectory& dir) {
  std::ifstream in(dir.file("summary.json"));
  nlohmann::json summary = nlohmann::json::parse(in, nullptr, false);
  if (!in || summary.is_discarded() || !summary.is_object()) {
    throw UsageError("--run: " + dir.file("summary.json") +
                     " is missing or unreadable: cannot tell whether run " + dir.run_id() +
                     " was a Neon preflight; roll back with --target instead");
  }
  if (summary.contains("neon") && !summary["neon"].is_null()) {
    throw UsageError("--run: run " + dir.run_id() +
                     " was a Neon preflight: its rollback scripts belong to its branch, not to "
                     "production; nothing was rolled back");
  }
}

// The rollback of one tenants.jsonl record that lists applied migrations, with its script
// (`where` names the script's home in messages).
TenantRollback checked_rollback(const nlohmann::json& record, RollbackScript script,
                                const std::string& where, const MigrationSet& set) {
  const std::string id = record.value("tenant_id", "");
  TenantRollback rollback;
  rollback.expected_top = record["to_version"].get<Version>();
  if (record.contains("from_version") && record["from_version"].is_number_integer()) {
    rollback.back_to = record["from_version"].get<Version>();
  }
  rollback.script = std::move(script);
  rollback.refusal = why_not_runnable(rollback.script, set);
  if (rollback.refusal.empty() && !is_script_of(rollback.script, id)) {
    rollback.refusal = "rollback script " + where + " is another tenant's";
  }
  if (rollback.refusal.empty() && rollback.script.steps == RollbackSteps::one_at_a_time) {
    rollback.refusal = changed_down_file(set, rollback);
  }
  return rollback;
}

TenantRollback rollback_of(const nlohmann::json& record, const RunDirectory& dir,
                           const MigrationSet& set) {
  const std::string path = dir.rollback_file(record.value("tenant_id", ""));
  try {
    return checked_rollback(record, read_rollback_script(path), path, set);
  } catch (const ResultsError& e) {
    TenantRollback missing;
    missing.refusal = std::string("rollback script missing: ") + e.what();
    return missing;
  }
}

// Whether a record says the run applied migrations to its tenant (and so has a script).
bool changed_its_tenant(const nlohmann::json& record) {
  const auto& migrations = record.value("migrations", nlohmann::json::array());
  return migrations.is_array() && !migrations.empty() && record.contains("to_version") &&
         record["to_version"].is_number_integer() && record.value("tenant_id", "") != "";
}

std::map<std::string, TenantRollback> load_run(const Options& o, const MigrationSet& set) {
  std::optional<RunDirectory> dir;
  try {
    dir = RunDirectory::open(o.results_dir, o.rollback_run);
  } catch (const std::exception& e) {
    throw UsageError(std::string("--run: ") + e.what());
  }
  refuse_preflight_run(*dir);
  std::ifstream lines(dir->file("tenants.jsonl"));
  if (!lines) throw UsageError("--run: " + dir->file("tenants.jsonl") + " is missing");
  std::map<std::string, TenantRollback> rollbacks;
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (line.empty()) continue;
    const nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    // A line cut short (the run was killed mid-write) or damaged names its tenant unreliably:
    // reported and skipped, the other tenants go on (README.md, "Rollback").
    if (record.is_discarded() || !record.is_object()) {
      std::cerr << fmt::format("pgfleet: warning: {}:{}: not a JSON line; skipped\n",
                               dir->file("tenants.jsonl"), number);
      continue;
    }
    if (changed_its_tenant(record)) {
      rollbacks[record.value("tenant_id", "")] = rollback_of(record, *dir, set);
    }
  }
  return rollbacks;
}

// The same from the ledger's lines and scripts (docs/LEDGER.md): a run shared by workers.
std::map<std::string, TenantRollback> load_run_from_ledger(const Options& o,
                                                           const MigrationSet& set) {
  const auto ledger = open_ledger(o);
  std::vector<ledger::LedgerTenantResult> results;
  try {
    if (!ledger::find_run(*ledger, o.rollback_run)) {
      throw UsageError("--run: no run " + o.rollback_run + " in the ledger");
    }
    results = ledger::tenant_results(*ledger, o.rollback_run);
  } catch (const ledger::LedgerError& e) {
    throw RunError(std::string("ledger: ") + e.what());
  }
  std::map<std::string, TenantRollback> rollbacks;
  for (const auto& result : results) {
    const nlohmann::json record = nlohmann::json::parse(result.result_line, nullptr, false);
    if (record.is_discarded() || !record.is_object() || !changed_its_tenant(record)) continue;
    TenantRollback& rollback = rollbacks[result.tenant_id];
    if (result.rollback_script.empty()) {
      rollback.refusal = "the ledger holds no rollback script for this tenant";
      continue;
    }
    rollback = checked_rollback(record, parse_rollback_script(result.rollback_script),
                                "of the ledger", set);
  }
  return rollbacks;
}

int rollback_run(const Options& o) {
  const MigrationSet migrations = load_migrations(o);
  const std::map<std::string, TenantRollback> rollbacks =
      o.ledger.empty() ? load_run(o, migrations) : load_run_from_ledger(o, migrations);
  std::vector<Tenant> tenants;
  for (Tenant& t : load_fleet(o)) {
    if (rollbacks.count(t.id)) tenants.push_back(std::move(t));
  }
  for (const auto& [id, rollback] : rollbacks) {
    bool found = false;
    for (const Tenant& t : tenants) found = found || t.id == id;
    if (!found)
      std::cerr << "pgfleet: warning: tenant " << id << " of run " << o.rollback_run
                << " is not in the fleet any more; not rolled back\n";
  }
  FleetJob job;
  job.command = Command::rollback;
  job.effect = Effect::changes_tenants;
  job.confirm_question = fmt::format("Run the rollback scripts of run {} on {} tenant(s)?",
                                     o.rollback_run, tenants.size());
  job.run = [&rollbacks](TenantRunner& r, const Tenant& t, const Connector& c) {
    const TenantRollback& rollback = rollbacks.at(t.id);
    if (!rollback.refusal.empty()) {
      return not_run(t.id, TenantStatus::failed, rollback.refusal);
    }
    if (rollback.script.steps == RollbackSteps::one_at_a_time) {
      return r.rollback_to(t, c, rollback.back_to, rollback.expected_top);
    }
    return r.run_script(t, c, rollback.script.text, rollback.expected_top);
  };
  return run_fleet(o, migrations, std::move(tenants), job);
}

int rollback_to_target(const Options& o) {
  const MigrationSet migrations = load_migrations(o);
  const Version target = parse_version(o.target, "target");
  std::vector<Tenant> tenants = load_fleet(o);
  FleetJob job;
  job.command = Command::rollback;
  job.effect = Effect::changes_tenants;
  job.confirm_question =
      fmt::format("Roll {} tenant(s) back to version {} with .down files?", tenants.size(), target);
  job.run = [target](TenantRunner& r, const Tenant& t, const Connector& c) {
    return r.rollback_to(t, c, target);
  };
  return run_fleet(o, migrations, std::move(tenants), job);
}

}  // namespace

int cmd_rollback(const Options& o) {
  if (!o.rollback_run.empty()) return rollback_run(o);
  if (!o.target.empty()) return rollback_to_target(o);
  throw UsageError("rollback needs --run RUN_ID or --target VERSION");
}

}  // namespace pgfleet::cli
