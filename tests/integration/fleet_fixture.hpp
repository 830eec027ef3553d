#pragma once
// A real fleet on the scratch cluster for CLI tests: N tenant databases owned by a role whose
// password is a canary full of URI metacharacters, a control-plane database listing them (plus
// the bad rows a real control plane accumulates), and a small migration set on disk.
#include <string>
#include <vector>

namespace pgfleet::test {

// The canary password: must never appear in any output or result file, in any encoding.
extern const char* const kCanaryPassword;
// Its percent-encoded form as it appears in the URIs.
std::string canary_password_encoded();

struct Fleet {
  std::string control_plane_db;
  std::string control_plane_url;  // superuser URL of the control-plane database
  std::vector<std::string> tenant_dbs;
  std::string migrations_dir;  // 3 migrations; 0002 sleeps `sleep_seconds` per tenant
  std::string work_dir;        // a temp dir to run pgfleet in (results go below it)
};

// Creates `tenants` databases and the control plane. `bad_rows` adds: an empty id, a duplicate
// id, a hostless and an unparsable connection string, a wrong password and a closed port.
enum class BadRows { none, include };
Fleet make_fleet(const std::string& name, int tenants, BadRows bad_rows, double sleep_seconds);

// The migration versions recorded as applied in a tenant database, ascending (none when the
// history table does not exist yet).
std::vector<long long> applied_versions(const std::string& db);
// Whether table `name` exists in the public schema of `db`.
bool table_exists(const std::string& db, const std::string& name);
// Every file below `dir`, concatenated (to search results for secrets).
std::string read_tree(const std::string& dir);
// The most recently written run directory below `results_dir`.
std::string newest_run_dir(const std::string& results_dir);
std::string read_text(const std::string& path);

}  // namespace pgfleet::test
