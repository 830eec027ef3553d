#pragma once
// Finds statements a migration file must not contain (README.md, "Migrations"): transaction
// control, statements PostgreSQL refuses to run inside a transaction block, and what needs a
// client protocol that a migration runner does not speak (COPY with STDIN/STDOUT, psql
// meta-commands).
#include <string>
#include <vector>

#include "pgfleet/sql/splitter.hpp"

namespace pgfleet {

enum class ConflictKind {
  transaction_control,  // BEGIN, COMMIT, ... would end pgfleet's transaction or leave one open
  not_in_transaction,   // CREATE INDEX CONCURRENTLY, VACUUM, ... fail inside a transaction
  needs_client,         // COPY ... FROM STDIN / TO STDOUT, \i, \set, ...: psql's business
};

// One offending construct.
struct StatementConflict {
  ConflictKind kind;
  std::string what;       // the construct, e.g. "COMMIT", "CREATE INDEX CONCURRENTLY", "\set"
  std::string statement;  // the statement text
  int line;               // 1-based line of the construct in the file
};

// Every construct of `statements` that cannot be part of a file sent as `mode`: in one
// transaction (whole_file), transaction control other than savepoints and what cannot run in a
// transaction block; statement by statement, any transaction control, savepoints included (each
// statement commits on its own; an open BEGIN would swallow what follows). In both, what needs
// a client. In file order. Never throws.
std::vector<StatementConflict> find_statement_conflicts(const std::vector<SqlStatement>& statements,
                                                        SendMode mode);

}  // namespace pgfleet
