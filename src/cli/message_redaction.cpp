#include "pgfleet/cli/message_redaction.hpp"

#include <array>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <vector>

namespace pgfleet::cli {
namespace {

constexpr const char* kMask = "***";

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
}

bool ends_with_ignoring_case(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  const std::string_view tail = text.substr(text.size() - suffix.size());
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(tail[i])) != suffix[i]) return false;
  }
  return true;
}

// Keys whose value is a secret: libpq's password and sslpassword, PGPASSWORD, and the usual
// names of keys, tokens and secrets.
bool is_secret_key(std::string_view key) {
  static constexpr std::array<std::string_view, 6> kSuffixes = {"password", "passwd", "pwd",
                                                                "secret",   "token",  "key"};
  for (std::string_view suffix : kSuffixes) {
    if (ends_with_ignoring_case(key, suffix)) return true;
  }
  return false;
}

// scheme://user:PASSWORD@host... — the userinfo ends at the URI's last '@' (a URI ends at
// whitespace), so a password holding a raw '@' or '/' is masked whole.
std::string redact_uri_passwords(std::string text) {
  for (std::size_t pos = text.find("://"); pos != std::string::npos;
       pos = text.find("://", pos + 3)) {
    const std::size_t start = pos + 3;
    std::size_t end = start;
    while (end < text.size() && !is_space(text[end])) ++end;
    const std::size_t at = std::string_view(text).substr(start, end - start).rfind('@');
    if (at == std::string_view::npos) continue;
    const std::size_t colon = std::string_view(text).substr(start, at).find(':');
    if (colon == std::string_view::npos) continue;  // a user name alone
    text.replace(start + colon + 1, at - colon - 1, kMask);
  }
  return text;
}

// Where the value that starts at `start` ends: a quoted value at its closing quote (libpq's
// backslash escapes honoured), a bare one at whitespace, and at '&' too inside a URI query.
std::size_t value_end(const std::string& text, std::size_t start, bool in_query) {
  if (start < text.size() && (text[start] == '\'' || text[start] == '"')) {
    const char quote = text[start];
    std::size_t i = start + 1;
    for (; i < text.size() && text[i] != quote; ++i) {
      if (text[i] == '\\') ++i;
    }
    return std::min(i + 1, text.size());
  }
  std::size_t i = start;
  while (i < text.size() && !is_space(text[i]) && !(in_query && text[i] == '&')) ++i;
  return i;
}

// key=VALUE for every password-like key (libpq allows spaces around '=').
std::string redact_key_values(std::string text) {
  for (std::size_t eq = text.find('='); eq != std::string::npos; eq = text.find('=', eq + 1)) {
    std::size_t key_end = eq;
    while (key_end > 0 && is_space(text[key_end - 1])) --key_end;
    std::size_t key_start = key_end;
    while (key_start > 0 && is_key_char(text[key_start - 1])) --key_start;
    const std::string_view key = std::string_view(text).substr(key_start, key_end - key_start);
    if (key.empty() || !is_secret_key(key)) continue;
    const bool in_query =
        key_start > 0 && (text[key_start - 1] == '?' || text[key_start - 1] == '&');
    std::size_t start = eq + 1;
    while (start < text.size() && is_space(text[start]) && !in_query) ++start;
    const std::size_t end = value_end(text, start, in_query);
    if (end == start) continue;
    text.replace(start, end - start, kMask);
    eq = start;
  }
  return text;
}

// The values of the secret environment variables pgfleet reads, wherever they appear. Very
// short values are left alone: masking every "ab" would make messages unreadable and hide
// nothing worth hiding.
std::string redact_environment_secrets(std::string text) {
  for (const char* name : {"PGPASSWORD", "PGFLEET_CONTROL_PLANE_KEY", "NEON_API_KEY"}) {
    const char* value = std::getenv(name);
    const std::string secret = value ? value : "";
    if (secret.size() < 3) continue;
    for (std::size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + 3)) {
      text.replace(pos, secret.size(), kMask);
    }
  }
  return text;
}

std::mutex& extra_secrets_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::vector<std::string>& extra_secrets() {
  static std::vector<std::string> secrets;
  return secrets;
}

std::string redact_extra_secrets(std::string text) {
  std::lock_guard<std::mutex> lock(extra_secrets_mutex());
  for (const std::string& secret : extra_secrets()) {
    for (std::size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + 3)) {
      text.replace(pos, secret.size(), kMask);
    }
  }
  return text;
}

}  // namespace

void redact_also(const std::string& secret) {
  if (secret.empty()) return;
  std::lock_guard<std::mutex> lock(extra_secrets_mutex());
  extra_secrets().push_back(secret);
}

std::string redact_message(std::string text) {
  text = redact_extra_secrets(std::move(text));
  text = redact_environment_secrets(std::move(text));
  text = redact_uri_passwords(std::move(text));
  return redact_key_values(std::move(text));
}

}  // namespace pgfleet::cli
