#pragma once
// One function per pgfleet command; each returns the process exit code (README "Results") and
// throws UsageError (exit 2) or RunError (exit 3) for problems found before any tenant ran.
#include "pgfleet/cli/options.hpp"

namespace pgfleet::cli {

int cmd_plan(const Options& o);
int cmd_apply(const Options& o);
int cmd_status(const Options& o);
int cmd_rollback(const Options& o);
int cmd_repair(const Options& o);
int cmd_baseline(const Options& o);
int cmd_lint(const Options& o);
int cmd_new(const Options& o);
int cmd_neon_cleanup(const Options& o);

}  // namespace pgfleet::cli
