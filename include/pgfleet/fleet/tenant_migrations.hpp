#pragma once
// The migration set as each tenant gets it (docs/PREFLIGHT.md "Placeholders"): files with the
// placeholders directive rendered with the tenant's values before the tenant is touched; a
// tenant whose set cannot be rendered is `invalid` and never connected.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pgfleet/engine/outcome.hpp"
#include "pgfleet/engine/tenant.hpp"
#include "pgfleet/migrations/migration_set.hpp"
#include "pgfleet/migrations/placeholders.hpp"

namespace pgfleet {

// True for the names pgfleet fills in itself: tenant_id, schema, database, run_id.
bool is_builtin_placeholder(std::string_view name);

// A tenant's values: `defaults` (--var, --secret-var), overridden by the tenant's own vars,
// overridden by the built-ins (schema is "" without one; database is the dbname, or the user
// name when the connection string names none, as libpq does).
PlaceholderValues placeholder_values(const Tenant& tenant,
                                     const std::map<std::string, std::string>& defaults,
                                     const std::string& run_id);

// The set for one tenant, or why it has none.
struct TenantMigrationSet {
  std::shared_ptr<const MigrationSet> set;  // null when refused
  std::optional<TenantOutcome> refused;     // `invalid`, error.phase `placeholders`
};

// Whether a command renders placeholders: repair and baseline send no migration text, so a
// tenant missing a value can still be repaired or baselined.
enum class PlaceholderRendering { per_tenant, none };

class TenantMigrations {
 public:
  // `as_written` must outlive this.
  TenantMigrations(const MigrationSet& as_written, std::map<std::string, std::string> defaults,
                   std::string run_id,
                   PlaceholderRendering rendering = PlaceholderRendering::per_tenant);

  // The set as `tenant` gets it: the shared set itself when no file uses placeholders (no
  // copy), else a rendered copy. Never throws.
  TenantMigrationSet for_tenant(const Tenant& tenant) const;

 private:
  const MigrationSet& as_written_;
  bool uses_placeholders_;
  std::map<std::string, std::string> defaults_;
  std::string run_id_;
};

}  // namespace pgfleet
