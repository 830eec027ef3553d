#include "fleet_fixture.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "pgfleet/util/percent_encoding.hpp"
#include "test_env.hpp"

namespace fs = std::filesystem;

namespace pgfleet::test {

const char* const kCanaryPassword = "c@n:a/r%y#'pw d";

std::string canary_password_encoded() { return util::percent_encode(kCanaryPassword); }

namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string tenant_url(const std::string& db, const std::string& password,
                       const std::string& port) {
  return "postgresql://fleet_owner:" + password + "@" + cluster().host + ":" + port + "/" + db;
}

std::string sql_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

Fleet make_fleet(const std::string& name, int tenants, BadRows bad_rows, double sleep_seconds) {
  Fleet fleet;
  query("postgres",
        "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fleet_owner') THEN "
        "CREATE ROLE fleet_owner LOGIN PASSWORD " +
            sql_literal(kCanaryPassword) + "; END IF; END$$");
  fleet.control_plane_db = create_database(name + "_cp");
  fleet.control_plane_url = dsn_for(fleet.control_plane_db);
  query(fleet.control_plane_db,
        "CREATE TABLE tenants (id text, connection_string text, active bool DEFAULT true)");
  std::string rows;
  for (int i = 0; i < tenants; ++i) {
    const std::string db = create_database(name + "_t");
    query("postgres", "ALTER DATABASE " + db + " OWNER TO fleet_owner");
    fleet.tenant_dbs.push_back(db);
    rows += (rows.empty() ? "" : ",") + std::string("(") + sql_literal(db) + "," +
            sql_literal(tenant_url(db, canary_password_encoded(), cluster().port)) + ")";
  }
  query(fleet.control_plane_db, "INSERT INTO tenants (id, connection_string) VALUES " + rows);
  if (bad_rows == BadRows::include) {
    const std::string first = fleet.tenant_dbs.front();
    // Its own database: a second tenant on `first` would be invalid (same database), not failed.
    const std::string wrong_password_db = create_database(name + "_wrongpw");
    query(fleet.control_plane_db,
          "INSERT INTO tenants (id, connection_string) VALUES "
          "('', " +
              sql_literal(tenant_url(first, canary_password_encoded(), cluster().port)) +
              "),"
              "('dup', " +
              sql_literal(tenant_url(first, canary_password_encoded(), cluster().port)) +
              "),"
              "('dup', " +
              sql_literal(tenant_url(first, canary_password_encoded(), cluster().port)) +
              "),"
              "('hostless', 'postgresql:///" +
              first +
              "'),"
              "('unparsable', 'postgresql://fleet_owner:" +
              canary_password_encoded() +
              "@[::1/x'),"
              "('wrong_password', " +
              sql_literal(tenant_url(wrong_password_db, "not-the-password", cluster().port)) +
              "),"
              "('closed_port', " +
              sql_literal(tenant_url(first, canary_password_encoded(), "1")) +
              "),"
              "('inactive', 'postgresql://nowhere.invalid/x')");
    query(fleet.control_plane_db, "UPDATE tenants SET active = false WHERE id = 'inactive'");
  }
  fleet.work_dir = temp_dir(name + "_work");
  fleet.migrations_dir = fleet.work_dir + "/migrations";
  fs::create_directories(fleet.migrations_dir);
  const std::string m = fleet.migrations_dir + "/";
  write(m + "0001_create_accounts.up.sql",
        "CREATE TABLE accounts (id bigserial PRIMARY KEY, name text NOT NULL);\n");
  write(m + "0001_create_accounts.down.sql", "DROP TABLE accounts;\n");
  std::ostringstream slow;
  slow << "CREATE TABLE projects (id bigserial PRIMARY KEY, account_id bigint REFERENCES "
          "accounts);\n"
       << "SELECT pg_sleep(" << sleep_seconds << ");\n";
  write(m + "0002_create_projects.up.sql", slow.str());
  write(m + "0002_create_projects.down.sql", "DROP TABLE projects;\n");
  write(m + "0003_add_project_name.up.sql", "ALTER TABLE projects ADD COLUMN name text;\n");
  write(m + "0003_add_project_name.down.sql", "ALTER TABLE projects DROP COLUMN name;\n");
  return fleet;
}

std::vector<long long> applied_versions(const std::string& db) {
  if (scalar(db, "SELECT to_regclass('pgfleet.schema_migrations') IS NULL") == "t") return {};
  const QueryResult r =
      query(db, "SELECT version FROM pgfleet.schema_migrations WHERE state = 'applied' ORDER BY 1");
  std::vector<long long> versions;
  for (const auto& row : r.rows) versions.push_back(std::stoll(*row[0]));
  return versions;
}

bool table_exists(const std::string& db, const std::string& name) {
  return scalar(db, "SELECT to_regclass('public." + name + "') IS NOT NULL") == "t";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string read_tree(const std::string& dir) {
  std::string all;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) all += read_text(entry.path().string()) + "\n";
  }
  return all;
}

std::string newest_run_dir(const std::string& results_dir) {
  std::string newest;
  fs::file_time_type newest_time{};
  for (const auto& entry : fs::directory_iterator(results_dir)) {
    if (entry.is_directory() && (newest.empty() || entry.last_write_time() > newest_time)) {
      newest = entry.path().string();
      newest_time = entry.last_write_time();
    }
  }
  if (newest.empty()) throw std::runtime_error("no run directory in " + results_dir);
  return newest;
}

}  // namespace pgfleet::test
