#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "pgfleet/sql/splitter.hpp"

using namespace pgfleet;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct ExpectedStatement {
  int line;
  std::string text;
};

// Reads the golden format described in tests/data/split/README.md.
std::vector<ExpectedStatement> read_expected(const std::string& golden) {
  static const std::string marker = "-- ---- line ";
  std::vector<ExpectedStatement> statements;
  std::size_t pos = golden.find(marker);
  REQUIRE((golden.empty() || pos == 0));
  while (pos != std::string::npos) {
    const std::size_t line_end = golden.find('\n', pos);
    REQUIRE(line_end != std::string::npos);
    const int line = std::stoi(golden.substr(pos + marker.size(), line_end - pos - marker.size()));
    const std::size_t next = golden.find("\n" + marker, line_end);
    const std::size_t text_end = next == std::string::npos ? golden.size() - 1 : next;
    REQUIRE(golden[text_end] == '\n');
    statements.push_back({line, golden.substr(line_end + 1, text_end - line_end - 1)});
    pos = next == std::string::npos ? next : next + 1;
  }
  return statements;
}

std::string join(const std::vector<std::string_view>& pieces) {
  std::string all;
  for (const auto piece : pieces) all += piece;
  return all;
}

}  // namespace

TEST_CASE("splitter: golden files") {
  const fs::path dir = fs::path(PGFLEET_TEST_DATA) / "split";
  std::vector<fs::path> inputs;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".sql") inputs.push_back(entry.path());
  }
  std::sort(inputs.begin(), inputs.end());
  REQUIRE(inputs.size() >= 10);
  for (const fs::path& input : inputs) {
    SECTION(input.filename().string()) {
      const std::string sql = read_text(input);
      const fs::path expected_path = fs::path(input).replace_extension(".expected");
      REQUIRE(fs::exists(expected_path));
      const auto expected = read_expected(read_text(expected_path));
      const auto actual = split_sql(sql);
      CHECK(join(split_sql_raw(sql)) == sql);
      REQUIRE(actual.size() == expected.size());
      for (std::size_t i = 0; i < actual.size(); ++i) {
        INFO("statement " << i);
        CHECK(actual[i].text == expected[i].text);
        CHECK(actual[i].line == expected[i].line);
        CHECK(sql.compare(actual[i].offset, actual[i].text.size(), actual[i].text) == 0);
      }
    }
  }
}

TEST_CASE("splitter: offsets and lines point at the statement's first character") {
  const std::string sql = "-- c\n  SELECT 1;\n\n /* x */ SELECT\n 2 ;";
  const auto statements = split_sql(sql);
  REQUIRE(statements.size() == 2);
  CHECK(statements[0].offset == 7);
  CHECK(statements[0].line == 2);
  CHECK(statements[1].text == "SELECT\n 2");
  CHECK(statements[1].line == 4);
  CHECK(sql.substr(statements[1].offset, 6) == "SELECT");
}

TEST_CASE("splitter: raw pieces end after each top-level semicolon") {
  const auto pieces = split_sql_raw("a;b;'c;d'");
  REQUIRE(pieces.size() == 3);
  CHECK(pieces[0] == "a;");
  CHECK(pieces[1] == "b;");
  CHECK(pieces[2] == "'c;d'");
  CHECK(split_sql_raw("").empty());
  CHECK(split_sql("").empty());
  CHECK(split_sql_raw("x;").size() == 1);
}

TEST_CASE(
    "splitter: property: pieces give back the input; statements never split inside quotes or "
    "comments") {
  // Fragments that may hold ';' only inside a quoted or commented region. They are joined with
  // " , ", so no two fragments merge into one token (nor two strings into one, as a string
  // continued on the next line would).
  const std::vector<std::string> inner = {"SELECT",
                                          "x",
                                          "1",
                                          "'a;b'",
                                          "'it''s;'",
                                          "E'\\';'",
                                          "e'\\\\'",
                                          "'C:\\'",
                                          "\"q;id\"",
                                          "\"a\"\";\"",
                                          "$$;$$",
                                          "$tag$ ; $$ ; $tag$",
                                          "$1",
                                          "a$b",
                                          "/* ; /* ; */ ; */",
                                          "-- ;'\"$$\n",
                                          "(1, ';')",
                                          "U&'x;'",
                                          "\n",
                                          "CASE WHEN y THEN ';' END",
                                          "$f$ BEGIN ATOMIC ; END $f$",
                                          "E'a' -- c;\n'\\';'",
                                          "'x'\r ';'"};
  const std::vector<std::string> separators = {"", " ", "\n", " -- c;'\n", "/* ; */ ", "\n\n  "};
  std::mt19937 random(20261124);
  const auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(random)];
  };
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::string> bodies;
    std::string sql = pick(separators);
    const int count = std::uniform_int_distribution<int>(0, 5)(random);
    for (int s = 0; s < count; ++s) {
      std::string body = "SELECT";
      const int parts = std::uniform_int_distribution<int>(0, 6)(random);
      for (int p = 0; p < parts; ++p) body += " , " + pick(inner);
      body += " z";
      bodies.push_back(body);
      sql += body + ";" + pick(separators);
    }
    INFO(sql);
    const auto pieces = split_sql_raw(sql);
    REQUIRE(join(pieces) == sql);
    const auto statements = split_sql(sql);
    REQUIRE(statements.size() == bodies.size());
    for (std::size_t i = 0; i < bodies.size(); ++i) {
      CHECK(statements[i].text == bodies[i]);
      CHECK(sql.compare(statements[i].offset, bodies[i].size(), bodies[i]) == 0);
      const auto newlines =
          std::count(sql.begin(), sql.begin() + static_cast<long>(statements[i].offset), '\n');
      CHECK(statements[i].line == 1 + newlines);
    }
  }
}
