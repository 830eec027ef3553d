#pragma once
// NeonClient: the calls of Neon API v2 that preflight needs, with retries that are safe for
// each method (GETs and DELETE retried; a create reconciled by name, never sent twice blindly).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/neon/http_transport.hpp"
#include "pgfleet/neon/neon_error.hpp"
#include "pgfleet/neon/neon_types.hpp"
#include "pgfleet/util/clock.hpp"

namespace pgfleet::neon {

inline constexpr const char* kDefaultApiBase = "https://console.neon.tech/api/v2";

// The API base: `flag` when given, else env NEON_API_HOST, else kDefaultApiBase; trailing
// slashes removed.
std::string resolve_api_base(const std::optional<std::string>& flag);

// Refuses an API base that would send the API key in clear or to nowhere sensible: https:// is
// required, plain http:// only for a loopback host (127.0.0.0/8, ::1, localhost) such as a local
// emulator. Throws std::invalid_argument (without the URL, which may hold credentials).
void require_safe_api_base(const std::string& api_base);

// Receives one human-readable line per notable event (retries, waits). Never holds the key.
using NeonLog = std::function<void(const std::string& line)>;

struct NeonClientOptions {
  std::string api_base = kDefaultApiBase;
  std::string api_key;                              // sent as Authorization: Bearer
  std::chrono::milliseconds call_deadline{120000};  // retries of one call stop after this
  std::chrono::milliseconds backoff_base{250};
  std::chrono::milliseconds backoff_cap{10000};
  std::chrono::milliseconds poll_interval{1000};  // between operation polls
  std::chrono::milliseconds operations_deadline{300000};
  int page_size = 100;  // branches per list page
};

enum class DeleteOutcome { deleted, already_gone };

struct DeletedBranch {
  DeleteOutcome outcome = DeleteOutcome::deleted;
  std::vector<Operation> operations;  // empty when already gone
};

class NeonClient {
 public:
  // Throws std::invalid_argument if the key is empty.
  NeonClient(NeonClientOptions options, std::unique_ptr<HttpTransport> transport,
             std::shared_ptr<util::Clock> clock = std::make_shared<util::SystemClock>(),
             NeonLog log = {});

  // GET /projects/{p}. Throws NeonError.
  Project get_project(const std::string& project_id);
  // Every branch whose name or id contains `search` ("" = all), following pagination.
  // Throws NeonError.
  std::vector<Branch> list_branches(const std::string& project_id, const std::string& search);
  // GET /projects/{p}/branches/{b}. Throws NeonError (not_found when unknown).
  Branch get_branch(const std::string& project_id, const std::string& branch_id);
  // The branch named exactly `name`, or nullopt. Throws NeonError.
  std::optional<Branch> find_branch_by_name(const std::string& project_id, const std::string& name);
  // POST /projects/{p}/branches with one read_write endpoint. After an answer that may hide an
  // applied create (timeout, dropped connection, 5xx, 524) it looks the name up and adopts the
  // branch instead of creating a second one. `parent_id` "" = the default branch.
  // Throws NeonError.
  CreatedBranch create_branch(const std::string& project_id, const std::string& name,
                              const std::string& parent_id,
                              std::chrono::system_clock::time_point expires_at);
  // GET /projects/{p}/branches/{b}/endpoints. Throws NeonError.
  std::vector<Endpoint> list_endpoints(const std::string& project_id, const std::string& branch_id);
  // GET /projects/{p}/operations/{id}. Throws NeonError.
  Operation get_operation(const std::string& project_id, const std::string& operation_id);
  // The most recent operations of the project (one page). Throws NeonError.
  std::vector<Operation> list_operations(const std::string& project_id);
  // Polls until every operation finished or was skipped. Throws NeonError operation_failed
  // (failed/error/cancelled) or timeout (options.operations_deadline).
  void wait_for_operations(const std::string& project_id, std::vector<Operation> operations);
  // DELETE /projects/{p}/branches/{b}; 423 retried until the project's operations allow it;
  // 200 = deleted, 204/404 = already gone. Throws NeonError.
  DeletedBranch delete_branch(const std::string& project_id, const std::string& branch_id);

  util::Clock& clock() { return *clock_; }
  const NeonLog& log() const { return log_; }

 private:
  enum class RetryPolicy { idempotent, create };
  HttpResponse call(HttpMethod method, const std::string& path, const std::string& body,
                    RetryPolicy policy);
  // GET with retries; a status other than 2xx is thrown as NeonError.
  HttpResponse get_success(const std::string& path);
  HttpResponse send_once(HttpMethod method, const std::string& path, const std::string& body);
  std::chrono::milliseconds retry_after_delay(const std::string& value) const;
  struct CreateAttempt;
  // One POST of a create, without the retries' bookkeeping; transport errors are caught.
  CreateAttempt post_create(const std::string& path, const std::string& request);
  CreatedBranch adopt(const std::string& project_id, const Branch& branch);
  [[noreturn]] void fail(int status, const std::string& body, const std::string& what) const;
  std::string scrub(std::string text) const;
  void note(const std::string& line) const;

  NeonClientOptions options_;
  std::unique_ptr<HttpTransport> transport_;
  std::shared_ptr<util::Clock> clock_;
  NeonLog log_;
};

// A client with the libcurl transport and the system clock.
std::unique_ptr<NeonClient> make_neon_client(NeonClientOptions options, NeonLog log = {});

}  // namespace pgfleet::neon
