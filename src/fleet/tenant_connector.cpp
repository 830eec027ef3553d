#include "pgfleet/fleet/tenant_connector.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <system_error>

#include "pgfleet/db/forwarding_session.hpp"
#include "pgfleet/fleet/connect_retry.hpp"
#include "pgfleet/util/clock.hpp"
#include "pgfleet/util/duration.hpp"
#include "tenant_sessions.hpp"

namespace pgfleet {
namespace {

// Forwards to the real session and stays registered with its tenant's sessions while it is
// open, so that a stop or the deadline can cancel its query and close it.
class TrackedSession : public ForwardingSession {
 public:
  TrackedSession(std::unique_ptr<Session> inner, std::shared_ptr<TenantSessions> sessions)
      : ForwardingSession(std::move(inner)), sessions_(std::move(sessions)) {
    sessions_->add(&this->inner(), this->inner().interrupt_handle());
  }
  ~TrackedSession() override { sessions_->remove(&inner()); }

 private:
  std::shared_ptr<TenantSessions> sessions_;
};

void set_unless_given(ConnInfo& info, const std::string& keyword, const std::string& value) {
  if (!info.get(keyword)) info.set(keyword, value);
}

bool verifies_or_requires(const std::string& sslmode) {
  return sslmode == "require" || sslmode == "verify-ca" || sslmode == "verify-full";
}

// --require-tls: ask libpq for TLS, so that nothing (not even the password) goes out in clear,
// unless the string or PGSSLMODE already asks for it or for more (certificate checks).
void require_tls(ConnInfo& info) {
  const char* env = std::getenv("PGSSLMODE");
  const std::string mode = info.get("sslmode").value_or(env ? env : "");
  if (!verifies_or_requires(mode)) info.set("sslmode", "require");
}

ConnectError not_connecting(const TenantSessions& sessions) {
  return ConnectError(ConnectError::Kind::permanent, "57014",
                      sessions.expired() ? "not connecting: the tenant is past --tenant-timeout"
                                         : "not connecting: pgfleet is stopping");
}

// One connect attempt with what a fleet run adds: it gives up on a stop or past the deadline,
// and refuses a connection that is not encrypted under --require-tls.
std::unique_ptr<Session> connect_once(const ConnInfo& conninfo, const ConnectSettings& settings,
                                      const std::shared_ptr<TenantSessions>& sessions,
                                      const SessionFactory& factory) {
  if (sessions->abandoning()) throw not_connecting(*sessions);
  ConnectLimits limits;
  limits.timeout = settings.connect_timeout;
  limits.abandon = [sessions] { return sessions->abandoning(); };
  std::unique_ptr<Session> session;
  try {
    session = factory ? factory(conninfo, limits) : connect_postgres(conninfo, limits);
  } catch (const ConnectError& e) {
    const std::string what = e.what();
    if (settings.tls != TlsPolicy::require || what.find("SSL") == std::string::npos) throw;
    throw ConnectError(e.kind(), e.sqlstate(), what + " (--require-tls)");
  }
  auto tracked = std::make_unique<TrackedSession>(std::move(session), sessions);
  sessions->record_tls(tracked->encrypted());
  if (settings.tls == TlsPolicy::require && !tracked->encrypted()) {
    throw ConnectError(ConnectError::Kind::permanent, "08P01",
                       "the connection to " + conninfo.host_port() +
                           " is not encrypted and --require-tls refuses it");
  }
  if (sessions->abandoning()) throw not_connecting(*sessions);
  return tracked;
}

// Sleeps `delay` on `clock`, waking early when the connect must be given up.
void back_off(std::chrono::milliseconds delay, const TenantSessions& sessions, util::Clock& clock) {
  constexpr std::chrono::milliseconds kSlice{50};
  const auto until = clock.now() + delay;
  while (!sessions.abandoning() && clock.now() < until) {
    clock.sleep_for(std::min<std::chrono::milliseconds>(
        kSlice, std::chrono::ceil<std::chrono::milliseconds>(until - clock.now())));
  }
}

Connector connector_for(const Tenant& tenant, const ConnectSettings& settings, StopControl& stop,
                        std::shared_ptr<TenantSessions> sessions, SessionFactory factory) {
  return [given = tenant.conninfo, text = tenant.connection_string, settings, &stop,
          sessions = std::move(sessions), factory]() -> std::unique_ptr<Session> {
    // A tenant that went through validation carries its parsed string; one built by hand (the
    // control plane, tests) is parsed here, where a ConnInfoError becomes the tenant's failure.
    const ConnInfo conninfo = prepare_conninfo(given ? *given : ConnInfo::parse(text), settings);
    util::SystemClock system_clock;
    util::Clock& clock = settings.clock ? *settings.clock : system_clock;
    // Errors that cannot heal (a password, a missing database, TLS) are never retried;
    // transient ones until --connect-retry-window is over, --tenant-timeout or a stop.
    ConnectRetry retry(settings.retry_window, clock);
    while (true) {
      try {
        return connect_once(conninfo, settings, sessions, factory);
      } catch (const ConnectError& e) {
        if (e.kind() != ConnectError::Kind::transient || stop.stop_requested() ||
            sessions->abandoning()) {
          throw;
        }
        const std::optional<std::chrono::milliseconds> delay = retry.next_delay();
        if (!delay) throw;
        back_off(*delay, *sessions, clock);
      }
    }
  };
}

// The outcome as the fleet reports it: what the deadline or a second SIGINT did to the tenant.
TenantOutcome completed(TenantOutcome outcome, const TenantSessions& sessions,
                        const ConnectSettings& settings) {
  outcome.tls = sessions.tls();
  if (is_ok(outcome.status)) return outcome;
  if (sessions.expired()) {
    ErrorInfo error;
    if (outcome.error) {
      error.version = outcome.error->version;
      error.detail = outcome.error->message;  // what the cancel or the close made of the query
    }
    error.message = "not done within --tenant-timeout " +
                    util::format_duration(settings.tenant_timeout.value_or(Millis(0))) +
                    ": its query was cancelled and its connection closed";
    error.phase = ErrorPhase::timeout;
    // A pending row left behind is still the tenant's truth: it stays `dirty`.
    if (outcome.status != TenantStatus::dirty) outcome.status = TenantStatus::failed;
    outcome.error = error;
  } else if (sessions.closed_by_stop() && (outcome.status == TenantStatus::failed ||
                                           outcome.status == TenantStatus::unreachable)) {
    outcome.status = TenantStatus::cancelled;
    if (outcome.reason.empty()) outcome.reason = "interrupted: its connection was closed";
  }
  return outcome;
}

}  // namespace

ConnInfo prepare_conninfo(const ConnInfo& given, const ConnectSettings& settings) {
  ConnInfo info = given;
  if (settings.pooler == PoolerHandling::use_direct_host) {
    info.set_host(neon_direct_host(info.host()));
  }
  // libpq fills keywords the string leaves out from PG* variables: PGPORT must not send us to
  // another server than the one named.
  if (!info.get("port")) info.set("port", info.port());
  info.set("application_name", settings.application_name);
  // Migration files are UTF-8; the server converts to the database's encoding.
  info.set("client_encoding", "UTF8");
  // The connect loop enforces the exact deadline; libpq counts whole seconds, at least 2.
  const long seconds = std::max<long>(2, (settings.connect_timeout.count() + 999) / 1000);
  info.set("connect_timeout", std::to_string(seconds));
  // A dead server or network is noticed within about a minute, not after the kernel's hours.
  set_unless_given(info, "keepalives", "1");
  set_unless_given(info, "keepalives_idle", "30");
  set_unless_given(info, "keepalives_interval", "10");
  set_unless_given(info, "keepalives_count", "3");
  set_unless_given(info, "tcp_user_timeout", "60000");
  if (settings.environment == LibpqEnvironment::ignored) {
    // An explicit value, even empty, keeps libpq from reading PGHOSTADDR, PGUSER, PGPASSWORD,
    // PGDATABASE, PGOPTIONS and PGTARGETSESSIONATTRS. Empty user and dbname mean libpq's own
    // defaults (the OS user; a database named like the user); an empty password still lets
    // the password file (~/.pgpass, PGPASSFILE) supply one.
    for (const char* keyword : {"hostaddr", "user", "password", "dbname", "options"}) {
      set_unless_given(info, keyword, "");
    }
    set_unless_given(info, "target_session_attrs", "any");
  }
  if (settings.tls == TlsPolicy::require) require_tls(info);
  return info;
}

Connector make_connector(const Tenant& tenant, const ConnectSettings& settings, StopControl& stop,
                         SessionFactory factory) {
  return connector_for(tenant, settings, stop, TenantSessions::create(stop), std::move(factory));
}

TenantOutcome run_connected(const Tenant& tenant, const ConnectSettings& settings,
                            StopControl& stop, const TenantWork& work, SessionFactory factory) {
  const auto sessions = TenantSessions::create(stop);
  const Connector connect = connector_for(tenant, settings, stop, sessions, std::move(factory));
  TenantOutcome outcome;
  {
    std::optional<TenantDeadline> deadline;
    if (settings.tenant_timeout) {
      try {
        deadline.emplace(*settings.tenant_timeout, sessions);
      } catch (const std::system_error& e) {
        outcome = not_run(tenant.id, TenantStatus::failed, "");
        outcome.error = ErrorInfo::message_only(
            std::nullopt, std::string("cannot watch --tenant-timeout: ") + e.what());
        return outcome;
      }
    }
    outcome = work(connect);
  }  // the deadline's watcher has ended here
  return completed(std::move(outcome), *sessions, settings);
}

}  // namespace pgfleet
