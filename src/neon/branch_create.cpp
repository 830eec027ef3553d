// NeonClient::create_branch: POST is not safe to repeat blindly, so every answer that may hide
// an applied create is followed by a lookup by name before anything is sent again.
#include <nlohmann/json.hpp>

#include "json_reading.hpp"
#include "pgfleet/neon/neon_client.hpp"
#include "pgfleet/util/backoff.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet::neon {

using json = nlohmann::json;

CreatedBranch NeonClient::adopt(const std::string& project_id, const Branch& branch) {
  CreatedBranch adopted;
  adopted.branch = branch;
  adopted.endpoints = list_endpoints(project_id, branch.id);
  for (auto& op : list_operations(project_id)) {
    if (op.branch_id == branch.id && op.state() != OperationState::succeeded) {
      adopted.operations.push_back(op);
    }
  }
  return adopted;
}

CreatedBranch NeonClient::create_branch(const std::string& project_id, const std::string& name,
                                        const std::string& parent_id,
                                        std::chrono::system_clock::time_point expires_at) {
  json request = {
      {"branch", {{"name", name}, {"expires_at", util::format_rfc3339_seconds(expires_at)}}},
      {"endpoints", json::array({{{"type", "read_write"}}})}};
  if (!parent_id.empty()) request["branch"]["parent_id"] = parent_id;
  const std::string path = "/projects/" + project_id + "/branches";
  const std::string what = "POST " + path;
  const auto deadline = clock_->now() + options_.call_deadline;
  bool maybe_applied = false;  // an earlier attempt may have created the branch
  for (int attempt = 1;; ++attempt) {
    if (maybe_applied) {
      if (auto existing = find_branch_by_name(project_id, name)) {
        note("neon: branch " + name + " exists after an unclear answer; adopting " + existing->id);
        return adopt(project_id, *existing);
      }
    }
    std::string problem;
    int status = 0;
    std::string body;
    try {
      HttpResponse response = call(HttpMethod::post, path, request.dump(), RetryPolicy::create);
      status = response.status;
      body = response.body;
      if (status == 200 || status == 201) {
        const json answer = json::parse(response.body, nullptr, false);
        if (answer.is_discarded() || !answer.contains("branch")) {
          maybe_applied = true;  // created, but we cannot read it: look it up
          problem = "unreadable answer";
        } else {
          CreatedBranch created;
          created.branch = read_branch(object_field(answer, "branch", what));
          for (const auto& item : array_field(answer, "endpoints", what)) {
            created.endpoints.push_back(read_endpoint(item));
          }
          for (const auto& item : array_field(answer, "operations", what)) {
            created.operations.push_back(read_operation(item));
          }
          return created;
        }
      } else if (status == 409 && maybe_applied) {
        // Our earlier attempt landed after the lookup: look again right away.
        if (auto existing = find_branch_by_name(project_id, name)) {
          note("neon: branch " + name + " appeared after an unclear answer; adopting " +
               existing->id);
          return adopt(project_id, *existing);
        }
        fail(status, body, what);
      } else if (status >= 500) {
        maybe_applied = true;
        problem = "HTTP " + std::to_string(status);
      } else {
        fail(status, body, what);
      }
    } catch (const TransportError& error) {
      if (error.kind() != TransportErrorKind::connect) maybe_applied = true;
      problem = scrub(error.what());
      status = 0;
    }
    const auto delay = util::backoff_delay(attempt, options_.backoff_base, options_.backoff_cap);
    if (clock_->now() + delay > deadline) {
      if (maybe_applied) {
        if (auto existing = find_branch_by_name(project_id, name))
          return adopt(project_id, *existing);
      }
      if (status != 0) fail(status, body, what + " (gave up retrying)");
      throw NeonError(NeonErrorKind::transport, 0,
                      scrub("Neon API " + what + ": " + problem + " (gave up retrying)"));
    }
    note("neon: " + what + ": " + problem + ", checking by name and retrying in " +
         std::to_string(delay.count()) + "ms");
    clock_->sleep_for(delay);
  }
}

}  // namespace pgfleet::neon
