#include "sql_checks.hpp"

#include <algorithm>

#include "pgfleet/sql/classifier.hpp"
#include "pgfleet/sql/standard_strings.hpp"
#include "pgfleet/util/utf8.hpp"

namespace pgfleet {
namespace {

std::string line_prefix(int line) { return "line " + std::to_string(line) + ": "; }

// What kind of token the text ends inside, in words.
std::string unterminated_what(std::string_view sql, const SqlToken& token) {
  const std::string_view text = token_text(sql, token);
  switch (token.kind) {
    case SqlTokenKind::quoted_identifier: return "a quoted identifier (\"...\")";
    case SqlTokenKind::dollar_string: {
      const std::string tag(text.substr(0, text.find('$', 1) + 1));
      return "a dollar-quoted string (" + tag + " ... " + tag + ")";
    }
    case SqlTokenKind::block_comment: return "a block comment (/* ... */)";
    default: return "a quoted string ('...')";
  }
}

std::string conflict_message(const StatementConflict& c, TxKind tx) {
  const std::string where = line_prefix(c.line);
  switch (c.kind) {
    case ConflictKind::transaction_control:
      if (tx == TxKind::no_transaction) {
        return where + c.what +
               " is transaction control, but in a no-transaction file each statement commits on "
               "its own, and an open BEGIN would swallow the migrations after it; remove it";
      }
      return where + c.what +
             " is transaction control, but pgfleet runs this file in its own transaction; remove "
             "it, or add `-- pgfleet: no-transaction` at the top of the file";
    case ConflictKind::not_in_transaction:
      return where + c.what +
             " cannot run inside a transaction block; add `-- pgfleet: no-transaction` at the top "
             "of the file";
    case ConflictKind::needs_client: break;
  }
  if (c.what.rfind("COPY", 0) == 0) {
    return where + c.what +
           " needs the client side of the COPY protocol, which a migration runner does not speak; "
           "use INSERT, or COPY from a file on the database server";
  }
  return where + c.what +
         " is a psql meta-command: it needs psql as the client, which a migration runner is not; "
         "write plain SQL instead";
}

// A SET standard_conforming_strings = off that is still in force at the end of the file would
// change how the server reads every migration after it on the same connection.
std::optional<std::string> standard_strings_left_off(const SqlScan& scan) {
  StandardStrings strings = StandardStrings::on;
  int line = 0;
  for (const SqlStatement& s : scan.statements) {
    if (const auto after = standard_strings_after(s.text, s.standard_strings)) {
      strings = *after;
      line = s.line;
    }
  }
  if (strings == StandardStrings::on) return std::nullopt;
  return line_prefix(line) +
         "standard_conforming_strings is left off at the end of the file: it stays on the "
         "connection and changes how the server reads the migrations after this one; set it back "
         "to on before the end of the file";
}

}  // namespace

SendMode send_mode_of(TxKind tx) {
  return tx == TxKind::no_transaction ? SendMode::statement_by_statement : SendMode::whole_file;
}

std::vector<std::string> byte_problems(std::string_view bytes) {
  std::vector<std::string> problems;
  const std::size_t nul = bytes.find('\0');
  if (nul != std::string_view::npos) {
    const auto count = std::count(bytes.begin(), bytes.end(), '\0');
    problems.push_back("NUL byte at byte offset " + std::to_string(nul) +
                       (count > 1 ? " (and " + std::to_string(count - 1) + " more)" : "") +
                       ": the server would receive the text only up to it");
  }
  if (const auto bad = util::first_invalid_utf8_byte(bytes)) {
    problems.push_back("invalid UTF-8 at byte offset " + std::to_string(*bad));
  }
  return problems;
}

std::vector<std::string> sql_problems(std::string_view sql, const SqlScan& scan,
                                      std::optional<TxKind> tx) {
  std::vector<std::string> problems;
  const SendMode mode = send_mode_of(tx.value_or(TxKind::transactional));
  for (const StatementConflict& c : find_statement_conflicts(scan.statements, mode)) {
    if (c.kind == ConflictKind::needs_client || tx)
      problems.push_back(conflict_message(c, tx.value_or(TxKind::transactional)));
  }
  if (auto left_off = standard_strings_left_off(scan)) problems.push_back(std::move(*left_off));
  if (scan.unterminated) {
    const SqlToken& token = *scan.unterminated;
    problems.push_back(line_prefix(util::line_at_byte(sql, token.offset)) +
                       "the file ends inside " + unterminated_what(sql, token) +
                       " that starts on this line");
  }
  return problems;
}

}  // namespace pgfleet
