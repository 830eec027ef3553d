#pragma once
// The frame every fleet command runs in: run id, results directory, listeners, confirmation,
// optional Neon preflight branch, the worker pool, and the exit code.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/cli/options.hpp"
#include "pgfleet/engine/command.hpp"
#include "pgfleet/engine/tenant.hpp"
#include "pgfleet/engine/tenant_runner.hpp"
#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet::cli {

enum class Effect { read_only, changes_tenants };
// Whether, given --ledger, the process is one worker of a run shared through the ledger
// (docs/LEDGER.md) or runs its tenants alone.
enum class Sharing { alone, ledger_workers };

// An earlier run this invocation continues (pgfleet resume, docs/SCALING.md): its id, start and
// directory are kept, tenants.jsonl gets the new lines and run.json the resume.
struct ContinuedRun {
  std::string run_id;
  std::chrono::system_clock::time_point started_at{};
  std::vector<TenantOutcome> standing;         // finished tenants not run again
  std::map<std::string, TenantOutcome> rerun;  // tenants run again: their earlier outcome, if any
  nlohmann::json resume;                       // this resume, as run.json's "resumes" lists it
};

struct FleetJob {
  Command command = Command::plan;
  Effect effect = Effect::read_only;
  Sharing sharing = Sharing::alone;
  std::string confirm_question;  // asked on a terminal unless --yes (changes_tenants only)
  // The work for one valid tenant.
  std::function<TenantOutcome(TenantRunner&, const Tenant&, const Connector&)> run;
  std::optional<ContinuedRun> continues;  // set by `pgfleet resume`
  // Hears every event too (e.g. status's census); may be null.
  std::shared_ptr<Reporter> observer;
};

// Runs `job` over `tenants` and returns the exit code. Throws RunError (exit 3) if the results
// directory or the Neon branch cannot be set up.
int run_fleet(const Options& o, const MigrationSet& migrations, std::vector<Tenant> tenants,
              const FleetJob& job);

}  // namespace pgfleet::cli
