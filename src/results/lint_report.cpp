#include "pgfleet/results/lint_report.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "lint_sarif.hpp"
#include "pgfleet/util/sha256.hpp"

namespace pgfleet {
namespace {

using nlohmann::json;

int line_of(const LintFinding& f) { return f.line < 1 ? 1 : f.line; }  // 0: the file as a whole

bool shown(const LintFinding& f, InfoFindings info) {
  return !f.suppressed() && (f.severity != LintSeverity::info || info == InfoFindings::shown);
}

std::string text(const std::vector<LintFinding>& findings, InfoFindings info) {
  std::string out;
  for (const LintFinding& f : findings) {
    if (!shown(f, info)) continue;
    out += fmt::format("{}:{}:{}: {}: {} [{}]\n", f.file, line_of(f), f.column,
                       to_string(f.severity), f.message, f.rule);
  }
  return out;
}

// GitHub workflow commands: properties and message escaped as the runner expects.
std::string github_escape(std::string_view s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else if (property && c == ':')
      out += "%3A";
    else if (property && c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

std::string github(const std::vector<LintFinding>& findings, InfoFindings info) {
  std::string out;
  for (const LintFinding& f : findings) {
    if (!shown(f, info)) continue;
    const char* level = f.severity == LintSeverity::info ? "notice" : to_string(f.severity);
    out += fmt::format("::{} file={},line={},col={},title={}::{}\n", level,
                       github_escape(f.file, true), line_of(f), f.column,
                       github_escape(f.rule, true), github_escape(f.message, false));
  }
  return out;
}

json finding_json(const LintFinding& f) {
  json j{{"file", f.file},
         {"line", line_of(f)},
         {"column", f.column},
         {"severity", to_string(f.severity)},
         {"rule", f.rule},
         {"message", f.message},
         {"suppressed", f.suppressed()}};
  if (f.suppressed()) j["suppression_reason"] = f.suppressed_reason;
  if (!f.table.empty()) j["table"] = f.table;
  return j;
}

std::string json_report(const std::vector<LintFinding>& findings) {
  json list = json::array();
  int errors = 0, warnings = 0, suppressed = 0;
  for (const LintFinding& f : findings) {
    list.push_back(finding_json(f));
    if (f.suppressed())
      ++suppressed;
    else if (f.severity == LintSeverity::error)
      ++errors;
    else if (f.severity == LintSeverity::warning)
      ++warnings;
  }
  const json doc{
      {"findings", list},
      {"summary", {{"errors", errors}, {"warnings", warnings}, {"suppressed", suppressed}}}};
  return doc.dump(2) + "\n";
}

std::string gitlab_severity(LintSeverity s) {
  return s == LintSeverity::error ? "major" : s == LintSeverity::warning ? "minor" : "info";
}

// GitLab Code Quality: a JSON array; the fingerprint identifies a finding across runs.
std::string gitlab(const std::vector<LintFinding>& findings, InfoFindings info) {
  json list = json::array();
  for (const LintFinding& f : findings) {
    if (!shown(f, info)) continue;
    list.push_back({{"description", f.message},
                    {"check_name", f.rule},
                    {"fingerprint", util::sha256_hex(f.file + "\n" + f.rule + "\n" +
                                                     std::to_string(f.line) + "\n" + f.message)},
                    {"severity", gitlab_severity(f.severity)},
                    {"location", {{"path", f.file}, {"lines", {{"begin", line_of(f)}}}}}});
  }
  return list.dump(2) + "\n";
}

std::string markdown(const std::vector<LintFinding>& findings, InfoFindings info) {
  std::string out = "| file | line | severity | rule | message |\n|---|---|---|---|---|\n";
  int rows = 0;
  for (const LintFinding& f : findings) {
    if (!shown(f, info)) continue;
    std::string message = f.message;
    for (std::size_t at = message.find('|'); at != std::string::npos;
         at = message.find('|', at + 2)) {
      message.replace(at, 1, "\\|");
    }
    out += fmt::format("| `{}` | {} | {} | `{}` | {} |\n", f.file, line_of(f),
                       to_string(f.severity), f.rule, message);
    ++rows;
  }
  return rows == 0 ? "No lint findings.\n" : out;
}

}  // namespace

LintFormat parse_lint_format(std::string_view t) {
  if (t == "text") return LintFormat::text;
  if (t == "json") return LintFormat::json;
  if (t == "github") return LintFormat::github;
  if (t == "sarif") return LintFormat::sarif;
  if (t == "gitlab") return LintFormat::gitlab;
  if (t == "markdown") return LintFormat::markdown;
  throw std::invalid_argument("unknown lint format '" + std::string(t) +
                              "' (known: text, json, github, sarif, gitlab, markdown)");
}

std::string format_lint_report(const std::vector<LintFinding>& findings, LintFormat format,
                               InfoFindings info) {
  switch (format) {
    case LintFormat::text: return text(findings, info);
    case LintFormat::json: return json_report(findings);
    case LintFormat::github: return github(findings, info);
    case LintFormat::sarif: return sarif_report(findings);
    case LintFormat::gitlab: return gitlab(findings, info);
    case LintFormat::markdown: return markdown(findings, info);
  }
  return text(findings, info);
}

}  // namespace pgfleet
