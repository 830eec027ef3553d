#pragma once
// UTF-8 validation and the mapping between character and byte positions in a text.
#include <cstddef>
#include <optional>
#include <string_view>

namespace pgfleet::util {

// Byte offset of the first byte that is not part of a valid UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF are invalid), or nullopt when `text` is valid.
std::optional<std::size_t> first_invalid_utf8_byte(std::string_view text);

// Number of code points in `text` (each byte of an invalid sequence counts as one).
std::size_t count_code_points(std::string_view text);

// Byte offset where the code point with 0-based index `char_index` starts; text.size() when
// the index is past the end. Maps a server error position (characters) into the text.
std::size_t byte_offset_of_char(std::string_view text, std::size_t char_index);

// 1-based line number of the byte at `byte_offset` (offsets past the end count as the end).
int line_at_byte(std::string_view text, std::size_t byte_offset);

}  // namespace pgfleet::util
