#include "pgfleet/results/outcome_reading.hpp"

#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet {
namespace {

using nlohmann::json;

// Each reader leaves its target alone when the key is missing or of another type: a line
// written by an older or newer pgfleet still reads.
void read(const json& j, const char* key, std::string& out) {
  const auto it = j.find(key);
  if (it != j.end() && it->is_string()) out = it->get<std::string>();
}

void read(const json& j, const char* key, long& out) {
  const auto it = j.find(key);
  if (it != j.end() && it->is_number_integer()) out = it->get<long>();
}

void read(const json& j, const char* key, std::optional<Version>& out) {
  const auto it = j.find(key);
  if (it != j.end() && it->is_number_integer()) out = it->get<Version>();
}

std::optional<ErrorPhase> parse_phase(const std::string& text) {
  for (ErrorPhase p : {ErrorPhase::connect, ErrorPhase::lock, ErrorPhase::migrate,
                       ErrorPhase::verify, ErrorPhase::timeout, ErrorPhase::placeholders}) {
    if (text == to_string(p)) return p;
  }
  return std::nullopt;
}

ErrorInfo error_from_json(const json& j) {
  ErrorInfo e;
  read(j, "version", e.version);
  read(j, "sqlstate", e.sqlstate);
  read(j, "message", e.message);
  read(j, "detail", e.detail);
  read(j, "hint", e.hint);
  long line = 0;
  read(j, "statement_line", line);
  if (line > 0) e.statement_line = static_cast<int>(line);
  std::string phase;
  read(j, "phase", phase);
  e.phase = parse_phase(phase);
  return e;
}

MigrationResult migration_from_json(const json& j) {
  MigrationResult m;
  read(j, "version", m.version);
  read(j, "name", m.name);
  read(j, "duration_ms", m.duration_ms);
  long attempts = m.attempts;
  read(j, "attempts", attempts);
  m.attempts = static_cast<int>(attempts);
  const auto locks = j.find("locks");
  if (locks != j.end() && locks->is_array()) {
    for (const json& l : *locks) {
      if (!l.is_object()) continue;
      RelationLock lock;
      read(l, "relation", lock.relation);
      read(l, "mode", lock.mode);
      m.locks.push_back(std::move(lock));
    }
  }
  long verify_ms = -1;
  read(j, "verify_ms", verify_ms);
  if (verify_ms >= 0) m.verify_ms = verify_ms;
  return m;
}

void read_lists(const json& j, TenantOutcome& o) {
  const auto migrations = j.find("migrations");
  if (migrations != j.end() && migrations->is_array()) {
    for (const json& m : *migrations) {
      if (m.is_object()) o.migrations.push_back(migration_from_json(m));
    }
  }
  const auto pending = j.find("pending");
  if (pending != j.end() && pending->is_array()) {
    for (const json& v : *pending) {
      if (v.is_number_integer()) o.pending.push_back(v.get<Version>());
    }
  }
  const auto error = j.find("error");
  if (error != j.end() && error->is_object()) o.error = error_from_json(*error);
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_result_time(const std::string& text) {
  auto time = util::parse_rfc3339(text);
  // parse_rfc3339 drops a fraction; results are written to the millisecond and read back so.
  constexpr std::size_t kFraction = 20;  // after "YYYY-MM-DDTHH:MM:SS."
  if (!time || text.size() < kFraction || text[kFraction - 1] != '.') return time;
  long ms = 0, scale = 100;
  for (std::size_t i = kFraction;
       i < text.size() && scale > 0 && std::isdigit(static_cast<unsigned char>(text[i]));
       ++i, scale /= 10) {
    ms += (text[i] - '0') * scale;
  }
  return *time + std::chrono::milliseconds(ms);
}

std::optional<TenantStatus> parse_tenant_status(const std::string& text) {
  for (TenantStatus s : kAllTenantStatuses) {
    if (text == to_string(s)) return s;
  }
  return std::nullopt;
}

std::optional<TenantOutcome> outcome_from_json_line(const std::string& line) {
  const json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  const auto id = j.find("tenant_id");
  const auto status = j.find("status");
  if (id == j.end() || !id->is_string() || status == j.end() || !status->is_string()) {
    return std::nullopt;
  }
  const auto parsed = parse_tenant_status(status->get<std::string>());
  if (!parsed) return std::nullopt;
  TenantOutcome o;
  o.tenant_id = id->get<std::string>();
  o.status = *parsed;
  read(j, "from_version", o.from_version);
  read(j, "to_version", o.to_version);
  read(j, "reason", o.reason);
  read(j, "host", o.host);
  read(j, "duration_ms", o.duration_ms);
  const auto tls = j.find("tls");
  if (tls != j.end() && tls->is_boolean()) o.tls = tls->get<bool>();
  std::string started;
  read(j, "started_at", started);
  if (auto t = parse_result_time(started)) o.started_at = *t;
  read_lists(j, o);
  return o;
}

std::vector<int> read_tenants_jsonl(std::istream& lines,
                                    const std::function<void(TenantOutcome&&)>& each) {
  std::vector<int> damaged;
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (auto outcome = outcome_from_json_line(line)) {
      each(std::move(*outcome));
    } else {
      damaged.push_back(number);
    }
  }
  return damaged;
}

TenantsFile parse_tenants_jsonl(const std::string& text) {
  TenantsFile file;
  std::istringstream lines(text);
  file.damaged_lines = read_tenants_jsonl(
      lines, [&file](TenantOutcome&& outcome) { file.tenants.push_back(std::move(outcome)); });
  return file;
}

}  // namespace pgfleet
