#pragma once
// Test doubles for the Neon client: a scripted transport and a clock that only moves when
// slept on, so retry and polling tests run instantly and can assert on the delays.
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pgfleet/neon/http_transport.hpp"
#include "pgfleet/util/clock.hpp"

namespace pgfleet::neon::test {

class FakeClock : public util::Clock {
 public:
  std::chrono::steady_clock::time_point now() override { return steady_; }
  std::chrono::system_clock::time_point wall_now() override { return wall_; }
  void sleep_for(std::chrono::milliseconds delay) override {
    sleeps.push_back(delay);
    steady_ += delay;
    wall_ += delay;
  }
  std::chrono::milliseconds slept() const {
    std::chrono::milliseconds total{0};
    for (auto d : sleeps) total += d;
    return total;
  }
  std::vector<std::chrono::milliseconds> sleeps;

 private:
  std::chrono::steady_clock::time_point steady_{std::chrono::hours(1000)};
  std::chrono::system_clock::time_point wall_{std::chrono::seconds(1795000000)};  // 2026-11
};

inline HttpResponse json_response(int status, const std::string& body,
                                  std::map<std::string, std::string> headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = body;
  response.headers = std::move(headers);
  return response;
}

// Answers each request with `handler`; queued answers (responses or transport errors) for a
// "METHOD path-prefix" key take precedence. Records every request.
class FakeTransport : public HttpTransport {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  explicit FakeTransport(Handler handler) : handler_(std::move(handler)) {}

  struct Queued {
    std::string route;  // "POST /projects/p/branches" (path without the base, prefix match)
    std::function<HttpResponse(const HttpRequest&)> answer;
  };
  void queue(const std::string& route, HttpResponse response) {
    queued_.push_back({route, [response](const HttpRequest&) { return response; }});
  }
  void queue_fn(const std::string& route, std::function<HttpResponse(const HttpRequest&)> answer) {
    queued_.push_back({route, std::move(answer)});
  }
  void queue_error(const std::string& route, TransportErrorKind kind) {
    queued_.push_back({route, [kind](const HttpRequest&) -> HttpResponse {
                         throw TransportError(kind, "simulated transport failure");
                       }});
  }
  // Lets the request reach the handler (so it is applied) and then fails with `kind`.
  void queue_applied_then_error(const std::string& route, TransportErrorKind kind) {
    queued_.push_back({route, [this, kind](const HttpRequest& request) -> HttpResponse {
                         handler_(request);
                         throw TransportError(kind, "simulated timeout after apply");
                       }});
  }

  HttpResponse send(const HttpRequest& request) override {
    requests.push_back(request);
    const std::string key = std::string(to_string(request.method)) + " " + path_of(request.url);
    for (auto it = queued_.begin(); it != queued_.end(); ++it) {
      if (key.compare(0, it->route.size(), it->route) == 0) {
        auto answer = it->answer;
        queued_.erase(it);
        return answer(request);
      }
    }
    return handler_(request);
  }

  // Requests whose "METHOD path" starts with `route`.
  int count(const std::string& route) const {
    int n = 0;
    for (const auto& r : requests) {
      const std::string key = std::string(to_string(r.method)) + " " + path_of(r.url);
      if (key.compare(0, route.size(), route) == 0) ++n;
    }
    return n;
  }

  static std::string path_of(const std::string& url) {
    const auto pos = url.find("/api/v2");
    return pos == std::string::npos ? url : url.substr(pos + 7);
  }

  std::vector<HttpRequest> requests;

 private:
  Handler handler_;
  std::deque<Queued> queued_;
};

// A tiny in-memory Neon: one project "proj-1" with a default branch "main" (endpoint
// ep-main-1.test.neon) and a branch "staging" (ep-stage-1.test.neon). Operations finish after
// `polls_to_finish` GETs, unless `fail_operations_with` names a terminal failure status.
class FakeNeon {
 public:
  using json = nlohmann::json;
  int polls_to_finish = 1;
  std::string fail_operations_with;  // "failed", "error", "cancelled" or ""
  std::string proxy = "test.neon";

  struct BranchRow {
    json branch;
    json endpoint;
  };
  std::map<std::string, BranchRow> branches;  // by id
  std::map<std::string, json> operations;     // by id
  std::map<std::string, int> polls;
  int next_id = 1;

  FakeNeon() {
    add_branch("br-main-1", "main", "", true, "ep-main-1", "2026-01-01T00:00:00Z");
    add_branch("br-stage-1", "staging", "br-main-1", false, "ep-stage-1", "2026-01-01T00:00:00Z");
  }

  void add_branch(const std::string& id, const std::string& name, const std::string& parent,
                  bool is_default, const std::string& endpoint_id, const std::string& created_at) {
    json branch = {{"id", id},
                   {"name", name},
                   {"parent_id", parent},
                   {"default", is_default},
                   {"current_state", "ready"},
                   {"created_at", created_at}};
    json endpoint = {{"id", endpoint_id},
                     {"host", endpoint_id + "." + proxy},
                     {"branch_id", id},
                     {"type", "read_write"},
                     {"current_state", "active"}};
    branches[id] = {branch, endpoint};
  }

  json new_operation(const std::string& branch_id, const std::string& action) {
    const std::string id = "op-" + std::to_string(next_id++);
    json op = {{"id", id},
               {"action", action},
               {"status", "running"},
               {"branch_id", branch_id},
               {"failures_count", 0}};
    operations[id] = op;
    return op;
  }

  HttpResponse handle(const HttpRequest& request) {
    const std::string path = FakeTransport::path_of(request.url);
    const std::string base = "/projects/proj-1";
    std::string route = path.substr(0, path.find('?'));
    std::string query = path.find('?') == std::string::npos ? "" : path.substr(path.find('?') + 1);
    if (path.rfind(base, 0) != 0) return json_response(404, R"({"message":"project not found"})");
    route = route.substr(base.size());
    const auto method = request.method;
    if (route.empty() && method == HttpMethod::get) {
      return json_response(200,
                           json{{"project", {{"id", "proj-1"}, {"proxy_host", proxy}}}}.dump());
    }
    if (route == "/branches" && method == HttpMethod::get) {
      std::string search;
      auto s = query.find("search=");
      if (s != std::string::npos) search = query.substr(s + 7, query.find('&', s) - s - 7);
      json list = json::array();
      for (auto& [id, row] : branches) {
        const std::string name = row.branch["name"];
        if (search.empty() || name.find(search) != std::string::npos ||
            id.find(search) != std::string::npos) {
          list.push_back(row.branch);
        }
      }
      return json_response(200, json{{"branches", list}, {"pagination", json::object()}}.dump());
    }
    if (route == "/branches" && method == HttpMethod::post) {
      const json body = json::parse(request.body);
      const std::string name = body["branch"]["name"];
      for (auto& [id, row] : branches) {
        if (row.branch["name"] == name)
          return json_response(409, R"({"message":"branch already exists"})");
      }
      const std::string id = "br-new-" + std::to_string(next_id++);
      add_branch(id, name, body["branch"].value("parent_id", "br-main-1"), false,
                 "ep-new-" + std::to_string(next_id++), "2026-11-24T00:00:00Z");
      branches[id].branch["expires_at"] = body["branch"]["expires_at"];
      json ops =
          json::array({new_operation(id, "create_branch"), new_operation(id, "start_compute")});
      return json_response(201, json{{"branch", branches[id].branch},
                                     {"endpoints", json::array({branches[id].endpoint})},
                                     {"operations", ops}}
                                    .dump());
    }
    if (route.rfind("/operations/", 0) == 0 && method == HttpMethod::get) {
      const std::string id = route.substr(12);
      auto found = operations.find(id);
      if (found == operations.end()) return json_response(404, R"({"message":"not found"})");
      if (++polls[id] >= polls_to_finish) {
        found->second["status"] = fail_operations_with.empty() ? "finished" : fail_operations_with;
        if (!fail_operations_with.empty()) found->second["error"] = "compute did not start";
      }
      return json_response(200, json{{"operation", found->second}}.dump());
    }
    if (route == "/operations" && method == HttpMethod::get) {
      json list = json::array();
      for (auto& [id, op] : operations) list.push_back(op);
      return json_response(200, json{{"operations", list}}.dump());
    }
    if (route.rfind("/branches/", 0) == 0) {
      std::string rest = route.substr(10);
      const bool endpoints = rest.size() > 10 && rest.substr(rest.size() - 10) == "/endpoints";
      const std::string id = endpoints ? rest.substr(0, rest.size() - 10) : rest;
      auto found = branches.find(id);
      if (method == HttpMethod::del) {
        if (found == branches.end()) return json_response(204, "");
        branches.erase(found);
        json ops = json::array({new_operation(id, "delete_timeline")});
        return json_response(200, json{{"branch", {{"id", id}}}, {"operations", ops}}.dump());
      }
      if (found == branches.end()) return json_response(404, R"({"message":"branch not found"})");
      if (endpoints) {
        return json_response(200,
                             json{{"endpoints", json::array({found->second.endpoint})}}.dump());
      }
      return json_response(200, json{{"branch", found->second.branch}}.dump());
    }
    return json_response(404, R"({"message":"no route"})");
  }

  // Names of branches that exist now.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [id, row] : branches) out.push_back(row.branch["name"]);
    return out;
  }
};

}  // namespace pgfleet::neon::test
