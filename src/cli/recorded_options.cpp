#include "pgfleet/cli/recorded_options.hpp"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <type_traits>

#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/usage_error.hpp"

namespace pgfleet::cli {
namespace {

// Every run flag a resume restores, by its flag name; `visit(name, member)` for each. One list
// for writing and reading, so that the two cannot drift apart.
template <typename AnyOptions, typename Visit>
void each_run_flag(AnyOptions& o, Visit&& visit) {
  visit("target", o.target);
  visit("tenant-query", o.tenant_query);
  visit("concurrency", o.concurrency);
  visit("per-host", o.per_host);
  visit("connect-timeout", o.connect_timeout);
  visit("connect-retry-window", o.connect_retry_window);
  visit("lock-timeout", o.lock_timeout);
  visit("lock-wait", o.lock_wait);
  visit("statement-timeout", o.statement_timeout);
  visit("tx-mode", o.tx_mode);
  visit("retries", o.retries);
  visit("max-failures", o.max_failures);
  visit("max-failure-rate", o.max_failure_rate);
  visit("canary", o.canary);
  visit("grace", o.grace);
  visit("tenant-timeout", o.tenant_timeout);
  visit("require-tls", o.require_tls);
  visit("keep-pooler", o.keep_pooler);
  visit("lease", o.lease);
  visit("neon-branch", o.neon_branch);
}

// `path` made absolute against the working directory (a resume may start elsewhere).
std::string absolute(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) return path;
  return std::string(cwd) + "/" + (path.rfind("./", 0) == 0 ? path.substr(2) : path);
}

}  // namespace

nlohmann::json recorded_options(const Options& o) {
  nlohmann::json recorded = nlohmann::json::object();
  each_run_flag(o, [&](const char* name, const auto& value) { recorded[name] = value; });
  recorded["migrations"] = absolute(o.migrations_dir);
  if (!o.tenants_file.empty() && o.tenants_file != "-") {
    recorded["tenants"] = absolute(o.tenants_file);
  }
  // The selection, for the reader: a resume runs the run's recorded tenant ids instead.
  recorded["only"] = o.only;
  recorded["exclude"] = o.exclude;
  if (!o.shard.empty()) {
    const ShardSpec shard = shard_flag(o);
    recorded["shard"] = std::to_string(shard.index) + "/" + std::to_string(shard.count);
  }
  return recorded;
}

Options with_recorded_options(Options given, const nlohmann::json& recorded) {
  each_run_flag(given, [&](const char* name, auto& value) {
    const auto it = recorded.find(name);
    if (it == recorded.end()) return;
    try {
      value = it->template get<std::decay_t<decltype(value)>>();
    } catch (const nlohmann::json::exception&) {
      throw UsageError(std::string("the run's recorded option \"") + name +
                       "\" has a value of the wrong type");
    }
  });
  if (given.migrations_dir.empty()) given.migrations_dir = recorded.value("migrations", "");
  const bool source_given =
      !given.control_plane.empty() || !given.tenants_file.empty() || !given.dsns.empty();
  if (!source_given) given.tenants_file = recorded.value("tenants", "");
  given.only.clear();
  given.exclude.clear();
  given.shard.clear();
  given.allow_empty = true;  // the run's tenants are known; none left is not a usage error
  return given;
}

std::string tenant_source_kind(const Options& o) {
  if (!o.control_plane.empty()) return "control-plane";
  if (!o.tenants_file.empty()) return "tenants";
  return "dsn";
}

}  // namespace pgfleet::cli
