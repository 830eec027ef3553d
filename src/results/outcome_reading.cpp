#include "pgfleet/results/outcome_reading.hpp"

#include "pgfleet/results/outcome_json.hpp"

namespace pgfleet {
namespace {

using nlohmann::json;

std::string text_of(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<Version> version_of(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<Version>();
}

std::optional<ErrorInfo> error_of(const json& record) {
  const auto it = record.find("error");
  if (it == record.end() || !it->is_object()) return std::nullopt;
  ErrorInfo e = ErrorInfo::message_only(version_of(*it, "version"), text_of(*it, "message"))
                    .with_sqlstate(text_of(*it, "sqlstate"))
                    .with_detail(text_of(*it, "detail"))
                    .with_hint(text_of(*it, "hint"));
  const auto line = it->find("statement_line");
  if (line != it->end() && line->is_number_integer()) e = e.with_line(line->get<int>());
  return e;
}

}  // namespace

std::optional<TenantStatus> tenant_status_named(const std::string& name) {
  for (TenantStatus s : kAllTenantStatuses) {
    if (name == to_string(s)) return s;
  }
  return std::nullopt;
}

TenantOutcome outcome_from_json(const json& record) {
  if (!record.is_object()) throw std::invalid_argument("not a JSON object");
  const auto status = tenant_status_named(text_of(record, "status"));
  if (!status || !record.contains("tenant_id") || !record["tenant_id"].is_string()) {
    throw std::invalid_argument("no tenant_id or no known status");
  }
  TenantOutcome o;
  o.tenant_id = record["tenant_id"].get<std::string>();
  o.status = *status;
  o.from_version = version_of(record, "from_version");
  o.to_version = version_of(record, "to_version");
  const json migrations = record.value("migrations", json::array());
  for (const json& m : migrations.is_array() ? migrations : json::array()) {
    if (!m.is_object()) continue;
    o.migrations.push_back({version_of(m, "version").value_or(0), text_of(m, "name"),
                            m.value("duration_ms", 0L), m.value("attempts", 1)});
  }
  o.error = error_of(record);
  o.reason = text_of(record, "reason");
  o.host = text_of(record, "host");
  const auto duration = record.find("duration_ms");
  if (duration != record.end() && duration->is_number_integer()) o.duration_ms = *duration;
  return o;
}

}  // namespace pgfleet
