// apply's speculative first batch: what goes with the state read for a guessed history (hit,
// nothing pending, a no-transaction migration first) and how its reply is split (hit, miss,
// failed read, a claim skipped behind a pooler).
#include <catch2/catch.hpp>

#include "migration_builders.hpp"
#include "pgfleet/engine/speculative_batch.hpp"

using namespace pgfleet;
using namespace pgfleet::test;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

HistoryRow applied_row(const Migration& m) {
  return HistoryRow{m.version, m.name, m.checksum, RowState::applied, "old-run", "me"};
}

// 1 and 2 transactional, 3 no-transaction, 4 transactional.
std::vector<Migration> with_no_transaction_third() {
  auto out = table_migrations(4);
  out[2] = make_migration(3, "index",
                          "-- pgfleet: no-transaction\nCREATE INDEX CONCURRENTLY "
                          "i3 ON t1 (id);\n");
  return out;
}

QueryResult named(const std::string& command, std::vector<std::string> columns = {}) {
  QueryResult r;
  r.command = command;
  r.columns = std::move(columns);
  return r;
}

// The results of a speculative query up to its check: the create, the read, its COMMIT.
BatchResult read_part() {
  BatchResult r;
  r.statements = {named("DO"), named("SELECT", {"kind", "version"}), named("COMMIT")};
  return r;
}

}  // namespace

TEST_CASE("speculative batch: the guessed history's migrations follow the state read and check",
          "[speculation]") {
  const MigrationSet set(table_migrations(4));
  RunSettings settings;
  const HistoryTable history;
  const auto spec =
      speculative_batch(set, settings, history, {applied_row(*set.find(1))}, std::nullopt);
  REQUIRE(spec);
  REQUIRE(spec->batch.migrations.size() == 3);
  CHECK(spec->batch.migrations.front()->version == 2);
  CHECK(spec->batch.claim == nullptr);
  CHECK(spec->pending.size() == 3);
  const std::string& sql = spec->script.sql();
  const auto read = sql.find("SELECT 'backend'");
  const auto commit = sql.find("COMMIT;", read);
  const auto check = sql.find(kSpeculationMissSqlstate, commit);
  const auto first_begin = sql.find("BEGIN;", check);
  REQUIRE(read != std::string::npos);
  REQUIRE(check != std::string::npos);
  REQUIRE(first_begin != std::string::npos);
  CHECK(commit < check);
  CHECK(contains(sql, "CREATE TABLE IF NOT EXISTS pgfleet.schema_migrations"));
  CHECK(contains(sql, "NOT i.indisvalid"));
  // The guards are the usual ones, expecting the guessed history.
  CHECK(contains(sql, history.guard_sql(HistoryTable::fingerprint({applied_row(*set.find(1))}))));
  // A file's error position still maps to its file behind the read and the check.
  const auto t3 = sql.find("CREATE TABLE t3");
  CHECK(spec->script.locate(static_cast<int>(t3) + 1).version == Version(3));
}

TEST_CASE("speculative batch: a guess with nothing pending sends none", "[speculation]") {
  const MigrationSet set(table_migrations(2));
  RunSettings settings;
  const HistoryTable history;
  const std::vector<HistoryRow> all = {applied_row(*set.find(1)), applied_row(*set.find(2))};
  CHECK_FALSE(speculative_batch(set, settings, history, all, std::string("42")));
  // Nor does a guess that plans no apply (a pending row: dirty).
  std::vector<HistoryRow> dirty = {applied_row(*set.find(1))};
  dirty.push_back(HistoryRow{2, "x", set.find(2)->checksum, RowState::pending, "r", "me"});
  CHECK_FALSE(speculative_batch(set, settings, history, dirty, std::string("42")));
}

TEST_CASE("speculative batch: a no-transaction migration is claimed only on the announced backend",
          "[speculation]") {
  const MigrationSet set(with_no_transaction_third());
  RunSettings settings;
  const HistoryTable history;
  const std::vector<HistoryRow> two = {applied_row(*set.find(1)), applied_row(*set.find(2))};

  SECTION("first pending and no backend announced: nothing to send") {
    CHECK_FALSE(speculative_batch(set, settings, history, two, std::nullopt));
  }
  SECTION("first pending, backend announced: the claim alone, after a backend check") {
    const auto spec = speculative_batch(set, settings, history, two, std::string("4242"));
    REQUIRE(spec);
    CHECK(spec->batch.migrations.empty());
    REQUIRE(spec->batch.claim == set.find(3));
    CHECK(spec->batch.claim_probe.backend_pid == "4242");
    CHECK_FALSE(spec->batch.claim_probe.token.empty());
    const std::string& sql = spec->script.sql();
    const auto backend_check = sql.find("pg_backend_pid()::text <> '4242'");
    REQUIRE(backend_check != std::string::npos);
    CHECK(backend_check < sql.find("pgfleet_claimed"));
  }
  SECTION("after transactional ones: they go first, the claim stops the batch") {
    const auto spec =
        speculative_batch(set, settings, history, {applied_row(*set.find(1))}, std::string("7"));
    REQUIRE(spec);
    REQUIRE(spec->batch.migrations.size() == 1);
    CHECK(spec->batch.claim == set.find(3));
    CHECK_FALSE(contains(spec->script.sql(), "CREATE TABLE t4"));
  }
}

TEST_CASE("speculative reply: hit, miss, failed read and a skipped claim", "[speculation]") {
  SECTION("hit: the batch's statements follow the read, its COMMIT and the check") {
    BatchResult r = read_part();
    r.statements.push_back(named("DO"));
    r.statements.push_back(named("BEGIN"));
    r.statements.push_back(named("COMMIT"));
    const SpeculativeReply reply = split_reply(r);
    CHECK(reply.kind == SpeculativeReply::Kind::sent);
    REQUIRE(reply.state);
    CHECK(reply.state->column("kind") == 0);
    REQUIRE(reply.batch.statements.size() == 2);
    CHECK(reply.batch.statements[0].command == "BEGIN");
    CHECK_FALSE(reply.batch.error);
    CHECK_FALSE(reply.claim_skipped);
  }
  SECTION("miss: the check raised, the state is there, nothing else ran") {
    BatchResult r = read_part();
    r.error = DbError(kSpeculationMissSqlstate, "pgfleet: speculative batch not run");
    const SpeculativeReply reply = split_reply(r);
    CHECK(reply.kind == SpeculativeReply::Kind::miss);
    CHECK(reply.state);
  }
  SECTION("failed read: no state") {
    BatchResult r;
    r.error = DbError("42601", "syntax error");
    CHECK(split_reply(r).kind == SpeculativeReply::Kind::read_failed);
  }
  SECTION("a claim skipped behind a pooler is no error for the batch") {
    BatchResult r = read_part();
    r.statements.push_back(named("DO"));
    r.statements.push_back(named("COMMIT"));
    r.error = DbError(kSpeculationMissSqlstate, "pgfleet: speculative batch not run");
    const SpeculativeReply reply = split_reply(r);
    CHECK(reply.kind == SpeculativeReply::Kind::sent);
    CHECK(reply.claim_skipped);
    CHECK_FALSE(reply.batch.error);
  }
  SECTION("another error in the batch stays its error") {
    BatchResult r = read_part();
    r.statements.push_back(named("DO"));
    r.error = DbError("PF002", "pgfleet: the history changed since it was read");
    const SpeculativeReply reply = split_reply(r);
    CHECK(reply.kind == SpeculativeReply::Kind::sent);
    REQUIRE(reply.batch.error);
    CHECK(reply.batch.error->sqlstate() == "PF002");
  }
}
