#pragma once
// rollback/<tenant>.sql (README "Results"): for each tenant this run changed, the `.down` of
// every version it applied, newest first, each followed by the delete of its history row.
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet {

// The tenant's schema in schema-per-tenant mode, nullopt otherwise.
using SchemaLookup = std::function<std::optional<std::string>(const std::string& tenant_id)>;

// The rollback script for one tenant's outcome. Its leading comment block names the tenant, run,
// time and versions, and holds `-- pgfleet: no-transaction` when any `.down` used has that
// directive. A version without `.down` gets `-- pgfleet: missing-down <version>` in its place
// (rollback --run refuses such a tenant). Control characters in the id are replaced.
std::string rollback_script(const TenantOutcome& outcome, const MigrationSet& migrations,
                            const std::optional<std::string>& schema, const std::string& run_id,
                            std::chrono::system_clock::time_point generated_at);

class RollbackWriter : public Reporter {
 public:
  // Writes into `rollback_dir` (RunDirectory::rollback_dir()). `migrations` must outlive the
  // writer; `schema_of` is called from worker threads.
  RollbackWriter(std::string rollback_dir, const MigrationSet& migrations, SchemaLookup schema_of);

  // Remembers the run id; a run whose command is not "apply" writes no scripts.
  void run_started(const RunInfo& info) override;
  // Writes rollback/<safe id>.sql (temp name + rename, not fsynced: two fsyncs per tenant
  // would cost more than its migrations) when the outcome lists applied migrations.
  // Never throws (worker thread): a failure is kept for write_error().
  void tenant_finished(const TenantOutcome& outcome) override;
  // The first failure to write a script, if any.
  std::optional<std::string> write_error() const;

 private:
  mutable std::mutex mutex_;
  std::string rollback_dir_;
  const MigrationSet& migrations_;
  SchemaLookup schema_of_;
  std::string run_id_;
  std::string command_;
  std::optional<std::string> write_error_;
};

}  // namespace pgfleet
