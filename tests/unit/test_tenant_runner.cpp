// TenantRunner's policy against a scripted session: round trips, lock polling, retries, history
// changes, lost connections, connect failures, stop. (Real-PostgreSQL behaviour is covered by the
// integration tests.)
#include <catch2/catch.hpp>

#include "fake_session.hpp"
#include "migration_builders.hpp"
#include "pgfleet/engine/tenant_runner.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

const std::string kReadState = "SELECT 'row' AS kind";

class RecordingReporter : public Reporter {
 public:
  void migration_finished(const std::string& tenant, const MigrationResult& m) override {
    finished.push_back(tenant + ":" + std::to_string(m.version));
  }
  std::vector<std::string> finished;
};

struct Fixture {
  MigrationSet set{table_migrations(2)};
  RunSettings settings;
  RecordingReporter reporter;
  std::atomic<bool> stop{false};
  std::shared_ptr<FakeScript> script = std::make_shared<FakeScript>();
  Tenant tenant;

  Fixture() {
    settings.run_id = "run-1";
    settings.applied_by = "me";
    settings.lock_wait = Millis(300);
    tenant.id = "acme";
    tenant.connection_string = "postgres://u:secret@db.example:6432/acme";
    tenant.conninfo = ConnInfo::parse(tenant.connection_string);  // as validation leaves it
  }
  Connector connector() {
    return [this]() -> std::unique_ptr<Session> {
      ++script->connects;
      return std::make_unique<FakeSession>(script);
    };
  }
  TenantOutcome apply() {
    return TenantRunner(set, settings, reporter, stop).apply(tenant, connector());
  }
  HistoryRow row(Version v, RowState state = RowState::applied, const std::string& run = "run-0") {
    const Migration* m = set.find(v);
    return HistoryRow{v, m->name, m->checksum, state, run, "me"};
  }
  std::size_t sends_containing(const std::string& fragment) const {
    std::size_t n = 0;
    for (const auto& sql : script->sent) n += sql.find(fragment) != std::string::npos;
    return n;
  }
};

}  // namespace

TEST_CASE(
    "runner: a never-migrated tenant: the state read creates the table and one batch applies") {
  Fixture f;
  f.script->expect("CREATE TABLE IF NOT EXISTS pgfleet.schema_migrations", state_rows({}))
      .expect_batch("CREATE TABLE t1", committed({1, 2}));
  const TenantOutcome out = f.apply();
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::applied);
  CHECK(out.host == "db.example:6432");
  CHECK_FALSE(out.from_version);
  CHECK(out.to_version == Version(2));
  REQUIRE(out.migrations.size() == 2);
  CHECK(out.migrations[0].duration_ms == 7);
  CHECK(out.migrations[1].attempts == 1);
  CHECK(f.script->sent.size() == 2);
  CHECK(f.script->sent[0].find(kReadState) != std::string::npos);
  CHECK(f.script->sent[1].find("CREATE TABLE t2") != std::string::npos);
  CHECK(f.reporter.finished == std::vector<std::string>{"acme:1", "acme:2"});
  CHECK(f.script->connects == 1);
}

TEST_CASE("runner: a concurrent create of the history table is not an error") {
  Fixture f;
  f.script->expect_error("CREATE TABLE IF NOT EXISTS", "23505", "duplicate key pg_type")
      .expect(kReadState, state_rows({}))
      .expect_batch("CREATE TABLE t1", committed({1, 2}));
  CHECK(f.apply().status == TenantStatus::applied);
  CHECK(f.script->mismatches.empty());
}

TEST_CASE("runner: up to date costs one round trip and writes nothing") {
  Fixture f;
  f.script->expect(kReadState, state_rows({f.row(1), f.row(2)}));
  const TenantOutcome out = f.apply();
  CHECK(out.status == TenantStatus::up_to_date);
  CHECK(out.from_version == Version(2));
  CHECK(out.to_version == Version(2));
  CHECK(f.script->sent.size() == 1);
}

TEST_CASE("runner: drift and dirty tenants are not touched") {
  Fixture f;
  HistoryRow changed = f.row(1);
  changed.checksum = "edited";
  f.script->expect(kReadState, state_rows({changed}));
  TenantOutcome out = f.apply();
  CHECK(out.status == TenantStatus::drift);
  CHECK(f.script->sent.size() == 1);

  // A pending row of a run not seen alive is looked at again for ~2 s (a pooler can hide the
  // run between statements), then the tenant is dirty; nothing is sent but the state reads.
  Fixture g;
  for (int read = 0; read < 9; ++read) {
    g.script->expect(kReadState, state_rows({g.row(1, RowState::pending)}));
  }
  out = g.apply();
  CHECK(out.status == TenantStatus::dirty);
  CHECK(out.reason.find("repair") != std::string::npos);
  CHECK(g.script->sent.size() == 9);
}

TEST_CASE("runner: the advisory lock is polled (PF001) without counting attempts") {
  Fixture f;
  f.script->expect(kReadState, state_rows({}))
      .expect_error("CREATE TABLE t1", "PF001")
      .expect_error("CREATE TABLE t1", "PF001")
      .expect_batch("CREATE TABLE t1", committed({1, 2}));
  const TenantOutcome out = f.apply();
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::applied);
  CHECK(out.migrations[0].attempts == 1);
}

TEST_CASE("runner: a lock held past lock_wait fails the tenant, saying so") {
  Fixture f;
  f.settings.lock_wait = Millis(150);
  f.script->expect(kReadState, state_rows({}));
  for (int i = 0; i < 50; ++i) f.script->expect_error("CREATE TABLE t1", "PF001");
  const TenantOutcome out = f.apply();
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->message.find("locked by another pgfleet run") != std::string::npos);
  CHECK(out.error->version == Version(1));
  CHECK(f.sends_containing("CREATE TABLE t1") < 50);
}

TEST_CASE("runner: lock timeouts and deadlocks retry the whole transaction, counting attempts") {
  Fixture f;
  f.settings.retries = 3;
  f.script->expect(kReadState, state_rows({}))
      .expect_error("CREATE TABLE t1", "55P03", "canceling statement due to lock timeout")
      .expect_error("CREATE TABLE t1", "40P01", "deadlock detected")
      .expect_batch("CREATE TABLE t1", committed({1, 2}));
  const TenantOutcome out = f.apply();
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::applied);
  CHECK(out.migrations[0].attempts == 3);
  CHECK(out.migrations[1].attempts == 1);
}

TEST_CASE("runner: retries are bounded by settings.retries") {
  Fixture f;
  f.settings.retries = 1;
  f.script->expect(kReadState, state_rows({}))
      .expect_error("CREATE TABLE t1", "55P03")
      .expect_error("CREATE TABLE t1", "55P03");
  const TenantOutcome out = f.apply();
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->sqlstate == "55P03");
  CHECK(out.error->phase == ErrorPhase::lock);
  CHECK(f.sends_containing("CREATE TABLE t1") == 2);
}

TEST_CASE("runner: other errors fail at once with version and line") {
  Fixture f;
  f.script->expect(kReadState, state_rows({f.row(1)}));
  // Position of "t2" in the script the runner builds: found from the SQL actually sent.
  f.script->replies.push_back({"CREATE TABLE t2", [&f]() -> QueryResult {
                                 const std::string& sql = f.script->sent.back();
                                 const int pos = static_cast<int>(sql.find("t2 (id")) + 1;
                                 throw DbError("42P07", "relation \"t2\" already exists", "",
                                               "a hint", pos);
                               }});
  const TenantOutcome out = f.apply();
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->version == Version(2));
  CHECK(out.error->statement_line == 1);
  CHECK(out.error->hint == "a hint");
  CHECK(out.error->phase == ErrorPhase::migrate);
  CHECK(out.to_version == Version(1));
  CHECK(f.sends_containing("CREATE TABLE t2") == 1);
}

TEST_CASE("runner: PF002 re-reads the history and re-plans") {
  Fixture f;
  f.script->expect(kReadState, state_rows({}))
      .expect_error("CREATE TABLE t1", "PF002")
      .expect(kReadState, state_rows({f.row(1)}))  // another run applied 1
      .expect_batch("CREATE TABLE t2", committed({2}));
  const TenantOutcome out = f.apply();
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::applied);
  REQUIRE(out.migrations.size() == 1);
  CHECK(out.migrations[0].version == 2);
  CHECK(out.from_version == std::nullopt);
  CHECK(out.to_version == Version(2));
}

TEST_CASE("runner: PF002 with an unchanged history fails instead of looping") {
  Fixture f;
  f.script->expect(kReadState, state_rows({}))
      .expect_error("CREATE TABLE t1", "PF002")
      .expect(kReadState, state_rows({}));
  const TenantOutcome out = f.apply();
  CHECK(out.status == TenantStatus::failed);
  CHECK(f.script->replies.empty());
}

namespace {

// What the count of a run's other active backends returns.
QueryResult active_backends(int n) {
  QueryResult r;
  r.columns = {"active_backends"};
  r.rows = {{std::to_string(n)}};
  return r;
}

}  // namespace

TEST_CASE("runner: a lost connection is resolved by reading the history again") {
  SECTION("it committed: counted as applied, and the run goes on") {
    Fixture f;
    f.set = MigrationSet(table_migrations(3));
    f.script->expect(kReadState, state_rows({}))
        .expect_lost("CREATE TABLE t1")
        .expect("active_backends", active_backends(0))
        .expect(kReadState, state_rows({f.row(1, RowState::applied, "run-1"),
                                        f.row(2, RowState::applied, "run-1"),
                                        f.row(3, RowState::applied, "run-1")}));
    const TenantOutcome out = f.apply();
    CHECK(f.script->mismatches.empty());
    CHECK(out.status == TenantStatus::applied);
    CHECK(out.migrations.size() == 3);
    CHECK(f.script->connects == 2);
  }
  SECTION("the batch committed part-way: what committed is applied, the next one failed") {
    Fixture f;
    f.script->expect(kReadState, state_rows({}))
        .expect_lost("CREATE TABLE t1")
        .expect("active_backends", active_backends(0))
        .expect(kReadState, state_rows({f.row(1, RowState::applied, "run-1")}));
    const TenantOutcome out = f.apply();
    CHECK(f.script->mismatches.empty());
    CHECK(out.status == TenantStatus::failed);
    REQUIRE(out.migrations.size() == 1);
    CHECK(out.migrations[0].version == 1);
    REQUIRE(out.error);
    CHECK(out.error->version == Version(2));
    CHECK(out.error->message.find("did not commit") != std::string::npos);
    CHECK(out.to_version == Version(1));
    CHECK(f.sends_containing("CREATE TABLE t2") == 1);  // never re-run blindly
  }
  SECTION("it did not commit: failed, never re-run blindly") {
    Fixture f;
    f.script->expect(kReadState, state_rows({}))
        .expect_lost("CREATE TABLE t1")
        .expect("active_backends", active_backends(0))
        .expect(kReadState, state_rows({}));
    const TenantOutcome out = f.apply();
    CHECK(out.status == TenantStatus::failed);
    REQUIRE(out.error);
    CHECK(out.error->message.find("did not commit") != std::string::npos);
    CHECK(f.sends_containing("CREATE TABLE t1") == 1);
  }
}

TEST_CASE("runner: after a lost connection the history is read once the orphaned backend is gone") {
  Fixture f;
  f.script->expect(kReadState, state_rows({}))
      .expect_lost("CREATE TABLE t1")
      .expect("active_backends", active_backends(1))  // still committing
      .expect("active_backends", active_backends(1))
      .expect("active_backends", active_backends(0));
  SECTION("applied by this run: applied, and the run goes on") {
    f.script->expect(kReadState, state_rows({f.row(1, RowState::applied, "run-1"),
                                             f.row(2, RowState::applied, "run-1")}));
    const TenantOutcome out = f.apply();
    CHECK(f.script->mismatches.empty());
    CHECK(out.status == TenantStatus::applied);
    CHECK(out.migrations.size() == 2);
  }
  SECTION("applied by another run: failed, saying so") {
    f.script->expect(kReadState, state_rows({f.row(1, RowState::applied, "run-other")}));
    const TenantOutcome out = f.apply();
    CHECK(f.script->mismatches.empty());
    CHECK(out.status == TenantStatus::failed);
    REQUIRE(out.error);
    CHECK(out.error->message.find("another run (run-other)") != std::string::npos);
    CHECK(out.error->version == Version(1));
  }
  SECTION("pending: dirty") {
    f.script->expect(kReadState, state_rows({f.row(1, RowState::pending, "run-1")}));
    const TenantOutcome out = f.apply();
    CHECK(f.script->mismatches.empty());
    CHECK(out.status == TenantStatus::dirty);
    CHECK(out.reason.find("pending") != std::string::npos);
  }
  SECTION("absent: failed, not applied") {
    f.script->expect(kReadState, state_rows({}));
    const TenantOutcome out = f.apply();
    CHECK(f.script->mismatches.empty());
    CHECK(out.status == TenantStatus::failed);
    REQUIRE(out.error);
    CHECK(out.error->message.find("not applied") != std::string::npos);
  }
  CHECK(f.sends_containing("CREATE TABLE t1") == 1);  // never re-run blindly
  CHECK(f.script->replies.empty());
}

TEST_CASE("runner: connect errors are unreachable (transient) or failed (permanent)") {
  Fixture f;
  TenantOutcome out = TenantRunner(f.set, f.settings, f.reporter, f.stop)
                          .apply(f.tenant, []() -> std::unique_ptr<Session> {
                            throw ConnectError(ConnectError::Kind::transient, "", "refused");
                          });
  CHECK(out.status == TenantStatus::unreachable);
  REQUIRE(out.error);
  CHECK(out.error->message == "refused");
  out = TenantRunner(f.set, f.settings, f.reporter, f.stop)
            .apply(f.tenant, []() -> std::unique_ptr<Session> {
              throw ConnectError(ConnectError::Kind::permanent, "28P01", "bad password");
            });
  CHECK(out.status == TenantStatus::failed);
  CHECK(out.error->sqlstate == "28P01");
}

TEST_CASE("runner: a stop before the first migration cancels, a cancelled query is cancelled") {
  Fixture f;
  f.stop = true;
  f.script->expect(kReadState, state_rows({}));
  TenantOutcome out = f.apply();
  CHECK(out.status == TenantStatus::cancelled);
  CHECK(f.script->sent.size() == 1);

  Fixture g;
  g.script->expect(kReadState, state_rows({}))
      .replies.push_back({"CREATE TABLE t1", [&g]() -> QueryResult {
                            g.stop = true;  // SIGINT arrived while the query ran
                            throw DbError("57014", "canceling statement due to user request");
                          }});
  out = g.apply();
  CHECK(out.status == TenantStatus::cancelled);

  Fixture h;
  h.script->expect(kReadState, state_rows({})).expect_error("CREATE TABLE t1", "57014");
  out = h.apply();
  CHECK(out.status == TenantStatus::failed);  // a statement timeout
  CHECK(h.sends_containing("CREATE TABLE t1") == 1);
}

TEST_CASE("runner: a pending row being run by a live session is waited for, not dirty") {
  Fixture f;
  f.script->expect(kReadState, state_rows({f.row(1, RowState::pending, "run-x")}, {"run-x"}))
      .expect(kReadState, state_rows({f.row(1)}))
      .expect_batch("CREATE TABLE t2", committed({2}));
  const TenantOutcome out = f.apply();
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::applied);
  CHECK(out.migrations.size() == 1);
}

TEST_CASE("runner: plan reads once and reports pending versions") {
  Fixture f;
  f.settings.target = 1;
  f.script->expect_error(kReadState, "42P01");
  const TenantOutcome out =
      TenantRunner(f.set, f.settings, f.reporter, f.stop).plan(f.tenant, f.connector());
  CHECK(out.status == TenantStatus::pending);
  CHECK(out.pending == std::vector<Version>{1});
  CHECK(f.script->sent.size() == 1);
}

TEST_CASE("runner: a no-transaction migration claims, runs each statement, then records") {
  Fixture f;
  f.set = MigrationSet({make_migration(1, "idx",
                                       "-- pgfleet: no-transaction\n"
                                       "CREATE INDEX CONCURRENTLY a ON t (a);\n"
                                       "CREATE INDEX CONCURRENTLY b ON t (b);\n")});
  f.script->expect(kReadState, state_rows({}))
      .expect_batch("'pending'", claimed(1))
      .expect("CREATE INDEX CONCURRENTLY a ON t (a)")
      .expect_error("CREATE INDEX CONCURRENTLY b ON t (b)", "55P03", "lock timeout", 28)
      .expect("RESET lock_timeout")
      .expect(kReadState, state_rows({f.row(1, RowState::pending, "run-1")}));
  const TenantOutcome out = f.apply();
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::failed);  // never retried: the row stays pending
  REQUIRE(out.error);
  CHECK(out.error->statement_line == 3);
  CHECK(out.reason.find("pending") != std::string::npos);
}

namespace {

QueryResult version_rows(std::optional<std::string> version) {
  QueryResult r;
  r.columns = {"version"};
  r.rows = {{std::move(version)}};
  return r;
}

}  // namespace

TEST_CASE("runner: repair marks a pending row applied in one guarded transaction") {
  Fixture f;
  f.script->expect(kReadState, state_rows({f.row(1), f.row(2, RowState::pending)}))
      .expect("SET state = 'applied'", version_rows("2"));
  const TenantOutcome out = TenantRunner(f.set, f.settings, f.reporter, f.stop)
                                .repair(f.tenant, f.connector(), 2, RepairMark::applied);
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::applied);
  CHECK(out.from_version == Version(1));
  CHECK(out.to_version == Version(2));
  REQUIRE(out.migrations.size() == 1);
  CHECK(out.migrations[0].version == Version(2));
  CHECK(f.reporter.finished == std::vector<std::string>{"acme:2"});
  CHECK(f.script->sent.size() == 2);
}

TEST_CASE("runner: repair removes the row - a lost connection or an error fails the tenant") {
  Fixture f;
  const auto repair = [&f] {
    return TenantRunner(f.set, f.settings, f.reporter, f.stop)
        .repair(f.tenant, f.connector(), 2, RepairMark::removed);
  };
  f.script->expect(kReadState, state_rows({f.row(1), f.row(2, RowState::pending)}))
      .expect("DELETE FROM pgfleet.schema_migrations", version_rows("2"));
  TenantOutcome out = repair();
  CHECK(out.status == TenantStatus::applied);
  CHECK(out.to_version == Version(1));

  f.script->expect(kReadState, state_rows({f.row(1), f.row(2, RowState::pending)}))
      .expect_lost("DELETE FROM");
  out = repair();
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->message == "connection lost during repair; check the history row of version 2");

  f.script->expect(kReadState, state_rows({f.row(1), f.row(2, RowState::pending)}))
      .expect_error("DELETE FROM", "42501", "permission denied");
  out = repair();
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->sqlstate == "42501");
  CHECK_FALSE(out.error->version);
  CHECK(out.reason.empty());
  CHECK(f.script->mismatches.empty());
}

TEST_CASE("runner: baseline records missing versions without running them") {
  Fixture f;
  f.script->expect(kReadState, state_rows({}))
      .expect("INSERT INTO pgfleet.schema_migrations", QueryResult{});
  TenantOutcome out =
      TenantRunner(f.set, f.settings, f.reporter, f.stop).baseline(f.tenant, f.connector(), 2);
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::applied);
  CHECK(out.to_version == Version(2));
  REQUIRE(out.migrations.size() == 2);
  CHECK(out.migrations[1].duration_ms == 0);
  CHECK(f.script->sent.size() == 2);

  f.script->expect(kReadState, state_rows({f.row(1), f.row(2)}));
  out = TenantRunner(f.set, f.settings, f.reporter, f.stop).baseline(f.tenant, f.connector(), 1);
  CHECK(out.status == TenantStatus::failed);
  CHECK(out.reason == "the history already has version 2 above the baseline 1");
}

TEST_CASE(
    "runner: run_script replays a rollback script while the tenant is where the run left it") {
  Fixture f;
  const std::string kScriptEnd = "SELECT max(version)::text AS version";
  f.script->expect(kScriptEnd, version_rows("1"));
  TenantOutcome out = TenantRunner(f.set, f.settings, f.reporter, f.stop)
                          .run_script(f.tenant, f.connector(), "DROP TABLE t2;", 2);
  CHECK(out.status == TenantStatus::applied);
  CHECK(out.from_version == Version(2));
  CHECK(out.to_version == Version(1));
  REQUIRE(out.migrations.size() == 1);
  CHECK(out.migrations[0].version == Version(2));

  f.script->expect_error(kScriptEnd, "PF002", "pgfleet: the tenant is at version 3, not 2");
  out = TenantRunner(f.set, f.settings, f.reporter, f.stop)
            .run_script(f.tenant, f.connector(), "DROP TABLE t2;", 2);
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->sqlstate == "PF002");
  CHECK(out.reason == "not rolled back: pgfleet: the tenant is at version 3, not 2");
  CHECK(out.to_version == Version(2));
  CHECK(f.script->mismatches.empty());
}

TEST_CASE("runner: a no-transaction migration's claim and mark ride on the batches around it") {
  Fixture f;
  f.set = MigrationSet({make_migration(1, "one", "CREATE TABLE t1 (id int);\n"),
                        make_migration(2, "idx",
                                       "-- pgfleet: no-transaction\n"
                                       "CREATE INDEX CONCURRENTLY a ON t (a);\n"),
                        make_migration(3, "three", "CREATE TABLE t3 (id int);\n")});
  f.script->expect(kReadState, state_rows({}))
      .expect_batch("CREATE TABLE t1", then(committed({1}), claimed(2)))
      .expect("CREATE INDEX CONCURRENTLY a ON t (a)")
      .expect_batch("SET state = 'applied'", then(finished(2), committed({3})));
  const TenantOutcome out = f.apply();
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::applied);
  REQUIRE(out.migrations.size() == 3);
  CHECK(out.migrations[1].version == 2);
  CHECK(out.to_version == Version(3));
  REQUIRE(f.script->sent.size() == 4);
  // The claim checks the backend of the state read; the mark comes before 3 in its batch.
  CHECK(f.script->sent[1].find("pg_backend_pid()::text <> '4242'") != std::string::npos);
  CHECK(f.script->sent[3].find("'PF004'") < f.script->sent[3].find("CREATE TABLE t3"));
  CHECK(f.script->sent[3].find("RESET lock_timeout") < f.script->sent[3].find("CREATE TABLE t3"));
}

TEST_CASE("runner: a stop after a no-transaction migration's statements still marks it applied") {
  Fixture f;
  f.set = MigrationSet({make_migration(1, "idx",
                                       "-- pgfleet: no-transaction\n"
                                       "CREATE INDEX CONCURRENTLY a ON t (a);\n"),
                        make_migration(2, "two", "CREATE TABLE t2 (id int);\n")});
  f.script->expect(kReadState, state_rows({}))
      .expect_batch("'pending'", claimed(1))
      .replies.push_back({"CREATE INDEX CONCURRENTLY a ON t (a)", [&f]() -> QueryResult {
                            f.stop = true;  // SIGINT while the index was built
                            return {};
                          }});
  f.script->expect_batch("SET state = 'applied'", finished(1));
  const TenantOutcome out = f.apply();
  CHECK(f.script->mismatches.empty());
  CHECK(out.status == TenantStatus::cancelled);
  REQUIRE(out.migrations.size() == 1);
  CHECK(out.to_version == Version(1));
  CHECK(f.sends_containing("CREATE TABLE t2") == 0);
}

TEST_CASE("runner: a connection lost during the first state read is connected again once") {
  Fixture f;
  SECTION("the second connection reads and applies") {
    f.script->expect_lost(kReadState)
        .expect(kReadState, state_rows({f.row(1)}))
        .expect_batch("CREATE TABLE t2", committed({2}));
    const TenantOutcome out = f.apply();
    CHECK(f.script->mismatches.empty());
    CHECK(out.status == TenantStatus::applied);
    CHECK(f.script->connects == 2);
  }
  SECTION("lost again: the tenant fails and is not connected a third time") {
    f.script->expect_lost(kReadState).expect_lost(kReadState);
    const TenantOutcome out = f.apply();
    CHECK(out.status == TenantStatus::failed);
    REQUIRE(out.error);
    CHECK(out.error->message.find("connection lost") != std::string::npos);
    CHECK(f.script->connects == 2);
  }
}
