// PqSession against the scratch cluster, directly and through PgBouncer (transaction pooling).
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

#include "pgfleet/db/conninfo.hpp"
#include "pgfleet/db/session.hpp"
#include "test_env.hpp"

using namespace pgfleet;

namespace {

const std::string canary = "Can@ry:p/w%d#'x y";

std::unique_ptr<Session> open_session(const std::string& dsn) {
  return connect_postgres(ConnInfo::parse(dsn).to_libpq());
}

// The ConnectError thrown by connecting to `dsn`; fails the test if the connection succeeds.
ConnectError connect_error(const std::string& dsn) {
  try {
    open_session(dsn);
  } catch (const ConnectError& e) {
    return e;
  }
  FAIL("connected although it should not have");
  throw std::logic_error("unreachable");
}

DbError db_error(Session& session, const std::string& sql) {
  try {
    session.exec(sql);
  } catch (const DbError& e) {
    return e;
  }
  FAIL("no DbError for: " << sql);
  throw std::logic_error("unreachable");
}

std::string with_password(const std::string& dsn, const std::string& password) {
  auto info = ConnInfo::parse(dsn);
  info.set("password", password);
  return info.to_libpq();
}

std::string closed_port() {
  // Nothing listens on port 1 of the loopback address.
  return "host=127.0.0.1 port=1 user=postgres dbname=postgres connect_timeout=5";
}

}  // namespace

TEST_CASE("session exec returns the rows of the last statement", "[session]") {
  const std::string db = test::create_database("session_exec");
  for (const auto& dsn : {test::dsn_for(db), test::bouncer_dsn_for(db)}) {
    auto session = open_session(dsn);
    const long before = session->round_trips();
    const QueryResult result = session->exec(
        "CREATE TABLE IF NOT EXISTS t(a int, b text); DELETE FROM t;"
        "INSERT INTO t VALUES (1, 'x'), (2, NULL); SELECT a, b FROM t ORDER BY a");
    CHECK(session->round_trips() == before + 1);
    REQUIRE(result.columns == std::vector<std::string>{"a", "b"});
    REQUIRE(result.rows.size() == 2);
    CHECK(result.rows[0][0] == "1");
    CHECK(result.rows[0][1] == "x");
    CHECK(result.rows[1][1] == std::nullopt);
    CHECK(result.column("b") == 1);

    const QueryResult last_is_command = session->exec("SELECT 1; UPDATE t SET a = a");
    CHECK(last_is_command.rows.empty());
    CHECK(session->exec("").rows.empty());
    CHECK(session->round_trips() == before + 3);
  }
}

TEST_CASE("session exec_batch reads every statement and ends a failed transaction", "[session]") {
  const std::string db = test::create_database("session_batch");
  for (const auto& dsn : {test::dsn_for(db), test::bouncer_dsn_for(db)}) {
    auto session = open_session(dsn);
    session->exec("DROP TABLE IF EXISTS b; CREATE TABLE b (a int)");
    const long before = session->round_trips();
    const std::string sql =
        "BEGIN; INSERT INTO b VALUES (1) RETURNING a; COMMIT;\n"
        "BEGIN; INSERT INTO b VALUES (2); SELECT missing FROM b; COMMIT;\n"
        "BEGIN; INSERT INTO b VALUES (3); COMMIT;";
    const BatchResult r = session->exec_batch(sql);
    REQUIRE(r.statements.size() == 5);
    CHECK(r.statements[1].rows.at(0).at(0) == "1");
    CHECK(r.statements[1].command == "INSERT 0 1");
    CHECK(r.statements[2].command == "COMMIT");
    CHECK(r.statements[4].command == "INSERT 0 1");
    REQUIRE(r.error);
    CHECK(r.error->sqlstate() == "42703");
    CHECK(r.error->position() == static_cast<int>(sql.find("missing")) + 1);
    // The failed transaction was rolled back (one more round trip): only 1 is there, and the
    // session takes the next query.
    CHECK(session->round_trips() == before + 2);
    CHECK(session->exec("SELECT string_agg(a::text, ',') FROM b").rows.at(0).at(0) == "1");
    const BatchResult fine = session->exec_batch("SELECT 1; SELECT 2 AS two");
    CHECK_FALSE(fine.error);
    REQUIRE(fine.statements.size() == 2);
    CHECK(fine.statements[1].columns == std::vector<std::string>{"two"});
  }
}

TEST_CASE("session exec_with_param binds $1 as text", "[session]") {
  const std::string db = test::create_database("session_param");
  for (const auto& dsn : {test::dsn_for(db), test::bouncer_dsn_for(db)}) {
    auto session = open_session(dsn);
    const std::string tricky = "it's $1 \\ \"quoted\"";
    const QueryResult result = session->exec_with_param("SELECT $1::text AS v, length($1)", tricky);
    CHECK(result.rows.at(0).at(0) == tricky);
    CHECK(result.rows.at(0).at(1) == std::to_string(tricky.size()));
    CHECK(session->round_trips() == 1);
  }
}

TEST_CASE("session DbError carries sqlstate, detail, hint and position", "[session]") {
  const std::string db = test::create_database("session_errors");
  auto session = open_session(test::dsn_for(db));
  session->exec("CREATE TABLE u(id int PRIMARY KEY); INSERT INTO u VALUES (1)");

  const DbError duplicate = db_error(*session, "INSERT INTO u VALUES (1)");
  CHECK(duplicate.sqlstate() == "23505");
  CHECK_THAT(duplicate.message(), Catch::Contains("duplicate key"));
  CHECK(duplicate.detail() == "Key (id)=(1) already exists.");

  const DbError raised = db_error(*session,
                                  "DO $$ BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'the detail', "
                                  "HINT = 'the hint', ERRCODE = 'P0042'; END $$");
  CHECK(raised.sqlstate() == "P0042");
  CHECK(raised.message() == "boom");
  CHECK(raised.detail() == "the detail");
  CHECK(raised.hint() == "the hint");

  const DbError syntax = db_error(*session, "SELECT 1;\nSELEC 2");
  CHECK(syntax.sqlstate() == "42601");
  CHECK(syntax.position() == 11);

  const DbError missing = db_error(*session, "SELECT nope FROM u");
  CHECK(missing.sqlstate() == "42703");
  CHECK(missing.position() == 8);
}

TEST_CASE("session rolls back a failed multi-statement string and stays usable", "[session]") {
  const std::string db = test::create_database("session_rollback");
  for (const auto& dsn : {test::dsn_for(db), test::bouncer_dsn_for(db)}) {
    auto session = open_session(dsn);
    CHECK(db_error(*session, "CREATE TABLE gone(a int); SELECT 1/0").sqlstate() == "22012");
    CHECK(session->exec("SELECT to_regclass('gone') IS NULL").rows.at(0).at(0) == "t");
  }
}

TEST_CASE("session refuses COPY FROM STDIN and stays usable", "[session]") {
  const std::string db = test::create_database("session_copy");
  auto session = open_session(test::dsn_for(db));
  session->exec("CREATE TABLE c(a int)");
  CHECK(db_error(*session, "COPY c FROM STDIN").sqlstate() == "0A000");
  CHECK(session->exec("SELECT count(*) FROM c").rows.at(0).at(0) == "0");
}

TEST_CASE("session quote and quote_name round-trip through the server", "[session]") {
  auto session = open_session(test::dsn_for("postgres"));
  const std::string literal = "it's a \\ test";
  CHECK(session->exec("SELECT " + session->quote(literal)).rows.at(0).at(0) == literal);
  const std::string name = "Mixed \"Case\"";
  const QueryResult result = session->exec("SELECT 1 AS " + session->quote_name(name));
  CHECK(result.columns.at(0) == name);
}

TEST_CASE("session cancel interrupts a running query from another thread", "[session]") {
  for (const auto& dsn : {test::dsn_for("postgres"), test::bouncer_dsn_for("postgres")}) {
    auto session = open_session(dsn);
    const auto started = std::chrono::steady_clock::now();
    std::thread canceller([&session] {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      session->cancel();
    });
    const DbError error = db_error(*session, "SELECT pg_sleep(10)");
    canceller.join();
    CHECK(error.sqlstate() == "57014");
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
    CHECK(session->exec("SELECT 1").rows.at(0).at(0) == "1");
  }
}

TEST_CASE("session never prints server notices", "[session]") {
  auto session = open_session(test::dsn_for("postgres"));
  std::fflush(stderr);
  std::fflush(stdout);
  const std::string capture = test::temp_dir("pgfleet-notice") + "/out";
  const int saved_err = dup(2), saved_out = dup(1);
  const int fd = ::open(capture.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  dup2(fd, 2);
  dup2(fd, 1);
  session->exec("DO $$ BEGIN RAISE NOTICE 'a notice'; RAISE WARNING 'a warning'; END $$");
  std::fflush(stderr);
  std::fflush(stdout);
  dup2(saved_err, 2);
  dup2(saved_out, 1);
  ::close(fd);
  ::close(saved_err);
  ::close(saved_out);
  std::ifstream in(capture);
  const std::string printed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(printed.empty());
}

TEST_CASE("session reports a killed backend as ConnectionLost", "[session]") {
  auto session = open_session(test::dsn_for("postgres"));
  const std::string pid = *session->exec("SELECT pg_backend_pid()").rows.at(0).at(0);
  test::query("postgres", "SELECT pg_terminate_backend(" + pid + ")");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK_THROWS_AS(session->exec("SELECT 1"), ConnectionLost);
}

TEST_CASE("session wrong password is permanent and never echoed", "[session]") {
  for (const auto& dsn : {test::dsn_for("postgres"), test::bouncer_dsn_for("postgres")}) {
    const ConnectError error = connect_error(with_password(dsn, canary));
    CHECK(error.kind() == ConnectError::Kind::permanent);
    CHECK(error.sqlstate() == "28P01");
    const std::string message = error.what();
    CHECK_THAT(message, Catch::Contains("authentication failed"));
    CHECK(message.find("Can@ry") == std::string::npos);
    CHECK(message.find(test::cluster().password) == std::string::npos);
  }
}

TEST_CASE("session connects with a password full of special characters", "[session]") {
  const std::string db = test::create_database("session_canary");
  const std::string role = db + "_role";
  auto admin = open_session(test::dsn_for(db));
  admin->exec("CREATE ROLE " + role + " LOGIN PASSWORD " + admin->quote(canary));
  const auto& c = test::cluster();
  const std::string uri =
      "postgres://" + role + ":Can%40ry%3Ap%2Fw%25d%23%27x%20y@" + c.host + ":" + c.port + "/" + db;
  const std::string key_value = "host=" + c.host + " port=" + c.port + " dbname=" + db +
                                " user=" + role + R"( password='Can@ry:p/w%d#\'x y')";
  CHECK(open_session(uri)->exec("SELECT current_user").rows.at(0).at(0) == role);
  CHECK(open_session(key_value)->exec("SELECT current_user").rows.at(0).at(0) == role);
}

TEST_CASE("session unknown database is permanent 3D000", "[session]") {
  const ConnectError error = connect_error(test::dsn_for("no_such_database_here"));
  CHECK(error.kind() == ConnectError::Kind::permanent);
  CHECK(error.sqlstate() == "3D000");
}

TEST_CASE("session refused connection is transient", "[session]") {
  const ConnectError error = connect_error(closed_port());
  CHECK(error.kind() == ConnectError::Kind::transient);
  CHECK_THAT(std::string(error.what()), Catch::Contains("refused"));
}

TEST_CASE("session hostless conninfo never reaches libpq", "[session]") {
  try {
    connect_postgres("dbname=postgres user=postgres");
    FAIL("a hostless conninfo connected");
  } catch (const ConnectError& e) {
    CHECK(e.kind() == ConnectError::Kind::permanent);
    CHECK_THAT(std::string(e.what()), Catch::Contains("no host"));
  }
}
