#include "pgfleet/fleet/stop_control.hpp"

#include <csignal>

namespace pgfleet {

StopControl& StopControl::process() {
  static StopControl instance;
  return instance;
}

namespace {
extern "C" void on_stop_signal(int signo) { StopControl::process().request_stop(signo); }
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

void StopControl::track(Session* session) {
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_.insert(session);
}

void StopControl::untrack(Session* session) {
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_.erase(session);
}

void StopControl::cancel_running() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (Session* s : sessions_) s->cancel();
}

}  // namespace pgfleet
