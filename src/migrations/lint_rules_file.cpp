// Rules across the statements of one file: re-running a no-transaction file, locks held until
// commit, backfills next to DDL (docs/LINT.md).
#include "lint_context.hpp"

namespace pgfleet::lint_detail {
namespace {

// True when an ALTER TABLE action survives being run twice.
bool action_rerunnable(const Words& a) {
  static const std::set<std::string> constraint{"CONSTRAINT", "CHECK",   "UNIQUE",
                                                "PRIMARY",    "FOREIGN", "EXCLUDE"};
  static const std::set<std::string> idempotent_drops{"DEFAULT", "NOT", "EXPRESSION", "IDENTITY"};
  const std::string verb = word_at(a, 0);
  if (verb == "ADD") return !constraint.count(word_at(a, 1)) && has_pair(a, "NOT", "EXISTS");
  if (verb == "DROP") return idempotent_drops.count(word_at(a, 1)) || has_pair(a, "IF", "EXISTS");
  return true;
}

bool rerunnable(const SqlStatement& s, const Words& w) {
  if (w.empty()) return true;
  if (w[0] == "CREATE") return has_pair(w, "OR", "REPLACE") || has_pair(w, "NOT", "EXISTS");
  if (w[0] == "DROP") return has_pair(w, "IF", "EXISTS");
  if (!starts_with(w, {"ALTER", "TABLE"})) return true;
  for (const std::string& action : alter_actions(s, w)) {
    if (!action_rerunnable(words_of(action))) return false;
  }
  return true;
}

// In a no-transaction file a failure leaves the earlier statements applied: each statement
// must survive being run again when the file is retried.
void check_rerunnable(FileLint& f) {
  if (f.transactional() || f.statements.size() < 2) return;
  for (std::size_t i = 0; i < f.statements.size(); ++i) {
    if (rerunnable(f.statements[i], f.words[i])) continue;
    f.report(f.statements[i], "no-transaction-not-idempotent",
             "this no-transaction file has several statements; if a later one fails, re-running "
             "the file fails here: use IF NOT EXISTS / IF EXISTS (ADD CONSTRAINT has none: give "
             "it its own migration)");
  }
}

// The existing table a statement takes ACCESS EXCLUSIVE (or SHARE ROW EXCLUSIVE) on, or "".
std::string locked_table(const FileLint& f, const Words& w) {
  std::string table;
  if (starts_with(w, {"ALTER", "TABLE"}) && !has(w, "VALIDATE")) table = altered_table(w);
  if (starts_with(w, {"DROP", "TABLE"}) || starts_with(w, {"LOCK", "TABLE"})) {
    table = word_at(w, 2) == "IF" ? word_at(w, 4) : word_at(w, 2);
  }
  if (starts_with(w, {"CREATE", "TRIGGER"}) ||
      starts_with(w, {"CREATE", "OR", "REPLACE", "TRIGGER"})) {
    table = word_at(w, find_word(w, "ON") + 1);  // SHARE ROW EXCLUSIVE
  }
  if (starts_with(w, {"TRUNCATE"}))
    table = word_at(w, 1) == "TABLE" ? word_at(w, 2) : word_at(w, 1);
  return f.created_tables.count(table) ? "" : table;
}

void check_locks_held(FileLint& f) {
  if (!f.transactional()) return;
  std::string first;
  std::size_t first_line = 0;
  bool reported_trailing = false;
  for (std::size_t i = 0; i < f.statements.size(); ++i) {
    const std::string table = locked_table(f, f.words[i]);
    if (!first.empty() && !reported_trailing) {
      reported_trailing = true;
      f.report_on(f.statements[i], "lock-held-across-statements", first,
                  "this runs while the ACCESS EXCLUSIVE lock on " + shown_name(first) +
                      " taken at line " + std::to_string(first_line) +
                      " is held until commit: every query on it waits, and a lock timeout retries "
                      "the whole file; put that statement last or in its own migration");
    }
    if (!table.empty() && !first.empty() && table != first) {
      f.report_on(f.statements[i], "lock-held-across-statements", table,
                  "a second table (" + shown_name(table) + ") is locked while " +
                      shown_name(first) + " stays locked: lock one existing table per migration");
      return;
    }
    if (!table.empty() && first.empty()) {
      first = table;
      first_line = static_cast<std::size_t>(f.statements[i].line);
    }
  }
}

// The table an UPDATE / DELETE / INSERT ... SELECT writes, or "".
std::string backfilled_table(const Words& w) {
  if (starts_with(w, {"UPDATE"})) return word_at(w, 1) == "ONLY" ? word_at(w, 2) : word_at(w, 1);
  if (starts_with(w, {"DELETE", "FROM"})) {
    return word_at(w, 2) == "ONLY" ? word_at(w, 3) : word_at(w, 2);
  }
  if (starts_with(w, {"INSERT", "INTO"}) && has(w, "SELECT")) return word_at(w, 2);
  return {};
}

void check_backfills(FileLint& f) {
  if (!f.transactional()) return;
  std::set<std::string> ddl_tables;
  for (const Words& w : f.words) {
    if (starts_with(w, {"ALTER", "TABLE"})) ddl_tables.insert(altered_table(w));
    if (!w.empty() && w[0] == "CREATE" && has(w, "INDEX")) {
      ddl_tables.insert(word_at(w, find_word(w, "ON") + 1));
    }
  }
  for (std::size_t i = 0; i < f.statements.size(); ++i) {
    const std::string table = backfilled_table(f.words[i]);
    if (table.empty() || !ddl_tables.count(table) || f.created_tables.count(table)) continue;
    f.report_on(f.statements[i], "backfill-in-ddl-transaction", table,
                "this backfill of " + shown_name(table) +
                    " runs in the transaction that changes its schema: its row locks and the DDL's "
                    "lock are held together until commit; backfill in a migration of its own, in "
                    "batches");
  }
}

}  // namespace

void check_file_rules(FileLint& f) {
  check_rerunnable(f);
  check_locks_held(f);
  check_backfills(f);
}

}  // namespace pgfleet::lint_detail
