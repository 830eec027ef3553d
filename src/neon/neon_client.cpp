#include "pgfleet/neon/neon_client.hpp"

#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "json_reading.hpp"
#include "pgfleet/util/backoff.hpp"
#include "pgfleet/util/percent_encoding.hpp"
#include "pgfleet/util/rfc3339.hpp"

namespace pgfleet::neon {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

NeonErrorKind kind_for_status(int status) {
  if (status == 401 || status == 403) return NeonErrorKind::auth;
  if (status == 404) return NeonErrorKind::not_found;
  if (status == 409) return NeonErrorKind::conflict;
  if (status == 423) return NeonErrorKind::locked;
  if (status == 429) return NeonErrorKind::rate_limited;
  if (status >= 500) return NeonErrorKind::server;
  return NeonErrorKind::invalid_request;
}

// 423 and 429 were not applied; 5xx and 524 may hide work the server did.
bool is_retryable_status(int status) { return status == 423 || status == 429 || status >= 500; }

bool is_success(int status) { return status >= 200 && status < 300; }

json parse_body(const HttpResponse& response, const std::string& what) {
  try {
    return json::parse(response.body);
  } catch (const json::exception&) {
    throw NeonError(
        NeonErrorKind::protocol, response.status,
        what + ": the answer is not JSON (HTTP " + std::to_string(response.status) + ")");
  }
}

std::string without_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string describe(const std::vector<Operation>& operations) {
  std::string text;
  for (const auto& op : operations) {
    if (!text.empty()) text += ", ";
    text += op.action + " " + op.id + " (" + op.status + ")";
  }
  return text;
}

}  // namespace

std::string resolve_api_base(const std::optional<std::string>& flag) {
  std::string base = kDefaultApiBase;
  if (flag && !flag->empty()) {
    base = *flag;
  } else if (const char* env = std::getenv("NEON_API_HOST"); env != nullptr && *env != '\0') {
    base = env;
  }
  return without_trailing_slashes(base);
}

NeonClient::NeonClient(NeonClientOptions options, std::unique_ptr<HttpTransport> transport,
                       std::shared_ptr<util::Clock> clock, NeonLog log)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      clock_(std::move(clock)),
      log_(std::move(log)) {
  if (options_.api_key.empty()) throw std::invalid_argument("NEON_API_KEY is not set");
  options_.api_base = without_trailing_slashes(options_.api_base);
}

std::string NeonClient::scrub(std::string text) const {
  const std::string& key = options_.api_key;
  if (key.empty()) return text;
  static const std::string mask = "***";
  // Search on after the mask: a key that occurs in the mask itself ("*") must not loop.
  for (auto pos = text.find(key); pos != std::string::npos;
       pos = text.find(key, pos + mask.size())) {
    text.replace(pos, key.size(), mask);
  }
  return text;
}

void NeonClient::note(const std::string& line) const {
  if (log_) log_(scrub(line));
}

void NeonClient::fail(int status, const std::string& body, const std::string& what) const {
  std::string message;
  std::string request_id;
  try {
    const json parsed = json::parse(body);
    if (parsed.is_object()) {
      message = parsed.value("message", "");
      request_id = parsed.value("request_id", "");
    }
  } catch (const json::exception&) {
  }
  if (message.empty()) message = "HTTP " + std::to_string(status);
  std::string text = "Neon API " + what + ": " + std::to_string(status) + " " + message;
  if (!request_id.empty()) text += " (request_id " + request_id + ")";
  throw NeonError(kind_for_status(status), status, scrub(text));
}

HttpResponse NeonClient::send_once(HttpMethod method, const std::string& path,
                                   const std::string& body) {
  HttpRequest request;
  request.method = method;
  request.url = options_.api_base + path;
  request.headers = {{"Authorization", "Bearer " + options_.api_key},
                     {"Accept", "application/json"},
                     {"User-Agent", std::string("pgfleet/") + PGFLEET_VERSION}};
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;
  return transport_->send(request);
}

// Sends with retries. idempotent: 423/429/5xx/524 and transport errors are retried.
// create: only 423/429 are retried (not applied); everything else is the caller's to judge,
// and transport errors are rethrown as they are.
HttpResponse NeonClient::call(HttpMethod method, const std::string& path, const std::string& body,
                              RetryPolicy policy) {
  const std::string what = std::string(to_string(method)) + " " + path;
  const auto deadline = clock_->now() + options_.call_deadline;
  for (int attempt = 1;; ++attempt) {
    milliseconds minimum_delay{0};
    std::string last_problem;
    NeonErrorKind last_kind = NeonErrorKind::transport;
    int last_status = 0;
    std::string last_body;
    try {
      HttpResponse response = send_once(method, path, body);
      const bool retry_it = policy == RetryPolicy::idempotent
                                ? is_retryable_status(response.status)
                                : response.status == 423 || response.status == 429;
      if (!retry_it) return response;
      last_status = response.status;
      last_kind = kind_for_status(response.status);
      last_body = response.body;
      last_problem = "HTTP " + std::to_string(response.status);
      if (auto retry_after = response.header("retry-after")) {
        minimum_delay = retry_after_delay(*retry_after);
      }
    } catch (const TransportError& error) {
      if (policy == RetryPolicy::create) throw;
      last_problem = scrub(error.what());
    }
    milliseconds delay = util::backoff_delay(attempt, options_.backoff_base, options_.backoff_cap);
    if (delay < minimum_delay) delay = minimum_delay;
    if (clock_->now() + delay > deadline) {
      if (last_status != 0) fail(last_status, last_body, what + " (gave up retrying)");
      throw NeonError(last_kind, 0,
                      scrub("Neon API " + what + ": " + last_problem + " (gave up retrying)"));
    }
    note("neon: " + what + ": " + last_problem + ", retrying in " + std::to_string(delay.count()) +
         "ms");
    clock_->sleep_for(delay);
  }
}

HttpResponse NeonClient::get_success(const std::string& path) {
  auto response = call(HttpMethod::get, path, "", RetryPolicy::idempotent);
  if (!is_success(response.status)) fail(response.status, response.body, "GET " + path);
  return response;
}

milliseconds NeonClient::retry_after_delay(const std::string& value) const {
  if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos) {
    return std::chrono::seconds(std::stoll(value.substr(0, 9)));
  }
  if (auto when = util::parse_http_date(value)) {
    auto delta = std::chrono::duration_cast<milliseconds>(*when - clock_->wall_now());
    return delta.count() > 0 ? delta : milliseconds{0};
  }
  return milliseconds{0};
}

Project NeonClient::get_project(const std::string& project_id) {
  const std::string path = "/projects/" + project_id;
  return read_project(
      object_field(parse_body(get_success(path), "GET " + path), "project", "GET " + path));
}

std::vector<Branch> NeonClient::list_branches(const std::string& project_id,
                                              const std::string& search) {
  std::vector<Branch> branches;
  std::string cursor;
  for (int page = 0; page < 10000; ++page) {
    std::string path =
        "/projects/" + project_id + "/branches?limit=" + std::to_string(options_.page_size);
    if (!search.empty()) path += "&search=" + util::percent_encode(search);
    if (!cursor.empty()) path += "&cursor=" + util::percent_encode(cursor);
    const json body = parse_body(get_success(path), "GET " + path);
    for (auto& branch : read_items(body, "branches", "GET " + path, read_branch)) {
      branches.push_back(std::move(branch));
    }
    std::string next;
    if (body.contains("pagination") && body["pagination"].is_object()) {
      next = string_field(body["pagination"], "next");
    }
    if (next.empty() || next == cursor) break;
    cursor = next;
  }
  return branches;
}

Branch NeonClient::get_branch(const std::string& project_id, const std::string& branch_id) {
  const std::string path = "/projects/" + project_id + "/branches/" + branch_id;
  return read_branch(
      object_field(parse_body(get_success(path), "GET " + path), "branch", "GET " + path));
}

std::optional<Branch> NeonClient::find_branch_by_name(const std::string& project_id,
                                                      const std::string& name) {
  for (auto& branch : list_branches(project_id, name)) {
    if (branch.name == name) return branch;  // search is a substring match
  }
  return std::nullopt;
}

std::vector<Endpoint> NeonClient::list_endpoints(const std::string& project_id,
                                                 const std::string& branch_id) {
  const std::string path = "/projects/" + project_id + "/branches/" + branch_id + "/endpoints";
  return read_items(parse_body(get_success(path), "GET " + path), "endpoints", "GET " + path,
                    read_endpoint);
}

Operation NeonClient::get_operation(const std::string& project_id,
                                    const std::string& operation_id) {
  const std::string path = "/projects/" + project_id + "/operations/" + operation_id;
  return read_operation(
      object_field(parse_body(get_success(path), "GET " + path), "operation", "GET " + path));
}

std::vector<Operation> NeonClient::list_operations(const std::string& project_id) {
  const std::string path = "/projects/" + project_id + "/operations?limit=100";
  return read_items(parse_body(get_success(path), "GET " + path), "operations", "GET " + path,
                    read_operation);
}

void NeonClient::wait_for_operations(const std::string& project_id,
                                     std::vector<Operation> operations) {
  const auto deadline = clock_->now() + options_.operations_deadline;
  for (;;) {
    std::vector<Operation> pending;
    for (auto& op : operations) {
      if (op.state() == OperationState::pending) op = get_operation(project_id, op.id);
      if (op.state() == OperationState::failed) {
        std::string text = "Neon operation " + op.action + " " + op.id + " ended " + op.status;
        if (!op.error.empty()) text += ": " + op.error;
        if (op.failures_count > 0) text += " (" + std::to_string(op.failures_count) + " failures)";
        throw NeonError(NeonErrorKind::operation_failed, 0, scrub(text));
      }
      if (op.state() == OperationState::pending) pending.push_back(op);
    }
    if (pending.empty()) return;
    if (clock_->now() + options_.poll_interval > deadline) {
      throw NeonError(NeonErrorKind::timeout, 0,
                      scrub("Neon operations still running at the deadline: " + describe(pending)));
    }
    clock_->sleep_for(options_.poll_interval);
    operations = std::move(pending);
  }
}

DeletedBranch NeonClient::delete_branch(const std::string& project_id,
                                        const std::string& branch_id) {
  const std::string path = "/projects/" + project_id + "/branches/" + branch_id;
  auto response = call(HttpMethod::del, path, "", RetryPolicy::idempotent);
  DeletedBranch result;
  if (response.status == 204 || response.status == 404) {
    result.outcome = DeleteOutcome::already_gone;
    return result;
  }
  if (!is_success(response.status)) fail(response.status, response.body, "DELETE " + path);
  if (!response.body.empty()) {
    result.operations = read_items(parse_body(response, "DELETE " + path), "operations",
                                   "DELETE " + path, read_operation);
  }
  return result;
}

std::unique_ptr<NeonClient> make_neon_client(NeonClientOptions options, NeonLog log) {
  return std::make_unique<NeonClient>(std::move(options), make_curl_transport(),
                                      std::make_shared<util::SystemClock>(), std::move(log));
}

}  // namespace pgfleet::neon
