#include <catch2/catch.hpp>

#include "migration_builders.hpp"
#include "pgfleet/migrations/placeholders.hpp"

using namespace pgfleet;

namespace {

const PlaceholderValues kValues = {
    {"region", "eu-west.1"}, {"hostile", "x'); DROP TABLE t; --"}, {"quote", "O'Brien \"q\" \\n"},
    {"empty", ""},           {"long", std::string(60, 'a')},
};

std::string render(const std::string& sql, const PlaceholderValues& values = kValues) {
  return render_placeholders(sql, values, "0001_x.up.sql");
}

std::vector<std::string> problems(const std::string& sql) {
  return scan_placeholders(sql).problems;
}

}  // namespace

TEST_CASE("placeholders: every form is replaced") {
  CHECK(render("SELECT '${region}';") == "SELECT 'eu-west.1';");
  CHECK(render("COMMENT ON TABLE t IS ${region:literal};") == "COMMENT ON TABLE t IS 'eu-west.1';");
  CHECK(render("CREATE TABLE ${region:ident} ();") == "CREATE TABLE \"eu-west.1\" ();");
  CHECK(render("SELECT ${$}1, '${$}{x}';") == "SELECT $1, '${x}';");
  CHECK(render("CREATE TABLE audit_${empty}x ();") == "CREATE TABLE audit_x ();");
}

TEST_CASE("placeholders: never replaced inside comments") {
  const std::string sql = "-- ${missing}\n/* ${missing:ident} /* ${x} */ */ SELECT 1; -- ${y}\n";
  CHECK(render(sql) == sql);
  CHECK(scan_placeholders(sql).placeholders.empty());
}

TEST_CASE("placeholders: :literal quotes doubled and safe with standard_conforming_strings off") {
  CHECK(render("SELECT ${hostile:literal};") == "SELECT 'x''); DROP TABLE t; --';");
  // A backslash makes it an E'' literal: read the same whatever standard_conforming_strings is.
  CHECK(render("SELECT ${quote:literal};") == "SELECT E'O''Brien \"q\" \\\\n';");
  CHECK(render("SELECT ${quote:ident};") == "SELECT \"O'Brien \"\"q\"\" \\n\";");
}

TEST_CASE("placeholders: a bare value outside ^[A-Za-z0-9_.-]*$ is refused") {
  CHECK_THROWS_WITH(render("INSERT INTO t VALUES ('${hostile}');"),
                    Catch::Contains("0001_x.up.sql line 1") && Catch::Contains("${hostile}") &&
                        Catch::Contains("may not be used bare"));
  CHECK_THROWS_WITH(render("SELECT ${quote};"), Catch::Contains("may not be used bare"));
  // The refusal names the placeholder, never its value (it may be a secret).
  try {
    render("SELECT ${hostile};");
    FAIL("not refused");
  } catch (const PlaceholderError& e) {
    CHECK(e.name() == "hostile");
    CHECK(e.line() == 1);
    CHECK(std::string(e.what()).find("DROP") == std::string::npos);
  }
}

TEST_CASE("placeholders: a bare value cannot make a comment with the text around it") {
  const PlaceholderValues values = {{"n", "-1"}, {"d", "a-"}, {"e", ""}};
  CHECK_THROWS_WITH(render("SELECT 1-${n} AND x;", values), Catch::Contains("comment"));
  CHECK_THROWS_WITH(render("SELECT ${d}-1;", values), Catch::Contains("comment"));
  CHECK_THROWS_WITH(render("SELECT 2 /${e}* 3 */;", values), Catch::Contains("comment"));
  CHECK(render("SELECT 1 - ${n};", values) == "SELECT 1 - -1;");
  CHECK(render("SELECT '--${n}';", values) == "SELECT '---1';");  // inside quotes: text
}

TEST_CASE("placeholders: a missing value names the file line and placeholder") {
  CHECK_THROWS_WITH(render("SELECT 1;\nSELECT ${nope:literal};"),
                    Catch::Contains("0001_x.up.sql line 2") && Catch::Contains("${nope}") &&
                        Catch::Contains("no value"));
}

TEST_CASE("placeholders: an identifier over 63 bytes after replacement is an error") {
  CHECK(render("CREATE TABLE t_${long} ();").size() > 60);  // 62 bytes: fine
  CHECK_THROWS_WITH(render("CREATE TABLE audit_${long} ();"),
                    Catch::Contains("66 bytes") && Catch::Contains("${long}"));
  CHECK_THROWS_WITH(render("CREATE TABLE ${x:ident} ();", {{"x", std::string(64, 'b')}}),
                    Catch::Contains("64 bytes"));
  CHECK_THROWS_WITH(render("CREATE TABLE \"abcd_${long}\" ();"), Catch::Contains("65 bytes"));
}

TEST_CASE("placeholders: inside a dollar-quoted body quotes and '$' in a value are refused") {
  CHECK(render("DO $$ BEGIN PERFORM ${region:literal}; END $$;") ==
        "DO $$ BEGIN PERFORM 'eu-west.1'; END $$;");
  CHECK_THROWS_WITH(render("DO $$ BEGIN PERFORM ${quote:literal}; END $$;"),
                    Catch::Contains("dollar-quoted"));
  CHECK_THROWS_WITH(render("DO $f$ BEGIN PERFORM ${x:ident}; END $f$;", {{"x", "a$f$b"}}),
                    Catch::Contains("dollar-quoted"));
  CHECK(render("DO $$ BEGIN -- ${region}\nEND $$;") == "DO $$ BEGIN -- eu-west.1\nEND $$;");
}

TEST_CASE("placeholders: the scan refuses shapes that would let a value out") {
  CHECK(problems("SELECT '${x:literal}';").size() == 1);
  CHECK(problems("SELECT \"${x:ident}\";").size() == 1);
  CHECK(problems("SELECT E${x:literal};").size() == 1);
  CHECK(problems("SELECT U&${x:ident};").size() == 1);
  CHECK(problems("SELECT ${x}'a';").size() == 1);
  CHECK(problems("SELECT ${x:oops};").front().find("unknown placeholder form ':oops'") !=
        std::string::npos);
  CHECK(problems("SELECT ${1x};").front().find("line 1: `${` does not start") != std::string::npos);
  CHECK(problems("SELECT ${x};\nSELECT ${y").front().find("line 2:") == 0);
  CHECK(problems("SELECT ${a}${b}, ${x:literal} || 'a', ${$}'b';").empty());
  const auto found = scan_placeholders("SELECT ${a}, '${b}',\n $$ ${c:ident} $$;").placeholders;
  REQUIRE(found.size() == 3);
  CHECK(found[1].context == PlaceholderContext::quoted);
  CHECK(found[2].context == PlaceholderContext::dollar_quoted);
  CHECK(found[2].dollar_delimiter == "$$");
  CHECK(found[2].line == 2);
  CHECK(found[2].form == PlaceholderForm::ident);
}

TEST_CASE("placeholders: a set keeps the checksum as written and renders only opted-in files") {
  Migration m = test::make_migration(1, "x", "-- pgfleet: placeholders\nSELECT ${region:literal};",
                                     "-- pgfleet: placeholders\nDROP TABLE t_${region};");
  Migration plain = test::make_migration(2, "y", "SELECT '${region}';");
  const MigrationSet set({m, plain});
  CHECK(uses_placeholders(set));
  const MigrationSet rendered = render_migration_set(set, {{"region", "eu"}});
  const Migration& r = rendered.all()[0];
  CHECK(r.up.sql == "-- pgfleet: placeholders\nSELECT 'eu';");
  CHECK(r.down->sql == "-- pgfleet: placeholders\nDROP TABLE t_eu;");
  CHECK(r.checksum == m.checksum);
  CHECK(r.rendered_checksum == util::sha256_hex(r.up.sql));
  CHECK(rendered.all()[1].up.sql == "SELECT '${region}';");
  CHECK_FALSE(uses_placeholders(MigrationSet({plain})));
  CHECK_THROWS_AS(render_migration_set(set, {}), PlaceholderError);
}
