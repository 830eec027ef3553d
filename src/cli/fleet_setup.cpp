#include "pgfleet/cli/fleet_setup.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>

#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/db/session.hpp"
#include "pgfleet/fleet/tenant_selection.hpp"
#include "pgfleet/fleet/tenant_sources.hpp"
#include "pgfleet/util/duration.hpp"
#include "placeholder_flags.hpp"

namespace pgfleet::cli {
namespace {

Millis duration_flag(const std::string& text, const std::string& flag) {
  try {
    return util::parse_duration(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError("--" + flag + ": " + e.what());
  }
}

std::vector<Tenant> from_control_plane(const Options& o) {
  const char* key = std::getenv("PGFLEET_CONTROL_PLANE_KEY");
  std::optional<std::string> bound_key;
  if (key && *key) bound_key = key;
  const std::string query = o.tenant_query.empty() ? kDefaultTenantQuery : o.tenant_query;
  Tenant control_plane;
  control_plane.id = "control-plane";
  control_plane.connection_string = o.control_plane;
  try {
    control_plane.conninfo = ConnInfo::parse(o.control_plane);
    ConnectSettings settings;
    settings.application_name = "pgfleet/control-plane";
    settings.connect_timeout = duration_flag(o.connect_timeout, "connect-timeout");
    settings.retry_window = duration_flag(o.connect_retry_window, "connect-retry-window");
    // The operator's own database: PGPASSWORD and friends work as they do for psql.
    settings.environment = LibpqEnvironment::honoured;
    StopControl& stop = StopControl::process();
    auto session = make_connector(control_plane, settings, stop)();
    return load_tenants_from_control_plane(*session, query, bound_key);
  } catch (const ConnInfoError& e) {
    throw UsageError(std::string("--control-plane: ") + e.what());
  } catch (const std::exception& e) {
    throw RunError(std::string("control plane: ") + e.what());
  }
}

std::vector<Tenant> from_file(const std::string& path) {
  try {
    if (path == "-") return load_tenants_from_json(std::cin, "stdin");
    std::ifstream in(path);
    if (!in) throw UsageError("--tenants: cannot read " + path);
    return load_tenants_from_json(in, path);
  } catch (const TenantSourceError& e) {
    throw UsageError(e.what());
  }
}

void check_one_source(const Options& o) {
  const int sources =
      !o.control_plane.empty() + !o.tenants_file.empty() + static_cast<int>(!o.dsns.empty());
  if (sources == 0) {
    throw UsageError(
        "no tenants: give --control-plane URL (or PGFLEET_CONTROL_PLANE), --tenants FILE or "
        "--dsn URL");
  }
  if (sources > 1) throw UsageError("give only one of --control-plane, --tenants, --dsn");
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// "no tenants selected" with the source and the filters that left none (README.md, "Tenants").
std::string no_tenants_selected(const Options& o) {
  std::string source = !o.control_plane.empty()
                           ? (o.tenant_query.empty() ? "the control plane (default tenant query)"
                                                     : "the control plane (--tenant-query)")
                       : !o.tenants_file.empty() ? "--tenants " + o.tenants_file
                                                 : "--dsn";
  std::string filters;
  if (!o.only.empty()) filters += " --only " + joined(o.only);
  if (!o.exclude.empty()) filters += " --exclude " + joined(o.exclude);
  if (!o.shard.empty()) {
    const ShardSpec shard = shard_flag(o);
    filters += " --shard " + o.shard + " (shard " + std::to_string(shard.index) + " of " +
               std::to_string(shard.count) + ")";
  }
  return "no tenants selected from " + source +
         (filters.empty() ? " (it lists none)" : " with" + filters) +
         "; pass --allow-empty to let an empty selection succeed";
}

}  // namespace

MigrationSet load_migrations(const Options& o) {
  try {
    return MigrationSet::load(o.migrations_dir);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
}

std::vector<Tenant> load_fleet(const Options& o) {
  check_one_source(o);
  std::vector<Tenant> tenants;
  if (!o.control_plane.empty()) {
    tenants = from_control_plane(o);
  } else if (!o.tenants_file.empty()) {
    tenants = from_file(o.tenants_file);
  } else {
    for (const auto& dsn : o.dsns) tenants.push_back(tenant_from_dsn(dsn));
  }
  validate_tenants(tenants);
  try {
    TenantSelection selection;
    selection.only = {o.only.begin(), o.only.end()};
    selection.exclude = {o.exclude.begin(), o.exclude.end()};
    if (!o.shard.empty()) selection.shard = shard_flag(o);
    SelectedTenants selected = select_tenants(std::move(tenants), selection);
    if (!selected.unknown_only_ids.empty()) {
      std::string ids;
      for (const auto& id : selected.unknown_only_ids) ids += (ids.empty() ? "" : ", ") + id;
      throw UsageError("--only: no such tenant: " + ids);
    }
    if (selected.tenants.empty() && !o.allow_empty) throw UsageError(no_tenants_selected(o));
    return selected.tenants;
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

void check_fleet_flags(const Options& o) {
  const std::string any_run_id = "check";  // the settings are only parsed here
  check_one_source(o);
  run_settings(o, any_run_id);
  connect_settings(o, any_run_id);
  failure_policy(o);
  grace_period(o);
  placeholder_flags(o);
  if (!o.version.empty()) parse_version(o.version, "version");
  if (!o.shard.empty()) shard_flag(o);
}

ShardSpec shard_flag(const Options& o) {
  const char* index = std::getenv("JOB_COMPLETION_INDEX");
  try {
    return parse_shard(o.shard, index ? std::optional<std::string>(index) : std::nullopt);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

Version parse_version(const std::string& text, const std::string& flag) {
  const bool digits = !text.empty() && text.size() <= 18 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits)
    throw UsageError("--" + flag + ": expected a version (1-18 digits), got \"" + text + "\"");
  return std::stoll(text);
}

std::string tenant_host_port(const Tenant& t) {
  return t.invalid_reason.empty() && t.conninfo ? t.conninfo->host_port() : "";
}

std::string operator_name() {
  const char* user = std::getenv("USER");
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(user && *user ? user : "unknown") + "@" + host;
}

RunSettings run_settings(const Options& o, const std::string& run_id) {
  RunSettings s;
  s.run_id = run_id;
  s.applied_by = operator_name();
  if (!o.target.empty()) s.target = parse_version(o.target, "target");
  s.tx_mode = o.tx_mode == "tenant" ? TxMode::tenant : TxMode::file;
  s.lock_timeout = duration_flag(o.lock_timeout, "lock-timeout");
  if (!o.statement_timeout.empty()) {
    s.statement_timeout = duration_flag(o.statement_timeout, "statement-timeout");
  }
  s.retries = o.retries;
  s.lock_wait = duration_flag(o.lock_wait, "lock-wait");
  return s;
}

ConnectSettings connect_settings(const Options& o, const std::string& run_id) {
  ConnectSettings s;
  s.application_name = "pgfleet/" + run_id;
  s.connect_timeout = duration_flag(o.connect_timeout, "connect-timeout");
  s.retry_window = duration_flag(o.connect_retry_window, "connect-retry-window");
  s.pooler = o.keep_pooler ? PoolerHandling::keep_pooler : PoolerHandling::use_direct_host;
  s.tls = o.require_tls ? TlsPolicy::require : TlsPolicy::allow_plaintext;
  if (!o.tenant_timeout.empty()) {
    s.tenant_timeout = duration_flag(o.tenant_timeout, "tenant-timeout");
    if (s.tenant_timeout->count() <= 0) throw UsageError("--tenant-timeout: must be more than 0");
  }
  return s;
}

PoolLimits pool_limits(const Options& o) { return {o.concurrency, o.per_host}; }

FailurePolicy failure_policy(const Options& o) {
  FailurePolicy p;
  if (o.max_failures > 0) p.max_failures = o.max_failures;
  if (!o.max_failure_rate.empty()) {
    std::string text = o.max_failure_rate;
    if (text.back() == '%') text.pop_back();
    try {
      std::size_t used = 0;
      p.max_failure_rate = std::stod(text, &used);
      if (used != text.size() || *p.max_failure_rate < 0 || *p.max_failure_rate > 100) throw 0;
    } catch (...) {
      throw UsageError("--max-failure-rate: expected a percentage like 5% (0-100), got \"" +
                       o.max_failure_rate + "\"");
    }
  }
  p.canary = o.canary;
  return p;
}

std::chrono::milliseconds grace_period(const Options& o) { return duration_flag(o.grace, "grace"); }

}  // namespace pgfleet::cli
