#include "json_reading.hpp"

#include "pgfleet/neon/neon_error.hpp"

namespace pgfleet::neon {
namespace {

using json = nlohmann::json;

std::string required_id(const json& object, const char* what) {
  std::string id = string_field(object, "id");
  if (id.empty()) {
    throw NeonError(NeonErrorKind::protocol, 0,
                    std::string("Neon API answer: ") + what + " without an id");
  }
  return id;
}

NeonError unexpected_shape(const std::string& what, const std::string& problem) {
  return NeonError(NeonErrorKind::protocol, 0, "Neon API answer to " + what + ": " + problem);
}

}  // namespace

const json& object_field(const json& answer, const char* key, const std::string& what) {
  if (!answer.is_object()) throw unexpected_shape(what, "not a JSON object");
  const auto found = answer.find(key);
  if (found == answer.end() || !found->is_object()) {
    throw unexpected_shape(what, std::string("no \"") + key + "\" object");
  }
  return *found;
}

json array_field(const json& answer, const char* key, const std::string& what) {
  if (!answer.is_object()) throw unexpected_shape(what, "not a JSON object");
  const auto found = answer.find(key);
  if (found == answer.end() || found->is_null()) return json::array();
  if (!found->is_array())
    throw unexpected_shape(what, std::string("\"") + key + "\" is not a list");
  return *found;
}

std::string string_field(const json& object, const std::string& key) {
  if (!object.is_object()) return "";
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return "";
  if (found->is_string()) return found->get<std::string>();
  return found->dump();
}

Project read_project(const json& object) {
  Project project;
  project.id = required_id(object, "project");
  project.name = string_field(object, "name");
  project.proxy_host = string_field(object, "proxy_host");
  return project;
}

Branch read_branch(const json& object) {
  Branch branch;
  branch.id = required_id(object, "branch");
  branch.name = string_field(object, "name");
  branch.parent_id = string_field(object, "parent_id");
  auto is_default = object.find("default");
  branch.is_default =
      is_default != object.end() && is_default->is_boolean() && is_default->get<bool>();
  branch.current_state = string_field(object, "current_state");
  branch.created_at = string_field(object, "created_at");
  branch.expires_at = string_field(object, "expires_at");
  return branch;
}

Endpoint read_endpoint(const json& object) {
  Endpoint endpoint;
  endpoint.id = required_id(object, "endpoint");
  endpoint.host = string_field(object, "host");
  endpoint.branch_id = string_field(object, "branch_id");
  endpoint.type = string_field(object, "type");
  endpoint.current_state = string_field(object, "current_state");
  return endpoint;
}

Operation read_operation(const json& object) {
  Operation op;
  op.id = required_id(object, "operation");
  op.action = string_field(object, "action");
  op.status = string_field(object, "status");
  op.branch_id = string_field(object, "branch_id");
  op.error = string_field(object, "error");
  auto failures = object.find("failures_count");
  if (failures != object.end() && failures->is_number_integer())
    op.failures_count = failures->get<int>();
  return op;
}

}  // namespace pgfleet::neon
