#pragma once
// Opens sessions to one tenant the way a fleet run must: a prepared connection string
// (application_name, connect deadline, Neon pooler -> direct host), transient errors retried
// with jittered backoff, every session tracked so a stop can cancel its query.
#include <string>

#include "pgfleet/db/session.hpp"
#include "pgfleet/engine/tenant.hpp"
#include "pgfleet/fleet/stop_control.hpp"
#include "pgfleet/migrations/migration.hpp"

namespace pgfleet {

enum class PoolerHandling { use_direct_host, keep_pooler };

struct ConnectSettings {
  std::string application_name;   // "pgfleet/<run_id>"
  Millis connect_timeout{10000};  // per attempt; libpq's own default is to wait forever
  int attempts = 4;               // for transient errors
  PoolerHandling pooler = PoolerHandling::use_direct_host;
};

// The libpq connection string pgfleet uses for `tenant` (throws ConnInfoError if invalid).
std::string prepare_conninfo(const Tenant& tenant, const ConnectSettings& settings);

// A Connector for `tenant`. `factory` defaults to connect_postgres (tests pass fakes).
Connector make_connector(const Tenant& tenant, const ConnectSettings& settings, StopControl& stop,
                         SessionFactory factory = connect_postgres);

}  // namespace pgfleet
