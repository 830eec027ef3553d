// Session state of no-transaction migrations (README "Safety"): behind a transaction-pooling
// PgBouncer that moves the session, the migration is refused before it is claimed; on a direct
// connection nothing pgfleet SETs stays on the backend afterwards, on success or failure.
#include <catch2/catch.hpp>
#include <functional>
#include <vector>

#include "engine_support.hpp"
#include "pgfleet/engine/migration_script.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

// Calls `hook` with the backend pid once the state read (which the claim's probe check
// compares with) returned.
class ProbeHookSession : public ForwardingSession {
 public:
  ProbeHookSession(std::unique_ptr<Session> inner, std::function<void(const std::string&)> hook)
      : ForwardingSession(std::move(inner)), hook_(std::move(hook)) {}
  QueryResult exec(const std::string& sql) override {
    QueryResult r = inner().exec(sql);
    if (r.column("kind") < 0) return r;
    const TenantState state = HistoryTable::parse_state(r);
    if (!state.backend_pid.empty()) hook_(state.backend_pid);
    return r;
  }

 private:
  std::function<void(const std::string&)> hook_;
};

// Forwards to a session that outlives the runner, so the test can look at that same backend.
class BorrowedSession : public Session {
 public:
  explicit BorrowedSession(Session& inner) : inner_(inner) {}
  QueryResult exec(const std::string& sql) override { return inner_.exec(sql); }
  BatchResult exec_batch(const std::string& sql) override { return inner_.exec_batch(sql); }
  QueryResult exec_with_param(const std::string& sql, const std::string& param) override {
    return inner_.exec_with_param(sql, param);
  }
  void cancel() override { inner_.cancel(); }
  std::string quote(const std::string& s) const override { return inner_.quote(s); }
  std::string quote_name(const std::string& s) const override { return inner_.quote_name(s); }
  long round_trips() const override { return inner_.round_trips(); }

 private:
  Session& inner_;
};

const std::string kNoTxTable =
    "-- pgfleet: no-transaction\n"
    "-- pgfleet: lock-timeout=4321ms\n"
    "CREATE TABLE moved (id int);\n";

}  // namespace

TEST_CASE(
    "a no-transaction migration behind a pooler that moved the session is refused before "
    "the claim",
    "[engine][no_transaction][pooler]") {
  const std::string db = create_database("pool_move");
  Engine engine({make_migration(1, "moved", kNoTxTable)}, "20260101T000000Z-pmov");
  const Tenant tenant = tenant_for(db, bouncer_dsn_for(db));
  // Right after the state read, other clients take server connections in transactions until one of
  // them holds the backend the probe ran on: pgfleet's next transaction gets another one.
  std::vector<std::unique_ptr<Session>> holders;
  bool held = false;
  const auto hold_backend = [&](const std::string& pid) {
    for (int i = 0; i < 10 && !held; ++i) {
      holders.push_back(connect_postgres(bouncer_dsn_for(db)));
      const QueryResult r = holders.back()->exec("BEGIN; SELECT pg_backend_pid()::text");
      held = r.rows.at(0).at(0) == pid;
    }
  };
  Connector inner = connector_for(tenant, engine.settings);
  Connector connect = [&]() -> std::unique_ptr<Session> {
    return std::make_unique<ProbeHookSession>(inner(), hold_backend);
  };
  TenantOutcome out = engine.runner().apply(tenant, connect);
  INFO((out.error ? out.error->message : out.reason));
  REQUIRE(held);
  CHECK(out.status == TenantStatus::failed);
  REQUIRE(out.error);
  CHECK(out.error->sqlstate == kSessionMovedSqlstate);
  CHECK(out.error->message.find("transaction-pooling PgBouncer") != std::string::npos);
  CHECK(out.error->message.find("direct host") != std::string::npos);
  // Refused before the claim: no pending row, the statement never ran.
  CHECK(scalar(db, "SELECT count(*) FROM pgfleet.schema_migrations") == "0");
  CHECK(scalar(db, "SELECT count(*) FROM pg_class WHERE relname = 'moved'") == "0");
  holders.clear();
}

TEST_CASE("a no-transaction migration leaves no session setting on its backend",
          "[engine][no_transaction][pooler]") {
  const std::string db = create_database("no_leak");
  const Tenant tenant = tenant_for(db);
  const RunSettings settings = settings_for("20260101T000000Z-leak");
  std::unique_ptr<Session> kept = connector_for(tenant, settings)();
  Connector borrow = [&]() -> std::unique_ptr<Session> {
    return std::make_unique<BorrowedSession>(*kept);
  };
  const std::string leaked_settings =
      "SELECT current_setting('lock_timeout') || '|' || current_setting('statement_timeout') || "
      "'|' || coalesce(current_setting('pgfleet.session_probe', true), '')";

  SECTION("after success") {
    Engine engine({make_migration(1, "moved", kNoTxTable)}, "20260101T000000Z-leak");
    TenantOutcome out = engine.runner().apply(tenant, borrow);
    INFO((out.error ? out.error->message : out.reason));
    REQUIRE(out.status == TenantStatus::applied);
    CHECK(kept->exec(leaked_settings).rows.at(0).at(0) == std::string("0|0|"));
  }
  SECTION("after the applied mark failed") {
    // The migration makes the history refuse updates: the mark (which RESETs) rolls back.
    const std::string refusing =
        "-- pgfleet: no-transaction\n"
        "-- pgfleet: lock-timeout=4321ms\n"
        "CREATE FUNCTION pgfleet.refuse() RETURNS trigger LANGUAGE plpgsql AS\n"
        "  $$BEGIN RAISE EXCEPTION 'refused'; END$$;\n"
        "CREATE TRIGGER refuse BEFORE UPDATE ON pgfleet.schema_migrations\n"
        "  FOR EACH ROW EXECUTE FUNCTION pgfleet.refuse();\n";
    Engine engine({make_migration(1, "refusing", refusing)}, "20260101T000000Z-leak");
    TenantOutcome out = engine.runner().apply(tenant, borrow);
    CHECK(out.status == TenantStatus::failed);
    CHECK(kept->exec(leaked_settings).rows.at(0).at(0) == std::string("0|0|"));
  }
}
