#include "pgfleet/results/redacting_reporter.hpp"

#include "pgfleet/db/conninfo.hpp"

namespace pgfleet {

RedactingReporter::RedactingReporter(Reporter& inner, std::vector<std::string> secrets)
    : inner_(inner), secrets_(std::move(secrets)) {}

std::string RedactingReporter::clean(const std::string& text) const {
  return redact_secrets(text, secrets_);
}

void RedactingReporter::tenant_finished(const TenantOutcome& outcome) {
  TenantOutcome copy = outcome;
  copy.reason = clean(copy.reason);
  if (copy.error) {
    copy.error->message = clean(copy.error->message);
    copy.error->detail = clean(copy.error->detail);
    copy.error->hint = clean(copy.error->hint);
  }
  inner_.tenant_finished(copy);
}

void RedactingReporter::run_finished(const RunSummary& summary) {
  RunSummary copy = summary;
  copy.stop_reason = clean(copy.stop_reason);
  inner_.run_finished(copy);
}

void RedactingReporter::log(const std::string& line) { inner_.log(clean(line)); }

}  // namespace pgfleet
