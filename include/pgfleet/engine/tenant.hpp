#pragma once
// A tenant as read from the control plane, a file or --dsn (README.md, "Tenants").
#include <map>
#include <optional>
#include <string>

#include "pgfleet/db/conninfo.hpp"

namespace pgfleet {

struct Tenant {
  std::string id;
  std::string connection_string;      // as given; may carry a password: never print it
  std::optional<std::string> schema;  // schema-per-tenant mode
  std::optional<std::string> neon_project_id;
  std::string invalid_reason;  // non-empty: the row was bad, the tenant is `invalid`
  // The connection string parsed once, when the tenant is read (--dsn) or validated; everything
  // after that (host for results and --per-host, the connector, Neon preflight) reads this.
  std::optional<ConnInfo> conninfo{};
  // Its own placeholder values (docs/PREFLIGHT.md "Placeholders"): the extra columns of the
  // tenant query, the extra string keys of a tenants-file object. NULL columns are left out.
  std::map<std::string, std::string> vars{};
};

}  // namespace pgfleet
