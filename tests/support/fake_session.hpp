#pragma once
// A scripted Session for runner tests: each exec() must contain the next expected fragment and
// gets the scripted reply (rows, a server error, or a lost connection).
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pgfleet/db/session.hpp"
#include "pgfleet/engine/history_table.hpp"

namespace pgfleet::test {

struct FakeScript {
  struct Reply {
    std::string must_contain;
    std::function<QueryResult()> respond;  // returns rows or throws
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
    return reply.respond();
  }
  QueryResult exec_with_param(const std::string& sql, const std::string&) override {
    return exec(sql);
  }
  void cancel() override {}
  std::string quote(const std::string& s) const override { return "'" + s + "'"; }
  std::string quote_name(const std::string& s) const override { return "\"" + s + "\""; }
  long round_trips() const override { return round_trips_; }

 private:
  std::shared_ptr<FakeScript> script_;
  long round_trips_ = 0;
};

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
  return r;
}

// The rows an apply transaction returns: (version, duration_ms).
inline QueryResult applied_rows(std::vector<Version> versions, long duration_ms = 7) {
  QueryResult r;
  r.columns = {"version", "duration_ms"};
  for (Version v : versions) r.rows.push_back({std::to_string(v), std::to_string(duration_ms)});
  return r;
}

}  // namespace pgfleet::test
