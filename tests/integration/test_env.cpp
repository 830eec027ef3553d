#include "test_env.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/util/percent_encoding.hpp"

namespace pgfleet::test {
namespace {

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) {
    throw std::runtime_error(std::string(name) +
                             " is not set: run the integration tests through scripts/test.sh, "
                             "which starts a scratch PostgreSQL and PgBouncer and exports "
                             "PGFLEET_TEST_PGHOST/PGPORT/PGUSER/PGPASSWORD/BOUNCER_PORT");
  }
  return value;
}

std::string uri(const std::string& port, const std::string& db) {
  const ClusterInfo& c = cluster();
  return "postgres://" + util::percent_encode(c.user) + ":" + util::percent_encode(c.password) +
         "@" + c.host + ":" + port + "/" + util::percent_encode(db) + "?connect_timeout=10";
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Temp dirs made by temp_dir(), removed when the test process exits.
std::mutex temp_dirs_mutex;
std::vector<std::string>& temp_dirs() {
  static std::vector<std::string> dirs;
  return dirs;
}
void remove_temp_dirs() {
  std::lock_guard<std::mutex> lock(temp_dirs_mutex);
  for (const auto& dir : temp_dirs()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
}

}  // namespace

const ClusterInfo& cluster() {
  static const ClusterInfo info{
      required_env("PGFLEET_TEST_PGHOST"), required_env("PGFLEET_TEST_PGPORT"),
      required_env("PGFLEET_TEST_PGUSER"), required_env("PGFLEET_TEST_PGPASSWORD")};
  return info;
}

std::string dsn_for(const std::string& db) { return uri(cluster().port, db); }

std::string bouncer_dsn_for(const std::string& db) {
  return uri(required_env("PGFLEET_TEST_BOUNCER_PORT"), db);
}

std::string create_database(const std::string& prefix) {
  static std::atomic<int> counter{0};
  std::string name;
  for (char c : prefix) {
    const auto byte = static_cast<unsigned char>(c);
    name += std::isalnum(byte) ? static_cast<char>(std::tolower(byte)) : '_';
  }
  name = name.substr(0, 40) + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  query("postgres", "CREATE DATABASE \"" + name + "\"");
  return name;
}

QueryResult query(const std::string& db, const std::string& sql) {
  auto session = connect_postgres(ConnInfo::parse(dsn_for(db)).to_libpq());
  return session->exec(sql);
}

std::string scalar(const std::string& db, const std::string& sql) {
  const QueryResult result = query(db, sql);
  if (result.rows.empty() || result.rows[0].empty() || !result.rows[0][0]) return "";
  return *result.rows[0][0];
}

int run_pgfleet(const std::string& args, std::string& output, const std::string& cwd,
                const std::string& env) {
  const std::string command = "cd " + shell_quote(cwd) + " && " + (env.empty() ? "" : env + " ") +
                              shell_quote(PGFLEET_BINARY) + " " + args + " 2>&1";
  output.clear();
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + std::string(PGFLEET_BINARY));
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  if (status == -1) throw std::runtime_error("cannot wait for " + std::string(PGFLEET_BINARY));
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

std::string temp_dir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + ".XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  std::lock_guard<std::mutex> lock(temp_dirs_mutex);
  if (temp_dirs().empty()) std::atexit(remove_temp_dirs);
  temp_dirs().push_back(pattern);
  return pattern;
}

}  // namespace pgfleet::test
