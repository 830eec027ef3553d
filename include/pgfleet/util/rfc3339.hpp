#pragma once
// Timestamps as written in results and logs.
#include <chrono>
#include <string>

namespace pgfleet::util {

// RFC 3339 in UTC with milliseconds, e.g. "2026-11-24T05:00:00.123Z".
std::string format_rfc3339_utc(std::chrono::system_clock::time_point t);

}  // namespace pgfleet::util
