#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "pgfleet/migrations/migration_set.hpp"
#include "pgfleet/util/sha256.hpp"

using namespace pgfleet;
namespace fs = std::filesystem;

namespace {

std::string set_dir(const std::string& name) {
  return (fs::path(PGFLEET_TEST_DATA) / "sets" / name).string();
}

// A fresh directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device entropy;
    path_ = fs::temp_directory_path() / ("pgfleet-migset-" + std::to_string(entropy()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream out(path_ / name, std::ios::binary);
    out << bytes;
  }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

// The problems reported for `file` (a bare file name) joined, or "" when there are none.
std::string problems_of(const MigrationSetError& error, const std::string& file) {
  std::string found;
  for (const FileProblem& p : error.problems()) {
    if (fs::path(p.file).filename() == file) found += p.message + "\n";
  }
  return found;
}

}  // namespace

TEST_CASE("migration set: a good directory loads in version order") {
  const MigrationSet set = MigrationSet::load(set_dir("good"));
  REQUIRE(set.all().size() == 3);
  CHECK(set.latest() == 20261123120000LL);
  const Migration& users = set.all()[0];
  CHECK(users.version == 1);
  CHECK(users.name == "create_users");
  CHECK(users.up.directives.tx == TxKind::transactional);
  REQUIRE(users.down.has_value());
  CHECK(users.down->sql == "DROP TABLE users;\n");
  CHECK(users.checksum == util::sha256_hex(users.up.sql));
  CHECK(fs::path(users.up.path).filename() == "0001_create_users.up.sql");

  const Migration* index = set.find(2);
  REQUIRE(index != nullptr);
  CHECK(index->up.directives.tx == TxKind::no_transaction);
  CHECK(index->up.directives.lock_timeout == std::chrono::milliseconds(2000));
  CHECK(index->up.directives.statement_timeout == std::chrono::milliseconds(600000));
  REQUIRE(index->down.has_value());
  CHECK(index->down->directives.tx == TxKind::no_transaction);

  CHECK_FALSE(set.all()[2].down.has_value());
  CHECK(set.find(3) == nullptr);
}

TEST_CASE("migration set: every problem is reported at once, file by file") {
  const std::string dir = set_dir("all_problems");
  try {
    MigrationSet::load(dir);
    FAIL("expected MigrationSetError");
  } catch (const MigrationSetError& e) {
    CHECK(problems_of(e, "0001_ok.up.sql").empty());
    CHECK(problems_of(e, "0010_ok_with_bad_down.up.sql").empty());
    CHECK_THAT(problems_of(e, "0002_dup.up.sql"),
               Catch::Contains("duplicate version 2") && Catch::Contains("002_dup_again.up.sql"));
    CHECK_THAT(problems_of(e, "002_dup_again.up.sql"), Catch::Contains("duplicate version 2"));
    CHECK_THAT(problems_of(e, "0003_orphan.down.sql"), Catch::Contains("without a matching .up"));
    CHECK_THAT(problems_of(e, "badname.sql"), Catch::Contains("bad migration file name"));
    CHECK_THAT(problems_of(e, "notes.txt"), Catch::Contains("bad migration file name"));
    CHECK_THAT(problems_of(e, "subdir"), Catch::Contains("subdirectories"));
    CHECK_THAT(problems_of(e, "0004_latin1.up.sql"),
               Catch::Contains("invalid UTF-8 at byte offset 26"));
    CHECK_THAT(problems_of(e, "0005_empty.up.sql"), Catch::Contains("empty migration"));
    CHECK_THAT(problems_of(e, "0006_unknown_directive.up.sql"),
               Catch::Contains("unknown directive 'no-transactoin'") && Catch::Contains("line 1"));
    const std::string commit = problems_of(e, "0007_commit.up.sql");
    CHECK_THAT(commit, Catch::Contains("line 1: BEGIN") && Catch::Contains("line 3: COMMIT") &&
                           Catch::Contains("-- pgfleet: no-transaction"));
    CHECK_THAT(problems_of(e, "0008_concurrently.up.sql"),
               Catch::Contains("line 2: CREATE INDEX CONCURRENTLY") &&
                   Catch::Contains("-- pgfleet: no-transaction"));
    CHECK_THAT(problems_of(e, "0009_bad_timeout.up.sql"), Catch::Contains("5parsecs"));
    CHECK_THAT(problems_of(e, "0010_ok_with_bad_down.down.sql"), Catch::Contains("VACUUM"));
    CHECK(e.problems().size() == 14);  // one per bad file above, two for 0007

    // what(): one line per problem, "<file>: <message>", files in order.
    const std::string what = e.what();
    CHECK(std::count(what.begin(), what.end(), '\n') == static_cast<long>(e.problems().size()) - 1);
    CHECK_THAT(what, Catch::StartsWith((fs::path(dir) / "0002_dup.up.sql").string() +
                                       ": duplicate version"));
    for (std::size_t i = 1; i < e.problems().size(); ++i)
      CHECK(e.problems()[i - 1].file <= e.problems()[i].file);
  }
}

TEST_CASE("migration set: a .down must carry its .up's name") {
  try {
    MigrationSet::load(set_dir("down_name_mismatch"));
    FAIL("expected MigrationSetError");
  } catch (const MigrationSetError& e) {
    REQUIRE(e.problems().size() == 1);
    CHECK_THAT(e.problems()[0].message, Catch::Contains("0001_first.up.sql"));
    CHECK(fs::path(e.problems()[0].file).filename() == "0001_other.down.sql");
  }
}

TEST_CASE("migration set: BOM removed and CRLF read as LF, in the text and the checksum") {
  TempDir plain;
  plain.write("1_a.up.sql", "-- pgfleet: lock-timeout=1s\nCREATE TABLE a (id int);\n");
  TempDir windows;
  windows.write("1_a.up.sql",
                "\xEF\xBB\xBF-- pgfleet: lock-timeout=1s\r\nCREATE TABLE a (id int);\r\n");
  const MigrationSet a = MigrationSet::load(plain.str());
  const MigrationSet b = MigrationSet::load(windows.str());
  CHECK(b.all()[0].up.sql == "-- pgfleet: lock-timeout=1s\nCREATE TABLE a (id int);\n");
  CHECK(b.all()[0].checksum == a.all()[0].checksum);
  CHECK(b.all()[0].up.directives.lock_timeout == std::chrono::milliseconds(1000));
  CHECK(a.all()[0].checksum ==
        util::sha256_hex("-- pgfleet: lock-timeout=1s\nCREATE TABLE a (id int);\n"));
}

TEST_CASE("migration set: a lone CR and a BOM in the middle are kept") {
  TempDir dir;
  dir.write("1_a.up.sql", "SELECT 'a\rb';\nSELECT '\xEF\xBB\xBF';\n");
  CHECK(MigrationSet::load(dir.str()).all()[0].up.sql ==
        "SELECT 'a\rb';\nSELECT '\xEF\xBB\xBF';\n");
}

TEST_CASE("migration set: 0007 and 7 are the same version") {
  TempDir dir;
  dir.write("0007_a.up.sql", "SELECT 1;");
  dir.write("7_b.up.sql", "SELECT 2;");
  CHECK_THROWS_WITH(MigrationSet::load(dir.str()), Catch::Contains("duplicate version 7"));
}

TEST_CASE("migration set: an empty directory is an empty set, a missing one is an error") {
  TempDir dir;
  const MigrationSet set = MigrationSet::load(dir.str());
  CHECK(set.empty());
  CHECK(set.latest() == 0);
  CHECK_THROWS_AS(MigrationSet::load(dir.str() + "/missing"), std::runtime_error);
  try {
    MigrationSet::load(dir.str() + "/missing");
  } catch (const MigrationSetError&) {
    FAIL("a missing directory is not a MigrationSetError");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("missing"));
  }
}

TEST_CASE("migration set: the no-transaction directive allows what a transaction cannot hold") {
  TempDir dir;
  dir.write("1_vacuum.up.sql",
            "-- pgfleet: no-transaction\nVACUUM t;\nCREATE INDEX CONCURRENTLY i ON t (a);\n");
  dir.write("2_dollar.up.sql", "DO $$ BEGIN COMMIT; END $$;\n");
  CHECK(MigrationSet::load(dir.str()).all().size() == 2);
}

TEST_CASE("migration set: constructed sets are sorted and searchable") {
  Migration m5;
  m5.version = 5;
  Migration m2;
  m2.version = 2;
  const MigrationSet set({m5, m2});
  CHECK(set.all().front().version == 2);
  CHECK(set.latest() == 5);
  CHECK(set.find(5) == &set.all()[1]);
  CHECK(set.find(4) == nullptr);
  CHECK(MigrationSet().latest() == 0);
}

TEST_CASE("migration set: a zero-byte .up is empty, a .down's directives are checked too") {
  TempDir dir;
  dir.write("1_zero.up.sql", "");
  dir.write("2_a.up.sql", "SELECT 1;");
  dir.write("2_a.down.sql", "-- pgfleet: lock-timeout=soon\nSELECT 1;");
  dir.write("3_b.up.sql", "SELECT 1;");
  dir.write("3_b.down.sql", "");  // an empty .down is allowed (lint warns)
  try {
    MigrationSet::load(dir.str());
    FAIL("expected MigrationSetError");
  } catch (const MigrationSetError& e) {
    REQUIRE(e.problems().size() == 2);
    CHECK_THAT(problems_of(e, "1_zero.up.sql"), Catch::Contains("empty migration"));
    CHECK_THAT(problems_of(e, "2_a.down.sql"),
               Catch::Contains("lock-timeout") && Catch::Contains("soon"));
  }
}

namespace {

// Loads `dir`, which must fail, and returns every problem as "<file>: <message>" lines.
std::string load_errors(const TempDir& dir) {
  try {
    MigrationSet::load(dir.str());
  } catch (const MigrationSetError& e) {
    std::string all;
    for (const FileProblem& p : e.problems())
      all += fs::path(p.file).filename().string() + ": " + p.message + "\n";
    return all;
  }
  FAIL("expected MigrationSetError");
  return "";
}

}  // namespace

TEST_CASE("migration set: a NUL byte is a load error with its byte offset, .up and .down alike") {
  TempDir dir;
  dir.write("1_a.up.sql", std::string("CREATE TABLE a (id int);\0DROP TABLE b;\n", 39));
  dir.write("1_a.down.sql", std::string("\xEF\xBB\xBF"
                                        "DROP TABLE a;\n\0\0",
                                        19));
  const std::string errors = load_errors(dir);
  CHECK_THAT(errors, Catch::Contains("1_a.up.sql: NUL byte at byte offset 24:"));
  CHECK_THAT(errors, Catch::Contains("1_a.down.sql: NUL byte at byte offset 17 (and 1 more)"));
  CHECK(std::count(errors.begin(), errors.end(), '\n') == 2);
}

TEST_CASE("migration set: a no-transaction file with transaction control is a load error") {
  TempDir dir;
  dir.write("1_a.up.sql",
            "-- pgfleet: no-transaction\nBEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\n");
  dir.write("2_b.up.sql",
            "-- pgfleet: no-transaction\nCREATE TABLE b (id int);\nSAVEPOINT s;\nCOMMIT;\n");
  dir.write("2_b.down.sql", "-- pgfleet: no-transaction\nDROP TABLE b;\nEND;\n");
  const std::string errors = load_errors(dir);
  CHECK_THAT(errors, Catch::Contains("1_a.up.sql: line 2: BEGIN is transaction control") &&
                         Catch::Contains("swallow"));
  CHECK_THAT(errors, Catch::Contains("2_b.up.sql: line 3: SAVEPOINT"));
  CHECK_THAT(errors, Catch::Contains("2_b.up.sql: line 4: COMMIT"));
  CHECK_THAT(errors, Catch::Contains("2_b.down.sql: line 3: END"));
  CHECK(std::count(errors.begin(), errors.end(), '\n') == 4);
}

TEST_CASE("migration set: a COMMIT after a comment ended by CR is a load error") {
  TempDir dir;
  dir.write("1_a.up.sql", "CREATE TABLE a (id int);\n-- x\rCOMMIT;\nCREATE TABLE b (id int);\n");
  CHECK_THAT(load_errors(dir),
             Catch::Contains("1_a.up.sql: line 2: COMMIT is transaction control"));
}

TEST_CASE("migration set: COPY through the client and psql meta-commands are load errors") {
  TempDir dir;
  dir.write("1_a.up.sql", "CREATE TABLE a (id int);\nCOPY a FROM STDIN;\n1\n\\.\n");
  dir.write("2_b.up.sql", "\\set ON_ERROR_STOP on\nCREATE TABLE b (id int);\n");
  dir.write("3_c.up.sql", "-- pgfleet: no-transaction\nCOPY (SELECT 1) TO STDOUT;\n");
  dir.write("4_d.up.sql", "CREATE TABLE d (id int);\n\\i more.sql\n");
  const std::string errors = load_errors(dir);
  CHECK_THAT(errors, Catch::Contains("1_a.up.sql: line 2: COPY ... FROM STDIN needs the client "
                                     "side of the COPY protocol, which a migration runner does "
                                     "not speak"));
  CHECK_THAT(errors, Catch::Contains("1_a.up.sql: line 4: \\. is a psql meta-command"));
  CHECK_THAT(errors, Catch::Contains("2_b.up.sql: line 1: \\set is a psql meta-command"));
  CHECK_THAT(errors, Catch::Contains("3_c.up.sql: line 2: COPY ... TO STDOUT"));
  CHECK_THAT(errors, Catch::Contains("4_d.up.sql: line 2: \\i is a psql meta-command"));
  CHECK(std::count(errors.begin(), errors.end(), '\n') == 5);
}

TEST_CASE("migration set: text that ends inside a quote or comment names where it starts") {
  TempDir dir;
  dir.write("1_a.up.sql", "SELECT 1;\nSELECT 'it''s;\nSELECT 2;\n");
  dir.write("2_b.up.sql", "CREATE FUNCTION f() RETURNS int AS $body$\nSELECT 1;\n$$ LANGUAGE sql;");
  dir.write("3_c.up.sql", "SELECT 1;\n\n/* a /* nested */ comment\n");
  dir.write("4_d.up.sql", "SELECT \"a;\n");
  dir.write("5_e.up.sql", "SELECT 1; -- the last line has no line break");
  dir.write("6_f.up.sql", "-- pgfleet: no-transaction\nSELECT E'\\';\n");
  const std::string errors = load_errors(dir);
  CHECK_THAT(errors, Catch::Contains("1_a.up.sql: line 2: the file ends inside a quoted string "
                                     "('...') that starts on this line"));
  CHECK_THAT(errors, Catch::Contains("2_b.up.sql: line 1: the file ends inside a dollar-quoted "
                                     "string ($body$ ... $body$)"));
  CHECK_THAT(errors, Catch::Contains("3_c.up.sql: line 3: the file ends inside a block comment"));
  CHECK_THAT(errors, Catch::Contains("4_d.up.sql: line 1: the file ends inside a quoted "
                                     "identifier"));
  CHECK_THAT(errors, Catch::Contains("6_f.up.sql: line 2: the file ends inside a quoted string"));
  CHECK(errors.find("5_e.up.sql") == std::string::npos);
  CHECK(std::count(errors.begin(), errors.end(), '\n') == 5);
}

TEST_CASE("migration set: standard_conforming_strings left off at the end of a file is refused") {
  TempDir dir;
  dir.write("1_a.up.sql",
            "-- pgfleet: no-transaction\nSET standard_conforming_strings = off;\n"
            "INSERT INTO t VALUES ('a\\';b');\n");
  dir.write("2_b.up.sql",
            "-- pgfleet: no-transaction\nSET standard_conforming_strings = off;\n"
            "INSERT INTO t VALUES ('a\\';b');\nSET standard_conforming_strings = on;\n");
  dir.write("3_c.up.sql", "SET standard_conforming_strings = off;\nSELECT 1;\n");
  const std::string errors = load_errors(dir);
  CHECK_THAT(errors,
             Catch::Contains("1_a.up.sql: line 2: standard_conforming_strings is left off"));
  CHECK_THAT(errors,
             Catch::Contains("3_c.up.sql: line 1: standard_conforming_strings is left off"));
  CHECK(std::count(errors.begin(), errors.end(), '\n') == 2);
}

TEST_CASE("migration set: every problem of one file is reported, not just the first") {
  TempDir dir;
  dir.write("1_a.up.sql",
            std::string("-- pgfleet: no-transactoin\nSELECT 'caf\xE9';\n\0COPY t FROM STDIN;\n"
                        "\\echo hi\nSELECT 'open;\n",
                        85));
  const std::string errors = load_errors(dir);
  INFO(errors);
  CHECK_THAT(errors, Catch::Contains("NUL byte at byte offset 42"));
  CHECK_THAT(errors, Catch::Contains("invalid UTF-8 at byte offset 38"));
  CHECK_THAT(errors, Catch::Contains("unknown directive 'no-transactoin'"));
  CHECK_THAT(errors, Catch::Contains("line 3: COPY ... FROM STDIN"));
  CHECK_THAT(errors, Catch::Contains("line 4: \\echo is a psql meta-command"));
  CHECK_THAT(errors, Catch::Contains("line 5: the file ends inside a quoted string"));
  CHECK(std::count(errors.begin(), errors.end(), '\n') == 6);
}

TEST_CASE("migration set: a .verify file loads beside its .up with its own checksum") {
  TempDir dir;
  dir.write("0001_users.up.sql", "CREATE TABLE users (id int);\n");
  dir.write("0001_users.verify.sql", "SELECT 1/count(*) FROM pg_tables WHERE tablename='users';\n");
  dir.write("0002_more.up.sql", "SELECT 1;\n");
  const MigrationSet set = MigrationSet::load(dir.str());
  const Migration& users = set.all()[0];
  REQUIRE(users.verify.has_value());
  CHECK(users.verify->sql.find("pg_tables") != std::string::npos);
  CHECK(users.verify_checksum == util::sha256_hex(users.verify->sql));
  CHECK(users.checksum == util::sha256_hex("CREATE TABLE users (id int);\n"));
  CHECK_FALSE(set.all()[1].verify.has_value());
  CHECK(set.all()[1].verify_checksum.empty());
  CHECK(users.rendered_checksum == users.checksum);  // no placeholders: sent as written
}

TEST_CASE("migration set: a .verify without its .up or with another name is a load error") {
  TempDir dir;
  dir.write("0001_users.up.sql", "SELECT 1;\n");
  dir.write("0001_people.verify.sql", "SELECT 1;\n");
  dir.write("0002_orphan.verify.sql", "SELECT 1;\n");
  try {
    MigrationSet::load(dir.str());
    FAIL("loaded");
  } catch (const MigrationSetError& e) {
    CHECK_THAT(problems_of(e, "0001_people.verify.sql"),
               Catch::Contains("does not match its .up file 0001_users.up.sql"));
    CHECK_THAT(problems_of(e, "0002_orphan.verify.sql"),
               Catch::Contains(".verify file without a matching .up file"));
  }
}

TEST_CASE("migration set: placeholder shapes are checked only in files that opt in") {
  TempDir dir;
  dir.write("0001_a.up.sql", "-- pgfleet: placeholders\nSELECT '${x:literal}';\n");
  dir.write("0002_b.up.sql", "SELECT '${x:literal}';\n");
  dir.write("0003_c.up.sql", "-- pgfleet: placeholders\nSELECT ${x:literal};\n");
  try {
    MigrationSet::load(dir.str());
    FAIL("loaded");
  } catch (const MigrationSetError& e) {
    CHECK_THAT(problems_of(e, "0001_a.up.sql"),
               Catch::Contains("line 2: ${x:literal} inside quotes"));
    CHECK(problems_of(e, "0002_b.up.sql").empty());
    CHECK(problems_of(e, "0003_c.up.sql").empty());
  }
}
