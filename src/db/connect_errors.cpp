#include "pgfleet/db/connect_errors.hpp"

#include <array>
#include <string_view>

#include "pgfleet/db/conninfo.hpp"

namespace pgfleet {
namespace {

struct ConnectErrorClass {
  std::string_view pattern;
  ConnectError::Kind kind;
  std::string_view sqlstate;
};

// First match wins: permanent causes come first, so that e.g. a password failure reported by
// a waking Neon compute is not retried (README.md, "Connections": what cannot heal is never
// retried; a server starting, stopping or restarting is). "too many connections for role \"x\""
// (53300) comes before the `role "` pattern it also contains.
constexpr std::array<ConnectErrorClass, 30> connect_error_classes{{
    {"too many connections", ConnectError::Kind::transient, "53300"},
    {"password authentication failed", ConnectError::Kind::permanent, "28P01"},
    {"no pg_hba.conf entry", ConnectError::Kind::permanent, "28000"},
    {"role \"", ConnectError::Kind::permanent, "28000"},
    {"authentication failed", ConnectError::Kind::permanent, "28P01"},  // PgBouncer: "SASL ..."
    {"root certificate file", ConnectError::Kind::permanent, "08001"},  // "... does not exist"
    {"does not exist", ConnectError::Kind::permanent, "3D000"},
    {"invalid connection option", ConnectError::Kind::permanent, "08001"},
    // A TLS connection the server dropped (it is stopping) is a lost connection, not a refusal.
    {"SSL SYSCALL error", ConnectError::Kind::transient, "08006"},
    {"SSL connection has been closed unexpectedly", ConnectError::Kind::transient, "08006"},
    {"SSL", ConnectError::Kind::permanent, "08001"},
    {"certificate", ConnectError::Kind::permanent, "08001"},
    {"Temporary failure in name resolution", ConnectError::Kind::transient, "08001"},
    {"could not translate host name", ConnectError::Kind::permanent, "08001"},
    {"the database system is starting up", ConnectError::Kind::transient, "57P03"},
    {"the database system is shutting down", ConnectError::Kind::transient, "57P03"},
    {"the database system is not yet accepting connections", ConnectError::Kind::transient,
     "57P03"},
    {"the database system is in recovery mode", ConnectError::Kind::transient, "57P03"},
    {"too many clients", ConnectError::Kind::transient, "53300"},
    {"remaining connection slots", ConnectError::Kind::transient, "53300"},
    {"no more connections allowed", ConnectError::Kind::transient, "53300"},
    {"terminating connection due to administrator command", ConnectError::Kind::transient, "57P01"},
    {"Couldn't connect to compute node", ConnectError::Kind::transient, "08006"},
    {"Connection refused", ConnectError::Kind::transient, "08001"},
    // A Unix socket is missing while its server is down, as a TCP port refuses.
    {"No such file or directory", ConnectError::Kind::transient, "08001"},
    {"timeout expired", ConnectError::Kind::transient, "08001"},
    {"Connection timed out", ConnectError::Kind::transient, "08001"},
    {"No route to host", ConnectError::Kind::transient, "08001"},
    {"server closed the connection unexpectedly", ConnectError::Kind::transient, "08006"},
    {"Connection reset by peer", ConnectError::Kind::transient, "08006"},
}};

}  // namespace

ConnectError classify_connect_error(const std::string& libpq_message,
                                    const std::vector<std::string>& secrets) {
  std::string message = libpq_message;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  for (char& c : message) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  message = redact_secrets(message, secrets);
  for (const auto& entry : connect_error_classes) {
    if (message.find(entry.pattern) != std::string::npos) {
      return ConnectError(entry.kind, std::string(entry.sqlstate), message);
    }
  }
  return ConnectError(ConnectError::Kind::permanent, "08001", message);
}

}  // namespace pgfleet
