#include "pgfleet/results/rollback_writer.hpp"

#include <algorithm>
#include <exception>

#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet {
namespace {

// A value written into a `--` comment must stay on that line.
std::string one_line(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

std::string version_text(const std::optional<Version>& v) {
  return v ? std::to_string(*v) : std::string("none");
}

// True when the last line holding SQL text ends with ';' (so the DELETE starts a new statement).
bool ends_with_semicolon(const std::string& sql) {
  const auto last = sql.find_last_not_of(" \t\r\n");
  return last != std::string::npos && sql[last] == ';';
}

}  // namespace

std::string rollback_script(const TenantOutcome& outcome, const MigrationSet& migrations,
                            const std::optional<std::string>& schema, const std::string& run_id,
                            std::chrono::system_clock::time_point generated_at) {
  std::vector<MigrationResult> applied = outcome.migrations;
  std::sort(applied.begin(), applied.end(), [](const MigrationResult& a, const MigrationResult& b) {
    return a.version > b.version;
  });
  bool no_transaction = false;
  for (const auto& m : applied) {
    const Migration* migration = migrations.find(m.version);
    if (migration && migration->down && migration->down->directives.tx == TxKind::no_transaction) {
      no_transaction = true;
    }
  }
  std::string out;
  out += "-- pgfleet rollback script\n";
  out += "-- tenant: " + one_line(outcome.tenant_id) + "\n";
  out += "-- run: " + one_line(run_id) + "\n";
  out += "-- generated_at: " + util::format_rfc3339_utc(generated_at) + "\n";
  out += "-- from_version: " + version_text(outcome.from_version) + " (before the run)\n";
  out += "-- to_version: " + version_text(outcome.to_version) + " (after the run)\n";
  if (no_transaction) out += "-- pgfleet: no-transaction\n";
  const std::string table = HistoryTable(schema).qualified_name();
  for (const auto& m : applied) {
    const Migration* migration = migrations.find(m.version);
    const std::string name = one_line(migration ? migration->name : m.name);
    out += "\n-- version " + std::to_string(m.version) + " (" + name + ")\n";
    if (!migration || !migration->down) {
      out += "-- pgfleet: missing-down " + std::to_string(m.version) + "\n";
      continue;
    }
    const std::string& down = migration->down->sql;
    out += down;
    if (!down.empty() && down.back() != '\n') out += "\n";
    if (!ends_with_semicolon(down)) out += ";\n";  // a down ending without ';' (or in a comment)
    out += "DELETE FROM " + table + " WHERE version = " + std::to_string(m.version) + ";\n";
  }
  return out;
}

RollbackWriter::RollbackWriter(std::string rollback_dir, const MigrationSet& migrations,
                               SchemaLookup schema_of)
    : rollback_dir_(std::move(rollback_dir)),
      migrations_(migrations),
      schema_of_(std::move(schema_of)) {}

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
    const std::string script =
        rollback_script(outcome, migrations_, schema, run_id, std::chrono::system_clock::now());
    const std::string path = rollback_dir_ + "/" + safe_file_name(outcome.tenant_id) + ".sql";
    write_file_atomically(path, script, Durability::rename_only);
  });
}

std::optional<std::string> RollbackWriter::write_error() const { return write_error_.get(); }

}  // namespace pgfleet
