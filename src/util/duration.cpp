#include "pgfleet/util/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>

namespace pgfleet::util {
namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

// Milliseconds per unit; 0 for an unknown unit.
std::int64_t unit_millis(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s" || unit == "sec") return kSecond;
  if (unit == "m" || unit == "min") return kMinute;
  if (unit == "h") return kHour;
  if (unit == "d") return kDay;
  return 0;
}

[[noreturn]] void bad_duration(std::string_view text, const char* why) {
  throw std::invalid_argument("invalid duration '" + std::string(text) + "': " + why +
                              " (write e.g. 500ms, 5s, 10min, 1h, 2d or 0)");
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

milliseconds parse_duration(std::string_view text) {
  if (text.empty()) bad_duration(text, "empty");
  if (text == "0") return milliseconds(0);
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (!is_digit(text[pos])) bad_duration(text, "expected a number");
    std::int64_t amount = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      const int digit = text[pos] - '0';
      if (amount > (kMax - digit) / 10) bad_duration(text, "too large");
      amount = amount * 10 + digit;
      ++pos;
    }
    const std::size_t unit_start = pos;
    while (pos < text.size() && is_letter(text[pos])) ++pos;
    const std::string_view unit = text.substr(unit_start, pos - unit_start);
    if (unit.empty()) bad_duration(text, "a number needs a unit");
    const std::int64_t per_unit = unit_millis(unit);
    if (per_unit == 0) bad_duration(text, "unknown unit");
    if (amount > (kMax - total) / per_unit) bad_duration(text, "too large");
    total += amount * per_unit;
  }
  return milliseconds(total);
}

std::string format_duration(milliseconds duration) {
  const std::int64_t ms = duration.count();
  if (ms < 0) throw std::invalid_argument("negative duration " + std::to_string(ms) + "ms");
  if (ms == 0) return "0";
  static const std::array<std::pair<std::int64_t, const char*>, 4> units{
      {{kDay, "d"}, {kHour, "h"}, {kMinute, "min"}, {kSecond, "s"}}};
  for (const auto& [per_unit, name] : units) {
    if (ms % per_unit == 0) return std::to_string(ms / per_unit) + name;
  }
  return std::to_string(ms) + "ms";
}

}  // namespace pgfleet::util
