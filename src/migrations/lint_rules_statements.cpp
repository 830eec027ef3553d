// Rules a statement breaks on its own: indexes, drops, maintenance, SET (docs/LINT.md).
#include "lint_context.hpp"
#include "pgfleet/sql/lexer.hpp"

namespace pgfleet::lint_detail {
namespace {

// The last token of a statement, quotes removed: the value of a SET.
std::string set_value(std::string_view text) {
  std::string value;
  for (const SqlToken& token : lex_sql(text)) {
    if (!is_blank_token(token.kind)) value = std::string(token_text(text, token));
  }
  if (value.size() >= 2 && value.front() == '\'') value = value.substr(1, value.size() - 2);
  return value;
}

bool is_zero(const std::string& value) {
  return !value.empty() && value[0] == '0' && value.find_first_of("123456789") == std::string::npos;
}

// The name after `REINDEX [(options)] TABLE|INDEX [CONCURRENTLY]` or `DROP INDEX [CONCURRENTLY]
// [IF EXISTS]`: the relation whose size grades the finding ("" for SCHEMA, DATABASE, SYSTEM).
std::string index_target(const Words& w) {
  std::size_t at = 1;
  if (w[0] == "REINDEX") {
    if (word_at(w, at) != "TABLE" && word_at(w, at) != "INDEX") return {};
    ++at;
  } else {
    at = 2;  // DROP INDEX
  }
  if (word_at(w, at) == "CONCURRENTLY") ++at;
  if (word_at(w, at) == "IF") at += 2;
  return word_at(w, at);
}

// CREATE INDEX / REINDEX CONCURRENTLY could build a corrupt index on PostgreSQL 14.0-14.3 (fixed
// in 14.4): only `lint --fleet` knows the servers.
void check_pg14_concurrently(FileLint& f, const SqlStatement& s, const Words& w) {
  const LintFleet* fleet = f.config.fleet ? &*f.config.fleet : nullptr;
  if (!fleet || w[0] == "DROP" || !fleet->runs_version_in(140000, 140004)) return;
  const auto first = fleet->server_versions.lower_bound(140000);
  f.report(s, "concurrently-pg14-corruption",
           "tenant " + first->second.example_tenant + " runs PostgreSQL " +
               server_version_text(first->first) +
               ": CONCURRENTLY there can build an index that misses rows (fixed in 14.4); "
               "upgrade every tenant to 14.4+ before this migration");
}

void check_index(FileLint& f, const SqlStatement& s, const Words& w) {
  if (has(w, "CONCURRENTLY")) return check_pg14_concurrently(f, s, w);
  if (w[0] == "CREATE") {
    std::size_t table = find_word(w, "ON") + 1;
    if (word_at(w, table) == "ONLY") ++table;
    if (f.created_tables.count(word_at(w, table))) return;  // new and empty: nothing to block
    f.report_on(s, "create-index-not-concurrently", word_at(w, table),
                "CREATE INDEX without CONCURRENTLY blocks writes to the table while it builds; "
                "use CREATE INDEX CONCURRENTLY in a `-- pgfleet: no-transaction` migration");
  } else if (w[0] == "DROP") {
    f.report_on(
        s, "drop-index-not-concurrently", index_target(w),
        "DROP INDEX takes ACCESS EXCLUSIVE on its table; use DROP INDEX CONCURRENTLY IF EXISTS "
        "in a `-- pgfleet: no-transaction` migration");
  } else {
    f.report_on(s, "reindex-not-concurrently", index_target(w),
                "REINDEX blocks writes (and reads using the index) while it runs; use REINDEX ... "
                "CONCURRENTLY (PostgreSQL 12+) in a `-- pgfleet: no-transaction` migration");
  }
}

void check_drops(FileLint& f, const SqlStatement& s, const Words& w) {
  if (starts_with(w, {"DROP", "TABLE"})) {
    f.report(s, "drop-table",
             "DROP TABLE loses data and breaks code still reading the table; drop it in a later "
             "release, after no code uses it");
  }
  if (starts_with(w, {"DROP", "DATABASE"}) ||
      (starts_with(w, {"DROP", "SCHEMA"}) && has(w, "CASCADE"))) {
    f.report(s, "drop-schema-or-database",
             "DROP DATABASE / DROP SCHEMA ... CASCADE removes everything in it, on every tenant; "
             "drop the objects one by one, named");
  }
  if (w[0] == "TRUNCATE" && has(w, "CASCADE")) {
    f.report(s, "truncate-cascade",
             "TRUNCATE ... CASCADE also empties every table with a foreign key to it; name the "
             "tables to empty");
  }
}

void check_maintenance(FileLint& f, const SqlStatement& s, const Words& w) {
  if ((w[0] == "VACUUM" && has(w, "FULL")) || w[0] == "CLUSTER") {
    // VACUUM [FULL ...] table / CLUSTER table [USING index]: the first name after the options.
    std::size_t at = 1;
    while (at < w.size() && (w[at] == "FULL" || w[at] == "VERBOSE" || w[at] == "ANALYZE" ||
                             w[at] == "FREEZE" || w[at] == "TRUE" || w[at] == "ON")) {
      ++at;
    }
    f.report_on(s, "vacuum-full-or-cluster", word_at(w, at),
                "VACUUM FULL / CLUSTER rewrite the table under ACCESS EXCLUSIVE; use pg_repack or "
                "pg_squeeze outside migrations");
  }
  if (w[0] == "ALTER" && has_pair(w, "DETACH", "PARTITION") && !has(w, "CONCURRENTLY")) {
    f.report_on(s, "detach-partition-not-concurrently", altered_table(w),
                "DETACH PARTITION takes ACCESS EXCLUSIVE on the parent; use DETACH PARTITION ... "
                "CONCURRENTLY (PostgreSQL 14+) in a `-- pgfleet: no-transaction` migration");
  }
  if (w[0] == "ALTER" && has(w, "RENAME")) {
    f.report(s, "rename",
             "renaming breaks code that still uses the old name; add the new name, migrate the "
             "code, then drop the old one");
  }
}

void check_settings(FileLint& f, const SqlStatement& s, const Words& w) {
  if (w[0] != "SET" && w[0] != "RESET") return;
  const std::size_t name = 1 + (word_at(w, 1) == "LOCAL" || word_at(w, 1) == "SESSION");
  const std::string setting = word_at(w, name);
  if (setting == "LOCK_TIMEOUT" || setting == "STATEMENT_TIMEOUT") {
    const bool zero = w[0] == "SET" && is_zero(set_value(s.text));
    f.report(s, "timeout-override",
             zero ? "a timeout of 0 waits forever: a blocked migration queues every query of the "
                    "table behind it; remove it"
                  : "use the `-- pgfleet: lock-timeout=` / `statement-timeout=` directive instead "
                    "of SET in SQL, so that pgfleet knows (and reports) the limit");
    if (zero) f.findings.back().severity = LintSeverity::error;
  }
  if (!f.transactional() && word_at(w, 1) != "LOCAL" && setting != "TRANSACTION") {
    f.report(s, "session-set-in-no-transaction",
             "a session SET in a no-transaction file outlives the migration on its connection and, "
             "through a transaction pooler, may not reach the next statement; use a directive or "
             "SET LOCAL inside one statement's transaction");
  }
}

// "VIEW v" for DROP/CREATE [OR REPLACE] [MATERIALIZED | CONSTRAINT] VIEW [IF [NOT] EXISTS] v, the
// kinds of object code calls by name; "" for another statement.
std::string named_object(const Words& w) {
  static const std::set<std::string> kinds{"VIEW",   "FUNCTION", "PROCEDURE", "TYPE",
                                           "DOMAIN", "SEQUENCE", "TRIGGER"};
  std::size_t at = 1;
  if (word_at(w, 0) == "CREATE" && word_at(w, at) == "OR") at += 2;  // OR REPLACE
  if (word_at(w, at) == "MATERIALIZED" || word_at(w, at) == "CONSTRAINT") ++at;
  if (!kinds.count(word_at(w, at))) return {};
  const std::string kind = w[at++];
  while (word_at(w, at) == "IF" || word_at(w, at) == "NOT" || word_at(w, at) == "EXISTS") ++at;
  return kind + " " + word_at(w, at);
}

// DROP VIEW / FUNCTION / TYPE / ...: code still calling the object fails; a drop that a later
// statement of the file creates again under the same name is a replacement, not a finding.
void check_object_drops(FileLint& f) {
  for (std::size_t i = 0; i < f.statements.size(); ++i) {
    if (word_at(f.words[i], 0) != "DROP") continue;
    const std::string object = named_object(f.words[i]);
    if (object.empty()) continue;
    bool recreated = false;
    for (std::size_t j = i + 1; j < f.statements.size() && !recreated; ++j) {
      recreated = word_at(f.words[j], 0) == "CREATE" && named_object(f.words[j]) == object;
    }
    if (recreated) continue;
    const std::string kind = object.substr(0, object.find(' '));
    f.report(f.statements[i], "drop-object",
             kind == "TRIGGER"
                 ? "DROP TRIGGER silently stops what the trigger did (an audit row, a derived "
                   "column) for code that still relies on it; stop relying on it first, then drop "
                   "it in a later release"
                 : "DROP " + kind +
                       " breaks code that still uses it (a 'does not exist' error on every "
                       "tenant); stop using it first, then drop it in a later release");
  }
}

void check_transaction_control(FileLint& f, const SqlStatement& s, const Words& w) {
  static const std::set<std::string> control{"BEGIN", "COMMIT", "ROLLBACK",  "START",
                                             "END",   "ABORT",  "SAVEPOINT", "RELEASE"};
  if (f.transactional() || !control.count(w[0])) return;
  f.report(s, "transaction-control-in-no-transaction",
           "transaction control in a no-transaction file: an open BEGIN would swallow the "
           "migrations after it; remove it (each statement already runs on its own)");
}

}  // namespace

void check_statement_rules(FileLint& f) {
  for (std::size_t i = 0; i < f.statements.size(); ++i) {
    const SqlStatement& s = f.statements[i];
    const Words& w = f.words[i];
    if (w.empty()) continue;
    const bool index =
        (w[0] == "CREATE" &&
         (word_at(w, 1) == "INDEX" || (word_at(w, 1) == "UNIQUE" && word_at(w, 2) == "INDEX"))) ||
        starts_with(w, {"DROP", "INDEX"}) || w[0] == "REINDEX";
    if (index) check_index(f, s, w);
    check_drops(f, s, w);
    check_maintenance(f, s, w);
    check_settings(f, s, w);
    check_transaction_control(f, s, w);
  }
  check_object_drops(f);
}

}  // namespace pgfleet::lint_detail
