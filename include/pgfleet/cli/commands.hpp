#pragma once
// One function per pgfleet command; each returns the process exit code (README.md, "Results") and
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
int cmd_resume(const Options& o);
int cmd_report(const Options& o);
int cmd_verify(const Options& o);

// Checks the flags of `neon cleanup` (--older-than, --neon-api, NEON_API_KEY) before it runs.
// Throws UsageError.
void check_neon_cleanup_flags(const Options& o);
// Checks the flags of `resume` (a valid run id) before it reads anything. Throws UsageError.
void check_resume_flags(const Options& o);

}  // namespace pgfleet::cli
