#include <catch2/catch.hpp>

#include "pgfleet/sql/classifier.hpp"
#include "pgfleet/sql/statement_words.hpp"

using namespace pgfleet;

namespace {

std::vector<StatementConflict> conflicts_in(const std::string& sql,
                                            SendMode mode = SendMode::whole_file) {
  return find_statement_conflicts(split_sql(sql, mode), mode);
}

// The construct found in a one-statement text, "" when it is fine in a transaction.
std::string conflict_of(const std::string& sql, SendMode mode = SendMode::whole_file) {
  const auto conflicts = conflicts_in(sql, mode);
  return conflicts.empty() ? "" : conflicts.front().what;
}

ConflictKind kind_of(const std::string& sql) {
  const auto conflicts = conflicts_in(sql);
  REQUIRE(conflicts.size() == 1);
  return conflicts.front().kind;
}

}  // namespace

TEST_CASE("classifier: transaction control is found") {
  CHECK(conflict_of("BEGIN;") == "BEGIN");
  CHECK(conflict_of("begin transaction isolation level serializable;") == "BEGIN");
  CHECK(conflict_of("START TRANSACTION;") == "START TRANSACTION");
  CHECK(conflict_of("COMMIT;") == "COMMIT");
  CHECK(conflict_of("commit work and chain") == "COMMIT");
  CHECK(conflict_of("END;") == "END");
  CHECK(conflict_of("ROLLBACK;") == "ROLLBACK");
  CHECK(conflict_of("ROLLBACK WORK;") == "ROLLBACK");
  CHECK(conflict_of("ABORT;") == "ABORT");
  CHECK(conflict_of("PREPARE TRANSACTION 'x';") == "PREPARE TRANSACTION");
  CHECK(conflict_of("COMMIT PREPARED 'x';") == "COMMIT PREPARED");
  CHECK(conflict_of("ROLLBACK PREPARED 'x';") == "ROLLBACK PREPARED");
  CHECK(conflict_of("/* lead */ -- x\n COMMIT;") == "COMMIT");
  CHECK(kind_of("COMMIT") == ConflictKind::transaction_control);
}

TEST_CASE("classifier: savepoints and ordinary statements are fine") {
  for (const char* ok :
       {"SAVEPOINT s;", "ROLLBACK TO SAVEPOINT s;", "ROLLBACK TO s;",
        "ROLLBACK TRANSACTION TO SAVEPOINT s;", "RELEASE SAVEPOINT s;", "CREATE TABLE t (id int);",
        "CREATE INDEX i ON t (a);", "CREATE INDEX i ON t (concurrently);",
        "DO $$ BEGIN PERFORM 1; COMMIT; END $$;",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;",
        "SELECT 'VACUUM';", "INSERT INTO \"begin\" VALUES (1);",
        "REFRESH MATERIALIZED VIEW CONCURRENTLY mv;", "ALTER TYPE mood ADD VALUE 'ok';",
        "CLUSTER t USING i;", "ALTER DATABASE d SET work_mem = '1MB';"}) {
    INFO(ok);
    CHECK(conflict_of(ok).empty());
  }
}

TEST_CASE("classifier: statements that cannot run in a transaction block are found") {
  CHECK(conflict_of("CREATE INDEX CONCURRENTLY i ON t (a);") == "CREATE INDEX CONCURRENTLY");
  CHECK(conflict_of("create unique index concurrently if not exists i on t (a);") ==
        "CREATE INDEX CONCURRENTLY");
  CHECK(conflict_of("DROP INDEX CONCURRENTLY IF EXISTS i;") == "DROP INDEX CONCURRENTLY");
  CHECK(conflict_of("REINDEX INDEX CONCURRENTLY i;") == "REINDEX CONCURRENTLY");
  CHECK(conflict_of("REINDEX (VERBOSE) TABLE CONCURRENTLY t;") == "REINDEX CONCURRENTLY");
  CHECK(conflict_of("REINDEX DATABASE app;") == "REINDEX DATABASE/SYSTEM");
  CHECK(conflict_of("VACUUM;") == "VACUUM");
  CHECK(conflict_of("vacuum (analyze) t;") == "VACUUM");
  CHECK(conflict_of("CREATE DATABASE d;") == "CREATE DATABASE");
  CHECK(conflict_of("DROP DATABASE d;") == "DROP DATABASE");
  CHECK(conflict_of("CREATE TABLESPACE s LOCATION '/x';") == "CREATE TABLESPACE");
  CHECK(conflict_of("DROP TABLESPACE s;") == "DROP TABLESPACE");
  CHECK(conflict_of("ALTER SYSTEM SET work_mem = '1MB';") == "ALTER SYSTEM");
  CHECK(conflict_of("CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p;") ==
        "CREATE SUBSCRIPTION");
  CHECK(conflict_of("ALTER DATABASE d SET TABLESPACE s;") == "ALTER DATABASE SET TABLESPACE");
  CHECK(conflict_of("ALTER TABLE p DETACH PARTITION c CONCURRENTLY;") ==
        "ALTER TABLE DETACH PARTITION CONCURRENTLY");
  CHECK(conflict_of("DISCARD ALL;") == "DISCARD ALL");
  CHECK(conflict_of("CLUSTER;") == "CLUSTER (all tables)");
  CHECK(kind_of("VACUUM") == ConflictKind::not_in_transaction);
}

TEST_CASE("classifier: every offending statement is returned with its line") {
  const std::string sql =
      "-- header\n"
      "BEGIN;\n"
      "CREATE TABLE t (id int);\n"
      "CREATE INDEX CONCURRENTLY i\n  ON t (id);\n"
      "COMMIT;\n";
  const auto conflicts = conflicts_in(sql);
  REQUIRE(conflicts.size() == 3);
  CHECK(conflicts[0].what == "BEGIN");
  CHECK(conflicts[0].line == 2);
  CHECK(conflicts[1].what == "CREATE INDEX CONCURRENTLY");
  CHECK(conflicts[1].line == 4);
  CHECK(conflicts[1].statement == "CREATE INDEX CONCURRENTLY i\n  ON t (id)");
  CHECK(conflicts[2].what == "COMMIT");
  CHECK(conflicts[2].line == 6);
}

TEST_CASE("classifier: statement words skip quotes and comments") {
  CHECK(statement_words("select /* vacuum */ 'commit', \"Begin\", x -- end\n") ==
        std::vector<std::string>{"SELECT", "\"Begin\"", "X"});
}

TEST_CASE("classifier: a no-transaction file may hold no transaction control, savepoints too") {
  const auto in_no_tx = [](const std::string& sql) {
    return conflict_of(sql, SendMode::statement_by_statement);
  };
  CHECK(in_no_tx("BEGIN;") == "BEGIN");
  CHECK(in_no_tx("start transaction read write;") == "START TRANSACTION");
  CHECK(in_no_tx("COMMIT;") == "COMMIT");
  CHECK(in_no_tx("END;") == "END");
  CHECK(in_no_tx("ROLLBACK;") == "ROLLBACK");
  CHECK(in_no_tx("ABORT;") == "ABORT");
  CHECK(in_no_tx("SAVEPOINT s;") == "SAVEPOINT");
  CHECK(in_no_tx("RELEASE SAVEPOINT s;") == "RELEASE SAVEPOINT");
  CHECK(in_no_tx("RELEASE s;") == "RELEASE SAVEPOINT");
  CHECK(in_no_tx("ROLLBACK TO SAVEPOINT s;") == "ROLLBACK TO SAVEPOINT");
  CHECK(in_no_tx("PREPARE TRANSACTION 'x';") == "PREPARE TRANSACTION");
  // What cannot run in a transaction block is the reason for a no-transaction file.
  CHECK(in_no_tx("CREATE INDEX CONCURRENTLY i ON t (a);").empty());
  CHECK(in_no_tx("VACUUM t;").empty());
  CHECK(in_no_tx("DO $$ BEGIN COMMIT; END $$;").empty());
  const auto conflicts =
      conflicts_in("-- pgfleet: no-transaction\nBEGIN;\nCREATE TABLE a (id int);\n",
                   SendMode::statement_by_statement);
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0].kind == ConflictKind::transaction_control);
  CHECK(conflicts[0].line == 2);
}

TEST_CASE("classifier: a statement after a comment ended by CR is seen") {
  const auto conflicts = conflicts_in("CREATE TABLE a (id int);\n-- x\rCOMMIT;\nSELECT 1;\n");
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0].what == "COMMIT");
  CHECK(conflicts[0].line == 2);
}

TEST_CASE("classifier: a transactional file is read as one query string") {
  // The server reads the whole text before the SET runs: the COMMIT is real there.
  const std::string sql =
      "SET standard_conforming_strings = off;\nSELECT 'a\\';\nCOMMIT;\nSELECT 'b';\n";
  CHECK(conflict_of(sql, SendMode::whole_file) == "COMMIT");
  // Sent statement by statement, the SET has run when the next statement is read.
  CHECK(conflict_of(sql, SendMode::statement_by_statement).empty());
  // A function named begin does not hide the statements after it.
  CHECK(conflict_of("CREATE FUNCTION s.begin() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
                    "COMMIT;\n") == "COMMIT");
}

TEST_CASE("classifier: COPY through the client and psql meta-commands need a client") {
  for (const SendMode mode : {SendMode::whole_file, SendMode::statement_by_statement}) {
    CHECK(conflict_of("COPY t FROM STDIN;", mode) == "COPY ... FROM STDIN");
    CHECK(conflict_of("copy t (a, b) from stdin with (format csv);", mode) ==
          "COPY ... FROM STDIN");
    CHECK(conflict_of("COPY (SELECT 1) TO STDOUT;", mode) == "COPY ... TO STDOUT");
    CHECK(conflict_of("COPY t FROM '/srv/data.csv';", mode).empty());
    CHECK(conflict_of("COPY t TO PROGRAM 'gzip > /tmp/t.gz';", mode).empty());
    CHECK(conflict_of("SELECT 'COPY t FROM STDIN', '\\i x';", mode).empty());
    CHECK(conflict_of("\\i other.sql\n", mode) == "\\i");
    CHECK(conflict_of("\\connect other\n", mode) == "\\connect");
  }
  CHECK(kind_of("COPY t FROM STDIN") == ConflictKind::needs_client);
  const auto conflicts = conflicts_in(
      "\\set ON_ERROR_STOP on\nCREATE TABLE t (id int);\nSELECT 1 \\gset\n;\n"
      "SELECT 2 \\g \\\\ \\echo x\n;\nCOPY t FROM STDIN;\n1\n\\.\n");
  REQUIRE(conflicts.size() == 5);
  CHECK(conflicts[0].what == "\\set");
  CHECK(conflicts[0].line == 1);
  CHECK(conflicts[1].what == "\\gset");
  CHECK(conflicts[1].line == 3);
  CHECK(conflicts[2].what == "\\g");
  CHECK(conflicts[2].line == 5);
  CHECK(conflicts[3].what == "COPY ... FROM STDIN");
  CHECK(conflicts[3].line == 7);
  CHECK(conflicts[4].what == "\\.");
  CHECK(conflicts[4].line == 9);
}

TEST_CASE("classifier: one statement-word helper for lint and the classifier") {
  CHECK(statement_words("ALTER TABLE app.\"Users\" ADD c int", QualifiedNames::last_part) ==
        std::vector<std::string>{"ALTER", "TABLE", "\"Users\"", "ADD", "C", "INT"});
  CHECK(statement_words("ALTER TABLE app.users ADD c int") ==
        std::vector<std::string>{"ALTER", "TABLE", "APP", "USERS", "ADD", "C", "INT"});
  CHECK(statement_words("SELECT 'a\\', b", QualifiedNames::every_part, StandardStrings::off) ==
        std::vector<std::string>{"SELECT"});
  CHECK(conflict_of("CLUSTER \"t\";").empty());  // a quoted table is a table
}
