#pragma once
// The pgfleet commands (README.md, "Usage"). A run names its command in its result files.

namespace pgfleet {

enum class Command {
  plan,
  apply,
  status,
  rollback,
  repair,
  baseline,
  lint,
  new_migration,  // `pgfleet new NAME`
  neon_cleanup,   // `pgfleet neon cleanup`
  resume,         // `pgfleet resume RUN_ID`
  report,         // `pgfleet report RUN_ID`
  verify,         // `pgfleet verify`
};

// The command as the user types it and as results record it: "apply", "new", "neon cleanup".
const char* to_string(Command command);

}  // namespace pgfleet
