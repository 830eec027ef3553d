// pgfleet rollback --run RUN_ID | --target V.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/fleet_command.hpp"
#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/results/run_directory.hpp"

namespace pgfleet::cli {
namespace {

// What an earlier run left for one tenant it changed.
struct RollbackPlan {
  Version expected_top = 0;  // the tenant's version when that run finished
  Version back_to = 0;       // its version before that run
  std::string script;        // rollback/<tenant>.sql
  // The script holds .down files that cannot share a transaction: the engine runs the same
  // .down files one by one instead (after checking they are the ones in the script).
  bool outside_transaction = false;
  std::string refusal;  // non-empty: the script cannot be run (a .down is missing)
};

bool needs_steps_outside_transaction(const std::string& script) {
  const std::string header = script.substr(0, script.find("\n-- version "));
  return header.find("-- pgfleet: no-transaction") != std::string::npos;
}

// Empty when every .down the script was made from is still, word for word, in the script.
std::string changed_down_file(const MigrationSet& migrations, const RollbackPlan& plan) {
  for (const Migration& m : migrations.all()) {
    if (m.version <= plan.back_to || m.version > plan.expected_top) continue;
    if (!m.down || plan.script.find(m.down->sql) == std::string::npos) {
      return fmt::format(
          "the .down of version {} changed since the run; review the rollback "
          "script and run it by hand",
          m.version);
    }
  }
  return {};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::map<std::string, RollbackPlan> load_run(const Options& o, const MigrationSet& set) {
  std::optional<RunDirectory> dir;
  try {
    dir = RunDirectory::open(o.results_dir, o.rollback_run);
  } catch (const std::exception& e) {
    throw UsageError(std::string("--run: ") + e.what());
  }
  std::ifstream lines(dir->file("tenants.jsonl"));
  if (!lines) throw UsageError("--run: " + dir->file("tenants.jsonl") + " is missing");
  std::map<std::string, RollbackPlan> plans;
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty()) continue;
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error&) {
      // The last line of an interrupted run may be cut short; anything else is damage.
      throw UsageError(fmt::format("{}:{}: not a JSON line", dir->file("tenants.jsonl"), number));
    }
    const auto& migrations = record.value("migrations", nlohmann::json::array());
    if (migrations.empty() || !record.contains("to_version") || record["to_version"].is_null()) {
      continue;
    }
    const std::string id = record.value("tenant_id", "");
    RollbackPlan plan;
    plan.expected_top = record["to_version"].get<Version>();
    if (record.contains("from_version") && !record["from_version"].is_null()) {
      plan.back_to = record["from_version"].get<Version>();
    }
    plan.script = read_file(dir->rollback_file(id));
    const auto missing = plan.script.find("-- pgfleet: missing-down");
    if (missing != std::string::npos) {
      const auto end = plan.script.find('\n', missing);
      plan.refusal =
          "rollback script cannot be run: " + plan.script.substr(missing + 3, end - missing - 3) +
          " (that version has no .down file)";
    } else if (needs_steps_outside_transaction(plan.script)) {
      plan.outside_transaction = true;
      plan.refusal = changed_down_file(set, plan);
    }
    plans[id] = std::move(plan);
  }
  return plans;
}

int rollback_run(const Options& o) {
  const MigrationSet migrations = load_migrations(o);
  std::map<std::string, RollbackPlan> plans = load_run(o, migrations);
  std::vector<Tenant> tenants;
  for (Tenant& t : load_fleet(o)) {
    if (plans.count(t.id)) tenants.push_back(std::move(t));
  }
  for (const auto& [id, plan] : plans) {
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
  job.run = [&plans](TenantRunner& r, const Tenant& t, const Connector& c) {
    const RollbackPlan& plan = plans.at(t.id);
    if (!plan.refusal.empty()) {
      return not_run(t.id, TenantStatus::failed, plan.refusal);
    }
    if (plan.outside_transaction) return r.rollback_to(t, c, plan.back_to, plan.expected_top);
    return r.run_script(t, c, plan.script, plan.expected_top);
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
