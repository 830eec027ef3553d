#include "neon_cli_support.hpp"

namespace pgfleet::test {

std::string neon_env(const NeonEmulator& emu, const std::string& key) {
  return emu.resolver_env() + " NEON_API_HOST=" + sh_quote(emu.api_base()) +
         " NEON_API_KEY=" + sh_quote(key);
}

std::string neon_env(const NeonEmulator& emu) { return neon_env(emu, emu.api_key()); }

std::string preflight_args(const std::string& command, const NeonEmulator& emu, const Workspace& ws,
                           const std::string& tenants, const std::string& results,
                           const std::string& extra) {
  return command + " --neon-branch --neon-project " + sh_quote(emu.project_id()) + " --tenants " +
         sh_quote(tenants) + " --migrations " + sh_quote(ws.migrations) + " --results-dir " +
         sh_quote(results) + " --yes --grace 1s --concurrency 1 " + extra;
}

}  // namespace pgfleet::test
