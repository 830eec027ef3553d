#pragma once
// Timestamps as text: RFC 3339 (results, logs, API bodies) and HTTP-date (Retry-After).
#include <chrono>
#include <optional>
#include <string>

namespace pgfleet::util {

// RFC 3339 in UTC with milliseconds, e.g. "2026-11-24T05:00:00.123Z" (results and logs).
std::string format_rfc3339_utc(std::chrono::system_clock::time_point t);
// RFC 3339 in UTC to the second, e.g. "2026-11-23T12:00:00Z" (API request bodies).
std::string format_rfc3339_seconds(std::chrono::system_clock::time_point t);
// Parses RFC 3339 with `Z` or a `+hh:mm` offset, optional fraction; nullopt if malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);
// Parses an IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT"); nullopt if malformed.
std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& text);

}  // namespace pgfleet::util
