// Two pgfleet runs on the same database at once (two threads, each its own TenantRunner and
// session): every version is applied exactly once, directly and through PgBouncer in transaction
// pooling mode.
#include <catch2/catch.hpp>
#include <thread>

#include "engine_support.hpp"
#include "pgfleet/engine/migration_script.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

// Version 1 creates `log`; every version inserts its number into it once (a second run of the
// same version would add a second row, or fail on CREATE TABLE).
std::vector<Migration> logging_migrations(int n, Version no_transaction_version) {
  std::vector<Migration> out;
  out.push_back(make_migration(1, "log",
                               "CREATE TABLE log (version int, at timestamptz DEFAULT "
                               "clock_timestamp());\nINSERT INTO log VALUES (1);\n"));
  for (int v = 2; v <= n; ++v) {
    const std::string t = "t" + std::to_string(v);
    if (v == no_transaction_version) {
      out.push_back(make_migration(v, "concurrent_index",
                                   "-- pgfleet: no-transaction\n"
                                   "INSERT INTO log VALUES (" +
                                       std::to_string(v) +
                                       ");\n"
                                       "CREATE INDEX CONCURRENTLY log_version ON log (version);\n"
                                       "SELECT pg_sleep(0.2);\n"));
    } else {
      out.push_back(make_migration(v, "create_" + t,
                                   "CREATE TABLE " + t + " (id int);\nINSERT INTO log VALUES (" +
                                       std::to_string(v) + ");\nSELECT pg_sleep(0.02);\n"));
    }
  }
  return out;
}

void race_two_runners(const std::string& db, const std::string& dsn, int n, Version no_tx) {
  const auto migrations = logging_migrations(n, no_tx);
  Engine a(migrations, "20260101T000000Z-run" + std::string(1, 'a'));
  Engine b(migrations, "20260101T000000Z-run" + std::string(1, 'b'));
  const Tenant tenant = tenant_for(db, dsn);
  TenantOutcome out_a, out_b;
  std::thread ta([&] { out_a = a.runner().apply(tenant, connector_for(tenant, a.settings)); });
  std::thread tb([&] { out_b = b.runner().apply(tenant, connector_for(tenant, b.settings)); });
  ta.join();
  tb.join();

  INFO("a: " << to_string(out_a.status) << " " << (out_a.error ? out_a.error->message : "")
             << out_a.reason);
  INFO("b: " << to_string(out_b.status) << " " << (out_b.error ? out_b.error->message : "")
             << out_b.reason);
  // Through PgBouncer a runner may be refused before it claims the no-transaction version
  // (PF003, README "Safety": its claim ran on another backend than its state read). It claimed
  // nothing: a direct run finishes the job.
  const auto refused = [&](const TenantOutcome& o) {
    return dsn != dsn_for(db) && o.status == TenantStatus::failed && o.error &&
           o.error->sqlstate == kSessionMovedSqlstate;
  };
  CHECK((is_ok(out_a.status) || refused(out_a)));
  CHECK((is_ok(out_b.status) || refused(out_b)));
  std::size_t finished_by_direct_run = 0;
  if (refused(out_a) || refused(out_b)) {
    Engine c(migrations, "20260101T000000Z-runc");
    const Tenant direct = tenant_for(db);
    const TenantOutcome out_c = c.runner().apply(direct, connector_for(direct, c.settings));
    CHECK(is_ok(out_c.status));
    finished_by_direct_run = out_c.migrations.size();
  }
  CHECK(out_a.migrations.size() + out_b.migrations.size() + finished_by_direct_run ==
        static_cast<std::size_t>(n));
  CHECK((out_a.to_version == Version(n) || refused(out_a)));
  CHECK((out_b.to_version == Version(n) || refused(out_b)));
  CHECK(scalar(db, "SELECT count(*) FROM log") == std::to_string(n));
  CHECK(scalar(db, "SELECT count(DISTINCT version) FROM log") == std::to_string(n));
  CHECK(scalar(db, "SELECT count(*) FROM pgfleet.schema_migrations WHERE state = 'applied'") ==
        std::to_string(n));
}

}  // namespace

TEST_CASE("two runners on one database apply every version exactly once", "[engine][concurrency]") {
  for (int round = 0; round < 3; ++round) {
    const std::string db = create_database("race");
    race_two_runners(db, dsn_for(db), 10, 5);
  }
}

TEST_CASE("two runners through PgBouncer (transaction pooling) apply every version exactly once",
          "[engine][concurrency][pgbouncer]") {
  for (int round = 0; round < 3; ++round) {
    const std::string db = create_database("race_bouncer");
    race_two_runners(db, bouncer_dsn_for(db), 10, 0);
  }
}

TEST_CASE("through PgBouncer, a no-transaction migration is also applied exactly once",
          "[engine][concurrency][pgbouncer]") {
  const std::string db = create_database("race_bouncer_notx");
  race_two_runners(db, bouncer_dsn_for(db), 8, 4);
}
