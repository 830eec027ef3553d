#include <catch2/catch.hpp>

#include "pgfleet/sql/classifier.hpp"

using namespace pgfleet;

namespace {

// The construct found in a one-statement text, "" when it is fine in a transaction.
std::string conflict_of(const std::string& sql) {
  const auto conflicts = find_transaction_conflicts(split_sql(sql));
  return conflicts.empty() ? "" : conflicts.front().what;
}

StatementConflict kind_of(const std::string& sql) {
  const auto conflicts = find_transaction_conflicts(split_sql(sql));
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
  CHECK(kind_of("COMMIT") == StatementConflict::transaction_control);
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
  CHECK(kind_of("VACUUM") == StatementConflict::not_in_transaction);
}

TEST_CASE("classifier: every offending statement is returned with its line") {
  const std::string sql =
      "-- header\n"
      "BEGIN;\n"
      "CREATE TABLE t (id int);\n"
      "CREATE INDEX CONCURRENTLY i\n  ON t (id);\n"
      "COMMIT;\n";
  const auto conflicts = find_transaction_conflicts(split_sql(sql));
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
        std::vector<std::string>{"SELECT", "X"});
}
