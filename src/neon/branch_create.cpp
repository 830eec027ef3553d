// NeonClient::create_branch: POST is not safe to repeat blindly, so every answer that may hide
// an applied create is followed by a lookup by name before anything is sent again.
#include <nlohmann/json.hpp>

#include "json_reading.hpp"
#include "pgfleet/neon/neon_client.hpp"
#include "pgfleet/util/backoff.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet::neon {

namespace {

using json = nlohmann::json;

// The body of POST /projects/{p}/branches: the branch and one read_write endpoint.
json create_request(const std::string& name, const std::string& parent_id,
                    std::chrono::system_clock::time_point expires_at) {
  json request = {
      {"branch", {{"name", name}, {"expires_at", util::format_rfc3339_seconds(expires_at)}}},
      {"endpoints", json::array({{{"type", "read_write"}}})}};
  if (!parent_id.empty()) request["branch"]["parent_id"] = parent_id;
  return request;
}

// The created branch, its endpoints and operations; throws NeonError(protocol) on another shape.
CreatedBranch read_created(const json& answer, const std::string& what) {
  CreatedBranch created;
  created.branch = read_branch(object_field(answer, "branch", what));
  created.endpoints = read_items(answer, "endpoints", what, read_endpoint);
  created.operations = read_items(answer, "operations", what, read_operation);
  return created;
}

}  // namespace

// What one POST of a create came to.
struct NeonClient::CreateAttempt {
  std::optional<CreatedBranch> created;  // the server answered with the branch
  bool retry = false;                    // worth another try (false: a final error answer)
  bool maybe_applied = false;            // the branch may exist though the answer does not say
  int status = 0;                        // the HTTP status, 0 after a transport error
  std::string body;
  std::string problem;  // why it is retried
};

NeonClient::CreateAttempt NeonClient::post_create(const std::string& path,
                                                  const std::string& request) {
  CreateAttempt tried;
  try {
    HttpResponse response = call(HttpMethod::post, path, request, RetryPolicy::create);
    tried.status = response.status;
    tried.body = response.body;
    if (tried.status == 200 || tried.status == 201) {
      const json answer = json::parse(response.body, nullptr, false);
      if (answer.is_discarded() || !answer.contains("branch")) {
        tried.retry = true;
        tried.maybe_applied = true;  // created, but we cannot read it: look it up
        tried.problem = "unreadable answer";
      } else {
        tried.created = read_created(answer, "POST " + path);
      }
    } else if (tried.status >= 500) {
      tried.retry = true;
      tried.maybe_applied = true;
      tried.problem = "HTTP " + std::to_string(tried.status);
    }
  } catch (const TransportError& error) {
    tried.retry = true;
    tried.maybe_applied = error.kind() != TransportErrorKind::connect;
    tried.problem = scrub(error.what());
    tried.status = 0;
  }
  return tried;
}

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
  const std::string request = create_request(name, parent_id, expires_at).dump();
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
    CreateAttempt tried = post_create(path, request);
    if (tried.created) return std::move(*tried.created);
    if (!tried.retry) {
      if (tried.status == 409 && maybe_applied) {
        // Our earlier attempt landed after the lookup: look again right away.
        if (auto existing = find_branch_by_name(project_id, name)) {
          note("neon: branch " + name + " appeared after an unclear answer; adopting " +
               existing->id);
          return adopt(project_id, *existing);
        }
      }
      fail(tried.status, tried.body, what);
    }
    if (tried.maybe_applied) maybe_applied = true;
    const auto delay = util::backoff_delay(attempt, options_.backoff_base, options_.backoff_cap);
    if (clock_->now() + delay > deadline) {
      if (maybe_applied) {
        if (auto existing = find_branch_by_name(project_id, name))
          return adopt(project_id, *existing);
      }
      if (tried.status != 0) fail(tried.status, tried.body, what + " (gave up retrying)");
      throw NeonError(NeonErrorKind::transport, 0,
                      scrub("Neon API " + what + ": " + tried.problem + " (gave up retrying)"));
    }
    note("neon: " + what + ": " + tried.problem + ", checking by name and retrying in " +
         std::to_string(delay.count()) + "ms");
    clock_->sleep_for(delay);
  }
}

}  // namespace pgfleet::neon
