#include "pgfleet/migrations/lint.hpp"

#include <algorithm>
#include <set>

#include "pgfleet/migrations/directives.hpp"
#include "pgfleet/sql/splitter.hpp"
#include "pgfleet/sql/statement_words.hpp"
#include "sql_checks.hpp"

namespace pgfleet {
namespace {

using Words = std::vector<std::string>;

bool has(const Words& w, std::string_view word) {
  return std::find(w.begin(), w.end(), word) != w.end();
}

bool starts_with(const Words& w, std::initializer_list<std::string_view> prefix) {
  return w.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), w.begin());
}

// True when `a b` appear next to each other.
bool has_pair(const Words& w, std::string_view a, std::string_view b) {
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] == a && w[i + 1] == b) return true;
  }
  return false;
}

std::string word_at(const Words& w, std::size_t i) { return i < w.size() ? w[i] : std::string(); }

// The words lint reads: a quoted identifier keeps its quotes (never equal to a keyword) and a
// dotted name (schema.table) becomes its last part, so that table names compare across
// statements.
Words lint_words(const SqlStatement& statement) {
  return statement_words(statement, QualifiedNames::last_part);
}

// True when some DROP in an ALTER TABLE drops a column (not a constraint, default, ...).
bool drops_column(const Words& w) {
  static const std::set<std::string> not_a_column{"CONSTRAINT", "DEFAULT", "NOT", "IDENTITY",
                                                  "EXPRESSION"};
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] == "DROP" && !not_a_column.count(w[i + 1])) return true;
  }
  return false;
}

// True for ALTER TABLE ... ALTER [COLUMN] c [SET DATA] TYPE t.
bool changes_column_type(const Words& w) {
  const auto second_alter = std::find(w.begin() + 1, w.end(), "ALTER");
  return second_alter != w.end() && std::find(second_alter, w.end(), "TYPE") != w.end();
}

// True when the new column fills itself (serial, generated, identity).
bool fills_itself(const Words& w) {
  return has(w, "SERIAL") || has(w, "BIGSERIAL") || has(w, "SMALLSERIAL") || has(w, "GENERATED");
}

// Table name of an ALTER TABLE statement (as lint_words spells it), or "".
std::string altered_table(const Words& w) {
  std::size_t i = 2;
  if (word_at(w, i) == "IF" && word_at(w, i + 1) == "EXISTS") i += 2;
  if (word_at(w, i) == "ONLY") ++i;
  return word_at(w, i);
}

class MigrationLinter {
 public:
  explicit MigrationLinter(const Migration& migration) : migration_(migration) {}

  std::vector<LintFinding> run() {
    const MigrationFile& up = migration_.up;
    const std::vector<SqlStatement> statements = split_sql(up.sql, send_mode_of(up.directives.tx));
    for (const SqlStatement& statement : statements) check_statement(statement);
    if (up.directives.tx == TxKind::no_transaction && statements.size() > 1) {
      for (const SqlStatement& statement : statements) check_rerunnable(statement);
    }
    if (!migration_.down) {
      add(up.path, 0, LintSeverity::warning, "missing-down",
          "no .down file: `pgfleet rollback` cannot revert this migration");
    } else if (split_sql(migration_.down->sql, send_mode_of(migration_.down->directives.tx))
                   .empty()) {
      add(migration_.down->path, 0, LintSeverity::warning, "empty-down",
          "the .down file has no SQL statement: rolling back does nothing");
    }
    check_directive_placement(up);
    if (migration_.down) check_directive_placement(*migration_.down);
    std::stable_sort(
        findings_.begin(), findings_.end(), [](const LintFinding& a, const LintFinding& b) {
          return a.file != b.file ? a.file > b.file : a.line < b.line;  // .up before .down
        });
    return findings_;
  }

 private:
  void add(const std::string& file, int line, LintSeverity severity, std::string rule,
           std::string message) {
    findings_.push_back(LintFinding{file, line, severity, std::move(rule), std::move(message)});
  }
  void warn(const SqlStatement& s, std::string rule, std::string message) {
    add(migration_.up.path, s.line, LintSeverity::warning, std::move(rule), std::move(message));
  }
  void fail(const SqlStatement& s, std::string rule, std::string message) {
    add(migration_.up.path, s.line, LintSeverity::error, std::move(rule), std::move(message));
  }

  void check_statement(const SqlStatement& s) {
    const Words w = lint_words(s);
    if (starts_with(w, {"CREATE", "TABLE"})) {
      std::size_t i = 2;
      if (word_at(w, i) == "IF") i += 3;  // IF NOT EXISTS
      created_tables_.insert(word_at(w, i));
    }
    if (w.size() > 1 && w[0] == "CREATE" &&
        (w[1] == "INDEX" || (w[1] == "UNIQUE" && word_at(w, 2) == "INDEX"))) {
      check_create_index(s, w);
    }
    if (starts_with(w, {"DROP", "TABLE"})) {
      warn(s, "drop-table",
           "DROP TABLE loses data and breaks code still reading the table; drop it "
           "in a later release, after no code uses it");
    }
    if (starts_with(w, {"ALTER", "TABLE"})) check_alter_table(s, w);
    if (w.size() > 1 && w[0] == "ALTER" && has(w, "RENAME") &&
        !starts_with(w, {"ALTER", "TABLE"})) {
      warn(s, "rename",
           "renaming breaks code that still uses the old name; add the new name, "
           "migrate the code, then drop the old one");
    }
  }

  void check_create_index(const SqlStatement& s, const Words& w) {
    if (has(w, "CONCURRENTLY")) return;
    const auto on = std::find(w.begin(), w.end(), "ON");
    std::size_t table = static_cast<std::size_t>(on - w.begin()) + 1;
    if (word_at(w, table) == "ONLY") ++table;
    if (created_tables_.count(word_at(w, table))) return;  // new and empty: nothing to block
    warn(s, "create-index-not-concurrently",
         "CREATE INDEX without CONCURRENTLY blocks writes to the table while it builds; use CREATE "
         "INDEX CONCURRENTLY in a `-- pgfleet: no-transaction` migration");
  }

  void check_alter_table(const SqlStatement& s, const Words& w) {
    if (has(w, "RENAME")) {
      warn(s, "rename",
           "renaming breaks code that still uses the old name; add the new name, "
           "migrate the code, then drop the old one");
    }
    if (created_tables_.count(altered_table(w))) return;  // changes to a table made in this file
    if (has(w, "ADD") && has_pair(w, "NOT", "NULL") && !has(w, "DEFAULT") &&
        !has(w, "CONSTRAINT") && !has_pair(w, "SET", "NOT") && !fills_itself(w)) {
      fail(s, "add-column-not-null-without-default",
           "ADD COLUMN ... NOT NULL without DEFAULT fails on a table that has rows; add a DEFAULT, "
           "or add the column nullable, backfill, then SET NOT NULL");
    }
    if (changes_column_type(w)) {
      warn(s, "alter-column-type",
           "ALTER COLUMN ... TYPE usually rewrites the table under an "
           "ACCESS EXCLUSIVE lock; add a new column and backfill instead");
    }
    if (has_pair(w, "SET", "NOT")) {
      warn(s, "set-not-null",
           "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock; "
           "add a CHECK (col IS NOT NULL) NOT VALID constraint and VALIDATE it first");
    }
    if (drops_column(w)) {
      warn(s, "drop-column",
           "DROP COLUMN loses data and breaks code still reading the column; stop "
           "using it first and drop it in a later release");
    }
    if (has_pair(w, "ADD", "CONSTRAINT") || has_pair(w, "ADD", "FOREIGN") ||
        has_pair(w, "ADD", "CHECK")) {
      check_add_constraint(s, w);
    }
  }

  void check_add_constraint(const SqlStatement& s, const Words& w) {
    if (has(w, "FOREIGN") || has(w, "CHECK")) {
      if (!has_pair(w, "NOT", "VALID")) {
        warn(s, "add-constraint-not-valid",
             "ADD CONSTRAINT without NOT VALID checks every row while holding a lock; add it NOT "
             "VALID, then VALIDATE CONSTRAINT in a later statement");
      }
    } else if ((has(w, "UNIQUE") || has_pair(w, "PRIMARY", "KEY")) &&
               !has_pair(w, "USING", "INDEX")) {
      warn(s, "add-constraint-not-valid",
           "ADD UNIQUE/PRIMARY KEY builds an index while blocking writes; CREATE UNIQUE INDEX "
           "CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX");
    }
  }

  // In a no-transaction file a failure leaves the earlier statements applied: each statement
  // must survive being run again when the file is retried.
  void check_rerunnable(const SqlStatement& s) {
    const Words w = lint_words(s);
    const bool creates = !w.empty() && w[0] == "CREATE" && !has_pair(w, "OR", "REPLACE");
    const bool drops = !w.empty() && w[0] == "DROP";
    if ((creates && !has_pair(w, "NOT", "EXISTS")) || (drops && !has_pair(w, "IF", "EXISTS"))) {
      warn(s, "no-transaction-not-idempotent",
           "this no-transaction file has several statements; if a later one fails, re-running the "
           "file fails here: use IF NOT EXISTS / IF EXISTS");
    }
  }

  void check_directive_placement(const MigrationFile& file) {
    for (const int line : misplaced_directive_lines(file.sql)) {
      add(file.path, line, LintSeverity::error, "misplaced-directive",
          "this `-- pgfleet:` directive comes after the first statement and has no effect; move it "
          "to the comment block at the top of the file");
    }
  }

  const Migration& migration_;
  std::set<std::string> created_tables_;
  std::vector<LintFinding> findings_;
};

}  // namespace

const char* to_string(LintSeverity severity) {
  return severity == LintSeverity::error ? "error" : "warning";
}

std::vector<LintFinding> lint_migration(const Migration& migration) {
  return MigrationLinter(migration).run();
}

std::vector<LintFinding> lint(const MigrationSet& set) {
  std::vector<LintFinding> findings;
  for (const Migration& migration : set.all()) {
    for (LintFinding& finding : lint_migration(migration)) findings.push_back(std::move(finding));
  }
  return findings;
}

}  // namespace pgfleet
