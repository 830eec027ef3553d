#pragma once
// A schema-per-tenant fleet (one database, one schema per tenant) and a ledger database for the
// tests of workers sharing a run through the ledger (docs/LEDGER.md).
#include <future>
#include <string>
#include <vector>

#include "cli_support.hpp"

namespace pgfleet::test {

struct LedgerFleet {
  Workspace ws;
  std::string db;            // the tenants' database
  std::string tenants_file;  // JSON Lines: id = schema = t001, t002, ...
  std::string ledger_url;    // an empty database of its own
  std::string ledger_db;
  std::vector<std::string> ids;
};

// `tenants` schemas t001..tNNN in a new database, their tenants file and a new ledger database.
LedgerFleet make_ledger_fleet(const std::string& prefix, int tenants);

// `apply` as one worker of run `run_id` (results under ws.results(step)), plus `extra` flags.
std::string worker_args(const LedgerFleet& fleet, const std::string& run_id,
                        const std::string& step, const std::string& extra);

// A pgfleet process started in the background; its pid is known once it runs.
struct BackgroundRun {
  std::future<CliRun> done;
  std::string pid_file;
  // The process id (waits up to 10 s for it to be written); 0 if it never was.
  long pid() const;
};
// `env`: extra NAME=value assignments (already shell-quoted) for the process.
BackgroundRun start_cli(const Workspace& ws, const std::string& args, const std::string& name,
                        const std::string& env = "");

// First value of `sql` on the ledger database.
std::string ledger_scalar(const LedgerFleet& fleet, const std::string& sql);
// `pgfleet status --run RUN_ID --ledger ... --log-format json`, parsed (fails the test unless it
// exits 0).
nlohmann::json ledger_status(const LedgerFleet& fleet, const std::string& run_id);

}  // namespace pgfleet::test
