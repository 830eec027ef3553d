#pragma once
// Pieces of SQL that several of pgfleet's scripts share (migration_script.cpp, apply_batch.cpp):
// a file's timeouts, the guard under the run's lock timeout, history rows, session-probe checks.
#include <string>

#include "pgfleet/engine/migration_script.hpp"

namespace pgfleet {

// A duration as a SET value, e.g. '5000ms'.
std::string ms_literal(Millis m);

// SET [LOCAL] for the file's timeouts and, schema-per-tenant, its search_path.
enum class SetScope { transaction, session };
std::string settings_sql(const StepContext& ctx, const Directives& directives, SetScope scope);

// The run's lock timeout for pgfleet's own statements, then the guard (expecting `fingerprint`).
std::string guard_with_lock_timeout(const StepContext& ctx, const std::string& fingerprint);

// INSERT of `m`'s history row in `state`, duration_ms = `duration_expression`, ending in
// `returning` (e.g. " RETURNING version") and ";\n".
std::string history_row_sql(const StepContext& ctx, const Migration& m, RowState state,
                            const std::string& duration_expression,
                            const std::string& returning = "");

// A DO block raising `sqlstate` with `message` unless this transaction runs in the server
// session that `probe` was set in (same backend; the probe token too, unless it is empty).
std::string probe_check_sql(const SessionProbe& probe, const char* sqlstate,
                            const std::string& message);

// The messages of the session-probe errors (README "Safety").
extern const char* const kSessionMovedMessage;
extern const char* const kSessionLostMessage;

// The WHERE clause that finds the pending row this run claimed for `version`.
std::string own_pending_row_sql(const StepContext& ctx, Version version);

}  // namespace pgfleet
