#pragma once
// What a failed connect means: libpq reports connect failures as text without a SQLSTATE, so the
// kind (worth retrying or not) and the SQLSTATE are read from the message.
#include <string>
#include <vector>

#include "pgfleet/db/session.hpp"

namespace pgfleet {

// The ConnectError for libpq's message `libpq_message`: one line, every form of the password in
// `secrets` replaced by "***", transient for what a restart or a busy server says (refused, a
// missing Unix socket, timed out, starting up / shutting down / in recovery (57P03), terminated
// by an administrator (57P01), a TLS connection dropped, too many connections, a Neon compute
// waking), permanent for authentication, a missing database or role, TLS refused or not
// verified, and anything not recognised.
ConnectError classify_connect_error(const std::string& libpq_message,
                                    const std::vector<std::string>& secrets);

}  // namespace pgfleet
