// The recorder's signal handling for the time of one recording, as one
// object: installed when it is made, restored when it goes, also when the
// recording ends with an exception.
#pragma once

#include <signal.h>

namespace tracediff::record::detail {

/// Installs handlers for SIGINT, SIGTERM and SIGHUP (each remembers the
/// signal, which take_stop_signal() hands to the loop: the recording then
/// ends cleanly) and for SIGALRM (does nothing: it only interrupts a
/// blocking waitpid); start_ticking() adds a 100 ms ITIMER_REAL so that
/// buffered events reach the file while the tracees are idle. The
/// destructor stops the timer and puts back the four dispositions that
/// were there before. One guard at a time: the handlers share one flag.
class SignalGuard {
 public:
  SignalGuard();
  ~SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

  /// Starts the periodic SIGALRM (100 ms, the recorder's flush interval).
  void start_ticking();
  /// The stop signal received since the last call, or 0; clears it.
  static int take_stop_signal();

 private:
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM};
  struct sigaction old_[4];
  bool ticking_ = false;
};

}  // namespace tracediff::record::detail
