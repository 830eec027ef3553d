#pragma once
// Finds statements that a transactional migration file must not contain (README "Migrations"):
// transaction control, and statements PostgreSQL refuses to run inside a transaction block.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgfleet/sql/splitter.hpp"

namespace pgfleet {

enum class StatementConflict {
  transaction_control,  // BEGIN, COMMIT, ROLLBACK, ... would end pgfleet's own transaction
  not_in_transaction,   // CREATE INDEX CONCURRENTLY, VACUUM, ... fail inside a transaction
};

// One offending statement.
struct TransactionConflict {
  StatementConflict kind;
  std::string what;       // the construct, e.g. "COMMIT" or "CREATE INDEX CONCURRENTLY"
  std::string statement;  // the statement text
  int line;               // 1-based line of the statement in the file
};

// The upper-cased words of a statement outside quotes and comments, in order.
std::vector<std::string> statement_words(std::string_view statement);

// Why `statement` cannot run in pgfleet's transaction, or nullopt when it can.
std::optional<TransactionConflict> classify_statement(const SqlStatement& statement);

// Every statement of `statements` that cannot be part of a transactional file.
std::vector<TransactionConflict> find_transaction_conflicts(
    const std::vector<SqlStatement>& statements);

}  // namespace pgfleet
