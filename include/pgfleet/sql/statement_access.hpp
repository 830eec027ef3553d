#pragma once
// Whether a statement only reads (docs/LINT.md "verify-writes"): what a verify script may hold,
// since it runs in a read-only transaction (docs/PREFLIGHT.md "Verify scripts").
#include <string>
#include <vector>

namespace pgfleet {

enum class StatementAccess {
  reads,      // SELECT, WITH ... SELECT, VALUES, TABLE, SHOW, EXPLAIN (without ANALYZE of a
              // write), SET / RESET
  writes,     // DML, DDL, SELECT INTO, row locks (FOR UPDATE / SHARE), anything else
  unchecked,  // DO: its body is PL/pgSQL, read only by the server
};

// The access of a statement from its words (statement_words). Never throws.
StatementAccess statement_access(const std::vector<std::string>& words);

}  // namespace pgfleet
