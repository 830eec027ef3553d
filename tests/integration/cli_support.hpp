#pragma once
// Helpers for the end-to-end tests of the pgfleet binary: a scratch workspace with a migrations
// directory, runs that keep stdout and stderr apart, and readers for the result files.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pgfleet::test {

// A temp dir to run pgfleet in, with an (initially empty) migrations directory below it.
struct Workspace {
  std::string dir;
  std::string migrations;  // <dir>/migrations

  // Writes `text` to <migrations>/<name> (replacing it).
  void migration(const std::string& name, const std::string& text) const;
  // Removes <migrations>/<name>.
  void remove_migration(const std::string& name) const;
  // A results dir below `dir` that does not exist yet (one per step keeps runs apart).
  std::string results(const std::string& step) const;
};
Workspace make_workspace(const std::string& prefix);

// Writes `text` to `path`, creating parent directories.
void write_file(const std::string& path, const std::string& text);
// `text` in single quotes for /bin/sh.
std::string sh_quote(const std::string& text);

// Writes `rows` as <ws.dir>/tenants.json and returns its path.
std::string tenants_file(const Workspace& ws, const nlohmann::json& rows);
// `apply --yes` of the workspace's migrations with `tenant_flags` (already shell-quoted) into
// the results dir "r".
std::string apply_args(const Workspace& ws, const std::string& tenant_flags);
// `apply --yes` of the workspace's migrations over a --tenants file into `results`.
std::string apply_over_tenants_file(const Workspace& ws, const std::string& tenants,
                                    const std::string& results);

// One pgfleet invocation: exit code and what it printed on each stream.
struct CliRun {
  int code = -1;
  std::string out, err;
  std::string all() const { return out + err; }
};
// Runs pgfleet with `args` (already shell-quoted) in `cwd` with extra `env` assignments.
CliRun run_cli(const std::string& args, const std::string& cwd = ".", const std::string& env = "");

// The single run directory below `results_dir` (fails the test if there are none or several).
std::string only_run_dir(const std::string& results_dir);
// The run id of a run directory (its last path component).
std::string run_id_of(const std::string& run_dir);
// Every line of <run_dir>/tenants.jsonl, parsed.
std::vector<nlohmann::json> tenant_lines(const std::string& run_dir);
// The tenants.jsonl record of `tenant_id` (fails the test unless there is exactly one).
nlohmann::json tenant_record(const std::string& run_dir, const std::string& tenant_id);

// Versions of the history rows of `db` in any state, ascending (none if there is no table).
std::vector<long long> history_versions(const std::string& db);
// Whether pgfleet.schema_migrations exists in `db`.
bool history_table_exists(const std::string& db);
// Whether index `name` exists (and is valid) in `db`.
bool valid_index_exists(const std::string& db, const std::string& name);

}  // namespace pgfleet::test
