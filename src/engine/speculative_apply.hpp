#pragma once
// How apply starts on a tenant: the state read, sent with the speculative first batch when the
// run has a guess (pgfleet/engine/speculative_batch.hpp), and what its reply means.
#include "pgfleet/engine/speculative_batch.hpp"
#include "tenant_command.hpp"

namespace pgfleet {

// Reads the tenant's starting state into `cmd` (creating the history table when missing) and
// remembers it in `guess`; with a guess that plans something, the first batch goes in the same
// round trip and what it applied is recorded. stop: the tenant's outcome is final; go_on: plan
// from cmd.state().
TenantCommand::Loop start_apply(TenantCommand& cmd, const MigrationSet& set,
                                const RunSettings& settings, ApplyGuess& guess);

}  // namespace pgfleet
