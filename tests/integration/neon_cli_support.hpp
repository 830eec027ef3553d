#pragma once
// Shared by the end-to-end Neon tests of the pgfleet binary: its environment and a preflight's
// command line against the emulator.
#include <string>

#include "cli_support.hpp"
#include "neon_fixture.hpp"

namespace pgfleet::test {

// The resolver, the API base and a key for the pgfleet process (the emulator's key by default).
std::string neon_env(const NeonEmulator& emu, const std::string& key);
std::string neon_env(const NeonEmulator& emu);

// `command --neon-branch ...` over the tenants file, with --concurrency 1: libnss_wrapper
// (1.1.12) reloads the hosts file through glibc's one global hsearch table, so two threads
// resolving just after the emulator changed the file can double free inside it (seen: SIGABRT in
// hdestroy_r under PQconnectdb). One tenant thread at a time keeps name lookups single-threaded;
// pgfleet's concurrency is tested elsewhere.
std::string preflight_args(const std::string& command, const NeonEmulator& emu, const Workspace& ws,
                           const std::string& tenants, const std::string& results,
                           const std::string& extra = "");

}  // namespace pgfleet::test
