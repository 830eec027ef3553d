#pragma once
// The timestamp formats of the Neon API: RFC 3339 (bodies) and HTTP-date (Retry-After).
#include <chrono>
#include <optional>
#include <string>

namespace pgfleet::neon {

// "2026-11-23T12:00:00Z", UTC, to the second.
std::string format_rfc3339(std::chrono::system_clock::time_point time);
// Parses RFC 3339 with `Z` or a `+hh:mm` offset, optional fraction; nullopt if malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);
// Parses an IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT"); nullopt if malformed.
std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& text);

}  // namespace pgfleet::neon
