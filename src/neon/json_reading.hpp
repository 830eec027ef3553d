#pragma once
// Reading Neon API JSON objects into our structs (private to src/neon). Missing optional
// fields read as empty; a missing id throws NeonError(protocol).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pgfleet/neon/neon_types.hpp"

namespace pgfleet::neon {

// The string value of `key`, "" when absent or null (numbers are formatted).
std::string string_field(const nlohmann::json& object, const std::string& key);

// The object `key` of an answer (`what` names the request). Throws NeonError(protocol) when the
// answer is not an object or `key` is missing: an answer of an unexpected shape is a Neon error
// (exit 3), never an exception of the JSON library.
const nlohmann::json& object_field(const nlohmann::json& answer, const char* key,
                                   const std::string& what);
// The array `key` of an answer; empty when absent or null. Throws NeonError(protocol) when the
// answer is not an object or `key` is not an array.
nlohmann::json array_field(const nlohmann::json& answer, const char* key, const std::string& what);

Project read_project(const nlohmann::json& object);
Branch read_branch(const nlohmann::json& object);
Endpoint read_endpoint(const nlohmann::json& object);
Operation read_operation(const nlohmann::json& object);

// The items of the array `key` of `answer` (none when absent), each read with `read`; throws
// like array_field when the answer has another shape.
template <typename Item>
std::vector<Item> read_items(const nlohmann::json& answer, const char* key, const std::string& what,
                             Item (*read)(const nlohmann::json&)) {
  std::vector<Item> items;
  for (const auto& item : array_field(answer, key, what)) items.push_back(read(item));
  return items;
}

}  // namespace pgfleet::neon
