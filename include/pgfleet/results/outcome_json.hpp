#pragma once
// The JSON and one-line text forms of a tenant outcome, shared by the result listeners.
#include <array>
#include <nlohmann/json.hpp>
#include <string>

#include "pgfleet/engine/outcome.hpp"

namespace pgfleet {

// Every tenant status, in the order summaries list them.
inline constexpr std::array<TenantStatus, 11> kAllTenantStatuses = {
    TenantStatus::applied,  TenantStatus::up_to_date, TenantStatus::pending,
    TenantStatus::verified, TenantStatus::failed,     TenantStatus::drift,
    TenantStatus::dirty,    TenantStatus::invalid,    TenantStatus::unreachable,
    TenantStatus::skipped,  TenantStatus::cancelled};

// The tenants.jsonl record (README.md, "Results"): tenant_id, status, from_version, to_version,
// migrations, error, host, started_at, duration_ms; plus `pending` (plan) and `reason` when set.
nlohmann::json outcome_to_json(const TenantOutcome& outcome);

// `value` on one line; invalid UTF-8 is replaced (U+FFFD) instead of throwing.
std::string dump_json_line(const nlohmann::json& value);

// `text` safe to print on a terminal as one line: each byte of invalid UTF-8 becomes U+FFFD and
// each control character '?' (a server message or tenant id could hold escape sequences).
std::string printable_line(const std::string& text);

// One line describing what went wrong, e.g.
// `42P01 relation "x" does not exist (version 3, line 2)`, or the outcome's reason; "" if none.
std::string describe_problem(const TenantOutcome& outcome);

}  // namespace pgfleet
