// TenantRunner, the public entry for one command on one tenant. Each command builds a
// TenantCommand (tenant_command.hpp: session, state, outcome, the step policy) and is defined
// beside it: plan and apply in tenant_apply.cpp, rollback_to and run_script in
// tenant_rollback.cpp, baseline and repair in tenant_history_admin.cpp, verify in
// tenant_verify.cpp.
#include "pgfleet/engine/tenant_runner.hpp"

#include "pgfleet/engine/speculative_batch.hpp"

namespace pgfleet {

TenantRunner::TenantRunner(const MigrationSet& migrations, const RunSettings& settings,
                           Reporter& reporter, const std::atomic<bool>& stop,
                           std::shared_ptr<ApplyGuess> guess)
    : migrations_(migrations),
      settings_(settings),
      reporter_(reporter),
      stop_(stop),
      guess_(guess ? std::move(guess) : std::make_shared<ApplyGuess>()) {}

}  // namespace pgfleet
