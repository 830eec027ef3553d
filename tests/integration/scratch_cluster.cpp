#include "scratch_cluster.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <stdexcept>

#include "pgfleet/db/conninfo.hpp"
#include "tcp_proxy.hpp"
#include "test_env.hpp"

namespace pgfleet::test {
namespace {

// Runs tests/integration/scratch_cluster.sh with `args`; returns its stdout, throws (failing the
// test) with everything it printed when it fails.
std::string scratch_cluster(const std::string& args) {
  const std::string command =
      std::string(PGFLEET_SOURCE_DIR) + "/tests/integration/scratch_cluster.sh " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run scratch_cluster.sh");
  std::string output;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("scratch_cluster.sh " + args + " failed: " + output);
  }
  return output;
}

}  // namespace

OwnCluster::OwnCluster(Tls tls) {
  cluster();  // fails the test first when scripts/test.sh did not set the environment up
  std::string output = scratch_cluster(tls == Tls::on ? "create --ssl" : "create");
  while (!output.empty() && output.back() == '\n') output.pop_back();
  const std::string last = output.substr(output.rfind('\n') + 1);  // "DIR PORT"
  const std::size_t space = last.find(' ');
  if (space == std::string::npos) throw std::runtime_error("scratch_cluster.sh said: " + output);
  dir_ = last.substr(0, space);
  port_ = last.substr(space + 1);
}

OwnCluster::~OwnCluster() {
  try {
    scratch_cluster("remove " + dir_);
  } catch (const std::exception&) {
    // Its temp dir outlives the test; scripts/test.sh's own cluster is not touched.
  }
}

std::string OwnCluster::dsn_for(const std::string& db) const {
  return dsn_through(test::dsn_for(db), cluster().port, std::stoi(port_));
}

QueryResult OwnCluster::query(const std::string& db, const std::string& sql) const {
  return connect_postgres(ConnInfo::parse(dsn_for(db)).to_libpq())->exec(sql);
}

void OwnCluster::stop() { scratch_cluster("stop " + dir_); }

void OwnCluster::start() { scratch_cluster("start " + dir_); }

}  // namespace pgfleet::test
