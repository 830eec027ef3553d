#include "pgfleet/sql/classifier.hpp"

#include <algorithm>

#include "pgfleet/sql/lexer.hpp"
#include "pgfleet/sql/statement_words.hpp"
#include "pgfleet/util/utf8.hpp"

namespace pgfleet {
namespace {

using Words = std::vector<std::string>;

bool contains(const Words& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// True when `a b` appear next to each other.
bool contains_pair(const Words& words, std::string_view a, std::string_view b) {
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == a && words[i + 1] == b) return true;
  }
  return false;
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

// "" when a file sent as `mode` may contain it; otherwise the transaction-control command.
std::string transaction_control(const Words& w, SendMode mode) {
  if (w.empty()) return "";
  const bool in_transaction = mode == SendMode::whole_file;
  const std::string& first = w[0];
  if (first == "BEGIN" || first == "END" || first == "ABORT") return first;
  if (starts_with(w, {"START", "TRANSACTION"})) return "START TRANSACTION";
  if (starts_with(w, {"PREPARE", "TRANSACTION"})) return "PREPARE TRANSACTION";
  if (first == "COMMIT")
    return starts_with(w, {"COMMIT", "PREPARED"}) ? "COMMIT PREPARED" : "COMMIT";
  // Savepoints stay inside pgfleet's transaction; outside one there is nothing to mark.
  if (first == "SAVEPOINT" || first == "RELEASE")
    return in_transaction ? "" : first == "RELEASE" ? "RELEASE SAVEPOINT" : first;
  if (first == "ROLLBACK") {
    if (starts_with(w, {"ROLLBACK", "PREPARED"})) return "ROLLBACK PREPARED";
    std::size_t i = 1;
    if (i < w.size() && (w[i] == "WORK" || w[i] == "TRANSACTION")) ++i;
    if (i < w.size() && w[i] == "TO") return in_transaction ? "" : "ROLLBACK TO SAVEPOINT";
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

// "" unless it is a COPY that moves its data through the client connection.
std::string copy_through_client(const Words& w) {
  if (w.empty() || w[0] != "COPY") return "";
  if (contains_pair(w, "FROM", "STDIN")) return "COPY ... FROM STDIN";
  if (contains_pair(w, "TO", "STDOUT")) return "COPY ... TO STDOUT";
  return "";
}

// The name of the psql meta-command whose backslash is at `offset`, e.g. "\set": printable
// ASCII only, as it ends up in an error message.
std::string meta_command_at(std::string_view text, std::size_t offset) {
  constexpr std::size_t kLongest = 24;
  const auto in_name = [](char c) { return c > ' ' && c < 0x7f && c != '\\'; };
  std::size_t end = offset + 1;
  while (end < text.size() && end - offset <= kLongest && in_name(text[end])) ++end;
  if (end == offset + 1 && end < text.size() && text[end] == '\\') ++end;  // psql's "\\"
  return std::string(text.substr(offset, end - offset));
}

void add_meta_commands(const SqlStatement& s, std::vector<StatementConflict>& out) {
  int reported_line = 0;  // one per line: "\set a 1 \\ \echo x" is one mistake
  for (const SqlToken& token : lex_sql(s.text, s.standard_strings)) {
    if (token.kind != SqlTokenKind::backslash) continue;
    const int line = s.line + util::line_at_byte(s.text, token.offset) - 1;
    if (line == reported_line) continue;
    reported_line = line;
    out.push_back(StatementConflict{ConflictKind::needs_client,
                                    meta_command_at(s.text, token.offset), s.text, line});
  }
}

void add_conflicts(const SqlStatement& s, SendMode mode, std::vector<StatementConflict>& out) {
  add_meta_commands(s, out);
  const Words words = statement_words(s);
  const auto add = [&](ConflictKind kind, std::string what) {
    if (!what.empty()) out.push_back(StatementConflict{kind, std::move(what), s.text, s.line});
  };
  add(ConflictKind::needs_client, copy_through_client(words));
  add(ConflictKind::transaction_control, transaction_control(words, mode));
  if (mode == SendMode::whole_file)
    add(ConflictKind::not_in_transaction, needs_no_transaction(words));
}

}  // namespace

std::vector<StatementConflict> find_statement_conflicts(const std::vector<SqlStatement>& statements,
                                                        SendMode mode) {
  std::vector<StatementConflict> conflicts;
  for (const SqlStatement& statement : statements) add_conflicts(statement, mode, conflicts);
  return conflicts;
}

}  // namespace pgfleet
