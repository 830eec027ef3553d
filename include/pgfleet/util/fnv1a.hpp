#pragma once
// FNV-1a, 64-bit: a small, stable, well-known hash (tenant shards, short file-name suffixes).
#include <cstdint>
#include <string_view>

namespace pgfleet::util {

// The FNV-1a 64-bit hash of `bytes` (offset basis 14695981039346656037, prime 1099511628211).
// Stable across platforms and releases: shard assignment depends on it.
std::uint64_t fnv1a_64(std::string_view bytes);

}  // namespace pgfleet::util
