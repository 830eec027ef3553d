#include <catch2/catch.hpp>

#include "pgfleet/sql/lexer.hpp"
#include "pgfleet/sql/standard_strings.hpp"

using namespace pgfleet;

namespace {

// "kind:text" for every token but whitespace.
std::vector<std::string> tokens_of(std::string_view sql,
                                   StandardStrings strings = StandardStrings::on) {
  std::vector<std::string> out;
  for (const SqlToken& token : lex_sql(sql, strings)) {
    if (token.kind == SqlTokenKind::whitespace) continue;
    const char* kind = token.kind == SqlTokenKind::line_comment    ? "comment"
                       : token.kind == SqlTokenKind::block_comment ? "block"
                       : token.kind == SqlTokenKind::string        ? "string"
                       : token.kind == SqlTokenKind::word          ? "word"
                       : token.kind == SqlTokenKind::backslash     ? "backslash"
                       : token.kind == SqlTokenKind::semicolon     ? ";"
                                                                   : "other";
    out.push_back(std::string(kind) + ":" + std::string(token_text(sql, token)));
  }
  return out;
}

// The one unterminated token of `sql`, as "kind-index:text", or "" when everything is closed.
std::string unterminated_of(std::string_view sql) {
  std::string found;
  for (const SqlToken& token : lex_sql(sql)) {
    if (token.unterminated)
      found +=
          std::to_string(static_cast<int>(token.kind)) + ":" + std::string(token_text(sql, token));
  }
  return found;
}

}  // namespace

TEST_CASE("lexer: a -- comment ends at CR as well as LF, as on the server") {
  CHECK(tokens_of("-- x\rCOMMIT;") ==
        std::vector<std::string>{"comment:-- x", "word:COMMIT", ";:;"});
  CHECK(tokens_of("-- x\r\nCOMMIT") == std::vector<std::string>{"comment:-- x", "word:COMMIT"});
  CHECK(tokens_of("SELECT 1--c\r;") ==
        std::vector<std::string>{"word:SELECT", "other:1", "comment:--c", ";:;"});
  CHECK(tokens_of("1e--c") == std::vector<std::string>{"other:1e", "comment:--c"});
}

TEST_CASE("lexer: vertical tab and form feed are whitespace") {
  CHECK(tokens_of("\vSELECT\f1\v;") == std::vector<std::string>{"word:SELECT", "other:1", ";:;"});
}

TEST_CASE("lexer: standard_conforming_strings off makes backslash escape in plain strings") {
  CHECK(tokens_of("'a\\';c'") ==
        std::vector<std::string>{"string:'a\\'", ";:;", "word:c", "string:'"});
  CHECK(tokens_of("'a\\';b'") == std::vector<std::string>{"string:'a\\'", ";:;", "string:b'"});
  CHECK(tokens_of("'a\\';b'", StandardStrings::off) == std::vector<std::string>{"string:'a\\';b'"});
  // B'' and U&'' never take backslash escapes; E'' always does.
  CHECK(tokens_of("B'1\\';", StandardStrings::off) ==
        std::vector<std::string>{"string:B'1\\'", ";:;"});
  CHECK(tokens_of("U&'\\';", StandardStrings::off) ==
        std::vector<std::string>{"string:U&'\\'", ";:;"});
  CHECK(tokens_of("E'\\';'") == std::vector<std::string>{"string:E'\\';'"});
}

TEST_CASE("lexer: a string continues in a quote on a later line, read the same way") {
  CHECK(tokens_of("E'a'\n'\\';'") == std::vector<std::string>{"string:E'a'\n'\\';'"});
  CHECK(tokens_of("'a' -- c\r  ';'") == std::vector<std::string>{"string:'a' -- c\r  ';'"});
  CHECK(tokens_of("'a' ';'") == std::vector<std::string>{"string:'a'", "string:';'"});
  CHECK(tokens_of("'a' /* c */\n';'") ==
        std::vector<std::string>{"string:'a'", "block:/* c */", "string:';'"});
  CHECK(tokens_of("\"a\"\n\";\"").size() == 2);  // identifiers do not continue
}

TEST_CASE("lexer: a backslash outside quotes is its own token") {
  CHECK(tokens_of("\\i other.sql") ==
        std::vector<std::string>{"backslash:\\", "word:i", "word:other", "other:.", "word:sql"});
  CHECK(tokens_of("'\\i' \"\\\" -- \\x\n/* \\ */ $$\\$$") ==
        std::vector<std::string>{"string:'\\i'", "other:\"\\\"", "comment:-- \\x", "block:/* \\ */",
                                 "other:$$\\$$"});
}

TEST_CASE("lexer: the token the text ends inside is marked unterminated") {
  CHECK(unterminated_of("SELECT 'a'; SELECT $$ $$; /* /* */ */ \"x\"").empty());
  CHECK(unterminated_of("SELECT 'a").find(":'a") != std::string::npos);
  CHECK(unterminated_of("SELECT E'a\\").find(":E'a\\") != std::string::npos);
  CHECK(unterminated_of("SELECT E'a\\'").find(":E'a\\'") != std::string::npos);
  CHECK(unterminated_of("SELECT \"a").find(":\"a") != std::string::npos);
  CHECK(unterminated_of("SELECT $x$ a $y$").find(":$x$ a $y$") != std::string::npos);
  CHECK(unterminated_of("SELECT /* a /* b */").find(":/* a /* b */") != std::string::npos);
  CHECK(unterminated_of("SELECT 'a'\n'b").find(":'a'\n'b") != std::string::npos);
}

TEST_CASE("lexer: the statements that set standard_conforming_strings are recognised") {
  const auto after = [](std::string_view statement) {
    return standard_strings_after(statement, StandardStrings::on);
  };
  using S = StandardStrings;
  CHECK(after("SET standard_conforming_strings = off") == S::off);
  CHECK(after("set Standard_Conforming_Strings to 'OFF'") == S::off);
  CHECK(after("SET SESSION standard_conforming_strings = false") == S::off);
  CHECK(after("SET standard_conforming_strings = of") == S::off);
  CHECK(after("SET standard_conforming_strings = 0") == S::off);
  CHECK(after("SET standard_conforming_strings = n") == S::off);
  CHECK(after("SET \"standard_conforming_strings\" = E'off'") == S::off);
  CHECK(after("SET standard_conforming_strings = on") == S::on);
  CHECK(after("SET standard_conforming_strings = 'yes'") == S::on);
  CHECK(after("SET standard_conforming_strings TO DEFAULT") == S::on);
  CHECK(after("RESET standard_conforming_strings") == S::on);
  CHECK(after("RESET ALL") == S::on);
  CHECK(after("DISCARD ALL") == S::on);
  CHECK_FALSE(after("SET LOCAL standard_conforming_strings = off"));
  CHECK_FALSE(after("SET standard_conforming_strings = o"));
  CHECK_FALSE(after("SET standard_conforming_strings = off, on"));
  CHECK_FALSE(after("SET escape_string_warning = off"));
  CHECK_FALSE(after("SELECT 'SET standard_conforming_strings = off'"));
}
