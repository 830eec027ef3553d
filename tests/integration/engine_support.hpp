#pragma once
// Helpers for the engine's integration tests: runners wired to the scratch cluster the way the
// CLI wires them (make_connector, application_name = pgfleet/<run_id>), and round-trip counting.
#include <atomic>
#include <memory>
#include <string>

#include "migration_builders.hpp"
#include "pgfleet/db/forwarding_session.hpp"
#include "pgfleet/engine/reporter.hpp"
#include "pgfleet/engine/run_settings.hpp"
#include "pgfleet/engine/tenant_runner.hpp"
#include "pgfleet/fleet/stop_control.hpp"
#include "pgfleet/fleet/tenant_connector.hpp"
#include "test_env.hpp"

namespace pgfleet::test {

// Forwards to a real session and publishes its round-trip count when it is closed.
class CountingSession : public ForwardingSession {
 public:
  CountingSession(std::unique_ptr<Session> inner, std::shared_ptr<std::atomic<long>> total)
      : ForwardingSession(std::move(inner)), total_(std::move(total)) {}
  ~CountingSession() override { *total_ += inner().round_trips(); }

 private:
  std::shared_ptr<std::atomic<long>> total_;
};

inline RunSettings settings_for(const std::string& run_id) {
  RunSettings s;
  s.run_id = run_id;
  s.applied_by = "tester@localhost";
  return s;
}

inline Tenant tenant_for(const std::string& db, const std::string& dsn = "") {
  Tenant t;
  t.id = db;
  t.connection_string = dsn.empty() ? dsn_for(db) : dsn;
  t.conninfo = ConnInfo::parse(t.connection_string);  // as validate_tenants leaves it
  return t;
}

// A Connector as the CLI builds it; every session's round trips are added to `round_trips`.
inline Connector connector_for(const Tenant& tenant, const RunSettings& settings,
                               std::shared_ptr<std::atomic<long>> round_trips = nullptr) {
  ConnectSettings cs;
  cs.application_name = "pgfleet/" + settings.run_id;
  cs.retry_window = Millis(0);  // one attempt
  SessionFactory factory;       // connect_postgres
  if (round_trips) {
    factory = [round_trips](const ConnInfo& conninfo,
                            const ConnectLimits& limits) -> std::unique_ptr<Session> {
      return std::make_unique<CountingSession>(connect_postgres(conninfo, limits), round_trips);
    };
  }
  return make_connector(tenant, cs, StopControl::process(), factory);
}

// Runs one command with a fresh runner; `stop` stays false.
struct Engine {
  MigrationSet set;
  RunSettings settings;
  Reporter reporter;
  std::atomic<bool> stop{false};

  Engine(std::vector<Migration> migrations, const std::string& run_id)
      : set(std::move(migrations)), settings(settings_for(run_id)) {}
  TenantRunner runner() { return TenantRunner(set, settings, reporter, stop); }
};

}  // namespace pgfleet::test
