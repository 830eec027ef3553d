#include "pgfleet/results/junit_writer.hpp"

#include <fmt/format.h>

#include "pgfleet/results/outcome_json.hpp"
#include "pgfleet/results/run_directory.hpp"
#include "pgfleet/util/rfc3339.hpp"
#include "scratch_file.hpp"

namespace pgfleet {
namespace {

constexpr std::size_t kMaxTextBytes = 2000;  // per-tenant text kept for the report

std::string capped(std::string text) {
  if (text.size() <= kMaxTextBytes) return text;
  text.resize(kMaxTextBytes);
  // Do not leave half a UTF-8 sequence at the end.
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();
  return text + "...";
}

std::string seconds(long ms) { return fmt::format("{:.3f}", static_cast<double>(ms) / 1000.0); }

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one.
std::size_t utf8_sequence_length(const std::string& s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  unsigned min_code = 0;
  unsigned code = 0;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    code = b0 & 0x1F;
    min_code = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    code = b0 & 0x0F;
    min_code = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    code = b0 & 0x07;
    min_code = 0x10000;
  } else
    return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    code = (code << 6) | (b & 0x3F);
  }
  if (code < min_code || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  if (code == 0xFFFE || code == 0xFFFF) return 0;  // not allowed in XML 1.0
  return len;
}

bool counts_as_failure(TenantStatus s) { return !is_ok(s) && s != TenantStatus::skipped; }

}  // namespace

std::string xml_escape(const std::string& text) {
  static const std::string kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '&':
        out += "&amp;";
        ++i;
        continue;
      case '<':
        out += "&lt;";
        ++i;
        continue;
      case '>':
        out += "&gt;";
        ++i;
        continue;
      case '"':
        out += "&quot;";
        ++i;
        continue;
      case '\'':
        out += "&apos;";
        ++i;
        continue;
      case '\t':
        out += "&#9;";
        ++i;
        continue;  // kept exactly, also inside attributes
      case '\n':
        out += "&#10;";
        ++i;
        continue;
      case '\r':
        out += "&#13;";
        ++i;
        continue;
      default: break;
    }
    const auto u = static_cast<unsigned char>(c);
    const std::size_t len = utf8_sequence_length(text, i);
    if (u < 0x20 || len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(text, i, len);
    i += len;
  }
  return out;
}

JunitWriter::JunitWriter(std::string path, std::optional<Command> command)
    : path_(std::move(path)), command_(command) {}

JunitWriter::~JunitWriter() = default;

void JunitWriter::run_started(const RunInfo& info) {
  std::lock_guard<std::mutex> lock(mutex_);
  info_ = info;
  if (!command_) command_ = info.command;
  for (const Case& c : waiting_) append_case(c);
  waiting_.clear();
}

void JunitWriter::tenant_finished(const TenantOutcome& outcome) {
  Case c{outcome.tenant_id, outcome.status, outcome.duration_ms, {}, {}};
  if (!is_ok(outcome.status)) {
    c.problem = capped(describe_problem(outcome));
    if (c.problem.empty()) c.problem = to_string(outcome.status);
    if (outcome.error) {
      std::string details;
      if (!outcome.error->detail.empty()) details += "DETAIL: " + outcome.error->detail + "\n";
      if (!outcome.error->hint.empty()) details += "HINT: " + outcome.error->hint + "\n";
      if (!outcome.reason.empty()) details += outcome.reason + "\n";
      c.details = capped(details);
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ++tests_;
  if (counts_as_failure(c.status)) ++failures_;
  if (c.status == TenantStatus::skipped) ++skipped_;
  if (command_) {
    append_case(c);
  } else {
    waiting_.push_back(std::move(c));  // before run_started: its command names the cases
  }
}

std::string JunitWriter::case_xml(const Case& c) const {
  const std::string command = xml_escape(to_string(*command_));
  std::string out = fmt::format("  <testcase classname=\"{}\" name=\"{}\" time=\"{}\"", command,
                                xml_escape(c.tenant_id), seconds(c.duration_ms));
  if (c.status == TenantStatus::skipped) {
    out += ">\n    <skipped message=\"" + xml_escape(c.problem) + "\"/>\n  </testcase>\n";
  } else if (counts_as_failure(c.status)) {
    out += ">\n    <failure type=\"" + std::string(to_string(c.status)) + "\" message=\"" +
           xml_escape(c.problem) + "\">" + xml_escape(c.problem + "\n" + c.details) +
           "</failure>\n  </testcase>\n";
  } else {
    out += "/>\n";
  }
  return out;
}

void JunitWriter::append_case(const Case& c) {
  write_error_.attempt([&] {
    if (!cases_) cases_ = std::make_unique<ScratchFile>(path_);
    const std::string xml = case_xml(c);
    cases_->append(xml.data(), xml.size());
  });
}

std::string JunitWriter::head_xml(const RunSummary& summary) const {
  const auto elapsed = summary.finished_at - info_.started_at;
  const long total_ms =
      static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
  const std::string command = xml_escape(to_string(info_.command));
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites>\n<testsuite name=\"pgfleet-{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
      "skipped=\"{}\" time=\"{}\" timestamp=\"{}\">\n",
      command, tests_, failures_, skipped_, seconds(total_ms < 0 ? 0 : total_ms),
      util::format_rfc3339_utc(info_.started_at));
  out += "  <properties>\n";
  out += "    <property name=\"run_id\" value=\"" + xml_escape(info_.run_id) + "\"/>\n";
  out += "    <property name=\"exit_code\" value=\"" + std::to_string(summary.exit_code) + "\"/>\n";
  out += "  </properties>\n";
  return out;
}

void JunitWriter::produce_xml(const RunSummary& summary, const FileAppend& append) const {
  const std::string head = head_xml(summary);
  append(head.data(), head.size());
  if (cases_) cases_->copy_to(append);
  static const std::string kTail = "</testsuite>\n</testsuites>\n";
  append(kTail.data(), kTail.size());
}

std::string JunitWriter::to_xml(const RunSummary& summary) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  produce_xml(summary, [&out](const char* data, std::size_t size) { out.append(data, size); });
  return out;
}

void JunitWriter::run_finished(const RunSummary& summary) {
  std::lock_guard<std::mutex> lock(mutex_);
  write_error_.attempt([&] {
    write_file_atomically_from(path_,
                               [&](const FileAppend& append) { produce_xml(summary, append); });
  });
}

std::optional<std::string> JunitWriter::write_error() const { return write_error_.get(); }

}  // namespace pgfleet
