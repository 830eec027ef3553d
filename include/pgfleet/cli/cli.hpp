#pragma once
// The command-line entry: parses flags, config and env, runs a command, returns the exit code.

namespace pgfleet::cli {

// Exit codes, as README "Results" lists them.
enum ExitCode : int {
  exit_ok = 0,
  exit_tenant_failed = 1,
  exit_usage = 2,
  exit_run_error = 3,
  exit_sigint = 130,
  exit_sigterm = 143,
};

// Runs pgfleet with the process arguments; catches usage/config errors (exit 2).
int main(int argc, char** argv);

}  // namespace pgfleet::cli
