#pragma once
// A Neon emulator for integration tests: its own small parent PostgreSQL cluster (127.0.0.1, a
// free port, password auth, role `app` with a password full of special characters, databases
// tenant_a and tenant_b with a `marker` table) and tests/neon_emulator/emulator.py serving the
// Neon API on another free port. Branches are real pg_basebackup copies on 127.0.0.N; their
// endpoint names resolve through nss_wrapper (see psql()). Started once per test process,
// stopped at exit (the emulator also exits when this process dies).
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "pgfleet/neon/neon_client.hpp"

namespace pgfleet::test {

enum class ParentHost { direct, pooler };

class NeonEmulator {
 public:
  // The process-wide emulator, started on first use; throws (failing the test) if it cannot start.
  static NeonEmulator& shared();
  ~NeonEmulator();

  const std::string& api_base() const { return api_base_; }
  const std::string& api_key() const { return api_key_; }
  const std::string& project_id() const { return project_id_; }
  const std::string& parent_endpoint_host() const { return endpoint_host_; }
  const std::string& parent_pooler_host() const { return pooler_host_; }
  const std::string& hosts_file() const { return hosts_file_; }
  const std::string& pg_port() const { return pg_port_; }
  // The password of role `app` (full of characters that need quoting).
  const std::string& app_password() const { return app_password_; }

  // postgresql://app:<password>@<parent host>:<port>/<db> as a tenant row would hold it.
  std::string parent_dsn(const std::string& db, ParentHost form) const;
  // Environment that makes the emulated endpoint names resolve (for a child process).
  std::string resolver_env() const;

  // Runs `sql` with psql on `dsn` with the resolver environment; returns trimmed stdout.
  // Throws std::runtime_error (with psql's stderr) when psql fails.
  std::string psql(const std::string& dsn, const std::string& sql) const;
  // Runs `sql` on the parent cluster's database `db` as its superuser (no resolver needed);
  // returns trimmed stdout. Throws std::runtime_error when psql fails.
  std::string parent_superuser_psql(const std::string& db, const std::string& sql) const;
  // The parent cluster's server log; backend lines carry "<user>@<db>" in their prefix.
  std::string parent_log_path() const { return parent_dir_ + "/postgres.log"; }

  // A NeonClient (libcurl) on the emulator, with short polls and backoff for tests.
  std::shared_ptr<neon::NeonClient> client(neon::NeonLog log = {}) const;

  // Control API: back to the initial state; queue faults; the request log; internal state.
  void reset() const;
  void add_fault(const nlohmann::json& fault) const;
  nlohmann::json requests(const std::string& route = "") const;
  nlohmann::json state() const;
  void configure(const nlohmann::json& settings) const;
  // Finishes every operation whose background work is done (POST /__emulator/advance).
  void advance() const;

 private:
  NeonEmulator();
  nlohmann::json control(const std::string& method, const std::string& path,
                         const nlohmann::json& body) const;
  void start_parent();
  void start_emulator();
  void stop();

  std::string dir_, parent_dir_, hosts_file_, pg_port_, superuser_password_, app_password_;
  std::string api_base_, api_key_, project_id_, endpoint_host_, pooler_host_;
  int emulator_pid_ = -1;
};

}  // namespace pgfleet::test
