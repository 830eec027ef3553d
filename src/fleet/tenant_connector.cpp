#include "pgfleet/fleet/tenant_connector.hpp"

#include <algorithm>
#include <thread>

#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/db/forwarding_session.hpp"
#include "pgfleet/util/backoff.hpp"

namespace pgfleet {
namespace {

// Forwards to the real session and stays registered with StopControl while it is open, so that
// a stop can cancel whatever query it is running.
class TrackedSession : public ForwardingSession {
 public:
  TrackedSession(std::unique_ptr<Session> inner, StopControl& stop)
      : ForwardingSession(std::move(inner)), stop_(stop) {
    stop_.track(&this->inner());
  }
  ~TrackedSession() override { stop_.untrack(&inner()); }

 private:
  StopControl& stop_;
};

}  // namespace

std::string prepare_conninfo(const Tenant& tenant, const ConnectSettings& settings) {
  // A tenant that went through validation carries its parsed string; one built by hand (the
  // control plane, tests) is parsed here.
  ConnInfo info = tenant.conninfo ? *tenant.conninfo : ConnInfo::parse(tenant.connection_string);
  if (settings.pooler == PoolerHandling::use_direct_host) {
    info.set_host(neon_direct_host(info.host()));
  }
  // libpq fills keywords the string leaves out from PG* variables: PGPORT must not send us to
  // another server than the one named (the CLI also drops PGHOSTADDR and PGSERVICE).
  if (!info.get("port")) info.set("port", info.port());
  info.set("application_name", settings.application_name);
  // libpq counts whole seconds and treats values below 2 as 2.
  const long seconds = std::max<long>(2, (settings.connect_timeout.count() + 999) / 1000);
  info.set("connect_timeout", std::to_string(seconds));
  return info.to_libpq();
}

Connector make_connector(const Tenant& tenant, const ConnectSettings& settings, StopControl& stop,
                         SessionFactory factory) {
  return [conninfo = prepare_conninfo(tenant, settings), settings, &stop,
          factory]() -> std::unique_ptr<Session> {
    for (int attempt = 1;; ++attempt) {
      try {
        return std::make_unique<TrackedSession>(factory(conninfo), stop);
      } catch (const ConnectError& e) {
        const bool retry = e.kind() == ConnectError::Kind::transient &&
                           attempt < settings.attempts && !stop.stop_requested();
        if (!retry) throw;
      }
      std::this_thread::sleep_for(util::backoff_delay(attempt, std::chrono::milliseconds(250),
                                                      std::chrono::milliseconds(4000)));
    }
  };
}

}  // namespace pgfleet
