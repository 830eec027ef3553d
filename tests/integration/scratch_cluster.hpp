#pragma once
// A PostgreSQL cluster of one test's own (tests/integration/scratch_cluster.sh), beside the shared
// one of scripts/test.sh: a test may stop and start it (a server restart), or have it serve TLS
// with a self-signed certificate. Same superuser and password as cluster(). Creating one takes a
// few seconds (initdb); it is stopped and removed when the object goes.
#include <string>

#include "pgfleet/db/session.hpp"

namespace pgfleet::test {

class OwnCluster {
 public:
  enum class Tls { off, on };
  explicit OwnCluster(Tls tls = Tls::off);
  ~OwnCluster();
  OwnCluster(const OwnCluster&) = delete;
  OwnCluster& operator=(const OwnCluster&) = delete;

  const std::string& port() const { return port_; }
  // A libpq URI for database `db` on this cluster, as dsn_for() gives for the shared one.
  std::string dsn_for(const std::string& db) const;
  // Runs `sql` on database `db` of this cluster (as the superuser) and returns the last rows.
  QueryResult query(const std::string& db, const std::string& sql) const;

  // Fast shutdown, back when it is down: connects are refused until start().
  void stop();
  // Starts it again, back when it accepts connections.
  void start();

 private:
  std::string dir_, port_;
};

}  // namespace pgfleet::test
