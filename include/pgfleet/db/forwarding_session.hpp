#pragma once
// A Session that forwards every call to the session it owns; decorators (cancel tracking,
// round-trip counting) derive from it and override only what they add.
#include <memory>

#include "pgfleet/db/session.hpp"

namespace pgfleet {

class ForwardingSession : public Session {
 public:
  explicit ForwardingSession(std::unique_ptr<Session> inner) : inner_(std::move(inner)) {}
  QueryResult exec(const std::string& sql) override { return inner_->exec(sql); }
  BatchResult exec_batch(const std::string& sql) override { return inner_->exec_batch(sql); }
  QueryResult exec_with_param(const std::string& sql, const std::string& param) override {
    return inner_->exec_with_param(sql, param);
  }
  void cancel() override { inner_->cancel(); }
  std::string quote(const std::string& s) const override { return inner_->quote(s); }
  std::string quote_name(const std::string& s) const override { return inner_->quote_name(s); }
  long round_trips() const override { return inner_->round_trips(); }
  std::shared_ptr<SessionInterrupt> interrupt_handle() override {
    return inner_->interrupt_handle();
  }
  bool encrypted() const override { return inner_->encrypted(); }
  std::optional<std::string> startup_backend_pid() const override {
    return inner_->startup_backend_pid();
  }
  std::optional<std::string> connection_option(const std::string& keyword) const override {
    return inner_->connection_option(keyword);
  }

 protected:
  Session& inner() const { return *inner_; }

 private:
  std::unique_ptr<Session> inner_;
};

}  // namespace pgfleet
