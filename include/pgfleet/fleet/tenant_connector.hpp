#pragma once
// Opens sessions to one tenant the way a fleet run must (README.md, "Connections"): a prepared
// connection string (application_name, client_encoding, keepalives, no PG* environment, Neon
// pooler -> direct host), transient errors retried with jittered backoff within a time window
// (connect_retry.hpp), every session tracked
// so that a stop or the tenant's deadline can cancel its query and close its connection.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/db/session.hpp"
#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/engine/tenant.hpp"
#include "pgfleet/fleet/stop_control.hpp"
#include "pgfleet/migrations/migration.hpp"
#include "pgfleet/util/clock.hpp"

namespace pgfleet {

enum class PoolerHandling { use_direct_host, keep_pooler };
// Whether libpq's PG* variables that pick the server, database, user, password or session may
// fill what a connection string leaves out: never for tenants, as psql does for the control
// plane. TLS variables (PGSSLMODE, ...) and the password file apply either way.
enum class LibpqEnvironment { ignored, honoured };
enum class TlsPolicy { allow_plaintext, require };  // --require-tls

struct ConnectSettings {
  std::string application_name;   // "pgfleet/<run_id>"
  Millis connect_timeout{10000};  // per attempt; libpq's own default is to wait forever
  // --connect-retry-window: transient errors are retried until this long after the first
  // attempt started (a routine restart takes seconds); 0: one attempt.
  Millis retry_window{15000};
  std::shared_ptr<util::Clock> clock;  // for the retry waits; empty: the system clock
  PoolerHandling pooler = PoolerHandling::use_direct_host;
  LibpqEnvironment environment = LibpqEnvironment::ignored;
  TlsPolicy tls = TlsPolicy::allow_plaintext;
  std::optional<Millis> tenant_timeout;  // --tenant-timeout: one tenant's whole run
};

// The connection string pgfleet hands libpq for `given`: application_name, client_encoding=UTF8,
// connect_timeout, port, TCP keepalives and tcp_user_timeout (unless `given` sets them), an
// explicit empty value for each keyword whose PG* variable must not apply, sslmode=require under
// TlsPolicy::require (unless `given` or PGSSLMODE asks for verification). Never throws.
ConnInfo prepare_conninfo(const ConnInfo& given, const ConnectSettings& settings);

// A Connector for `tenant` (its parsed connection string, or the string parsed when it is
// called). `factory` defaults to connect_postgres (tests pass fakes).
Connector make_connector(const Tenant& tenant, const ConnectSettings& settings, StopControl& stop,
                         SessionFactory factory = {});

// One tenant's work, given a Connector to it.
using TenantWork = std::function<TenantOutcome(const Connector& connect)>;

// Runs `work` for `tenant` and completes its outcome: `tls` from the connection, and past
// settings.tenant_timeout the tenant's query is cancelled, its connection closed and it is
// `failed` with error phase `timeout`; connections closed by a second SIGINT make it `cancelled`.
TenantOutcome run_connected(const Tenant& tenant, const ConnectSettings& settings,
                            StopControl& stop, const TenantWork& work, SessionFactory factory = {});

}  // namespace pgfleet
