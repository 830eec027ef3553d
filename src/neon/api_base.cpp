// Which Neon API base URLs pgfleet sends its API key to (docs/NEON.md, "--neon-api").
#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

#include "pgfleet/neon/neon_client.hpp"

namespace pgfleet::neon {
namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// 127.a.b.c in dotted decimal, each part 0-255.
bool is_ipv4_loopback(const std::string& host) {
  int parts = 0;
  std::size_t start = 0;
  while (start <= host.size()) {
    const std::size_t dot = std::min(host.find('.', start), host.size());
    const std::string part = host.substr(start, dot - start);
    if (part.empty() || part.size() > 3 ||
        part.find_first_not_of("0123456789") != std::string::npos || std::stoi(part) > 255) {
      return false;
    }
    if (parts == 0 && part != "127") return false;
    ++parts;
    start = dot + 1;
  }
  return parts == 4;
}

// The host of an http URL's authority (user info and port removed, IPv6 brackets dropped).
std::string host_of(const std::string& rest) {
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  const std::size_t at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);
  if (!authority.empty() && authority[0] == '[') {
    const std::size_t close = authority.find(']');
    return close == std::string::npos ? "" : authority.substr(1, close - 1);
  }
  return authority.substr(0, authority.find(':'));
}

}  // namespace

void require_safe_api_base(const std::string& api_base) {
  const std::string base = lowercase(api_base);
  if (base.rfind("https://", 0) == 0 && base.size() > 8) return;
  if (base.rfind("http://", 0) != 0) {
    throw std::invalid_argument("--neon-api: expected an https:// URL");
  }
  const std::string host = host_of(base.substr(7));
  if (host == "localhost" || host == "::1" || is_ipv4_loopback(host)) return;
  throw std::invalid_argument(
      "--neon-api: plain http:// is allowed only for a loopback host (127.0.0.0/8, ::1, "
      "localhost): the API key would travel in clear; use https://");
}

}  // namespace pgfleet::neon
