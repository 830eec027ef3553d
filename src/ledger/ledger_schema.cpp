#include "pgfleet/ledger/ledger_schema.hpp"

#include <string>
#include <vector>

#include "pgfleet/ledger/ledger.hpp"

namespace pgfleet::ledger {
namespace {

// Append only: a released step never changes, a change is a new step (docs/LEDGER.md, "Schema").
const std::vector<const char*>& steps() {
  static const std::vector<const char*> kSteps = {
      // 1: runs and their tenants.
      R"(CREATE TABLE pgfleet_ledger.runs (
  run_id         text PRIMARY KEY,
  command        text NOT NULL,
  target         bigint,
  migrations     jsonb NOT NULL,
  selection      jsonb NOT NULL,
  options        jsonb NOT NULL,
  canary         integer NOT NULL DEFAULT 0,
  canary_passed  boolean NOT NULL DEFAULT false,
  tenant_count   integer NOT NULL,
  finished_count integer NOT NULL DEFAULT 0,
  failed_count   integer NOT NULL DEFAULT 0,
  stop_reason    text,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz
);
CREATE TABLE pgfleet_ledger.tenants (
  run_id          text NOT NULL REFERENCES pgfleet_ledger.runs ON DELETE CASCADE,
  tenant_id       text NOT NULL,
  ordinal         integer NOT NULL,
  state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done')),
  status          text,
  worker          text,
  lease_until     timestamptz,
  attempts        integer NOT NULL DEFAULT 0,
  started_at      timestamptz,
  finished_at     timestamptz,
  result_line     text,
  rollback_script text,
  PRIMARY KEY (run_id, tenant_id)
);
CREATE INDEX tenants_open ON pgfleet_ledger.tenants (run_id, ordinal) WHERE state <> 'done';)",
  };
  return kSteps;
}

}  // namespace

int ledger_schema_version() { return static_cast<int>(steps().size()); }

void migrate_ledger_schema(Session& session) {
  const QueryResult current = session.exec(
      "BEGIN; SELECT pg_advisory_xact_lock(hashtext('pgfleet_ledger')); "
      "CREATE SCHEMA IF NOT EXISTS pgfleet_ledger; "
      "CREATE TABLE IF NOT EXISTS pgfleet_ledger.schema_version ("
      "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now()); "
      "SELECT coalesce(max(version), 0) FROM pgfleet_ledger.schema_version");
  try {
    const int have = std::stoi(first_value(current).value_or("0"));
    if (have > ledger_schema_version()) {
      throw LedgerError("schema pgfleet_ledger is at version " + std::to_string(have) +
                        ", newer than this pgfleet knows (" +
                        std::to_string(ledger_schema_version()) + "): upgrade pgfleet");
    }
    for (int v = have + 1; v <= ledger_schema_version(); ++v) {
      session.exec(std::string(steps()[v - 1]) +
                   "; INSERT INTO pgfleet_ledger.schema_version (version) VALUES (" +
                   std::to_string(v) + ")");
    }
    session.exec("COMMIT");
  } catch (...) {
    try {
      session.exec("ROLLBACK");
    } catch (...) {  // the connection is gone: the server rolls back
    }
    throw;
  }
}

}  // namespace pgfleet::ledger
