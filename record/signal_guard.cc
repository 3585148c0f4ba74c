#include "record/signal_guard.h"

#include <sys/time.h>

namespace tracediff::record::detail {
namespace {

volatile sig_atomic_t g_stop_signal = 0;
void on_stop_signal(int sig) { g_stop_signal = sig; }
void on_alarm(int) {}

// The recorder flushes its writer at least this often when nothing else
// does (kFlushIntervalNs): a tick wakes waitpid to give it the chance.
constexpr suseconds_t kTickMicros = 100'000;

}  // namespace

SignalGuard::SignalGuard() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 4; ++i) {
    sa.sa_handler = kSignals[i] == SIGALRM ? on_alarm : on_stop_signal;
    sigaction(kSignals[i], &sa, &old_[i]);
  }
  g_stop_signal = 0;
}

SignalGuard::~SignalGuard() {
  if (ticking_) {
    itimerval off{};
    setitimer(ITIMER_REAL, &off, nullptr);
  }
  for (int i = 0; i < 4; ++i) sigaction(kSignals[i], &old_[i], nullptr);
}

void SignalGuard::start_ticking() {
  itimerval tick{{0, kTickMicros}, {0, kTickMicros}};
  setitimer(ITIMER_REAL, &tick, nullptr);
  ticking_ = true;
}

int SignalGuard::take_stop_signal() {
  int sig = g_stop_signal;
  g_stop_signal = 0;
  return sig;
}

}  // namespace tracediff::record::detail
