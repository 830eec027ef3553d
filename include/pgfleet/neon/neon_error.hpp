#pragma once
// The one exception type of the Neon client: an API answer or condition the run cannot go on
// with. The CLI maps it to exit 3. Its text never holds the API key.
#include <stdexcept>
#include <string>

namespace pgfleet::neon {

enum class NeonErrorKind {
  auth,              // 401/403: missing, invalid or under-privileged API key
  not_found,         // 404
  conflict,          // 409
  invalid_request,   // 400/412/422 and other 4xx
  locked,            // 423 still answered when the deadline ran out
  rate_limited,      // 429 still answered when the deadline ran out
  server,            // 5xx/524 still answered when the deadline ran out
  transport,         // no HTTP answer (timeout, refused, dropped)
  operation_failed,  // an operation ended failed, error or cancelled
  timeout,           // operations still running at the deadline
  protocol,          // an answer we cannot read (bad JSON, missing fields)
};

// Short name of a kind ("locked", "operation_failed", ...).
const char* to_string(NeonErrorKind kind);

class NeonError : public std::runtime_error {
 public:
  // `status` is the HTTP status (0 when there was none).
  NeonError(NeonErrorKind kind, int status, const std::string& message);
  NeonErrorKind kind() const { return kind_; }
  int status() const { return status_; }

 private:
  NeonErrorKind kind_;
  int status_;
};

}  // namespace pgfleet::neon
