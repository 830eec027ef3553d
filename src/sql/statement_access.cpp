#include "pgfleet/sql/statement_access.hpp"

#include <algorithm>
#include <string_view>

namespace pgfleet {
namespace {

using Words = std::vector<std::string>;

bool has(const Words& w, std::string_view word) {
  return std::find(w.begin(), w.end(), word) != w.end();
}

bool has_pair(const Words& w, std::string_view a, std::string_view b) {
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] == a && w[i + 1] == b) return true;
  }
  return false;
}

// A data-changing command anywhere in the statement (a WITH's data-modifying CTE).
bool modifies_data(const Words& w) {
  return has(w, "INSERT") || has(w, "UPDATE") || has(w, "DELETE") || has(w, "MERGE");
}

// FOR UPDATE / FOR SHARE / FOR NO KEY UPDATE / FOR KEY SHARE: the server refuses row locks in a
// read-only transaction.
bool locks_rows(const Words& w) {
  return has_pair(w, "FOR", "UPDATE") || has_pair(w, "FOR", "SHARE") ||
         has_pair(w, "KEY", "UPDATE") || has_pair(w, "KEY", "SHARE");
}

}  // namespace

StatementAccess statement_access(const Words& w) {
  if (w.empty()) return StatementAccess::reads;
  const std::string& first = w.front();
  if (first == "DO") return StatementAccess::unchecked;
  if (first == "SELECT") {
    // SELECT ... INTO creates a table.
    return has(w, "INTO") || locks_rows(w) ? StatementAccess::writes : StatementAccess::reads;
  }
  if (first == "WITH") {
    return modifies_data(w) || locks_rows(w) || has(w, "INTO") ? StatementAccess::writes
                                                               : StatementAccess::reads;
  }
  if (first == "EXPLAIN") {
    // EXPLAIN ANALYZE runs the statement.
    return has(w, "ANALYZE") && modifies_data(w) ? StatementAccess::writes : StatementAccess::reads;
  }
  if (first == "VALUES" || first == "TABLE" || first == "SHOW" || first == "SET" ||
      first == "RESET") {
    return StatementAccess::reads;
  }
  return StatementAccess::writes;
}

}  // namespace pgfleet
