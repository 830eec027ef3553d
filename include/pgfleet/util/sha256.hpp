#pragma once
// SHA-256 digests, written as lower-case hex.
#include <string>
#include <string_view>

namespace pgfleet::util {

// The SHA-256 of `data` as 64 lower-case hex digits; throws std::runtime_error if OpenSSL fails.
std::string sha256_hex(std::string_view data);

}  // namespace pgfleet::util
