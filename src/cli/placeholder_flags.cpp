#include "placeholder_flags.hpp"

#include <algorithm>

#include "pgfleet/cli/message_redaction.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/fleet/tenant_migrations.hpp"

namespace pgfleet::cli {
namespace {

bool is_name(const std::string& name) {
  const auto start = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  const auto rest = [&](char c) { return start(c) || (c >= '0' && c <= '9'); };
  return !name.empty() && start(name.front()) && std::all_of(name.begin(), name.end(), rest);
}

void add(PlaceholderFlags& flags, const std::string& item, const std::string& flag) {
  const std::size_t eq = item.find('=');
  if (eq == std::string::npos) throw UsageError(flag + ": expected NAME=VALUE");
  const std::string name = item.substr(0, eq);
  if (!is_name(name)) {
    throw UsageError(flag + ": the name before '=' must match [A-Za-z_][A-Za-z0-9_]*");
  }
  if (is_builtin_placeholder(name)) {
    throw UsageError(flag + " " + name +
                     ": built-in placeholder (tenant_id, schema, database, "
                     "run_id), pgfleet fills it in itself");
  }
  if (!flags.defaults.emplace(name, item.substr(eq + 1)).second)
    throw UsageError(flag + " " + name + ": given twice");
}

}  // namespace

PlaceholderFlags placeholder_flags(const Options& o) {
  PlaceholderFlags flags;
  for (const std::string& item : o.secret_vars) {
    add(flags, item, "--secret-var");
    const std::string value = item.substr(item.find('=') + 1);
    flags.secrets.push_back(value);
    redact_also(value);
  }
  for (const std::string& item : o.vars) add(flags, item, "--var");
  return flags;
}

}  // namespace pgfleet::cli
