// Rules about a migration's .verify file: it runs in a read-only transaction, so a write in it
// fails on every tenant (docs/LINT.md "verify-writes", docs/PREFLIGHT.md "Verify scripts").
#include "lint_context.hpp"
#include "pgfleet/sql/statement_access.hpp"
#include "pgfleet/sql/statement_words.hpp"

namespace pgfleet::lint_detail {

void check_verify_rules(FileLint& f) {
  if (!f.migration.verify) return;
  const MigrationFile& verify = *f.migration.verify;
  for (const SqlStatement& s : split_sql(verify.sql, SendMode::whole_file)) {
    // A DO block is allowed: its PL/pgSQL is not read here, the server refuses its writes.
    if (statement_access(statement_words(s)) != StatementAccess::writes) continue;
    const Words w = statement_words(s);
    f.findings.push_back(finding_of(
        verify.path, s.line, "verify-writes",
        (w.empty() ? std::string("this statement") : w.front()) +
            " writes (or locks rows), but a verify script runs read-only and is rolled back: it "
            "fails with 25006 on every tenant; check with SELECT (or a DO block that RAISEs)"));
  }
}

}  // namespace pgfleet::lint_detail
