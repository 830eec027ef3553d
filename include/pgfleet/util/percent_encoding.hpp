#pragma once
// Percent-encoding as URIs use it (RFC 3986).
#include <string>
#include <string_view>

namespace pgfleet::util {

// Encodes every byte but the unreserved characters (A-Z a-z 0-9 - . _ ~) as %XX, upper-case hex.
std::string percent_encode(std::string_view text);

}  // namespace pgfleet::util
