#pragma once
// The pieces of Neon API v2 objects that pgfleet reads.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pgfleet::neon {

struct Project {
  std::string id;
  std::string name;
  std::string proxy_host;
};

struct Branch {
  std::string id;
  std::string name;
  std::string parent_id;  // "" for a root branch
  bool is_default = false;
  std::string current_state;  // init, ready, ...
  std::string created_at;     // RFC 3339, as sent
  std::string expires_at;     // "" when none
};

struct Endpoint {
  std::string id;
  std::string host;  // direct host, e.g. ep-x-y-12345678.c-2.us-east-2.aws.neon.tech
  std::string branch_id;
  std::string type;  // read_write or read_only
  std::string current_state;
};

enum class OperationState { pending, succeeded, failed };

struct Operation {
  std::string id;
  std::string action;  // create_branch, start_compute, delete_timeline, ...
  std::string status;  // scheduling, running, finished, failed, error, ...
  std::string branch_id;
  std::string error;  // server's error text, if any
  int failures_count = 0;

  // scheduling/running/cancelling -> pending; finished/skipped -> succeeded; else failed.
  OperationState state() const;
};

// What POST /branches answered (or what adopting an existing branch found).
struct CreatedBranch {
  Branch branch;
  std::vector<Endpoint> endpoints;
  std::vector<Operation> operations;
};

// The host of `endpoint` with "-pooler" inserted after the endpoint id, as Neon names its
// PgBouncer; the host unchanged if it does not start with the id.
std::string pooler_host(const Endpoint& endpoint);

}  // namespace pgfleet::neon
