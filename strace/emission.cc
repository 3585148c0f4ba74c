// The ordered event queue, the unprefixed task's pid, and calls that wait
// too long (emission.h).
#include "strace/emission.h"

#include <algorithm>

namespace tracediff::strace::detail {

void EventQueue::push_back(Event e) {
  // Reclaim the handed-out front once it is half the storage; usually only
  // the last event or two are still here then, so little moves.
  if (head_ && head_ * 2 >= v_.size()) {
    std::move(v_.begin() + static_cast<std::ptrdiff_t>(head_), v_.end(), v_.begin());
    v_.resize(v_.size() - head_);
    head_ = 0;
  }
  v_.push_back(std::move(e));
}

bool returns_own_id(const Event& e) {
  if (e.type != EventType::Syscall || e.result.state != ResultState::Returned || e.result.failed() ||
      e.result.value <= 0)
    return false;
  std::string_view n = e.name;
  return n == "getpid" || n == "gettid" || n == "set_tid_address";
}

bool UnprefixedTask::learn_from_line(std::int32_t tid) {
  // The first prefixed task that the unprefixed one did not create is it.
  if (!tid || pid_ || !seen_ || std::find(children_.begin(), children_.end(), tid) != children_.end())
    return false;
  pid_ = tid;
  return true;
}

bool UnprefixedTask::learn_from_call(const Event& e) {
  if (e.tid != 0 || pid_ || !returns_own_id(e)) return false;
  pid_ = static_cast<std::int32_t>(e.result.value);
  return true;
}

void UnprefixedTask::guess(std::span<const Event> held) {
  if (!unknown()) return;
  std::vector<std::int32_t> children;
  for (const Event& e : held) {
    if (e.tid == 0) {
      if (returns_own_id(e)) {
        pid_ = static_cast<std::int32_t>(e.result.value);
        return;
      }
      if (e.type == EventType::Process && e.name == kProcSpawn) children.push_back(e.proc.child);
      continue;
    }
    if (e.type == EventType::Process && (e.name == kProcAttached || e.name == kProcDetached)) continue;
    if (std::find(children.begin(), children.end(), e.tid) == children.end()) {
      pid_ = e.tid;
      return;
    }
  }
}

}  // namespace tracediff::strace::detail
