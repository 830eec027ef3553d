#pragma once
// Secrets out of a message before the CLI prints it. The argument parser echoes what it did not
// understand (`--ledgr postgresql://u:pw@h/db`), and a usage error may quote a flag's value: any
// of them can hold a password (README.md, "Secrets").
#include <string>

namespace pgfleet::cli {

// `text` with every password form replaced by "***": the password of a URI's userinfo
// (`scheme://user:***@host`, up to the last '@' of the URI, so a raw '@' or '/' in the password
// is covered), the value of every password-like key=value (`password=`, `sslpassword=`,
// `PGPASSWORD=`, `...SECRET=`, `...TOKEN=`, `...KEY=`, quoted or not, also in a URI query), and
// the values of PGPASSWORD, PGFLEET_CONTROL_PLANE_KEY and NEON_API_KEY when they are set.
// and every value given to redact_also.
std::string redact_message(std::string text);

// Masks `secret` (a --secret-var value) in every later redact_message; empty values are ignored.
void redact_also(const std::string& secret);

}  // namespace pgfleet::cli
