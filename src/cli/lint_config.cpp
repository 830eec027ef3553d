#include "lint_config.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "pgfleet/cli/fleet_setup.hpp"
#include "pgfleet/cli/usage_error.hpp"

namespace pgfleet::cli {
namespace {

std::string known_rule(const std::string& path, const std::string& key, const std::string& id) {
  if (!find_lint_rule(id)) {
    throw UsageError(path + ": lint." + key + ": unknown rule '" + id + "' (docs/LINT.md)");
  }
  return id;
}

std::vector<std::string> rule_list(const std::string& path, const nlohmann::json& lint,
                                   const std::string& key) {
  std::vector<std::string> ids;
  if (!lint.contains(key)) return ids;
  if (!lint[key].is_array()) throw UsageError(path + ": lint." + key + " must be an array");
  for (const auto& id : lint[key]) {
    if (!id.is_string()) throw UsageError(path + ": lint." + key + " must hold rule ids");
    ids.push_back(known_rule(path, key, id.get<std::string>()));
  }
  return ids;
}

void read_severities(const std::string& path, const nlohmann::json& lint, LintConfig& config) {
  if (!lint.contains("severity")) return;
  if (!lint["severity"].is_object()) throw UsageError(path + ": lint.severity must be an object");
  for (const auto& [id, level] : lint["severity"].items()) {
    try {
      config.severity[known_rule(path, "severity", id)] =
          parse_lint_severity(level.is_string() ? level.get<std::string>() : level.dump());
    } catch (const std::invalid_argument& e) {
      throw UsageError(path + ": lint.severity." + id + ": " + e.what());
    }
  }
}

}  // namespace

LintConfig read_lint_config(const std::string& path) {
  LintConfig config;
  std::ifstream in(path);
  if (!in) return config;  // apply_config_file already refused a missing --config
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object() || !doc.contains("lint")) return config;
  const nlohmann::json& lint = doc["lint"];
  if (!lint.is_object()) throw UsageError(path + ": lint must be an object");
  for (const auto& [key, value] : lint.items()) {
    if (key != "exclude" && key != "include" && key != "severity" && key != "since" &&
        key != "schema-per-tenant") {
      throw UsageError(path + ": unknown key \"lint." + key +
                       "\" (known: exclude, include, severity, since, schema-per-tenant)");
    }
  }
  config.exclude = rule_list(path, lint, "exclude");
  config.include = rule_list(path, lint, "include");
  read_severities(path, lint, config);
  if (lint.contains("since")) {
    const auto& since = lint["since"];
    config.since =
        parse_version(since.is_string() ? since.get<std::string>() : since.dump(), "lint.since");
  }
  if (lint.contains("schema-per-tenant")) {
    if (!lint["schema-per-tenant"].is_boolean()) {
      throw UsageError(path + ": lint.schema-per-tenant must be true or false");
    }
    config.tenancy = lint["schema-per-tenant"].get<bool>() ? Tenancy::schema_per_tenant
                                                           : Tenancy::database_per_tenant;
  }
  return config;
}

}  // namespace pgfleet::cli
