// Two pgfleet apply PROCESSES started at the same moment on the same database apply every
// version exactly once, directly and through PgBouncer in transaction pooling mode.
#include <catch2/catch.hpp>
#include <thread>

#include "cli_support.hpp"
#include "fleet_fixture.hpp"
#include "test_env.hpp"

using namespace pgfleet::test;

namespace {

constexpr int kVersions = 5;

// Every version inserts its number into `runs` once; a second run of any version would add a
// row (or fail on CREATE TABLE). Version 4 is no-transaction, so its claim row is raced too.
Workspace counting_set() {
  const Workspace ws = make_workspace("cli_race");
  ws.migration("0001_create_runs.up.sql",
               "CREATE TABLE runs (version int, at timestamptz DEFAULT clock_timestamp());\n"
               "INSERT INTO runs (version) VALUES (1);\n");
  ws.migration("0002_t2.up.sql",
               "CREATE TABLE t2 (id int);\nINSERT INTO runs (version) VALUES (2);\n"
               "SELECT pg_sleep(0.05);\n");
  ws.migration("0003_t3.up.sql",
               "CREATE TABLE t3 (id int);\nINSERT INTO runs (version) VALUES (3);\n"
               "SELECT pg_sleep(0.05);\n");
  ws.migration("0004_index_runs.up.sql",
               "-- pgfleet: no-transaction\n"
               "INSERT INTO runs (version) VALUES (4);\n"
               "CREATE INDEX CONCURRENTLY IF NOT EXISTS runs_version_idx ON runs (version);\n"
               "SELECT pg_sleep(0.05);\n");
  ws.migration("0005_t5.up.sql",
               "CREATE TABLE t5 (id int);\nINSERT INTO runs (version) VALUES (5);\n");
  return ws;
}

// How the processes reach the database.
enum class Route { direct, bouncer };

// True if `run` was refused before claiming a no-transaction version because a transaction
// pooler moved its session (PF003, README "Safety"): allowed through PgBouncer only.
bool refused_by_pooler(Route route, const CliRun& run) {
  return route == Route::bouncer && run.code == 1 && run.all().find("PF003") != std::string::npos;
}

// True if `run` claimed the no-transaction version but the pooler moved its session before the
// `applied` mark (PF004): the tenant is `dirty`, as README "Safety" says; through PgBouncer only.
bool left_dirty_by_pooler(Route route, const CliRun& run) {
  return route == Route::bouncer && run.code == 1 && run.all().find("PF004") != std::string::npos;
}

void race_two_processes(const std::string& db, Route route, const Workspace& ws, int round) {
  const std::string tag = std::to_string(round);
  const auto args = [&](const std::string& who, const std::string& dsn) {
    return "apply --migrations " + sh_quote(ws.migrations) + " --results-dir " +
           sh_quote(ws.results(who + tag)) + " --dsn " + sh_quote(dsn) + " --yes";
  };
  const std::string dsn = route == Route::bouncer ? bouncer_dsn_for(db) : dsn_for(db);
  CliRun a, b;
  std::thread ta([&] { a = run_cli(args("a", dsn)); });
  std::thread tb([&] { b = run_cli(args("b", dsn)); });
  ta.join();
  tb.join();
  INFO("round " << round << "\nA:\n" << a.all() << "\nB:\n" << b.all());
  const bool dirty_a = left_dirty_by_pooler(route, a), dirty_b = left_dirty_by_pooler(route, b);
  // The other process then finds that version `pending` and calls the tenant dirty too.
  const auto waits_for_repair = [&](const CliRun& run) {
    return (dirty_a || dirty_b) && run.code == 1 &&
           run.all().find("was left pending by run") != std::string::npos;
  };
  const bool refused_a = refused_by_pooler(route, a) || dirty_a || waits_for_repair(a);
  const bool refused_b = refused_by_pooler(route, b) || dirty_b || waits_for_repair(b);
  CHECK((a.code == 0 || refused_a));
  CHECK((b.code == 0 || refused_b));
  const auto rec_a = tenant_record(only_run_dir(ws.results("a" + tag)), db);
  const auto rec_b = tenant_record(only_run_dir(ws.results("b" + tag)), db);
  std::size_t repaired = 0;
  if (dirty_a || dirty_b) {
    // What an operator does after looking: the statements of version 4 ran (its row is in
    // `runs`), so the pending row is marked applied.
    CHECK(scalar(db, "SELECT count(*) FROM runs WHERE version = 4") == "1");
    const CliRun r = run_cli("repair --migrations " + sh_quote(ws.migrations) + " --results-dir " +
                             sh_quote(ws.results("r" + tag)) + " --dsn " + sh_quote(dsn_for(db)) +
                             " --tenant " + db + " --version 4 --mark applied --yes");
    INFO("R:\n" << r.all());
    CHECK(r.code == 0);
    repaired = 1;
  }
  std::size_t finished_directly = 0;
  if (refused_a || refused_b) {
    // Nothing was claimed by the refused process: a direct run finishes the job.
    const CliRun c = run_cli(args("c", dsn_for(db)));
    INFO("C:\n" << c.all());
    CHECK(c.code == 0);
    finished_directly = tenant_record(only_run_dir(ws.results("c" + tag)), db)["migrations"].size();
  }
  CHECK(rec_a["migrations"].size() + rec_b["migrations"].size() + repaired + finished_directly ==
        kVersions);
  CHECK((rec_a["to_version"] == kVersions || refused_a));
  CHECK((rec_b["to_version"] == kVersions || refused_b));
  CHECK(scalar(db, "SELECT count(*) FROM runs") == std::to_string(kVersions));
  CHECK(scalar(db, "SELECT count(DISTINCT version) FROM runs") == std::to_string(kVersions));
  CHECK(scalar(db, "SELECT count(*) FROM pgfleet.schema_migrations WHERE state = 'applied'") ==
        std::to_string(kVersions));
  CHECK(scalar(db, "SELECT count(*) FROM pgfleet.schema_migrations") == std::to_string(kVersions));
}

}  // namespace

TEST_CASE("cli: two apply processes on one database apply every version exactly once",
          "[cli][concurrency]") {
  const Workspace ws = counting_set();
  for (int round = 0; round < 5; ++round) {
    const std::string db = create_database("cli_race_direct");
    race_two_processes(db, Route::direct, ws, round);
  }
}

TEST_CASE("cli: two apply processes through PgBouncer apply every version exactly once",
          "[cli][concurrency][pgbouncer]") {
  const Workspace ws = counting_set();
  for (int round = 0; round < 5; ++round) {
    const std::string db = create_database("cli_race_bouncer");
    race_two_processes(db, Route::bouncer, ws, round);
  }
}
