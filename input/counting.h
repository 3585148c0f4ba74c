// Internal to input/: counting the events a stage takes into a progress
// Meter, for load_any, load_set, the streamed import and redact_to_file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "progress/progress.h"

namespace tracediff::input::detail {

/// Counts events into `meter` (may be null: nothing happens) as `what`,
/// and finishes the line when it goes, whether the stage ended or threw.
class Counting {
 public:
  Counting(progress::Meter* meter, std::string what) : meter_(meter), what_(std::move(what)) {}
  ~Counting() {
    if (meter_) meter_->finish();
  }
  Counting(const Counting&) = delete;
  Counting& operator=(const Counting&) = delete;

  /// One more event.
  void count() {
    if (meter_) meter_->update(what_, ++n_, 0, "events");
  }
  /// count() as the loaders' `each` hook: empty without a meter, so that
  /// a loader without one calls nothing per event.
  std::function<void()> each() {
    if (!meter_) return {};
    return [this] { count(); };
  }

 private:
  progress::Meter* meter_;
  std::string what_;
  std::uint64_t n_ = 0;
};

}  // namespace tracediff::input::detail
