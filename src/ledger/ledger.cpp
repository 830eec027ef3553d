#include "pgfleet/ledger/ledger.hpp"

#include "pgfleet/ledger/ledger_schema.hpp"

namespace pgfleet::ledger {

std::unique_ptr<Ledger> Ledger::open(const std::string& url) {
  std::unique_ptr<Session> session;
  try {
    session = connect_postgres(url);
  } catch (const std::exception& e) {
    throw LedgerError(std::string("cannot connect: ") + e.what());
  }
  return std::make_unique<Ledger>(std::move(session));
}

Ledger::Ledger(std::unique_ptr<Session> session) : session_(std::move(session)) {
  try {
    migrate_ledger_schema(*session_);
  } catch (const LedgerError&) {
    throw;
  } catch (const std::exception& e) {
    throw LedgerError(std::string("schema pgfleet_ledger: ") + e.what());
  }
}

template <typename Call>
QueryResult Ledger::timed(const Call& call) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto start = std::chrono::steady_clock::now();
  try {
    QueryResult result = call();
    ++cost_.queries;
    cost_.time += std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    return result;
  } catch (const DbError& e) {
    throw LedgerError(e.sqlstate() + " " + e.message());
  } catch (const std::exception& e) {
    throw LedgerError(e.what());
  }
}

QueryResult Ledger::query(const std::string& sql) {
  return timed([&] { return session_->exec(sql); });
}

QueryResult Ledger::query(const std::string& sql, const std::string& param) {
  return timed([&] { return session_->exec_with_param(sql, param); });
}

std::string Ledger::quote(const std::string& text) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return session_->quote(text);
}

LedgerCost Ledger::cost() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cost_;
}

std::optional<std::string> first_value(const QueryResult& result) {
  if (result.rows.empty() || result.rows[0].empty()) return std::nullopt;
  return result.rows[0][0];
}

}  // namespace pgfleet::ledger
