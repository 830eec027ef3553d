#pragma once
// What lint's rule groups share: the words helpers, what the directory did so far (read in
// version order), and the one file being linted. Private to src/migrations.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pgfleet/migrations/lint.hpp"
#include "pgfleet/sql/splitter.hpp"

namespace pgfleet::lint_detail {

using Words = std::vector<std::string>;

inline bool has(const Words& w, std::string_view word) {
  return std::find(w.begin(), w.end(), word) != w.end();
}
inline bool starts_with(const Words& w, std::initializer_list<std::string_view> prefix) {
  return w.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), w.begin());
}
// True when `a b` appear next to each other.
bool has_pair(const Words& w, std::string_view a, std::string_view b);
inline std::string word_at(const Words& w, std::size_t i) {
  return i < w.size() ? w[i] : std::string();
}
// Index of the first `word` at or after `from`, or w.size().
std::size_t find_word(const Words& w, std::string_view word, std::size_t from = 0);

// The parts of `text` between top-level commas at parenthesis depth `depth` (0: the actions of
// an ALTER TABLE; 1: the column list of a CREATE TABLE), trimmed.
std::vector<std::string> items_at_depth(std::string_view text, int depth);
// Upper-cased type of a column definition "name type [constraints]", spaces removed, e.g.
// "VARCHAR(20)" or "TIMESTAMPWITHTIMEZONE". Empty when there is none.
std::string column_type(std::string_view definition);
// Words of a piece of SQL, qualified names by their last part.
Words words_of(std::string_view text);
// The text after the first `n` words of `text` (a dotted name counts as one word).
std::string_view after_words(std::string_view text, std::size_t n);

// A name as a reader wrote it: an unquoted identifier lower-cased (the words upper-case it).
std::string shown_name(const std::string& word);
// A name as the catalog spells it: unquoted lower-cased, quoted without its quotes.
std::string catalog_name(const std::string& word);

// A finding of `rule` at its default severity.
LintFinding finding_of(std::string file, int line, std::string_view rule, std::string message);

// What earlier statements and files did, for rules that depend on it.
struct DirectoryState {
  std::map<std::string, std::map<std::string, std::string>> column_types;  // table → col → type
  std::set<std::string> not_null_checked;                 // "table.col" with a valid CHECK
  std::map<std::string, std::string> unvalidated_checks;  // "table.constraint" → col
};

// One .up file being linted.
class FileLint {
 public:
  FileLint(const Migration& migration, DirectoryState& directory, const LintConfig& config);

  const Migration& migration;
  DirectoryState& directory;
  const LintConfig& config;
  std::vector<SqlStatement> statements;
  std::vector<Words> words;               // lint words of each statement
  std::set<std::string> created_tables;   // made in this file (so empty, nothing to block)
  std::set<std::string> added_not_valid;  // "table.constraint" added NOT VALID in this file
  std::vector<LintFinding> findings;

  bool transactional() const { return migration.up.directives.tx == TxKind::transactional; }
  // Adds a finding of `rule` (its default severity) at statement `s` of the .up file.
  void report(const SqlStatement& s, std::string_view rule, std::string message);
  // The same, about an existing table (or index) whose size `lint --fleet` grades it by.
  void report_on(const SqlStatement& s, std::string_view rule, const std::string& table,
                 std::string message);
  // True when `lint --fleet` read a tenant older than `server_version_num`.
  bool fleet_older_than(int server_version_num) const;
  // Adds a finding about `path` as a whole (line 0).
  void report_file(const std::string& path, std::string_view rule, std::string message);
};

// Rule groups, each over every statement of the file (lint_rules_*.cpp).
void check_table_rules(FileLint& f);        // ALTER TABLE / CREATE TABLE
void check_statement_rules(FileLint& f);    // one statement alone: indexes, drops, SET, ...
void check_type_rules(FileLint& f);         // json, domains, identifiers, opt-in type hygiene
void check_file_rules(FileLint& f);         // across statements: transactions, locks, re-runs
void check_tenant_rules(FileLint& f);       // search_path, schema-qualified names, placeholders
void check_verify_rules(FileLint& f);       // the .verify file: read-only
void check_placeholder_rules(FileLint& f);  // opted-in files: undeclared names, bare values

// `lint --fleet`: version notes, the size of the finding's table, a measured lock hold
// (lint_fleet.cpp).
void grade_for_fleet(LintFinding& finding, const LintFleet& fleet);

// Type rules of one column definition (json, opt-in hygiene), in lint_rules_types.cpp.
void check_column_type(FileLint& f, const SqlStatement& s, const std::string& type);

// Marks the findings in `file` (split into `statements`) that a `-- pgfleet: lint-ignore=` of
// that file silences and adds findings for its invalid and unused ignores (lint_suppress.cpp).
void apply_suppressions(const MigrationFile& file, const std::vector<SqlStatement>& statements,
                        std::vector<LintFinding>& findings);

// The table an ALTER TABLE / CREATE TABLE statement names (as lint words spell it), or "".
std::string altered_table(const Words& w);
std::string created_table(const Words& w);
// The actions of an ALTER TABLE statement ("ADD COLUMN c int", "DROP COLUMN d", ...).
std::vector<std::string> alter_actions(const SqlStatement& s, const Words& w);

}  // namespace pgfleet::lint_detail
