#include "pgfleet/fleet/run_id.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <random>

namespace pgfleet {

std::string make_run_id(std::chrono::system_clock::time_point now) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::random_device device;
  std::uniform_int_distribution<unsigned> four_hex(0, 0xffff);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z-{:04x}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, four_hex(device));
}

bool is_valid_run_id(const std::string& run_id) {
  if (run_id.empty() || run_id.size() > 64) return false;
  if (run_id[0] == '.' || run_id[0] == '-') return false;
  return std::all_of(run_id.begin(), run_id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

void validate_run_id(const std::string& run_id) {
  if (!is_valid_run_id(run_id)) {
    throw std::invalid_argument(
        "run id must be 1-64 characters from A-Z a-z 0-9 . _ - and not start with '.' or '-' "
        "(like 20261124T050000Z-a1b2)");
  }
}

}  // namespace pgfleet
