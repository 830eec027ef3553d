#include "pgfleet/results/rollback_writer.hpp"

#include <chrono>

#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/results/rollback_script.hpp"
#include "pgfleet/results/run_directory.hpp"

namespace pgfleet {

RollbackWriter::RollbackWriter(std::string rollback_dir, const MigrationSet& migrations,
                               SchemaLookup schema_of)
    : rollback_dir_(std::move(rollback_dir)),
      migrations_(migrations),
      schema_of_(std::move(schema_of)) {}

void RollbackWriter::use_tenant_migrations(MigrationsLookup migrations_of,
                                           std::vector<std::string> secrets) {
  migrations_of_ = std::move(migrations_of);
  secrets_ = std::move(secrets);
}

void RollbackWriter::run_started(const RunInfo& info) {
  std::lock_guard<std::mutex> lock(mutex_);
  run_id_ = info.run_id;
  command_ = info.command;
}

void RollbackWriter::tenant_finished(const TenantOutcome& outcome) {
  if (outcome.migrations.empty()) return;
  std::string run_id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (command_ != Command::apply) return;
    run_id = run_id_;
  }
  write_error_.attempt([&] {
    const std::optional<std::string> schema =
        schema_of_ ? schema_of_(outcome.tenant_id) : std::nullopt;
    const std::shared_ptr<const MigrationSet> own =
        migrations_of_ ? migrations_of_(outcome.tenant_id) : nullptr;
    const std::string script =
        redact_secrets(format_rollback_script(outcome, own ? *own : migrations_, schema, run_id,
                                              std::chrono::system_clock::now()),
                       secrets_);
    const std::string path = rollback_dir_ + "/" + safe_file_name(outcome.tenant_id) + ".sql";
    write_file_atomically(path, script, Durability::rename_only);
  });
}

std::optional<std::string> RollbackWriter::write_error() const { return write_error_.get(); }

}  // namespace pgfleet
