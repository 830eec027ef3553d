#include "pgfleet/sql/splitter.hpp"

#include <array>

#include "pgfleet/sql/standard_strings.hpp"

namespace pgfleet {
namespace {

// Tracks one statement's nesting so that only a top-level ';' ends it. Besides parentheses this
// follows the SQL-standard function body `BEGIN ATOMIC ... END` of CREATE [OR REPLACE]
// FUNCTION/PROCEDURE, whose inner statements end in ';' too. Only the keyword BEGIN followed by
// ATOMIC opens one, as in the server's grammar: `CREATE FUNCTION s.begin()` does not.
class StatementNesting {
 public:
  void on_token(SqlTokenKind kind, std::string_view text) {
    if (kind == SqlTokenKind::word) {
      on_word(to_upper_ascii(text));
      return;
    }
    begin_seen_ = false;
    if (kind == SqlTokenKind::open_paren) ++paren_depth_;
    if (kind == SqlTokenKind::close_paren && paren_depth_ > 0) --paren_depth_;
  }
  bool at_top_level() const { return paren_depth_ == 0 && body_depth_ == 0; }

 private:
  void on_word(const std::string& upper) {
    if (word_count_ < leading_.size()) leading_[word_count_] = upper;
    ++word_count_;
    const bool begin_before = begin_seen_;
    begin_seen_ = false;
    if (paren_depth_ > 0 || !defines_routine()) return;
    if (upper == "ATOMIC" && begin_before) {
      ++body_depth_;
    } else if (upper == "BEGIN") {
      begin_seen_ = true;
    } else if (upper == "CASE") {
      if (body_depth_ > 0) ++body_depth_;  // CASE also closes with END
    } else if (upper == "END") {
      if (body_depth_ > 0) --body_depth_;
    }
  }

  bool defines_routine() const {
    const auto routine = [](const std::string& w) { return w == "FUNCTION" || w == "PROCEDURE"; };
    if (leading_[0] != "CREATE") return false;
    if (routine(leading_[1])) return true;
    return leading_[1] == "OR" && leading_[2] == "REPLACE" && routine(leading_[3]);
  }

  std::array<std::string, 4> leading_;
  std::size_t word_count_ = 0;
  int paren_depth_ = 0;
  int body_depth_ = 0;
  bool begin_seen_ = false;  // the last token was the word BEGIN
};

// One pass over the text: tokens are read lazily, so that a SET standard_conforming_strings
// takes effect for the text after its ';'.
class Splitter {
 public:
  Splitter(std::string_view sql, SendMode mode) : sql_(sql), mode_(mode), lexer_(sql) {}

  SqlScan run() {
    while (const auto token = lexer_.next()) {
      if (token->unterminated) scan_.unterminated = *token;
      if (is_blank_token(token->kind)) continue;
      if (token->kind == SqlTokenKind::semicolon && nesting_.at_top_level()) {
        end_piece(token->offset + token->length);
        continue;
      }
      nesting_.on_token(token->kind, token_text(sql_, *token));
      if (first_ == std::string_view::npos) first_ = token->offset;
      last_end_ = token->offset + token->length;
    }
    if (piece_start_ < sql_.size()) end_piece(sql_.size());
    return std::move(scan_);
  }

 private:
  void end_piece(std::size_t end) {
    scan_.pieces.push_back(sql_.substr(piece_start_, end - piece_start_));
    if (first_ != std::string_view::npos) {
      const std::string_view text = sql_.substr(first_, last_end_ - first_);
      scan_.statements.push_back(
          SqlStatement{std::string(text), first_, line_of(first_), strings_});
      if (mode_ == SendMode::statement_by_statement) {
        if (const auto after = standard_strings_after(text, strings_)) {
          strings_ = *after;
          lexer_.set_standard_strings(strings_);
        }
      }
    }
    piece_start_ = end;
    first_ = std::string_view::npos;
    nesting_ = StatementNesting();
  }

  // Lines are counted forward only: offsets come in increasing order.
  int line_of(std::size_t offset) {
    for (; counted_to_ < offset; ++counted_to_) {
      if (sql_[counted_to_] == '\n') ++line_;
    }
    return line_;
  }

  std::string_view sql_;
  SendMode mode_;
  SqlLexer lexer_;
  SqlScan scan_;
  StatementNesting nesting_;
  StandardStrings strings_ = StandardStrings::on;
  std::size_t piece_start_ = 0;
  std::size_t first_ = std::string_view::npos;  // the current statement's first token
  std::size_t last_end_ = 0;                    // just after its last token so far
  std::size_t counted_to_ = 0;
  int line_ = 1;
};

}  // namespace

SqlScan scan_sql(std::string_view sql, SendMode mode) { return Splitter(sql, mode).run(); }

std::vector<SqlStatement> split_sql(std::string_view sql, SendMode mode) {
  return scan_sql(sql, mode).statements;
}

std::vector<std::string_view> split_sql_raw(std::string_view sql, SendMode mode) {
  return scan_sql(sql, mode).pieces;
}

}  // namespace pgfleet
