#include "pgfleet/engine/outcome.hpp"

namespace pgfleet {

const char* to_string(TenantStatus s) {
  switch (s) {
    case TenantStatus::applied: return "applied";
    case TenantStatus::up_to_date: return "up_to_date";
    case TenantStatus::pending: return "pending";
    case TenantStatus::failed: return "failed";
    case TenantStatus::drift: return "drift";
    case TenantStatus::dirty: return "dirty";
    case TenantStatus::invalid: return "invalid";
    case TenantStatus::unreachable: return "unreachable";
    case TenantStatus::skipped: return "skipped";
    case TenantStatus::cancelled: return "cancelled";
    case TenantStatus::verified: return "verified";
  }
  return "unknown";
}

const char* to_string(ErrorPhase p) {
  switch (p) {
    case ErrorPhase::connect: return "connect";
    case ErrorPhase::lock: return "lock";
    case ErrorPhase::migrate: return "migrate";
    case ErrorPhase::verify: return "verify";
    case ErrorPhase::timeout: return "timeout";
    case ErrorPhase::placeholders: return "placeholders";
  }
  return "unknown";
}

bool is_ok(TenantStatus s) {
  return s == TenantStatus::applied || s == TenantStatus::up_to_date ||
         s == TenantStatus::pending || s == TenantStatus::verified;
}

ErrorInfo ErrorInfo::message_only(std::optional<Version> version, std::string message) {
  ErrorInfo info;
  info.version = version;
  info.message = std::move(message);
  return info;
}

ErrorInfo ErrorInfo::with_sqlstate(std::string sqlstate) const {
  ErrorInfo info = *this;
  info.sqlstate = std::move(sqlstate);
  return info;
}

ErrorInfo ErrorInfo::with_detail(std::string detail) const {
  ErrorInfo info = *this;
  info.detail = std::move(detail);
  return info;
}

ErrorInfo ErrorInfo::with_hint(std::string hint) const {
  ErrorInfo info = *this;
  info.hint = std::move(hint);
  return info;
}

ErrorInfo ErrorInfo::with_line(std::optional<int> statement_line) const {
  ErrorInfo info = *this;
  info.statement_line = statement_line;
  return info;
}

ErrorInfo ErrorInfo::with_phase(ErrorPhase phase) const {
  ErrorInfo info = *this;
  info.phase = phase;
  return info;
}

TenantOutcome not_run(const std::string& tenant_id, TenantStatus status,
                      const std::string& reason) {
  TenantOutcome o;
  o.tenant_id = tenant_id;
  o.status = status;
  o.reason = reason;
  o.started_at = std::chrono::system_clock::now();
  return o;
}

}  // namespace pgfleet
