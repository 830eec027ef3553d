// Every lint rule with its id, default severity and one-line summary; docs/LINT.md has a
// section per rule.
#include <stdexcept>

#include "pgfleet/migrations/lint.hpp"

namespace pgfleet {
namespace {

constexpr LintSeverity kInfo = LintSeverity::info;
constexpr LintSeverity kWarn = LintSeverity::warning;
constexpr LintSeverity kError = LintSeverity::error;
constexpr RuleDefault kOn = RuleDefault::on;
constexpr RuleDefault kOptIn = RuleDefault::opt_in;
constexpr GradedBy kSized = GradedBy::table_size;  // graded by the table's size under --fleet

// Off unless pgfleet.json `lint.include` names them.
std::vector<LintRule> type_hygiene_rules() {
  return {
      {"ban-char", kWarn, kOptIn, "char(n) pads with blanks; use text or varchar"},
      {"enum-value-position", kWarn, kOptIn,
       "ALTER TYPE ... ADD VALUE without BEFORE / AFTER puts the value last"},
      {"prefer-bigint", kWarn, kOptIn, "int / smallint columns run out; prefer bigint"},
      {"prefer-identity", kWarn, kOptIn, "serial columns; prefer GENERATED ... AS IDENTITY"},
      {"prefer-text", kWarn, kOptIn, "varchar(n); prefer text with a CHECK on its length"},
      {"prefer-timestamptz", kWarn, kOptIn, "timestamp without time zone; prefer timestamptz"},
  };
}

// Rules about the tenants a file runs for and the servers they run on.
std::vector<LintRule> tenant_rules() {
  return {
      {"concurrently-pg14-corruption", kError, kOn,
       "CREATE INDEX / REINDEX CONCURRENTLY on a tenant running PostgreSQL 14.0-14.3 (lint "
       "--fleet)"},
      {"placeholder-bare-value", kWarn, kOn,
       "a bare ${name} where a literal or a name is meant; use :literal or :ident"},
      {"placeholder-undeclared", kInfo, kOn,
       "a ${name} that is no built-in and no --var: its value must come from the tenant"},
      {"placeholder-without-directive", kWarn, kOn,
       "${ in a file without the `-- pgfleet: placeholders` directive stays plain text"},
      {"search-path-or-schema-qualified", kWarn, kOn,
       "SET search_path or a schema-qualified name in a schema-per-tenant project"},
  };
}

// Rules about a migration's files, its directives and its lint-ignore comments.
std::vector<LintRule> file_rules() {
  return {
      {"empty-down", kWarn, kOn, "the .down file has no statement"},
      {"lint-ignore-invalid", kError, kOn,
       "a lint-ignore without a reason or with an unknown rule"},
      {"lint-ignore-unused", kWarn, kOn, "a lint-ignore that silenced nothing"},
      {"misplaced-directive", kError, kOn, "a directive after the first statement"},
      {"missing-down", kWarn, kOn, "no .down file"},
      {"verify-writes", kWarn, kOn,
       "a write (DML, DDL, row lock) in a .verify file, which runs read-only"},
  };
}

std::vector<LintRule> all_rules() {
  std::vector<LintRule> rules = {
      {"add-column-not-null-without-default", kError, kOn,
       "ADD COLUMN NOT NULL without a DEFAULT fails on a table with rows"},
      {"add-column-rewrites-table", kWarn, kOn,
       "ADD COLUMN with a volatile default, serial, identity or GENERATED STORED rewrites the "
       "table",
       kSized},
      {"add-constraint-not-valid", kWarn, kOn,
       "CHECK / FOREIGN KEY added without NOT VALID scans the table under lock", kSized},
      {"add-unique-constraint", kWarn, kOn,
       "UNIQUE / PRIMARY KEY added to an existing table builds an index while blocking writes",
       kSized},
      {"alter-column-type", kWarn, kOn, "ALTER COLUMN TYPE that rewrites the table", kSized},
      {"backfill-in-ddl-transaction", kWarn, kOn,
       "UPDATE / DELETE / INSERT SELECT in the same transaction as DDL on that table", kSized},
      {"domain-check-constraint", kWarn, kOn, "a domain with a CHECK constraint"},
      {"drop-column", kWarn, kOn, "DROP COLUMN loses data and breaks old code"},
      {"drop-index-not-concurrently", kWarn, kOn, "DROP INDEX without CONCURRENTLY", kSized},
      {"drop-not-null", kInfo, kOn, "DROP NOT NULL: old code may not expect NULLs"},
      {"drop-object", kWarn, kOn,
       "DROP VIEW / FUNCTION / PROCEDURE / TYPE / DOMAIN / SEQUENCE / TRIGGER breaks old code"},
      {"drop-schema-or-database", kError, kOn, "DROP SCHEMA ... CASCADE or DROP DATABASE"},
      {"drop-table", kWarn, kOn, "DROP TABLE loses data and breaks old code"},
      {"enum-value-used-in-same-transaction", kError, kOn,
       "an enum value added and used in the same transaction"},
      {"exclusion-constraint", kWarn, kOn,
       "an EXCLUSION constraint on an existing table builds an index under ACCESS EXCLUSIVE",
       kSized},
      {"identifier-too-long", kError, kOn, "an identifier over 63 bytes is silently truncated"},
      {"json-column", kWarn, kOn, "a json column; prefer jsonb"},
      {"lock-held-across-statements", kWarn, kOn,
       "statements run while an ACCESS EXCLUSIVE lock on an existing table is held", kSized},
      {"no-transaction-not-idempotent", kWarn, kOn,
       "a statement of a multi-statement no-transaction file that fails when re-run"},
      {"reindex-not-concurrently", kWarn, kOn, "REINDEX without CONCURRENTLY", kSized},
      {"detach-partition-not-concurrently", kWarn, kOn,
       "DETACH PARTITION without CONCURRENTLY (PostgreSQL 14+)", kSized},
      {"rename", kWarn, kOn, "renaming breaks code that still uses the old name"},
      {"session-set-in-no-transaction", kWarn, kOn,
       "a session SET in a no-transaction file (leaks through a transaction pooler)"},
      {"set-not-null", kWarn, kOn, "SET NOT NULL without a validated CHECK scans under lock",
       kSized},
      {"timeout-override", kWarn, kOn,
       "SET lock_timeout / statement_timeout in SQL instead of the directive"},
      {"transaction-control-in-no-transaction", kError, kOn,
       "BEGIN / COMMIT / ROLLBACK in a no-transaction file"},
      {"truncate-cascade", kWarn, kOn, "TRUNCATE ... CASCADE empties every referencing table"},
      {"create-index-not-concurrently", kWarn, kOn, "CREATE INDEX without CONCURRENTLY", kSized},
      {"vacuum-full-or-cluster", kWarn, kOn, "VACUUM FULL / CLUSTER rewrite under ACCESS EXCLUSIVE",
       kSized},
      {"validate-in-same-transaction", kWarn, kOn,
       "NOT VALID then VALIDATE in the same transaction gains nothing", kSized},
  };
  for (const LintRule& rule : file_rules()) rules.push_back(rule);
  for (const LintRule& rule : tenant_rules()) rules.push_back(rule);
  for (const LintRule& rule : type_hygiene_rules()) rules.push_back(rule);
  return rules;
}

}  // namespace

const std::vector<LintRule>& lint_rules() {
  static const std::vector<LintRule> rules = all_rules();
  return rules;
}

const LintRule* find_lint_rule(std::string_view id) {
  for (const LintRule& rule : lint_rules()) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

const char* to_string(LintSeverity severity) {
  switch (severity) {
    case LintSeverity::info: return "info";
    case LintSeverity::warning: return "warning";
    case LintSeverity::error: return "error";
  }
  return "error";
}

LintSeverity parse_lint_severity(std::string_view text) {
  if (text == "info") return LintSeverity::info;
  if (text == "warning") return LintSeverity::warning;
  if (text == "error") return LintSeverity::error;
  throw std::invalid_argument("unknown severity '" + std::string(text) +
                              "' (known: info, warning, error)");
}

}  // namespace pgfleet
