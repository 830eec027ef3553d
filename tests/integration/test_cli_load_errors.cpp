// End to end: migration files the loader refuses (README.md, "Migrations") stop `apply` with
// exit 2, naming the file, before anything touches the tenant.
#include <catch2/catch.hpp>
#include <filesystem>

#include "cli_support.hpp"
#include "fleet_fixture.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;
namespace fs = std::filesystem;

namespace {

// A good first migration creating table `first`, as a refused set's innocent neighbour.
void write_first(const Workspace& ws) {
  ws.migration("0001_first.up.sql", "CREATE TABLE first (id int);\n");
}

// Runs apply on `db` with `ws`; expects exit 2 with every one of `expected` in the output, and
// the tenant untouched: no history table, none of `tables`, no results directory.
void expect_refused(const Workspace& ws, const std::string& db,
                    const std::vector<std::string>& expected,
                    const std::vector<std::string>& tables) {
  const std::string results = ws.results("refused");
  const CliRun run = run_cli("apply --migrations " + sh_quote(ws.migrations) + " --results-dir " +
                             sh_quote(results) + " --dsn " + sh_quote(dsn_for(db)) + " --yes");
  INFO(run.all());
  CHECK(run.code == 2);
  for (const std::string& text : expected) CHECK_THAT(run.err, Catch::Contains(text));
  CHECK_FALSE(history_table_exists(db));
  for (const std::string& table : tables) CHECK_FALSE(table_exists(db, table));
  CHECK_FALSE(fs::exists(results));
}

}  // namespace

TEST_CASE("cli: a NUL byte in a migration is exit 2 with its byte offset and nothing applied",
          "[cli]") {
  const std::string db = create_database("cli_nul");
  const Workspace ws = make_workspace("cli_nul");
  write_first(ws);
  // libpq would send the text up to the NUL: the CREATE would commit, the DROP never run.
  const std::string text("CREATE TABLE kept (id int);\n\0DROP TABLE first;\n", 47);
  ws.migration("0002_truncated.up.sql", text);
  ws.migration("0002_truncated.down.sql", std::string("DROP TABLE kept;\0", 17));
  expect_refused(ws, db,
                 {"0002_truncated.up.sql: NUL byte at byte offset 28",
                  "0002_truncated.down.sql: NUL byte at byte offset 16"},
                 {"first", "kept"});
}

TEST_CASE("cli: a COMMIT after a comment ended by CR is exit 2 and nothing applied", "[cli]") {
  const std::string db = create_database("cli_cr_commit");
  const Workspace ws = make_workspace("cli_cr_commit");
  write_first(ws);
  ws.migration("0002_half.up.sql",
               "CREATE TABLE half_a (id int);\n-- x\rCOMMIT;\nCREATE TABLE half_b (id int);\n");
  expect_refused(ws, db, {"0002_half.up.sql: line 2: COMMIT is transaction control"},
                 {"first", "half_a", "half_b"});
}

TEST_CASE("cli: a no-transaction file with BEGIN is exit 2 and nothing applied", "[cli]") {
  const std::string db = create_database("cli_notx_begin");
  const Workspace ws = make_workspace("cli_notx_begin");
  write_first(ws);
  ws.migration("0002_opens.up.sql",
               "-- pgfleet: no-transaction\nBEGIN;\nCREATE TABLE opened (id int);\n");
  ws.migration("0003_swallowed.up.sql", "CREATE TABLE swallowed (id int);\n");
  expect_refused(ws, db, {"0002_opens.up.sql: line 2: BEGIN is transaction control"},
                 {"first", "opened", "swallowed"});
}

TEST_CASE("cli: COPY FROM STDIN and psql meta-commands are exit 2 and nothing applied", "[cli]") {
  const std::string db = create_database("cli_client_only");
  const Workspace ws = make_workspace("cli_client_only");
  write_first(ws);
  ws.migration("0002_copy.up.sql",
               "CREATE TABLE copied (id int);\nCOPY copied FROM STDIN;\n1\n\\.\n");
  ws.migration("0003_meta.up.sql", "\\set ON_ERROR_STOP on\nCREATE TABLE meta (id int);\n");
  ws.migration("0004_open_quote.up.sql", "CREATE TABLE quoted (id int);\nSELECT 'open;\n");
  expect_refused(ws, db,
                 {"0002_copy.up.sql: line 2: COPY ... FROM STDIN needs the client side",
                  "0002_copy.up.sql: line 4: \\. is a psql meta-command",
                  "0003_meta.up.sql: line 1: \\set is a psql meta-command",
                  "0004_open_quote.up.sql: line 2: the file ends inside a quoted string"},
                 {"first", "copied", "meta", "quoted"});
}
