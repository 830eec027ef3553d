#include "lint_sarif.hpp"

#include <nlohmann/json.hpp>

#include "pgfleet/util/percent_encoding.hpp"

namespace pgfleet {
namespace {

using nlohmann::json;

constexpr const char* kSchema = "https://json.schemastore.org/sarif-2.1.0.json";

// SARIF levels: none | note | warning | error.
const char* sarif_level(LintSeverity s) { return s == LintSeverity::info ? "note" : to_string(s); }

json rules_json() {
  json rules = json::array();
  for (const LintRule& rule : lint_rules()) {
    rules.push_back({{"id", std::string(rule.id)},
                     {"shortDescription", {{"text", std::string(rule.summary)}}},
                     {"help", {{"text", "docs/LINT.md, section " + std::string(rule.id)}}},
                     {"defaultConfiguration", {{"level", sarif_level(rule.severity)}}}});
  }
  return rules;
}

// A file path as artifactLocation.uri: a relative (or path-absolute) URI reference (RFC 3986)
// whose segments are percent-encoded UTF-8, the '/' between them kept; unencoded, a space, '#',
// '%' or a ':' in the first segment would make another URI or none.
std::string sarif_uri(const std::string& path) {
  std::string uri;
  std::size_t from = 0;
  while (true) {
    const std::size_t slash = path.find('/', from);
    uri += util::percent_encode(std::string_view(path).substr(from, slash - from));
    if (slash == std::string::npos) return uri;
    uri += '/';
    from = slash + 1;
  }
}

json result_json(const LintFinding& f) {
  json region{{"startLine", f.line < 1 ? 1 : f.line}, {"startColumn", f.column < 1 ? 1 : f.column}};
  json result{{"ruleId", f.rule},
              {"level", sarif_level(f.severity)},
              {"message", {{"text", f.message}}},
              {"locations", json::array({{{"physicalLocation",
                                           {{"artifactLocation", {{"uri", sarif_uri(f.file)}}},
                                            {"region", region}}}}})}};
  if (f.suppressed()) {
    result["suppressions"] =
        json::array({{{"kind", "inSource"}, {"justification", f.suppressed_reason}}});
  }
  return result;
}

}  // namespace

std::string sarif_report(const std::vector<LintFinding>& findings) {
  json results = json::array();
  for (const LintFinding& f : findings) results.push_back(result_json(f));
  const json driver{{"name", "pgfleet"}, {"version", PGFLEET_VERSION}, {"rules", rules_json()}};
  const json log{{"$schema", kSchema},
                 {"version", "2.1.0"},
                 {"runs", json::array({{{"tool", {{"driver", driver}}}, {"results", results}}})}};
  return log.dump(2) + "\n";
}

}  // namespace pgfleet
