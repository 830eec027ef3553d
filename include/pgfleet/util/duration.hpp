#pragma once
// Durations as users write them: 500ms, 5s, 10min, 1h, 2d, 1h30min, or a plain 0.
#include <chrono>
#include <string>
#include <string_view>

namespace pgfleet::util {

// Parses a duration: one or more <digits><unit> with unit ms, s, sec, m, min, h or d, or a
// plain `0`; throws std::invalid_argument naming the bad text.
std::chrono::milliseconds parse_duration(std::string_view text);

// Formats in the largest unit that is exact ("5s", "10min", "1500ms", "0"); parse_duration
// reads it back. Throws std::invalid_argument for a negative duration.
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace pgfleet::util
