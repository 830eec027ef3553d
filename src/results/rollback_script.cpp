#include "pgfleet/results/rollback_script.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet {
namespace {

constexpr const char* kTitle = "-- pgfleet rollback script";
constexpr const char* kTenant = "-- tenant: ";
constexpr const char* kRun = "-- run: ";
constexpr const char* kGeneratedAt = "-- generated_at: ";
constexpr const char* kFromVersion = "-- from_version: ";
constexpr const char* kToVersion = "-- to_version: ";
constexpr const char* kBeforeRun = " (before the run)";
constexpr const char* kAfterRun = " (after the run)";
constexpr const char* kNoTransaction = "-- pgfleet: no-transaction";
constexpr const char* kVersionHeading = "-- version ";
constexpr const char* kMissingDown = "-- pgfleet: missing-down ";
constexpr const char* kNoVersion = "none";

// A value written into a `--` comment must stay on that line.
std::string one_line(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

std::string version_text(const std::optional<Version>& v) {
  return v ? std::to_string(*v) : std::string(kNoVersion);
}

// True when the last line holding SQL text ends with ';' (so the DELETE starts a new statement).
bool ends_with_semicolon(const std::string& sql) {
  const auto last = sql.find_last_not_of(" \t\r\n");
  return last != std::string::npos && sql[last] == ';';
}

bool any_no_transaction_down(const std::vector<MigrationResult>& applied,
                             const MigrationSet& migrations) {
  for (const auto& m : applied) {
    const Migration* migration = migrations.find(m.version);
    if (migration && migration->down && migration->down->directives.tx == TxKind::no_transaction) {
      return true;
    }
  }
  return false;
}

std::string header(const TenantOutcome& outcome, const std::string& run_id,
                   std::chrono::system_clock::time_point generated_at, TxKind tx) {
  std::string out = std::string(kTitle) + "\n";
  out += kTenant + one_line(outcome.tenant_id) + "\n";
  out += kRun + one_line(run_id) + "\n";
  out += kGeneratedAt + util::format_rfc3339_utc(generated_at) + "\n";
  out += kFromVersion + version_text(outcome.from_version) + kBeforeRun + "\n";
  out += kToVersion + version_text(outcome.to_version) + kAfterRun + "\n";
  if (tx == TxKind::no_transaction) out += std::string(kNoTransaction) + "\n";
  return out;
}

// One version's section: its heading, then its .down and history delete (or the missing mark).
std::string section(const MigrationResult& applied, const Migration* migration,
                    const std::string& table) {
  const std::string version = std::to_string(applied.version);
  const std::string name = one_line(migration ? migration->name : applied.name);
  std::string out = "\n" + (kVersionHeading + version) + " (" + name + ")\n";
  if (!migration || !migration->down) return out + kMissingDown + version + "\n";
  const std::string& down = migration->down->sql;
  out += down;
  if (!down.empty() && down.back() != '\n') out += "\n";
  if (!ends_with_semicolon(down)) out += ";\n";  // a down ending without ';' (or in a comment)
  return out + "DELETE FROM " + table + " WHERE version = " + version + ";\n";
}

bool starts_with(const std::string& text, const char* prefix) {
  return text.compare(0, std::strlen(prefix), prefix) == 0;
}

bool ends_with(const std::string& text, const char* suffix) {
  const std::size_t n = std::strlen(suffix);
  return text.size() >= n && text.compare(text.size() - n, n, suffix) == 0;
}

// 1 to 18 digits and nothing else, as a version.
std::optional<Version> digits_as_version(const std::string& text) {
  const bool digits = !text.empty() && text.size() <= 18 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits) return std::nullopt;
  return std::stoll(text);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // a script saved with CRLF
    lines.push_back(line);
  }
  return lines;
}

// `-- from_version: 3 (before the run)` (or `none`) into `field`; false if it says neither.
bool read_version_field(const std::string& line, const char* prefix, const char* suffix,
                        std::optional<Version>& field) {
  std::string value = line.substr(std::strlen(prefix));
  if (ends_with(value, suffix)) value.resize(value.size() - std::strlen(suffix));
  field = digits_as_version(value);
  return field || value == kNoVersion;
}

// Reads the header's comment lines into `script`; returns the index of the first line after it.
std::size_t read_header(const std::vector<std::string>& lines, RollbackScript& script) {
  if (lines.empty() || lines[0] != kTitle) {
    script.damage = std::string("it does not start with \"") + kTitle + "\"";
    return lines.size();
  }
  std::size_t i = 1;
  for (; i < lines.size() && starts_with(lines[i], "--"); ++i) {
    const std::string& line = lines[i];
    if (starts_with(line, kTenant)) script.tenant_id = line.substr(std::strlen(kTenant));
    if (starts_with(line, kRun)) script.run_id = line.substr(std::strlen(kRun));
    if (line == kNoTransaction) script.steps = RollbackSteps::one_at_a_time;
    const bool version_ok =
        (!starts_with(line, kFromVersion) ||
         read_version_field(line, kFromVersion, kBeforeRun, script.from_version)) &&
        (!starts_with(line, kToVersion) ||
         read_version_field(line, kToVersion, kAfterRun, script.to_version));
    if (!version_ok) {
      script.damage = "its header line \"" + line + "\" names no version";
      return lines.size();
    }
  }
  return i;
}

// A section heading is `-- version <V> (<name>)` exactly; any other line is .down text.
std::optional<Version> heading_version(const std::string& line) {
  if (!starts_with(line, kVersionHeading) || !ends_with(line, ")")) return std::nullopt;
  const std::string rest = line.substr(std::strlen(kVersionHeading));
  const auto space = rest.find(" (");
  return space == std::string::npos ? std::nullopt : digits_as_version(rest.substr(0, space));
}

// The name in a section heading `-- version <V> (<name>)`.
std::string heading_name(const std::string& line) {
  const auto open = line.find(" (");
  return line.substr(open + 2, line.size() - open - 3);
}

// `0010_add_users` of `.../0010_add_users.up.sql`: the version as its file writes it.
std::string file_stem(const Migration& migration) {
  std::string name = migration.up.path.substr(migration.up.path.find_last_of('/') + 1);
  const std::string suffix = ".up.sql";
  if (ends_with(name, suffix.c_str())) name.resize(name.size() - suffix.size());
  return name;
}

std::optional<Version> missing_down_version(const std::string& line) {
  if (!starts_with(line, kMissingDown)) return std::nullopt;
  return digits_as_version(line.substr(std::strlen(kMissingDown)));
}

}  // namespace

std::string format_rollback_script(const TenantOutcome& outcome, const MigrationSet& migrations,
                                   const std::optional<std::string>& schema,
                                   const std::string& run_id,
                                   std::chrono::system_clock::time_point generated_at) {
  std::vector<MigrationResult> applied = outcome.migrations;
  std::sort(applied.begin(), applied.end(), [](const MigrationResult& a, const MigrationResult& b) {
    return a.version > b.version;
  });
  const TxKind tx =
      any_no_transaction_down(applied, migrations) ? TxKind::no_transaction : TxKind::transactional;
  std::string out = header(outcome, run_id, generated_at, tx);
  const std::string table = HistoryTable(schema).qualified_name();
  for (const auto& m : applied) out += section(m, migrations.find(m.version), table);
  return out;
}

RollbackScript parse_rollback_script(std::string text) {
  RollbackScript script;
  const std::vector<std::string> lines = lines_of(text);
  for (std::size_t i = read_header(lines, script); i < lines.size(); ++i) {
    if (const auto version = heading_version(lines[i])) {
      script.versions.push_back(*version);
      script.section_names[*version] = heading_name(lines[i]);
    }
    if (const auto version = missing_down_version(lines[i])) {
      script.missing_downs.push_back(*version);
    }
  }
  script.text = std::move(text);
  return script;
}

RollbackScript read_rollback_script(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ResultsError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_rollback_script(text.str());
}

std::string why_not_runnable(const RollbackScript& script, const MigrationSet& migrations) {
  const std::string refused = "rollback script cannot be run: ";
  if (!script.damage.empty()) return refused + "not a pgfleet rollback script: " + script.damage;
  if (script.missing_downs.empty()) return "";
  const Version version = script.missing_downs.front();
  const Migration* migration = migrations.find(version);
  const auto named = script.section_names.find(version);
  const std::string file = migration                             ? file_stem(*migration)
                           : named != script.section_names.end() ? named->second
                                                                 : std::string("?");
  return refused + "version " + std::to_string(version) + " (" + file + ") has no .down file";
}

bool is_script_of(const RollbackScript& script, const std::string& tenant_id) {
  return script.tenant_id == one_line(tenant_id);
}

}  // namespace pgfleet
