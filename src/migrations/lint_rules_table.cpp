// Rules on CREATE TABLE and ALTER TABLE, action by action, with what earlier statements and
// files told about each column (docs/LINT.md).
#include <cctype>
#include <cstdlib>

#include "lint_context.hpp"

namespace pgfleet::lint_detail {
namespace {

// Built-in functions whose provolatile is 'v': a default calling one rewrites the table.
bool volatile_call(const Words& w) {
  static const std::set<std::string> functions{"RANDOM",           "CLOCK_TIMESTAMP",
                                               "GEN_RANDOM_UUID",  "UUID_GENERATE_V1",
                                               "UUID_GENERATE_V4", "UUID_GENERATE_V1MC",
                                               "NEXTVAL",          "TIMEOFDAY",
                                               "TXID_CURRENT",     "STATEMENT_TIMESTAMP",
                                               "SETVAL",           "PG_CURRENT_XACT_ID",
                                               "RANDOM_NORMAL",    "UUIDV7",
                                               "UUIDV4",           "GEN_RANDOM_BYTES"};
  const std::size_t def = find_word(w, "DEFAULT");
  for (std::size_t i = def; i < w.size(); ++i) {
    if (functions.count(w[i])) return true;
  }
  return false;
}

bool is_serial(const Words& w) {
  return has(w, "SERIAL") || has(w, "BIGSERIAL") || has(w, "SMALLSERIAL") || has(w, "SERIAL4") ||
         has(w, "SERIAL8") || has(w, "SERIAL2");
}

// "VARCHAR(20)" → base "VARCHAR", args "20"; an alias by the name format_type gives it.
struct TypeName {
  std::string base, args;
};

TypeName type_name(const std::string& type) {
  static const std::map<std::string, std::string> aliases{{"CHARACTERVARYING", "VARCHAR"},
                                                          {"DECIMAL", "NUMERIC"},
                                                          {"INT", "INTEGER"},
                                                          {"INT4", "INTEGER"},
                                                          {"INT8", "BIGINT"},
                                                          {"INT2", "SMALLINT"},
                                                          {"BOOL", "BOOLEAN"},
                                                          {"FLOAT8", "DOUBLEPRECISION"},
                                                          {"FLOAT4", "REAL"},
                                                          {"TIMESTAMPTZ", "TIMESTAMPWITHTIMEZONE"},
                                                          {"TIMETZ", "TIMEWITHTIMEZONE"},
                                                          {"VARBIT", "BITVARYING"}};
  const std::size_t open = type.find('(');
  TypeName t{type.substr(0, open), open == std::string::npos ? "" : type.substr(open + 1)};
  if (!t.args.empty()) t.args.pop_back();  // ')'
  const auto alias = aliases.find(t.base);
  if (alias != aliases.end()) t.base = alias->second;
  return t;
}

// A catalog type as lint words spell one: "character varying(20)" → "CHARACTERVARYING(20)".
std::string lint_type_of(const std::string& format_type) {
  std::string type;
  for (const char c : format_type) {
    if (c != ' ') type += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return type;
}

// True when ALTER COLUMN TYPE from `old` to `now` keeps the relfilenode (no rewrite, no scan).
bool keeps_storage(const std::string& old, const std::string& now) {
  const TypeName a = type_name(old), b = type_name(now);
  if (a.base == b.base && a.args == b.args) return true;
  const bool unlimited = b.base == "TEXT" || (b.base == "VARCHAR" && b.args.empty());
  if ((a.base == "VARCHAR" || a.base == "TEXT") && unlimited) return true;
  if (a.base == "VARCHAR" && b.base == "VARCHAR" && !a.args.empty()) {
    return std::atol(b.args.c_str()) >= std::atol(a.args.c_str());
  }
  if (a.base == "NUMERIC" && b.base == "NUMERIC") {
    if (b.args.empty()) return true;
    const std::size_t ca = a.args.find(','), cb = b.args.find(',');
    const std::string scale_a = ca == std::string::npos ? "0" : a.args.substr(ca + 1);
    const std::string scale_b = cb == std::string::npos ? "0" : b.args.substr(cb + 1);
    return !a.args.empty() && scale_a == scale_b &&
           std::atol(b.args.c_str()) >= std::atol(a.args.c_str());
  }
  return false;
}

class TableLinter {
 public:
  TableLinter(FileLint& f, const SqlStatement& s, std::string table)
      : f_(f), s_(s), table_(std::move(table)), existing_(!f.created_tables.count(table_)) {}

  void action(std::string_view text) {
    const Words w = words_of(text);
    const std::string first = word_at(w, 0);
    if (first == "ADD") add(text, w);
    if (first == "ALTER") alter_column(text, w);
    if (first == "VALIDATE") validate(word_at(w, 2));
    if (first == "DROP") drop(w);
  }

 private:
  void add(std::string_view text, const Words& w) {
    static const std::set<std::string> constraint_words{"CONSTRAINT", "CHECK",   "UNIQUE",
                                                        "PRIMARY",    "FOREIGN", "EXCLUDE"};
    if (constraint_words.count(word_at(w, 1))) return add_constraint(w);
    std::size_t skip = 1 + (word_at(w, 1) == "COLUMN");
    if (word_at(w, skip) == "IF") skip += 3;
    const std::string_view definition = after_words(text, skip);
    const std::string column = word_at(words_of(definition), 0);
    const std::string type = column_type(definition);
    f_.directory.column_types[table_][column] = type;
    check_column_type(f_, s_, type);
    if (existing_) check_new_column(w);
  }

  void check_new_column(const Words& w) {
    const bool fills_itself = is_serial(w) || has(w, "GENERATED");
    if (has_pair(w, "NOT", "NULL") && !has(w, "DEFAULT") && !fills_itself) {
      f_.report_on(s_, "add-column-not-null-without-default", table_,
                   "ADD COLUMN ... NOT NULL without DEFAULT fails on a table that has rows; add a "
                   "DEFAULT, or add the column nullable, backfill, then SET NOT NULL");
    }
    if (has(w, "DEFAULT") && !fills_itself && !volatile_call(w) && f_.fleet_older_than(110000)) {
      f_.report_on(s_, "add-column-rewrites-table", table_,
                   "a tenant runs PostgreSQL older than 11, where ADD COLUMN with any DEFAULT "
                   "rewrites the table under ACCESS EXCLUSIVE; add it without a default, then SET "
                   "DEFAULT and backfill in batches");
    }
    if (fills_itself || (has(w, "DEFAULT") && volatile_call(w))) {
      f_.report_on(
          s_, "add-column-rewrites-table", table_,
          "this new column fills every row (serial, identity, GENERATED STORED or a volatile "
          "default): the table is rewritten under ACCESS EXCLUSIVE; add it nullable with no "
          "default, backfill in batches, then set the default");
    }
    if (has(w, "UNIQUE") || has_pair(w, "PRIMARY", "KEY")) {
      f_.report_on(s_, "add-unique-constraint", table_,
                   "an inline UNIQUE / PRIMARY KEY builds its index while blocking writes; add the "
                   "column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX");
    }
    if (has(w, "REFERENCES") || has(w, "CHECK")) {
      f_.report_on(
          s_, "add-constraint-not-valid", table_,
          "an inline REFERENCES / CHECK is checked at once under lock; add the column, then "
          "ADD CONSTRAINT ... NOT VALID and VALIDATE CONSTRAINT in a later migration");
    }
  }

  void add_constraint(const Words& w) {
    const std::string name = word_at(w, 1) == "CONSTRAINT" ? word_at(w, 2) : "";
    const bool not_valid = has_pair(w, "NOT", "VALID");
    remember_not_null_check(w, name, not_valid);
    if (not_valid) f_.added_not_valid.insert(table_ + "." + name);
    if (!existing_) return;
    if ((has(w, "FOREIGN") || has(w, "CHECK")) && !not_valid) {
      f_.report_on(s_, "add-constraint-not-valid", table_,
                   "ADD CONSTRAINT without NOT VALID checks every row while holding a lock; add it "
                   "NOT VALID, then VALIDATE CONSTRAINT in a later migration");
    }
    if ((has(w, "UNIQUE") || has_pair(w, "PRIMARY", "KEY")) && !has_pair(w, "USING", "INDEX")) {
      f_.report_on(s_, "add-unique-constraint", table_,
                   "ADD UNIQUE / PRIMARY KEY builds an index while blocking writes; CREATE UNIQUE "
                   "INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX");
    }
    if (has(w, "EXCLUDE")) {
      f_.report_on(
          s_, "exclusion-constraint", table_,
          "ADD EXCLUDE builds its index under ACCESS EXCLUSIVE and cannot be added NOT VALID "
          "or USING INDEX; create the table with it, or plan downtime");
    }
  }

  // CHECK (col IS NOT NULL): once valid, SET NOT NULL skips its scan (PostgreSQL 12+).
  void remember_not_null_check(const Words& w, std::string name, bool not_valid) {
    const std::size_t check = find_word(w, "CHECK");
    if (check + 4 >= w.size() || w[check + 2] != "IS" || w[check + 3] != "NOT" ||
        w[check + 4] != "NULL") {
      return;
    }
    const std::string column = w[check + 1];
    if (name.empty()) name = table_ + "_" + column + "_CHECK";  // the server's default name
    if (not_valid) {
      f_.directory.unvalidated_checks[table_ + "." + name] = column;
    } else {
      f_.directory.not_null_checked.insert(table_ + "." + column);
    }
  }

  void validate(const std::string& name) {
    const std::string key = table_ + "." + name;
    if (f_.transactional() && f_.added_not_valid.count(key)) {
      f_.report_on(
          s_, "validate-in-same-transaction", table_,
          "VALIDATE CONSTRAINT in the transaction that added it NOT VALID runs its scan while "
          "the ADD's lock is still held; validate in a later migration");
    }
    const auto pending = f_.directory.unvalidated_checks.find(key);
    if (pending != f_.directory.unvalidated_checks.end()) {
      f_.directory.not_null_checked.insert(table_ + "." + pending->second);
    }
  }

  void alter_column(std::string_view text, const Words& w) {
    const std::size_t name_at = 1 + (word_at(w, 1) == "COLUMN");
    const std::string column = word_at(w, name_at);
    const std::string verb = word_at(w, name_at + 1);
    const bool sets_type = verb == "TYPE" || (verb == "SET" && word_at(w, name_at + 2) == "DATA");
    if (sets_type) return change_type(after_words(text, name_at), column, w);
    if (!existing_) return;
    // A validated CHECK (col IS NOT NULL) spares the scan from PostgreSQL 12 on only.
    const bool checked =
        f_.directory.not_null_checked.count(table_ + "." + column) && !f_.fleet_older_than(120000);
    if (verb == "SET" && word_at(w, name_at + 2) == "NOT" && !checked) {
      f_.report_on(
          s_, "set-not-null", table_,
          "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock; add a CHECK "
          "(col IS NOT NULL) NOT VALID constraint and VALIDATE it in an earlier migration");
    }
    if (verb == "DROP" && word_at(w, name_at + 2) == "NOT") {
      f_.report(
          s_, "drop-not-null",
          "DROP NOT NULL: code deployed now may read NULLs it never saw; check readers first");
    }
  }

  // `rest` is "col [SET DATA] TYPE type [USING ...]". The column's type is the one earlier
  // migrations declared or, when none did, the one each tenant `lint --fleet` read has.
  void change_type(std::string_view rest, const std::string& column, const Words& w) {
    std::string type = column_type(rest);
    for (const char* prefix : {"SETDATATYPE", "TYPE"}) {
      if (type.rfind(prefix, 0) == 0) type = type.substr(std::string(prefix).size());
    }
    auto& columns = f_.directory.column_types[table_];
    const auto known = columns.find(column);
    const bool declared = known != columns.end();
    std::string on_fleet;  // why the fleet's type rewrites, for the message
    const bool safe = !has(w, "USING") && (declared ? keeps_storage(known->second, type)
                                                    : fleet_keeps_storage(column, type, on_fleet));
    columns[column] = type;
    if (!existing_ || safe) return;
    f_.report_on(s_, "alter-column-type", table_,
                 "ALTER COLUMN ... TYPE rewrites the table under an ACCESS EXCLUSIVE lock (unless "
                 "only widening varchar/numeric)" +
                     on_fleet + "; add a new column and backfill instead");
    if (!declared) f_.findings.back().retyped_column = catalog_name(column);
  }

  // True when every type the tenants read have for the column keeps the storage: the worst
  // tenant decides. False when no tenant was read or has the column; `why` then names a tenant
  // whose type rewrites, when one does.
  bool fleet_keeps_storage(const std::string& column, const std::string& type,
                           std::string& why) const {
    if (!f_.config.fleet) return false;
    const auto& fleet_types = f_.config.fleet->column_types;
    const auto seen = fleet_types.find({catalog_name(table_), catalog_name(column)});
    if (seen == fleet_types.end() || seen->second.empty()) return false;
    for (const auto& [current, tenant] : seen->second) {
      if (keeps_storage(lint_type_of(current), type)) continue;
      why = ": the column is " + current + " on tenant " + tenant;
      return false;
    }
    return true;
  }

  void drop(const Words& w) {
    static const std::set<std::string> not_a_column{"CONSTRAINT", "DEFAULT", "NOT", "IDENTITY",
                                                    "EXPRESSION"};
    if (not_a_column.count(word_at(w, 1))) return;
    std::size_t at = 1 + (word_at(w, 1) == "COLUMN");
    if (word_at(w, at) == "IF") at += 2;
    f_.directory.column_types[table_].erase(word_at(w, at));
    if (existing_) {
      f_.report_on(s_, "drop-column", table_,
                   "DROP COLUMN loses data and breaks code still reading the column; stop using it "
                   "first and drop it in a later release");
    }
  }

  FileLint& f_;
  const SqlStatement& s_;
  std::string table_;
  bool existing_;
};

void create_table(FileLint& f, const SqlStatement& s, const Words& w) {
  static const std::set<std::string> not_a_column{"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK",
                                                  "FOREIGN",    "EXCLUDE", "LIKE"};
  const std::string table = created_table(w);
  f.created_tables.insert(table);
  auto& columns = f.directory.column_types[table];
  columns.clear();
  for (const std::string& item : items_at_depth(s.text, 1)) {
    const Words iw = words_of(item);
    if (iw.empty() || not_a_column.count(iw[0])) continue;
    const std::string type = column_type(item);
    columns[iw[0]] = type;
    check_column_type(f, s, type);
  }
}

}  // namespace

void check_table_rules(FileLint& f) {
  for (std::size_t i = 0; i < f.statements.size(); ++i) {
    const SqlStatement& s = f.statements[i];
    const Words& w = f.words[i];
    if (starts_with(w, {"CREATE", "TABLE"}) || starts_with(w, {"CREATE", "UNLOGGED", "TABLE"})) {
      create_table(f, s, w);
    } else if (starts_with(w, {"DROP", "TABLE"})) {
      for (std::size_t t = 2; t < w.size(); ++t) f.directory.column_types.erase(w[t]);
    } else if (starts_with(w, {"ALTER", "TABLE"})) {
      TableLinter linter(f, s, altered_table(w));
      for (const std::string& action : alter_actions(s, w)) linter.action(action);
    }
  }
}

}  // namespace pgfleet::lint_detail
