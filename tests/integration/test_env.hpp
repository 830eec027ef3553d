#pragma once
// The scratch PostgreSQL (and PgBouncer) started by scripts/test.sh, as seen by the tests.
// Every function FAILS the test (throws) when the environment is missing: no silent skips.
#include <string>

#include "pgfleet/db/session.hpp"

namespace pgfleet::test {

// Host, port, superuser and password of the scratch cluster (env PGFLEET_TEST_PG*).
struct ClusterInfo {
  std::string host, port, user, password;
};
const ClusterInfo& cluster();

// A libpq URI for database `db` on the scratch cluster, direct.
std::string dsn_for(const std::string& db);
// The same database reached through PgBouncer in transaction pooling mode.
std::string bouncer_dsn_for(const std::string& db);
// Creates a new empty database with a unique name starting with `prefix`; returns its name.
std::string create_database(const std::string& prefix);
// Runs `sql` on database `db` (direct, as the superuser) and returns the last statement's rows.
QueryResult query(const std::string& db, const std::string& sql);
// First column of the first row of query(db, sql), "" if there is no row or it is NULL.
std::string scalar(const std::string& db, const std::string& sql);

// Runs the pgfleet binary with `args` (a shell-quoted string) in `cwd`; returns exit code and
// captures stdout+stderr into `output`.
int run_pgfleet(const std::string& args, std::string& output, const std::string& cwd = ".",
                const std::string& env = "");

// A fresh temporary directory, removed at process exit.
std::string temp_dir(const std::string& prefix);

}  // namespace pgfleet::test
