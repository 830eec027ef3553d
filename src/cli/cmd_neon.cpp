// pgfleet neon cleanup: deletes pgfleet-preflight-* branches a crashed run left behind.
#include <fmt/format.h>

#include <iostream>

#include "confirmation.hpp"
#include "pgfleet/cli/commands.hpp"
#include "pgfleet/cli/neon_setup.hpp"
#include "pgfleet/cli/usage_error.hpp"
#include "pgfleet/neon/neon_error.hpp"
#include "pgfleet/util/duration.hpp"

namespace pgfleet::cli {

namespace {

std::chrono::seconds older_than(const Options& o) {
  try {
    return std::chrono::duration_cast<std::chrono::seconds>(util::parse_duration(o.older_than));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--older-than: ") + e.what());
  }
}

}  // namespace

void check_neon_cleanup_flags(const Options& o) {
  older_than(o);
  check_neon_flags(o);
}

int cmd_neon_cleanup(const Options& o) {
  const std::string question = fmt::format(
      "Delete the pgfleet-preflight-* branches of Neon project {} created more than {} "
      "ago?",
      o.neon_project, o.older_than);
  if (!confirmed_or_yes(o, question)) {
    std::cerr << "pgfleet: not confirmed; nothing was deleted\n";
    return 1;
  }
  auto client = make_neon_client(o);
  neon::CleanupResult result;
  try {
    result = neon::cleanup_preflight_branches(*client, o.neon_project, older_than(o),
                                              neon::CleanupMode::delete_branches);
  } catch (const neon::NeonError& e) {
    throw RunError(std::string("Neon: ") + e.what());
  }
  for (const auto& b : result.deleted) {
    std::cout << fmt::format("deleted {} ({}), created {}\n", b.name, b.id, b.created_at);
  }
  for (const auto& [b, error] : result.failed) {
    std::cout << fmt::format("FAILED to delete {} ({}): {}\n", b.name, b.id, error);
  }
  if (!o.quiet) {
    std::cout << fmt::format("{} deleted, {} failed, {} younger than --older-than kept\n",
                             result.deleted.size(), result.failed.size(),
                             result.kept_too_young.size());
  }
  return result.failed.empty() ? 0 : 1;
}

}  // namespace pgfleet::cli
