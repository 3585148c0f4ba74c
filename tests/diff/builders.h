// Small hand-built traces for the normalize and diff unit tests.
#pragma once

#include <string>
#include <vector>

#include "model/trace.h"

namespace tracediff::testing {

inline Arg path(const std::string& p) {
  Arg a;
  a.kind = ArgKind::Path;
  a.str = p;
  if (!p.empty() && p[0] == '/') a.abs = p;
  return a;
}
inline Arg fd(int n, const std::string& ref = "") {
  Arg a;
  a.kind = ArgKind::Fd;
  a.raw = n;
  a.has_raw = true;
  a.ref = ref;
  return a;
}
inline Arg cwd() {
  Arg a;
  a.kind = ArgKind::Fd;
  a.raw = -100;
  a.has_raw = true;
  a.str = "AT_FDCWD";
  return a;
}
inline Arg flags(const std::string& s) {
  Arg a;
  a.kind = ArgKind::Flags;
  a.str = s;
  return a;
}
inline Arg num(const std::string& s) {
  Arg a;
  a.kind = ArgKind::Int;
  a.str = s;
  return a;
}
inline Arg data(const std::string& s) {
  Arg a;
  a.kind = ArgKind::String;
  a.str = s;
  return a;
}
inline Arg field(const std::string& name, const std::string& v) {
  Arg a;
  a.kind = ArgKind::Int;
  a.name = name;
  a.str = v;
  return a;
}
inline Arg strct(std::vector<Arg> items) {
  Arg a;
  a.kind = ArgKind::Struct;
  a.items = std::move(items);
  return a;
}
inline Arg array(std::vector<Arg> items) {
  Arg a;
  a.kind = ArgKind::Array;
  a.items = std::move(items);
  return a;
}

inline Result ok(std::int64_t v = 0) {
  Result r;
  r.state = ResultState::Returned;
  r.value = v;
  return r;
}
inline Result fail(const std::string& err) {
  Result r;
  r.state = ResultState::Returned;
  r.value = -1;
  r.err = err;
  r.errnum = errno_number(err);
  return r;
}

/// Builds a trace event by event.
class TraceBuilder {
 public:
  explicit TraceBuilder(std::int32_t root = 100) : cur_(root) {}
  TraceBuilder& pid(std::int32_t p) {
    cur_ = p;
    return *this;
  }
  TraceBuilder& call(const std::string& name, std::vector<Arg> args, Result r) {
    Event e;
    e.type = EventType::Syscall;
    e.tid = e.pid = cur_;
    e.name = name;
    e.args = std::move(args);
    e.result = std::move(r);
    e.ts_ns = ts_ += 1000;
    t_.events.push_back(std::move(e));
    return *this;
  }
  TraceBuilder& thread_call(std::int32_t tid, const std::string& name, std::vector<Arg> args, Result r) {
    call(name, std::move(args), std::move(r));
    t_.events.back().tid = tid;
    return *this;
  }
  TraceBuilder& spawn(std::int32_t child, bool thread = false) {
    Event e;
    e.type = EventType::Process;
    e.tid = e.pid = cur_;
    e.name = kProcSpawn;
    e.proc.child = child;
    e.proc.thread = thread;
    t_.events.push_back(std::move(e));
    return *this;
  }
  TraceBuilder& exec(const std::string& p, std::vector<std::string> argv) {
    std::vector<Arg> items;
    for (const auto& a : argv) items.push_back(data(a));
    call("execve", {path(p), array(items), num("0x7ffd1234 /* 3 vars */")}, ok());
    Event e;
    e.type = EventType::Process;
    e.tid = e.pid = cur_;
    e.name = kProcExec;
    e.args = {path(p), array(items)};
    t_.events.push_back(std::move(e));
    return *this;
  }
  TraceBuilder& exit(int code) {
    call("exit_group", {num(std::to_string(code))}, Result{ResultState::Unknown});
    Event e;
    e.type = EventType::Process;
    e.tid = e.pid = cur_;
    e.name = kProcExit;
    e.proc.code = code;
    t_.events.push_back(std::move(e));
    return *this;
  }
  TraceBuilder& open(const std::string& p, Result r) { return call("openat", {cwd(), path(p), flags("O_RDONLY")}, r); }
  TraceBuilder& write_err(const std::string& msg) {
    return call("write", {fd(2), data(msg), num(std::to_string(msg.size()))}, ok(static_cast<std::int64_t>(msg.size())));
  }
  Trace& trace() { return t_; }
  Trace build() { return t_; }

 private:
  Trace t_;
  std::int32_t cur_;
  std::int64_t ts_ = 0;
};

}  // namespace tracediff::testing
