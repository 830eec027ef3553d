#include "pgfleet/sql/classifier.hpp"

#include <algorithm>

#include "pgfleet/sql/lexer.hpp"

namespace pgfleet {
namespace {

using Words = std::vector<std::string>;

bool contains(const Words& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// True when the statement starts with `prefix`, word for word.
bool starts_with(const Words& words, std::initializer_list<std::string_view> prefix) {
  if (words.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), words.begin());
}

// Index of the object word after the leading CREATE [UNIQUE] / DROP, e.g. INDEX.
std::size_t object_index(const Words& words) {
  return words.size() > 1 && words[1] == "UNIQUE" ? 2 : 1;
}

std::string word_at(const Words& words, std::size_t i) { return i < words.size() ? words[i] : ""; }

// "" when a transaction may contain it; otherwise the name of the transaction-control command.
std::string transaction_control(const Words& w) {
  if (w.empty()) return "";
  const std::string& first = w[0];
  if (first == "BEGIN" || first == "END" || first == "ABORT") return first;
  if (starts_with(w, {"START", "TRANSACTION"})) return "START TRANSACTION";
  if (starts_with(w, {"PREPARE", "TRANSACTION"})) return "PREPARE TRANSACTION";
  if (first == "COMMIT")
    return starts_with(w, {"COMMIT", "PREPARED"}) ? "COMMIT PREPARED" : "COMMIT";
  if (first == "ROLLBACK") {
    if (starts_with(w, {"ROLLBACK", "PREPARED"})) return "ROLLBACK PREPARED";
    // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name stays inside the transaction.
    std::size_t i = 1;
    if (i < w.size() && (w[i] == "WORK" || w[i] == "TRANSACTION")) ++i;
    if (i < w.size() && w[i] == "TO") return "";
    return "ROLLBACK";
  }
  return "";
}

// "" when it may run in a transaction block; otherwise the construct that may not.
std::string needs_no_transaction(const Words& w) {
  if (w.empty()) return "";
  const std::string& first = w[0];
  if (first == "VACUUM") return "VACUUM";
  if (first == "CREATE" || first == "DROP") {
    const std::size_t at = object_index(w);
    const std::string object = word_at(w, at);
    if (object == "INDEX" && word_at(w, at + 1) == "CONCURRENTLY")
      return first + " INDEX CONCURRENTLY";
    if (object == "DATABASE" || object == "TABLESPACE" || object == "SUBSCRIPTION") {
      return first + " " + object;
    }
  }
  if (first == "REINDEX") {
    if (contains(w, "CONCURRENTLY")) return "REINDEX CONCURRENTLY";
    if (contains(w, "DATABASE") || contains(w, "SYSTEM")) return "REINDEX DATABASE/SYSTEM";
  }
  if (starts_with(w, {"ALTER", "SYSTEM"})) return "ALTER SYSTEM";
  if (starts_with(w, {"ALTER", "DATABASE"}) && contains(w, "TABLESPACE")) {
    return "ALTER DATABASE SET TABLESPACE";
  }
  if (starts_with(w, {"ALTER", "TABLE"}) && contains(w, "DETACH") && contains(w, "CONCURRENTLY")) {
    return "ALTER TABLE DETACH PARTITION CONCURRENTLY";
  }
  if (starts_with(w, {"ALTER", "SUBSCRIPTION"}) && contains(w, "REFRESH")) {
    return "ALTER SUBSCRIPTION REFRESH PUBLICATION";
  }
  if (starts_with(w, {"DISCARD", "ALL"})) return "DISCARD ALL";
  if (first == "CLUSTER" && (w.size() == 1 || (w.size() == 2 && w[1] == "VERBOSE"))) {
    return "CLUSTER (all tables)";
  }
  return "";
}

}  // namespace

std::vector<std::string> statement_words(std::string_view statement) {
  Words words;
  for (const SqlToken& token : lex_sql(statement)) {
    if (token.kind == SqlTokenKind::word)
      words.push_back(to_upper_ascii(token_text(statement, token)));
  }
  return words;
}

std::optional<TransactionConflict> classify_statement(const SqlStatement& statement) {
  const Words words = statement_words(statement.text);
  std::string what = transaction_control(words);
  if (!what.empty()) {
    return TransactionConflict{StatementConflict::transaction_control, what, statement.text,
                               statement.line};
  }
  what = needs_no_transaction(words);
  if (!what.empty()) {
    return TransactionConflict{StatementConflict::not_in_transaction, what, statement.text,
                               statement.line};
  }
  return std::nullopt;
}

std::vector<TransactionConflict> find_transaction_conflicts(
    const std::vector<SqlStatement>& statements) {
  std::vector<TransactionConflict> conflicts;
  for (const SqlStatement& statement : statements) {
    if (auto conflict = classify_statement(statement)) conflicts.push_back(std::move(*conflict));
  }
  return conflicts;
}

}  // namespace pgfleet
