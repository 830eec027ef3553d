#include "pgfleet/fleet/stop_control.hpp"

#include <csignal>
#include <vector>

namespace pgfleet {

StopControl& StopControl::process() {
  static StopControl instance;
  return instance;
}

namespace {
extern "C" void on_stop_signal(int signo) { StopControl::process().request_stop(signo); }

// How often a cancel is sent again to a query that is still running.
constexpr std::chrono::seconds kCancelRepeat{1};
}  // namespace

void StopControl::install_signal_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    process();  // construct before any signal can arrive
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
  });
}

void StopControl::request_stop(int signo) noexcept {
  int expected = 0;
  first_signal_.compare_exchange_strong(expected, signo);
  if (signo == SIGINT) interrupts_.fetch_add(1);
  stop_.store(true);
}

void StopControl::track(const void* key, std::weak_ptr<SessionInterrupt> handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  tracked_[key] = std::move(handle);
}

void StopControl::untrack(const void* key) {
  std::lock_guard<std::mutex> lock(mutex_);
  tracked_.erase(key);
}

void StopControl::cancel_running() {
  const bool close = cancel_now();
  std::vector<std::shared_ptr<SessionInterrupt>> handles;
  bool cancel_due = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    cancel_due = !last_cancel_ || now - *last_cancel_ >= kCancelRepeat;
    if (cancel_due) last_cancel_ = now;
    for (const auto& entry : tracked_) {
      if (auto handle = entry.second.lock()) handles.push_back(std::move(handle));
    }
  }
  // Outside the lock: a session that ends meanwhile only turns its handle into a no-op.
  for (const auto& handle : handles) {
    if (cancel_due) handle->request_cancel();
    if (close) handle->close();
  }
}

}  // namespace pgfleet
