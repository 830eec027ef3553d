#pragma once
// rollback/<tenant>.sql (README.md, "Results"), written and read back in one place. The format:
//
//   -- pgfleet rollback script
//   -- tenant: <id>                        (control characters replaced by '?')
//   -- run: <run id>
//   -- generated_at: <RFC 3339 UTC>
//   -- from_version: <V|none> (before the run)
//   -- to_version: <V|none> (after the run)
//   -- pgfleet: no-transaction             (only when a .down used has that directive)
//
//   -- version <V> (<name>)                (one section per version applied, newest first)
//   <the .down text, terminated by ';'>
//   DELETE FROM <history table> WHERE version = <V>;
//
// A version without a .down gets the line `-- pgfleet: missing-down <V>` as its section body.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/migrations/migration_set.hpp"

namespace pgfleet {

// The rollback script for one tenant's outcome, `schema` its schema in schema-per-tenant mode.
std::string format_rollback_script(const TenantOutcome& outcome, const MigrationSet& migrations,
                                   const std::optional<std::string>& schema,
                                   const std::string& run_id,
                                   std::chrono::system_clock::time_point generated_at);

// How `rollback --run` runs a script: sent whole in one transaction, or (a .down in it has
// `-- pgfleet: no-transaction`) as the same .down files one at a time.
enum class RollbackSteps { one_transaction, one_at_a_time };

// A rollback script read back.
struct RollbackScript {
  std::string text;  // the whole file, as sent when it runs in one transaction
  std::string tenant_id;
  std::string run_id;
  std::optional<Version> from_version;  // before the run that wrote it
  std::optional<Version> to_version;    // after that run
  RollbackSteps steps = RollbackSteps::one_transaction;
  std::vector<Version> versions;                 // the versions it undoes, newest first
  std::vector<Version> missing_downs;            // those of them that had no .down file
  std::map<Version, std::string> section_names;  // the name in each version's heading
  std::string damage;                            // non-empty: its header is not one pgfleet writes
};

// Reads a script's text. Lines of .down text are never taken for damage. Never throws.
RollbackScript parse_rollback_script(std::string text);
// Reads and parses a script file. Throws ResultsError ("cannot read <path>").
RollbackScript read_rollback_script(const std::string& path);
// Why `rollback --run` must not run the script, or "" if it may: damage, or a version without a
// .down, named with its file, e.g. "version 10 (0010_add_users) has no .down file".
std::string why_not_runnable(const RollbackScript& script, const MigrationSet& migrations);
// Whether the script's header names `tenant_id` (as the writer wrote it into the comment).
bool is_script_of(const RollbackScript& script, const std::string& tenant_id);

}  // namespace pgfleet
