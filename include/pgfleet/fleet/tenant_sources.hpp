#pragma once
// Where tenants come from (README "Tenants"): the control-plane query, a JSON / JSON Lines
// file, --dsn.
// Loading keeps bad rows; validate_tenants() then marks them `invalid` so the run goes on.
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "pgfleet/db/session.hpp"
#include "pgfleet/engine/tenant.hpp"

namespace pgfleet {

// The tenant query used when --tenant-query is not given.
inline constexpr const char* kDefaultTenantQuery =
    "SELECT id, connection_string FROM tenants WHERE active ORDER BY id";

// The tenant list itself could not be read: a failed or malformed query, a file that is not
// JSON. Never contains a connection string or the control-plane key.
class TenantSourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs `query` on the control plane (with `key` bound as $1 when given) and reads the columns
// `id`, `connection_string` (or `dsn`), and optionally `neon_project_id` and `schema` by name;
// every other non-NULL column becomes one of the tenant's vars.
// Throws TenantSourceError for a failed query or a missing required column (the key is
// redacted from server messages), ConnectionLost if the connection breaks.
std::vector<Tenant> load_tenants_from_control_plane(Session& control_plane,
                                                    const std::string& query,
                                                    const std::optional<std::string>& key);

// Reads a JSON array of tenant objects or JSON Lines (one object per line) with the same keys as
// the query; other string keys become the tenant's vars. Throws TenantSourceError naming
// `source_name` and the line for bad JSON or an element that is not an object; a wrong value type
// only makes that row invalid.
std::vector<Tenant> load_tenants_from_json(std::istream& in, const std::string& source_name);

// A tenant for --dsn: its id is the database name (the user name when no dbname is given, as
// libpq does). An unparsable DSN gives a tenant with invalid_reason set.
Tenant tenant_from_dsn(const std::string& dsn);

// Marks bad rows invalid (sets invalid_reason, keeps the first reason found): empty id, an id
// that appears more than once (every occurrence: no way to know which row is right), an empty,
// unparsable or hostless connection string, a bad schema name, a second tenant on the same
// host:port/database[/schema] as an earlier one. Never throws; reasons never contain a password.
void validate_tenants(std::vector<Tenant>& tenants);

// True for a schema name pgfleet accepts: [A-Za-z_][A-Za-z0-9_$]*, at most 63 bytes, not pg_*.
bool is_valid_schema_name(const std::string& schema);

}  // namespace pgfleet
