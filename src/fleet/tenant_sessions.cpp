#include "tenant_sessions.hpp"

namespace pgfleet {
namespace {

// After the deadline: how long a cancelled query gets to end before its connection is closed,
// and how often cancel and close are repeated while the tenant's work has not returned.
constexpr std::chrono::milliseconds kCancelBeforeClose{1000};
constexpr std::chrono::milliseconds kRepeat{1000};

}  // namespace

std::shared_ptr<TenantSessions> TenantSessions::create(StopControl& stop) {
  auto sessions = std::make_shared<TenantSessions>(stop);
  stop.track(sessions.get(), sessions);
  return sessions;
}

void TenantSessions::add(const Session* session, std::shared_ptr<SessionInterrupt> handle) {
  if (!handle) return;
  std::lock_guard<std::mutex> lock(mutex_);
  open_[session] = std::move(handle);
}

void TenantSessions::remove(const Session* session) {
  std::lock_guard<std::mutex> lock(mutex_);
  open_.erase(session);
}

void TenantSessions::record_tls(bool encrypted) {
  std::lock_guard<std::mutex> lock(mutex_);
  tls_ = encrypted;
}

std::optional<bool> TenantSessions::tls() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tls_;
}

std::vector<std::shared_ptr<SessionInterrupt>> TenantSessions::handles() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<SessionInterrupt>> out;
  for (const auto& entry : open_) out.push_back(entry.second);
  return out;
}

bool TenantSessions::request_cancel() {
  bool sent = false;
  for (const auto& handle : handles()) sent = handle->request_cancel() || sent;
  return sent;
}

void TenantSessions::close() {
  closed_by_stop_ = true;
  close_all();
}

void TenantSessions::close_all() {
  for (const auto& handle : handles()) handle->close();
}

bool TenantSessions::closed_by_stop() const { return closed_by_stop_.load(); }

void TenantSessions::expire() { expired_ = true; }

bool TenantSessions::expired() const { return expired_.load(); }

bool TenantSessions::abandoning() const { return expired_.load() || stop_.cancel_now(); }

TenantDeadline::TenantDeadline(std::chrono::milliseconds timeout,
                               std::shared_ptr<TenantSessions> sessions)
    : deadline_(std::chrono::steady_clock::now() + timeout), sessions_(std::move(sessions)) {
  thread_ = std::thread([this] { watch(); });
}

TenantDeadline::~TenantDeadline() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ended_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

bool TenantDeadline::ended_within(std::chrono::milliseconds how_long) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, how_long, [this] { return ended_; });
}

void TenantDeadline::watch() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (changed_.wait_until(lock, deadline_, [this] { return ended_; })) return;
  }
  sessions_->expire();
  // Cancel first, so the server stops the statement (a closed client alone does not stop it);
  // then close, so that a call blocked on a server that does not answer returns.
  do {
    sessions_->request_cancel();
    if (ended_within(kCancelBeforeClose)) return;
    sessions_->close_all();
  } while (!ended_within(kRepeat));
}

}  // namespace pgfleet
