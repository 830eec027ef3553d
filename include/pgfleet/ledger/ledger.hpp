#pragma once
// The shared run ledger (docs/LEDGER.md): a PostgreSQL database where the workers of one run keep
// its state in schema pgfleet_ledger. This is the connection to it: one session shared by a
// worker's threads (a mutex makes their queries take turns), with a count of the queries and the
// time they took, for the benchmark.
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "pgfleet/db/session.hpp"

namespace pgfleet::ledger {

// The ledger cannot be reached or a query on it failed (the CLI exits 3).
class LedgerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A worker does not fit the run it tries to join: another command, migration set or target
// (the CLI exits 2, nothing touched).
class LedgerMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the ledger cost so far.
struct LedgerCost {
  long queries = 0;
  std::chrono::microseconds time{0};
};

class Ledger {
 public:
  // Connects to `url` and brings schema pgfleet_ledger up to date. Throws LedgerError (the
  // message never holds the password).
  static std::unique_ptr<Ledger> open(const std::string& url);
  // Over a session already open (tests); brings the schema up to date. Throws LedgerError.
  explicit Ledger(std::unique_ptr<Session> session);

  // Runs `sql` (one round trip; several statements run in one implicit transaction). Throws
  // LedgerError with the server's message.
  QueryResult query(const std::string& sql);
  // The same with $1 bound to `param` (one statement).
  QueryResult query(const std::string& sql, const std::string& param);
  // `text` as an SQL string literal.
  std::string quote(const std::string& text) const;
  LedgerCost cost() const;

 private:
  template <typename Call>
  QueryResult timed(const Call& call);

  std::unique_ptr<Session> session_;
  mutable std::mutex mutex_;  // one query at a time on the one session
  LedgerCost cost_;
};

// The first column of the first row, nullopt when there is none or it is NULL.
std::optional<std::string> first_value(const QueryResult& result);

}  // namespace pgfleet::ledger
