#pragma once
// Schema pgfleet_ledger, created on first use and brought up to date by pgfleet itself: an ordered
// list of DDL steps, each recorded in pgfleet_ledger.schema_version, applied under a transaction
// advisory lock so that workers starting together do not trip over each other (docs/LEDGER.md).
#include "pgfleet/db/session.hpp"

namespace pgfleet::ledger {

// The schema version this pgfleet writes and reads.
int ledger_schema_version();

// Applies the steps the ledger lacks, in one transaction. Throws LedgerError when the ledger is
// newer than this pgfleet, DbError / ConnectionLost on a failed query.
void migrate_ledger_schema(Session& session);

}  // namespace pgfleet::ledger
