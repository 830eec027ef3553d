#include "pgfleet/engine/command.hpp"

namespace pgfleet {

const char* to_string(Command command) {
  switch (command) {
    case Command::plan: return "plan";
    case Command::apply: return "apply";
    case Command::status: return "status";
    case Command::rollback: return "rollback";
    case Command::repair: return "repair";
    case Command::baseline: return "baseline";
    case Command::lint: return "lint";
    case Command::new_migration: return "new";
    case Command::neon_cleanup: return "neon cleanup";
    case Command::resume: return "resume";
    case Command::report: return "report";
    case Command::verify: return "verify";
  }
  return "unknown";
}

}  // namespace pgfleet
