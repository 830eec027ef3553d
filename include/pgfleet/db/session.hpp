#pragma once
// The seam to a tenant database: one connection, simple-query execution, structured errors.
// Only src/db/pq_session.cpp talks to libpq/libpqxx.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "pgfleet/db/conninfo.hpp"

namespace pgfleet {

// The rows of one statement (for exec(): the last of the query string), every value as text
// (NULL = nullopt).
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::string command;  // the server's command tag, e.g. "COMMIT" or "INSERT 0 1"

  // Index of a column by name, or -1.
  int column(const std::string& name) const;
};

// An error reported by the server; fields as in PostgreSQL's ErrorResponse.
class DbError : public std::runtime_error {
 public:
  DbError(std::string sqlstate, std::string message, std::string detail = {}, std::string hint = {},
          int position = 0);
  const std::string& sqlstate() const { return sqlstate_; }
  const std::string& message() const { return message_; }
  const std::string& detail() const { return detail_; }
  const std::string& hint() const { return hint_; }
  // 1-based character offset into the query string, 0 if the server gave none.
  int position() const { return position_; }

 private:
  std::string sqlstate_, message_, detail_, hint_;
  int position_;
};

// What the statements of one query string did: the server runs them in order and stops at the
// first error, skipping the rest of the string.
struct BatchResult {
  std::vector<QueryResult> statements;  // one per statement that completed, in order
  std::optional<DbError> error;         // the error that stopped the string, if one did
};

// The connection broke (before, during or after a query): the outcome of that query is unknown.
class ConnectionLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Could not connect. `transient` errors (refused, timeout, 57P03, 53300, Neon compute waking)
// are worth retrying; others (28P01, 3D000, TLS) are not.
class ConnectError : public std::runtime_error {
 public:
  enum class Kind { transient, permanent };
  ConnectError(Kind kind, std::string sqlstate, const std::string& message)
      : std::runtime_error(message), kind_(kind), sqlstate_(std::move(sqlstate)) {}
  Kind kind() const { return kind_; }
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  Kind kind_;
  std::string sqlstate_;
};

// Interrupts one session from another thread. It stays safe to use after its session is gone
// (then it does nothing), so a holder never needs a lock that the session's owner waits for.
class SessionInterrupt {
 public:
  virtual ~SessionInterrupt() = default;
  // Asks the server to cancel the running query, on a thread of its own: never blocks (a hung
  // server can keep a cancel request waiting for minutes). Returns false, sending nothing, while
  // the previous request is still on its way.
  virtual bool request_cancel() = 0;
  // Closes the connection's socket now: a call blocked on it returns (ConnectionLost) and later
  // calls fail the same way.
  virtual void close() = 0;
};

class Session {
 public:
  virtual ~Session() = default;
  // Sends `sql` (possibly several statements) as one simple query, one round trip; returns the
  // last statement's rows. Throws DbError (the implicit transaction is then rolled back) or
  // ConnectionLost.
  virtual QueryResult exec(const std::string& sql) = 0;
  // Sends `sql` as one simple query, one round trip, and returns every statement's result up to
  // the first error. The string may hold explicit transactions (BEGIN ... COMMIT); one left open
  // by an error is rolled back before this returns (one more round trip), so the session is
  // idle again. Throws ConnectionLost (what committed is then unknown).
  virtual BatchResult exec_batch(const std::string& sql) = 0;
  // Same as exec(), with `$1` bound to `param` (extended protocol, a single statement only).
  virtual QueryResult exec_with_param(const std::string& sql, const std::string& param) = 0;
  // Asks the server to cancel the query now running (thread-safe, callable from another thread;
  // blocks until the request is sent).
  virtual void cancel() = 0;
  // Quotes a string literal / identifier for this connection.
  virtual std::string quote(const std::string& literal) const = 0;
  virtual std::string quote_name(const std::string& identifier) const = 0;
  // Round trips made so far (for tests and the benchmark).
  virtual long round_trips() const = 0;
  // The handle that cancels or closes this session from another thread; nullptr for a session
  // that cannot be interrupted (test fakes).
  virtual std::shared_ptr<SessionInterrupt> interrupt_handle() { return nullptr; }
  // True when the connection is encrypted (TLS).
  virtual bool encrypted() const { return false; }
  // The backend process id the server announced when the connection started (libpq's
  // PQbackendPID); nullopt when unknown. A pooler announces its own number, not the one
  // pg_backend_pid() returns, so a match says the session talks to that backend directly.
  virtual std::optional<std::string> startup_backend_pid() const { return std::nullopt; }
  // The value libpq used for a connection keyword (e.g. "keepalives_idle"), nullopt if none.
  virtual std::optional<std::string> connection_option(const std::string& /*keyword*/) const {
    return std::nullopt;
  }
};

// How long one connect attempt may take, and when to give it up early.
struct ConnectLimits {
  std::chrono::milliseconds timeout{10000};
  // Polled while the attempt waits on the network; true abandons it (a second SIGINT, a tenant
  // past its deadline). Empty: never.
  std::function<bool()> abandon;
};

// Opens a session from a validated connection string (application_name and the rest already
// set by the caller), within `limits`. Throws ConnectError; the message never contains the
// password. Environment variables (PGUSER, ...) fill what the string leaves out, as in libpq.
using SessionFactory =
    std::function<std::unique_ptr<Session>(const ConnInfo& conninfo, const ConnectLimits& limits)>;
std::unique_ptr<Session> connect_postgres(const ConnInfo& conninfo, const ConnectLimits& limits);
// The same for a connection string not parsed yet (a hostless or unparsable one is a
// permanent ConnectError, never handed to libpq), with the default limits.
std::unique_ptr<Session> connect_postgres(const std::string& conninfo);

// Opens a fresh session to the tenant being run (retries transient errors itself); throws
// ConnectError. Called once at the start, and again only to find out what happened after a
// connection was lost during COMMIT.
using Connector = std::function<std::unique_ptr<Session>()>;

}  // namespace pgfleet
