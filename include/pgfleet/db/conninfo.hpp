#pragma once
// Tenant connection strings: parse (libpq URI or key=value), validate, redact, rewrite.
// Parsing is ours, so that a bad string never reaches libpq (which would fall back to PG*
// environment variables and could reach the wrong database).
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pgfleet {

// Thrown for an empty, hostless or unparsable connection string. The message never contains
// the password.
class ConnInfoError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class ConnInfo {
 public:
  // Parses a `postgres://` / `postgresql://` URI or a `key=value ...` string. Throws
  // ConnInfoError if it is empty, unparsable or names no host.
  static ConnInfo parse(const std::string& text);

  const std::string& host() const;  // first host (hostaddr if no host)
  std::string port() const;         // "5432" when not given
  std::string dbname() const;       // "" when not given
  std::string user() const;
  std::optional<std::string> password() const;
  // "host:port", safe to print.
  std::string host_port() const;

  // Value of any libpq keyword, or nullopt.
  std::optional<std::string> get(const std::string& keyword) const;
  void set(const std::string& keyword, const std::string& value);
  void set_host(const std::string& host);

  // A libpq key=value string with every keyword (values quoted as libpq wants).
  std::string to_libpq() const;
  // The same without the password, for logs and results.
  std::string redacted() const;
  // Every form in which the password could appear in text (raw, percent-encoded,
  // percent-decoded), longest first; empty if there is no password.
  std::vector<std::string> secret_forms() const;

 private:
  void refresh_first_host();  // recomputes first_host_ after host/hostaddr change

  std::map<std::string, std::string> params_;
  std::vector<std::string> secret_forms_;
  std::string first_host_;
};

// For a Neon `-pooler` host ("ep-x-y-123-pooler.region.aws.neon.tech"), its direct host;
// other hosts are returned unchanged.
std::string neon_direct_host(const std::string& host);

// Replaces every occurrence of each secret in `text` with "***".
std::string redact_secrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace pgfleet
