#include "pgfleet/util/rfc3339.hpp"

#include <fmt/format.h>

#include <ctime>

namespace pgfleet::util {

std::string format_rfc3339_utc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto since_epoch = duration_cast<milliseconds>(t.time_since_epoch());
  auto secs = duration_cast<seconds>(since_epoch);
  auto millis = since_epoch - secs;
  if (millis.count() < 0) {  // before 1970: keep the millisecond part positive
    secs -= seconds(1);
    millis += seconds(1);
  }
  const std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis.count());
}

}  // namespace pgfleet::util
