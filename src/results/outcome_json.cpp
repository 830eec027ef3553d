#include "pgfleet/results/outcome_json.hpp"

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

}  // namespace

nlohmann::json outcome_to_json(const TenantOutcome& o) {
  json migrations = json::array();
  for (const auto& m : o.migrations) {
    json locks = json::array();
    for (const auto& l : m.locks) locks.push_back(json{{"relation", l.relation}, {"mode", l.mode}});
    migrations.push_back(json{{"version", m.version},
                              {"name", m.name},
                              {"duration_ms", m.duration_ms},
                              {"attempts", m.attempts},
                              {"locks", std::move(locks)},
                              {"verify_ms", m.verify_ms ? json(*m.verify_ms) : json(nullptr)}});
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
