#include "pgfleet/util/utf8.hpp"

#include <algorithm>

namespace pgfleet::util {
namespace {

// Length of the valid UTF-8 sequence starting at `pos`, or 0 if the bytes there are invalid.
std::size_t valid_sequence_length(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min_second = 0x80;  // tighter bounds on the second byte reject overlong
  unsigned char max_second = 0xbf;  // forms, surrogates and code points above U+10FFFF
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) min_second = 0xa0;
    if (lead == 0xed) max_second = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) min_second = 0x90;
    if (lead == 0xf4) max_second = 0x8f;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  if (byte(pos + 1) < min_second || byte(pos + 1) > max_second) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(pos + i) < 0x80 || byte(pos + i) > 0xbf) return 0;
  }
  return length;
}

// Advances over one code point (or one invalid byte).
std::size_t next_char(std::string_view text, std::size_t pos) {
  return pos + std::max<std::size_t>(1, valid_sequence_length(text, pos));
}

}  // namespace

std::optional<std::size_t> first_invalid_utf8_byte(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t length = valid_sequence_length(text, pos);
    if (length == 0) return pos;
    pos += length;
  }
  return std::nullopt;
}

std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size(); pos = next_char(text, pos)) ++count;
  return count;
}

std::size_t byte_offset_of_char(std::string_view text, std::size_t char_index) {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < char_index && pos < text.size(); ++i) pos = next_char(text, pos);
  return std::min(pos, text.size());
}

int line_at_byte(std::string_view text, std::size_t byte_offset) {
  const std::size_t end = std::min(byte_offset, text.size());
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(end), '\n'));
}

}  // namespace pgfleet::util
