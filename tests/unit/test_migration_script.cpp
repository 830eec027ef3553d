// The SQL text of a step, and the mapping of server error positions back to files and lines.
#include <catch2/catch.hpp>

#include "migration_builders.hpp"
#include "pgfleet/engine/apply_batch.hpp"
#include "pgfleet/engine/history_table.hpp"
#include "pgfleet/engine/migration_script.hpp"
#include "pgfleet/sql/quoting.hpp"
#include "pgfleet/util/utf8.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

// The 1-based character position of the first occurrence of `needle` in `sql`, as the server
// reports it.
int position_of(const std::string& sql, const std::string& needle) {
  const std::size_t byte = sql.find(needle);
  REQUIRE(byte != std::string::npos);
  return static_cast<int>(util::count_code_points(std::string_view(sql).substr(0, byte))) + 1;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("locate maps a position to the version and the line in its file") {
  MigrationScript script;
  script.add_sql("SET LOCAL lock_timeout = '5s';\n-- ünïcödé in pgfleet's own text\n");
  script.add_file(Version(7), "-- 日本語\nCREATE TABLE a (x int);\nSELECT bad FROM a;\n");
  script.add_sql("INSERT INTO h VALUES (7);\n");
  script.add_file(Version(8), "SELECT 1;\n\n  SELECT worse;");
  script.add_sql("SELECT 'end';");

  MigrationScript::Location where = script.locate(position_of(script.sql(), "bad"));
  CHECK(where.in_file);
  CHECK(where.version == Version(7));
  CHECK(where.line == 3);

  where = script.locate(position_of(script.sql(), "worse"));
  CHECK(where.version == Version(8));
  CHECK(where.line == 3);

  where = script.locate(position_of(script.sql(), "INSERT INTO h"));
  CHECK_FALSE(where.in_file);
  CHECK_FALSE(script.locate(0).in_file);
  CHECK_FALSE(script.locate(1).in_file);
  CHECK(script.versions() == std::vector<Version>{7, 8});
}

TEST_CASE("a position in the terminator after a file maps to the file's last line") {
  MigrationScript script;
  script.add_sql("BEGIN_MARK;\n");
  script.add_file(Version(1), "CREATE TABLE x (\n  id int,\n\n");
  script.add_sql("INSERT INTO h VALUES (1);");
  // "syntax error at or near ;" points at the ';' that pgfleet appends after the file.
  const std::size_t semicolon = script.sql().find("\n;\n") + 1;
  const MigrationScript::Location where = script.locate(static_cast<int>(semicolon) + 1);
  CHECK(where.in_file);
  CHECK(where.version == Version(1));
  CHECK(where.line == 2);
}

TEST_CASE("a file is followed by a terminator so a trailing comment cannot swallow SQL") {
  MigrationScript script;
  script.add_file(Version(1), "SELECT 1 -- no semicolon, ends in a comment");
  script.add_sql("INSERT INTO h VALUES (1);");
  CHECK(contains(script.sql(), "comment\n;\nINSERT"));
}

TEST_CASE("apply batch in tx-mode tenant: timeouts, guard, then per file text and history row") {
  RunSettings settings;
  settings.run_id = "20260101T000000Z-ab12";
  settings.applied_by = "o'neil@host";
  settings.lock_timeout = Millis(5000);
  settings.tx_mode = TxMode::tenant;
  const HistoryTable history;
  auto m1 = make_migration(1, "one", "CREATE TABLE one (id int);\n");
  auto m2 = make_migration(2, "two",
                           "-- pgfleet: lock-timeout=250ms statement-timeout=10s\n"
                           "CREATE TABLE two (id int);\n");
  ApplyBatch batch;
  batch.migrations = {&m1, &m2};
  const MigrationScript script = apply_batch_script(BatchContext{history, settings, {}}, batch);
  const std::string& sql = script.sql();

  CHECK(sql.rfind("BEGIN;\nSELECT set_config('pgfleet.started_at'", 0) == 0);
  CHECK(sql.find("SET LOCAL lock_timeout = '5000ms';") < sql.find("DO $pgfleet$"));
  CHECK(sql.find("DO $pgfleet$") < sql.find("CREATE TABLE one"));
  CHECK(contains(sql, "pg_try_advisory_xact_lock(" + std::to_string(history.lock_key()) + ")"));
  CHECK(contains(sql, "'PF001'"));
  CHECK(contains(sql, "'PF002'"));
  CHECK(contains(sql, sql_literal(HistoryTable::fingerprint({}))));
  CHECK(contains(sql, "SET LOCAL lock_timeout = '5000ms';\nSET LOCAL statement_timeout = '0ms'"));
  CHECK(
      contains(sql, "SET LOCAL lock_timeout = '250ms';\nSET LOCAL statement_timeout = '10000ms'"));
  CHECK_FALSE(contains(sql, "search_path"));
  CHECK(contains(sql, "'o''neil@host'"));
  CHECK(contains(sql, "'20260101T000000Z-ab12'"));
  CHECK(contains(sql, "INSERT INTO pgfleet.schema_migrations"));
  CHECK(sql.find("CREATE TABLE one") < sql.find("VALUES (1, 'one'"));
  CHECK(sql.find("VALUES (1, 'one'") < sql.find("CREATE TABLE two"));
  CHECK(contains(sql,
                 "RETURNING version::text AS pgfleet_applied, duration_ms AS "
                 "pgfleet_duration_ms"));
  // One transaction for the tenant: one BEGIN, one COMMIT, at the end.
  CHECK(sql.find("BEGIN;") == sql.rfind("BEGIN;"));
  CHECK(sql.find("COMMIT;") == sql.rfind("COMMIT;"));
  CHECK(sql.size() - sql.rfind("COMMIT;\n") == std::string("COMMIT;\n").size());
}

TEST_CASE("schema-per-tenant scripts set search_path and use the tenant's history table") {
  RunSettings settings;
  const HistoryTable history(std::string("Tenant \"A\""));
  CHECK(history.qualified_name() == "\"Tenant \"\"A\"\"\".pgfleet_schema_migrations");
  CHECK(history.lock_key() != HistoryTable().lock_key());
  auto m = make_migration(1, "one", "SELECT 1;");
  ApplyBatch batch;
  batch.migrations = {&m};
  const MigrationScript script = apply_batch_script(BatchContext{history, settings, {}}, batch);
  CHECK(contains(script.sql(), "SET LOCAL search_path = \"Tenant \"\"A\"\"\";"));
  CHECK(contains(history.create_sql(), "CREATE SCHEMA IF NOT EXISTS \"Tenant \"\"A\"\"\""));
  CHECK(contains(history.read_state_sql(), "n.nspname = 'Tenant \"A\"'"));
}

TEST_CASE("no-transaction steps claim with a pending row and set session-level timeouts") {
  RunSettings settings;
  settings.run_id = "r1";
  const HistoryTable history;
  auto m = make_migration(3, "idx",
                          "-- pgfleet: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
                          std::string("-- pgfleet: no-transaction\nDROP INDEX CONCURRENTLY i;\n"));
  const StepContext ctx{history, settings, HistoryTable::fingerprint({})};
  const SessionProbe probe{"tok3n", "4242"};
  CHECK(contains(session_probe_sql(probe.token),
                 "set_config('pgfleet.session_probe', 'tok3n', false)"));
  const std::string claim = claim_no_transaction_sql(ctx, m, Direction::up, probe);
  // The probe is checked before anything is claimed.
  CHECK(claim.find("'tok3n'") < claim.find("'pending'"));
  CHECK(contains(claim, "ERRCODE = 'PF003'"));
  CHECK(contains(claim, "'pending'"));
  CHECK(contains(claim, "\nSET lock_timeout = '5000ms';"));
  CHECK_FALSE(contains(claim, "SET LOCAL statement_timeout"));  // only pgfleet's lock_timeout
  CHECK_FALSE(contains(claim, "CONCURRENTLY"));
  const std::string finish = finish_no_transaction_sql(ctx, m, Direction::up, Millis(42), probe);
  CHECK(contains(finish, "ERRCODE = 'PF004'"));
  CHECK(contains(finish, "pg_backend_pid()::text <> '4242'"));
  CHECK(contains(finish, "RESET lock_timeout"));
  CHECK(contains(finish, "RESET pgfleet.session_probe"));
  CHECK(contains(finish, "SET state = 'applied'"));
  CHECK(contains(finish, "duration_ms = 42"));
  CHECK(contains(finish, "run_id = 'r1'"));

  CHECK(
      contains(claim_no_transaction_sql(ctx, m, Direction::down, probe), "SET state = 'pending'"));
  CHECK(contains(finish_no_transaction_sql(ctx, m, Direction::down, Millis(1), probe),
                 "DELETE FROM"));
  CHECK(step_file(m, Direction::down).sql ==
        "-- pgfleet: no-transaction\nDROP INDEX CONCURRENTLY i;\n");
}

TEST_CASE("timeouts: directive, then run setting, then default") {
  RunSettings settings;
  Directives none;
  CHECK(effective_lock_timeout(settings, none) == Millis(5000));
  CHECK(effective_statement_timeout(settings, none) == Millis(0));
  settings.lock_timeout = Millis(700);
  settings.statement_timeout = Millis(9000);
  CHECK(effective_lock_timeout(settings, none) == Millis(700));
  CHECK(effective_statement_timeout(settings, none) == Millis(9000));
  Directives file;
  file.lock_timeout = Millis(10);
  file.statement_timeout = Millis(20);
  CHECK(effective_lock_timeout(settings, file) == Millis(10));
  CHECK(effective_statement_timeout(settings, file) == Millis(20));
}

TEST_CASE("the rollback script guard checks the expected top version") {
  RunSettings settings;
  const HistoryTable history;
  const MigrationScript script =
      rollback_script_transaction(history, settings, "DROP TABLE t3;\nSELECT oops;\n", 3);
  CHECK(contains(script.sql(), "top IS DISTINCT FROM 3"));
  const MigrationScript::Location where = script.locate(position_of(script.sql(), "oops"));
  CHECK(where.in_file);
  CHECK_FALSE(where.version);
  CHECK(where.line == 2);
}

TEST_CASE("history fingerprints depend on versions and states only, not on row order") {
  HistoryRow a{1, "a", "x", RowState::applied, "r", "me"};
  HistoryRow b{2, "b", "y", RowState::applied, "r", "me"};
  CHECK(HistoryTable::fingerprint({a, b}) == HistoryTable::fingerprint({b, a}));
  HistoryRow b_pending = b;
  b_pending.state = RowState::pending;
  CHECK(HistoryTable::fingerprint({a, b}) != HistoryTable::fingerprint({a, b_pending}));
  CHECK(HistoryTable::fingerprint({a}) != HistoryTable::fingerprint({a, b}));
  HistoryRow renamed = a;
  renamed.name = "other";
  CHECK(HistoryTable::fingerprint({renamed}) == HistoryTable::fingerprint({a}));
}

TEST_CASE("history state rows are parsed by kind") {
  QueryResult r;
  r.columns = {"kind", "version", "name", "checksum", "state", "run_id", "applied_by"};
  r.rows = {{std::string("row"), std::string("2"), std::string("b"), std::string("c2"),
             std::string("pending"), std::string("run-9"), std::string("me")},
            {std::string("row"), std::string("1"), std::string("a"), std::string("c1"),
             std::string("applied"), std::string("run-1"), std::nullopt},
            {std::string("invalid_index"), std::nullopt, std::string("public.i"), std::nullopt,
             std::nullopt, std::nullopt, std::nullopt},
            {std::string("busy"), std::nullopt, std::nullopt, std::nullopt, std::nullopt,
             std::string("run-9"), std::nullopt}};
  const TenantState state = HistoryTable::parse_state(r);
  CHECK(state.table == TenantState::Table::exists);
  REQUIRE(state.rows.size() == 2);
  CHECK(state.rows[0].version == 1);
  CHECK(state.rows[1].state == RowState::pending);
  CHECK(state.invalid_indexes == std::vector<std::string>{"public.i"});
  CHECK(state.busy_run_ids == std::vector<std::string>{"run-9"});
  CHECK(state.current() == Version(1));

  r.rows[0][4] = std::string("weird");
  CHECK_THROWS_AS(HistoryTable::parse_state(r), std::runtime_error);
}

TEST_CASE("SQL literals and identifiers are quoted") {
  CHECK(sql_literal("it's") == "'it''s'");
  CHECK(sql_literal("a\\b") == "E'a\\\\b'");
  CHECK(sql_identifier("we\"ird") == "\"we\"\"ird\"");
}

TEST_CASE("script: an error without a position is placed at the statement that raised it") {
  MigrationScript script;
  script.add_sql("BEGIN;\nDO $x$ BEGIN PERFORM 1; END $x$;\n");
  script.add_file(Version(4),
                  "-- header\nCREATE TABLE a (id int);\n\nINSERT INTO a\n  SELECT 1/0;\n");
  script.add_sql("COMMIT;\n");
  // BEGIN and the DO block came back, then CREATE TABLE: the INSERT raised 22012.
  const DbError raised = with_statement_position(DbError("22012", "division by zero"), script, 3);
  const MigrationScript::Location where = script.locate(raised.position());
  CHECK(where.in_file);
  CHECK(where.version == Version(4));
  CHECK(where.line == 4);
  CHECK(raised.sqlstate() == "22012");
  // A position the server gave is kept; a statement past the end gives none.
  CHECK(with_statement_position(DbError("42601", "syntax", "", "", 5), script, 3).position() == 5);
  CHECK(with_statement_position(DbError("XX000", "late"), script, 99).position() == 0);
  // pgfleet's own statement (the DO block) is not in a file.
  CHECK_FALSE(script.locate(with_statement_position(DbError("PF001", "busy"), script, 1).position())
                  .in_file);
}
