#include "pgfleet/sql/splitter.hpp"

#include <algorithm>
#include <array>

#include "pgfleet/sql/lexer.hpp"

namespace pgfleet {
namespace {

// Tracks one statement's nesting so that only a top-level ';' ends it. Besides parentheses this
// follows the SQL-standard function body `BEGIN ATOMIC ... END` of CREATE [OR REPLACE]
// FUNCTION/PROCEDURE, whose inner statements end in ';' too (psql uses the same rule).
class StatementNesting {
 public:
  void on_word(std::string_view word) {
    const std::string upper = to_upper_ascii(word);
    if (word_count_ < leading_.size()) leading_[word_count_] = upper;
    ++word_count_;
    if (paren_depth_ > 0 || !defines_routine()) return;
    if (upper == "BEGIN") {
      ++begin_depth_;
    } else if (upper == "CASE") {
      if (begin_depth_ > 0) ++begin_depth_;  // CASE also closes with END
    } else if (upper == "END") {
      if (begin_depth_ > 0) --begin_depth_;
    }
  }
  void on_open_paren() { ++paren_depth_; }
  void on_close_paren() {
    if (paren_depth_ > 0) --paren_depth_;
  }
  bool at_top_level() const { return paren_depth_ == 0 && begin_depth_ == 0; }

 private:
  bool defines_routine() const {
    const auto routine = [](const std::string& w) { return w == "FUNCTION" || w == "PROCEDURE"; };
    if (leading_[0] != "CREATE") return false;
    if (routine(leading_[1])) return true;
    return leading_[1] == "OR" && leading_[2] == "REPLACE" && routine(leading_[3]);
  }

  std::array<std::string, 4> leading_;
  std::size_t word_count_ = 0;
  int paren_depth_ = 0;
  int begin_depth_ = 0;
};

}  // namespace

std::vector<std::string_view> split_sql_raw(std::string_view sql) {
  std::vector<std::string_view> pieces;
  std::size_t piece_start = 0;
  StatementNesting nesting;
  for (const SqlToken& token : lex_sql(sql)) {
    switch (token.kind) {
      case SqlTokenKind::word: nesting.on_word(token_text(sql, token)); break;
      case SqlTokenKind::open_paren: nesting.on_open_paren(); break;
      case SqlTokenKind::close_paren: nesting.on_close_paren(); break;
      case SqlTokenKind::semicolon:
        if (nesting.at_top_level()) {
          const std::size_t end = token.offset + token.length;
          pieces.push_back(sql.substr(piece_start, end - piece_start));
          piece_start = end;
          nesting = StatementNesting();
        }
        break;
      default: break;
    }
  }
  if (piece_start < sql.size()) pieces.push_back(sql.substr(piece_start));
  return pieces;
}

std::vector<SqlStatement> split_sql(std::string_view sql) {
  std::vector<SqlStatement> statements;
  std::size_t piece_offset = 0;
  int line = 1;
  for (const std::string_view piece : split_sql_raw(sql)) {
    // The statement runs from its first to its last token that is neither blank, a comment
    // nor the terminating ';'.
    std::size_t begin = piece.size();
    std::size_t end = 0;
    for (const SqlToken& token : lex_sql(piece)) {
      if (is_blank_token(token.kind)) continue;
      const bool terminator =
          token.kind == SqlTokenKind::semicolon && token.offset + token.length == piece.size();
      if (terminator) continue;
      if (begin == piece.size()) begin = token.offset;
      end = token.offset + token.length;
    }
    if (begin < piece.size()) {
      const int statement_line =
          line + static_cast<int>(
                     std::count(piece.begin(), piece.begin() + static_cast<long>(begin), '\n'));
      statements.push_back(SqlStatement{std::string(piece.substr(begin, end - begin)),
                                        piece_offset + begin, statement_line});
    }
    line += static_cast<int>(std::count(piece.begin(), piece.end(), '\n'));
    piece_offset += piece.size();
  }
  return statements;
}

}  // namespace pgfleet
