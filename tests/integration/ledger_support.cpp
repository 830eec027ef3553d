#include "ledger_support.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "fleet_fixture.hpp"
#include "test_env.hpp"

namespace pgfleet::test {

LedgerFleet make_ledger_fleet(const std::string& prefix, int tenants) {
  LedgerFleet fleet{make_workspace(prefix), create_database(prefix), "", "", "", {}};
  query(fleet.db, fmt::format("DO $$ BEGIN FOR i IN 1..{} LOOP EXECUTE format('CREATE SCHEMA "
                              "%I', 't' || lpad(i::text, 3, '0')); END LOOP; END $$",
                              tenants));
  std::string lines;
  for (int i = 1; i <= tenants; ++i) {
    const std::string id = fmt::format("t{:03d}", i);
    fleet.ids.push_back(id);
    lines += nlohmann::json{{"id", id}, {"schema", id}, {"connection_string", dsn_for(fleet.db)}}
                 .dump() +
             "\n";
  }
  fleet.tenants_file = fleet.ws.dir + "/tenants.jsonl";
  write_file(fleet.tenants_file, lines);
  fleet.ledger_db = create_database(prefix + "_ledger");
  fleet.ledger_url = dsn_for(fleet.ledger_db);
  return fleet;
}

std::string worker_args(const LedgerFleet& fleet, const std::string& run_id,
                        const std::string& step, const std::string& extra) {
  return "apply --tenants " + sh_quote(fleet.tenants_file) + " --migrations " +
         sh_quote(fleet.ws.migrations) + " --results-dir " + sh_quote(fleet.ws.results(step)) +
         " --ledger " + sh_quote(fleet.ledger_url) + " --run-id " + sh_quote(run_id) + " --yes " +
         extra;
}

long BackgroundRun::pid() const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = read_text(pid_file);
    if (!text.empty() && text.back() == '\n') return std::stol(text);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

BackgroundRun start_cli(const Workspace& ws, const std::string& args, const std::string& name,
                        const std::string& env) {
  BackgroundRun run;
  run.pid_file = ws.dir + "/" + name + ".pid";
  write_file(run.pid_file, "");
  const std::string prefix = (env.empty() ? "" : env + " ") + "sh -c " +
                             sh_quote("echo $$ > " + sh_quote(run.pid_file) + "; exec \"$@\"") +
                             " sh";
  const std::string cwd = ws.dir;
  run.done = std::async(std::launch::async, [=] { return run_cli(args, cwd, prefix); });
  return run;
}

std::string ledger_scalar(const LedgerFleet& fleet, const std::string& sql) {
  return scalar(fleet.ledger_db, sql);
}

nlohmann::json ledger_status(const LedgerFleet& fleet, const std::string& run_id) {
  const CliRun status = run_cli(
      "status --run " + run_id + " --ledger " + sh_quote(fleet.ledger_url) + " --log-format json",
      fleet.ws.dir);
  INFO(status.all());
  REQUIRE(status.code == 0);
  return nlohmann::json::parse(status.out);
}

}  // namespace pgfleet::test
