#include "pgfleet/util/rfc3339.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <ctime>

namespace pgfleet::util {

namespace {

std::optional<std::chrono::system_clock::time_point> from_utc_fields(std::tm fields) {
  const time_t seconds = timegm(&fields);
  if (seconds == static_cast<time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

bool all_digits(const std::string& text, std::size_t from, std::size_t count) {
  if (from + count > text.size()) return false;
  for (std::size_t i = from; i < from + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

int number_at(const std::string& text, std::size_t from, std::size_t count) {
  return std::stoi(text.substr(from, count));
}

}  // namespace

std::string format_rfc3339_seconds(std::chrono::system_clock::time_point time) {
  const time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm fields{};
  gmtime_r(&seconds, &fields);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &fields);
  return text;
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text) {
  // YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm|-hh:mm)
  if (text.size() < 20 || !all_digits(text, 0, 4) || text[4] != '-' || !all_digits(text, 5, 2) ||
      text[7] != '-' || !all_digits(text, 8, 2) || (text[10] != 'T' && text[10] != 't') ||
      !all_digits(text, 11, 2) || text[13] != ':' || !all_digits(text, 14, 2) || text[16] != ':' ||
      !all_digits(text, 17, 2)) {
    return std::nullopt;
  }
  std::tm fields{};
  fields.tm_year = number_at(text, 0, 4) - 1900;
  fields.tm_mon = number_at(text, 5, 2) - 1;
  fields.tm_mday = number_at(text, 8, 2);
  fields.tm_hour = number_at(text, 11, 2);
  fields.tm_min = number_at(text, 14, 2);
  fields.tm_sec = number_at(text, 17, 2);
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;  // dropped
  }
  long offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') &&
             all_digits(text, pos + 1, 2) && text[pos + 3] == ':' && all_digits(text, pos + 4, 2)) {
    offset_seconds = number_at(text, pos + 1, 2) * 3600L + number_at(text, pos + 4, 2) * 60L;
    if (text[pos] == '-') offset_seconds = -offset_seconds;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  auto utc = from_utc_fields(fields);
  if (!utc) return std::nullopt;
  return *utc - std::chrono::seconds(offset_seconds);
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& text) {
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char weekday[4] = {}, month[4] = {}, zone[4] = {};
  int day = 0, year = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%3s, %d %3s %d %d:%d:%d %3s%n", weekday, &day, month, &year, &hour,
                  &minute, &second, zone, &consumed) != 8 ||
      static_cast<std::size_t>(consumed) != text.size() || std::strcmp(zone, "GMT") != 0) {
    return std::nullopt;
  }
  std::tm fields{};
  fields.tm_mon = -1;
  for (int i = 0; i < 12; ++i) {
    if (std::strcmp(month, kMonths[i]) == 0) fields.tm_mon = i;
  }
  if (fields.tm_mon < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  fields.tm_year = year - 1900;
  fields.tm_mday = day;
  fields.tm_hour = hour;
  fields.tm_min = minute;
  fields.tm_sec = second;
  return from_utc_fields(fields);
}

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
