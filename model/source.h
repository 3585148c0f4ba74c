// One trace as a stream: its header, then its events in order. Stages that
// consume a trace without holding its raw form (the differ normalizes each
// event as it arrives) take an EventSource; input/ makes one from any file.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "model/trace.h"

namespace tracediff {

class EventSource {
 public:
  virtual ~EventSource() = default;
  /// What the source is called in messages and reports (a file name).
  virtual const std::string& name() const = 0;
  /// Reads the whole source once: `on_header` first (exactly once), then
  /// `on_event` for each event in order. Non-fatal problems are appended to
  /// `warnings`; a fatal one is thrown (InputError naming the file and
  /// line). A source is read at most once.
  virtual void read(const std::function<void(Header&)>& on_header, const std::function<void(Event&&)>& on_event,
                    std::vector<Warning>& warnings) = 0;
};

/// A source over a trace already in memory (tests, callers that built one):
/// events are moved out of it as they are read.
class TraceSource : public EventSource {
 public:
  TraceSource(Trace t, std::string name) : t_(std::move(t)), name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  void read(const std::function<void(Header&)>& on_header, const std::function<void(Event&&)>& on_event,
            std::vector<Warning>& warnings) override {
    on_header(t_.header);
    for (Event& e : t_.events) on_event(std::move(e));
    for (Warning& w : t_.warnings) warnings.push_back(std::move(w));
    t_ = Trace();
  }

 private:
  Trace t_;
  std::string name_;
};

}  // namespace tracediff
