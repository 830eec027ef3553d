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

Project read_project(const nlohmann::json& object);
Branch read_branch(const nlohmann::json& object);
Endpoint read_endpoint(const nlohmann::json& object);
Operation read_operation(const nlohmann::json& object);

// The items of the array `key` of `object` (none when absent), each read with `read`.
template <typename Item>
std::vector<Item> read_items(const nlohmann::json& object, const char* key,
                             Item (*read)(const nlohmann::json&)) {
  std::vector<Item> items;
  for (const auto& item : object.value(key, nlohmann::json::array())) items.push_back(read(item));
  return items;
}

}  // namespace pgfleet::neon
