#include "pgfleet/fleet/tenant_migrations.hpp"

namespace pgfleet {
namespace {

// The version whose file is `path`, for error.version.
std::optional<Version> version_of_file(const MigrationSet& set, const std::string& path) {
  const auto is = [&](const std::optional<MigrationFile>& f) { return f && f->path == path; };
  for (const Migration& m : set.all()) {
    if (m.up.path == path || is(m.down) || is(m.verify)) return m.version;
  }
  return std::nullopt;
}

TenantOutcome refused_outcome(const Tenant& tenant, const MigrationSet& set,
                              const PlaceholderError& e) {
  TenantOutcome outcome = not_run(tenant.id, TenantStatus::invalid, e.what());
  outcome.error = ErrorInfo::message_only(version_of_file(set, e.file()), e.what())
                      .with_line(e.line())
                      .with_phase(ErrorPhase::placeholders);
  return outcome;
}

}  // namespace

bool is_builtin_placeholder(std::string_view name) {
  return name == "tenant_id" || name == "schema" || name == "database" || name == "run_id";
}

PlaceholderValues placeholder_values(const Tenant& tenant,
                                     const std::map<std::string, std::string>& defaults,
                                     const std::string& run_id) {
  PlaceholderValues values = defaults;
  for (const auto& [name, value] : tenant.vars) values[name] = value;
  values["tenant_id"] = tenant.id;
  values["schema"] = tenant.schema.value_or("");
  std::string database;
  if (tenant.conninfo) {
    database =
        tenant.conninfo->dbname().empty() ? tenant.conninfo->user() : tenant.conninfo->dbname();
  }
  values["database"] = database;
  values["run_id"] = run_id;
  return values;
}

TenantMigrations::TenantMigrations(const MigrationSet& as_written,
                                   std::map<std::string, std::string> defaults, std::string run_id,
                                   PlaceholderRendering rendering)
    : as_written_(as_written),
      uses_placeholders_(rendering == PlaceholderRendering::per_tenant &&
                         uses_placeholders(as_written)),
      defaults_(std::move(defaults)),
      run_id_(std::move(run_id)) {}

TenantMigrationSet TenantMigrations::for_tenant(const Tenant& tenant) const {
  TenantMigrationSet result;
  if (!uses_placeholders_) {
    // Not owned: an empty owner aliased to the shared set.
    result.set = std::shared_ptr<const MigrationSet>(std::shared_ptr<void>(), &as_written_);
    return result;
  }
  try {
    result.set = std::make_shared<const MigrationSet>(
        render_migration_set(as_written_, placeholder_values(tenant, defaults_, run_id_)));
  } catch (const PlaceholderError& e) {
    result.refused = refused_outcome(tenant, as_written_, e);
  }
  return result;
}

}  // namespace pgfleet
