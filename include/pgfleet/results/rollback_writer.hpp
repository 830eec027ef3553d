#pragma once
// The listener that writes rollback/<tenant>.sql (format: rollback_script.hpp) for each tenant an
// apply run changed.
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/migrations/migration_set.hpp"
#include "pgfleet/results/first_write_error.hpp"

namespace pgfleet {

// The tenant's schema in schema-per-tenant mode, nullopt otherwise.
using SchemaLookup = std::function<std::optional<std::string>(const std::string& tenant_id)>;
// The migration set as a tenant got it (placeholders rendered); null: the shared set.
using MigrationsLookup =
    std::function<std::shared_ptr<const MigrationSet>(const std::string& tenant_id)>;

class RollbackWriter : public Reporter {
 public:
  // Writes into `rollback_dir` (RunDirectory::rollback_dir()). `migrations` must outlive the
  // writer; `schema_of` is called from worker threads.
  RollbackWriter(std::string rollback_dir, const MigrationSet& migrations, SchemaLookup schema_of);

  // Before the run: each tenant's script holds its own rendered .down text (docs/PREFLIGHT.md
  // "Placeholders"), with every one of `secrets` masked as "***".
  void use_tenant_migrations(MigrationsLookup migrations_of, std::vector<std::string> secrets);

  // Remembers the run id; a run whose command is not apply writes no scripts.
  void run_started(const RunInfo& info) override;
  // Writes rollback/<safe id>.sql (temp name + rename, not fsynced: two fsyncs per tenant
  // would cost more than its migrations) when the outcome lists applied migrations.
  // Never throws (worker thread): a failure is kept for write_error().
  void tenant_finished(const TenantOutcome& outcome) override;
  // The first failure to write a script, if any.
  std::optional<std::string> write_error() const;

 private:
  std::mutex mutex_;  // guards run_id_ and command_
  std::string rollback_dir_;
  const MigrationSet& migrations_;
  SchemaLookup schema_of_;
  MigrationsLookup migrations_of_;
  std::vector<std::string> secrets_;
  std::string run_id_;
  Command command_ = Command::apply;  // until run_started says otherwise
  FirstWriteError write_error_;
};

}  // namespace pgfleet
