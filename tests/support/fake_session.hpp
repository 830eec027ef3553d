#pragma once
// A scripted Session for runner tests: each exec() or exec_batch() must contain the next expected
// fragment and gets the scripted reply (rows, a server error, or a lost connection; for a batch,
// the results of the statements that ran and the error that stopped it).
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgfleet/db/session.hpp"
#include "pgfleet/engine/history_table.hpp"

namespace pgfleet::test {

struct FakeScript {
  struct Reply {
    std::string must_contain;
    std::function<QueryResult()> respond;  // returns rows or throws
    // For exec_batch() only; without it a batch gets respond()'s rows (or its error).
    std::function<BatchResult()> respond_batch{};
  };
  std::deque<Reply> replies;
  std::vector<std::string> sent;
  std::vector<std::string> mismatches;  // what went wrong; tests CHECK it is empty
  int connects = 0;

  FakeScript& expect(const std::string& fragment, QueryResult rows = {}) {
    replies.push_back({fragment, [rows] { return rows; }});
    return *this;
  }
  FakeScript& expect_error(const std::string& fragment, const std::string& sqlstate,
                           const std::string& message = "scripted error", int position = 0) {
    replies.push_back(
        {fragment, [=]() -> QueryResult { throw DbError(sqlstate, message, "", "", position); }});
    return *this;
  }
  // A batch whose statements gave `statements` (see committed(), claimed(), finished()), then
  // stopped at `error` if one is given.
  FakeScript& expect_batch(const std::string& fragment, std::vector<QueryResult> statements,
                           std::optional<DbError> error = std::nullopt) {
    BatchResult result{std::move(statements), std::move(error)};
    replies.push_back({fragment, nullptr, [result] { return result; }});
    return *this;
  }
  FakeScript& expect_lost(const std::string& fragment) {
    replies.push_back({fragment, []() -> QueryResult {
                         throw ConnectionLost("server closed the connection unexpectedly");
                       }});
    return *this;
  }
};

class FakeSession : public Session {
 public:
  explicit FakeSession(std::shared_ptr<FakeScript> script) : script_(std::move(script)) {}
  QueryResult exec(const std::string& sql) override {
    FakeScript::Reply reply = next(sql);
    if (!reply.respond) {
      script_->mismatches.push_back("a batch was scripted, exec() got: " + sql.substr(0, 200));
      throw DbError("XX000", "fake session: a batch was scripted");
    }
    return reply.respond();
  }
  BatchResult exec_batch(const std::string& sql) override {
    FakeScript::Reply reply = next(sql);
    if (reply.respond_batch) return reply.respond_batch();
    try {
      return BatchResult{{reply.respond()}, std::nullopt};
    } catch (const DbError& e) {
      return BatchResult{{}, e};
    }
  }
  QueryResult exec_with_param(const std::string& sql, const std::string&) override {
    return exec(sql);
  }
  void cancel() override {}
  std::string quote(const std::string& s) const override { return "'" + s + "'"; }
  std::string quote_name(const std::string& s) const override { return "\"" + s + "\""; }
  long round_trips() const override { return round_trips_; }

 private:
  FakeScript::Reply next(const std::string& sql) {
    ++round_trips_;
    script_->sent.push_back(sql);
    if (script_->replies.empty()) {
      script_->mismatches.push_back("unexpected query: " + sql.substr(0, 200));
      throw DbError("XX000", "fake session: no reply scripted");
    }
    FakeScript::Reply reply = script_->replies.front();
    script_->replies.pop_front();
    if (sql.find(reply.must_contain) == std::string::npos) {
      script_->mismatches.push_back("expected '" + reply.must_contain +
                                    "' in: " + sql.substr(0, 300));
    }
    return reply;
  }

  std::shared_ptr<FakeScript> script_;
  long round_trips_ = 0;
};

// The backend pid the fake's state reads report.
inline const char* const kFakeBackendPid = "4242";

// The rows read_state_sql() returns for `rows` (and busy run ids).
inline QueryResult state_rows(const std::vector<HistoryRow>& rows,
                              const std::vector<std::string>& busy = {}) {
  QueryResult r;
  r.columns = {"kind", "version", "name", "checksum", "state", "run_id", "applied_by"};
  for (const auto& h : rows) {
    r.rows.push_back({std::string("row"), std::to_string(h.version), h.name, h.checksum,
                      std::string(h.state == RowState::applied ? "applied" : "pending"), h.run_id,
                      h.applied_by});
  }
  for (const auto& id : busy) {
    r.rows.push_back({std::string("busy"), std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                      id, std::nullopt});
  }
  r.rows.push_back({std::string("backend"), std::nullopt, std::string(kFakeBackendPid),
                    std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  return r;
}

// One statement's result: a row of `columns` (or none), or just a command tag.
inline QueryResult statement_result(std::vector<std::string> columns,
                                    std::vector<std::optional<std::string>> row,
                                    std::string command = "SELECT 1") {
  QueryResult r;
  r.columns = std::move(columns);
  if (!row.empty()) r.rows.push_back(std::move(row));
  r.command = std::move(command);
  return r;
}

inline QueryResult commit_result() { return statement_result({}, {}, "COMMIT"); }

// The results an apply batch gets for `versions` committed one transaction each (--tx-mode
// file), each with `duration_ms`; `one_transaction` for --tx-mode tenant.
enum class Transactions { one_each, one_for_all };
inline std::vector<QueryResult> committed(const std::vector<Version>& versions,
                                          long duration_ms = 7,
                                          Transactions tx = Transactions::one_each) {
  std::vector<QueryResult> out;
  for (Version v : versions) {
    out.push_back(statement_result({"pgfleet_applied", "pgfleet_duration_ms"},
                                   {std::to_string(v), std::to_string(duration_ms)}, "INSERT 0 1"));
    if (tx == Transactions::one_each) out.push_back(commit_result());
  }
  if (tx == Transactions::one_for_all && !versions.empty()) out.push_back(commit_result());
  return out;
}

// The results of a no-transaction migration's claim / finish that committed.
inline std::vector<QueryResult> claimed(Version v) {
  return {statement_result({"pgfleet_claimed"}, {std::to_string(v)}, "INSERT 0 1"),
          commit_result()};
}
inline std::vector<QueryResult> finished(Version v) {
  return {statement_result({"pgfleet_finished"}, {std::to_string(v)}, "UPDATE 1"), commit_result()};
}

// `a` followed by `b`.
inline std::vector<QueryResult> then(std::vector<QueryResult> a,
                                     const std::vector<QueryResult>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace pgfleet::test
