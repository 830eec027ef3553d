#include "pgfleet/results/outcome_json.hpp"

#include <algorithm>
#include <stdexcept>

#include "pgfleet/util/rfc3339.hpp"
#include "pgfleet/util/utf8.hpp"

namespace pgfleet {
namespace {

using nlohmann::json;

json optional_version(const std::optional<Version>& v) { return v ? json(*v) : json(nullptr); }

json error_to_json(const ErrorInfo& e) {
  return json{{"version", optional_version(e.version)},
              {"sqlstate", e.sqlstate.empty() ? json(nullptr) : json(e.sqlstate)},
              {"message", e.message},
              {"detail", e.detail.empty() ? json(nullptr) : json(e.detail)},
              {"hint", e.hint.empty() ? json(nullptr) : json(e.hint)},
              {"statement_line", e.statement_line ? json(*e.statement_line) : json(nullptr)},
              {"phase", e.phase ? json(to_string(*e.phase)) : json(nullptr)}};
}

std::optional<Version> version_of(const json& record, const char* key) {
  const auto it = record.find(key);
  if (it == record.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<Version>();
}

std::string text_of(const json& record, const char* key) {
  const auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

long number_of(const json& record, const char* key) {
  const auto it = record.find(key);
  return it != record.end() && it->is_number_integer() ? it->get<long>() : 0;
}

std::optional<ErrorPhase> phase_of(const std::string& text) {
  for (ErrorPhase p : {ErrorPhase::connect, ErrorPhase::lock, ErrorPhase::migrate,
                       ErrorPhase::verify, ErrorPhase::timeout, ErrorPhase::placeholders}) {
    if (text == to_string(p)) return p;
  }
  return std::nullopt;
}

ErrorInfo error_from_json(const json& e) {
  ErrorInfo error = ErrorInfo::message_only(version_of(e, "version"), text_of(e, "message"))
                        .with_sqlstate(text_of(e, "sqlstate"))
                        .with_detail(text_of(e, "detail"))
                        .with_hint(text_of(e, "hint"));
  if (const auto line = version_of(e, "statement_line")) {
    error = error.with_line(static_cast<int>(*line));
  }
  error.phase = phase_of(text_of(e, "phase"));
  return error;
}

std::vector<MigrationResult> migrations_from_json(const json& record) {
  std::vector<MigrationResult> migrations;
  const auto it = record.find("migrations");
  if (it == record.end() || !it->is_array()) return migrations;
  for (const json& m : *it) {
    if (!m.is_object() || !version_of(m, "version")) continue;
    migrations.push_back({*version_of(m, "version"), text_of(m, "name"),
                          number_of(m, "duration_ms"), static_cast<int>(number_of(m, "attempts"))});
  }
  return migrations;
}

}  // namespace

TenantOutcome outcome_from_json(const nlohmann::json& record) {
  if (!record.is_object() || !record.contains("tenant_id") || !record["tenant_id"].is_string()) {
    throw std::invalid_argument("a tenants.jsonl record without a tenant_id");
  }
  TenantOutcome o;
  o.tenant_id = record["tenant_id"].get<std::string>();
  const std::string status = text_of(record, "status");
  const auto known = std::find_if(kAllTenantStatuses.begin(), kAllTenantStatuses.end(),
                                  [&](TenantStatus s) { return status == to_string(s); });
  if (known == kAllTenantStatuses.end()) {
    throw std::invalid_argument("tenant " + o.tenant_id + ": unknown status \"" + status + "\"");
  }
  o.status = *known;
  o.from_version = version_of(record, "from_version");
  o.to_version = version_of(record, "to_version");
  o.migrations = migrations_from_json(record);
  if (record.contains("pending") && record["pending"].is_array()) {
    for (const json& v : record["pending"]) {
      if (v.is_number_integer()) o.pending.push_back(v.get<Version>());
    }
  }
  if (record.contains("error") && record["error"].is_object()) {
    o.error = error_from_json(record["error"]);
  }
  o.reason = text_of(record, "reason");
  o.host = text_of(record, "host");
  if (record.contains("tls") && record["tls"].is_boolean()) o.tls = record["tls"].get<bool>();
  o.started_at = util::parse_rfc3339(text_of(record, "started_at")).value_or(o.started_at);
  o.duration_ms = number_of(record, "duration_ms");
  return o;
}

nlohmann::json outcome_to_json(const TenantOutcome& o) {
  json migrations = json::array();
  for (const auto& m : o.migrations) {
    migrations.push_back(json{{"version", m.version},
                              {"name", m.name},
                              {"duration_ms", m.duration_ms},
                              {"attempts", m.attempts}});
  }
  json record{{"tenant_id", o.tenant_id},
              {"status", to_string(o.status)},
              {"from_version", optional_version(o.from_version)},
              {"to_version", optional_version(o.to_version)},
              {"migrations", std::move(migrations)},
              {"error", o.error ? error_to_json(*o.error) : json(nullptr)},
              {"host", o.host.empty() ? json(nullptr) : json(o.host)},
              {"tls", o.tls ? json(*o.tls) : json(nullptr)},
              {"started_at", util::format_rfc3339_utc(o.started_at)},
              {"duration_ms", o.duration_ms}};
  if (o.status == TenantStatus::pending || !o.pending.empty()) record["pending"] = o.pending;
  if (!o.reason.empty()) record["reason"] = o.reason;
  return record;
}

std::string dump_json_line(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string printable_line(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t bad = util::first_invalid_utf8_byte(rest).value_or(rest.size());
    for (char c : rest.substr(0, bad)) {
      const auto u = static_cast<unsigned char>(c);
      out += u < 0x20 || u == 0x7f ? '?' : c;
    }
    if (bad == rest.size()) break;
    out += "\xEF\xBF\xBD";  // U+FFFD for the one invalid byte, then go on after it
    rest.remove_prefix(bad + 1);
  }
  return out;
}

std::string describe_problem(const TenantOutcome& o) {
  if (!o.error) return o.reason;
  const ErrorInfo& e = *o.error;
  std::string text = e.sqlstate.empty() ? e.message : e.sqlstate + " " + e.message;
  std::string where;
  if (e.version) where = "version " + std::to_string(*e.version);
  if (e.statement_line) {
    where += (where.empty() ? "" : ", ") + std::string("line ") + std::to_string(*e.statement_line);
  }
  if (!where.empty()) text += " (" + where + ")";
  return text;
}

}  // namespace pgfleet
