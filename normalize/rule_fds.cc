// Rule "fds": fd numbers become what they refer to.
//
// An fd number depends on what else the process had open, which varies with
// the libc, the loader and the shell that started it; what the fd refers to
// does not. Referents come from the trace itself when it has them (strace -y,
// the recorder) and otherwise from the model's replay of the trace
// (model/replay.h): open/socket/pipe/dup create entries, close removes
// them, a new process starts with a copy of its parent's table. The same
// replay knows each process's working directory, so relative paths get an
// absolute form.
#include <fmt/format.h>

#include <memory>
#include <string_view>
#include <vector>

#include "model/args.h"
#include "model/replay.h"
#include "model/syscalls.h"
#include "normalize/rules.h"

namespace tracediff::normalize::detail {
namespace {

std::int64_t fd_number(const Arg& a) {
  auto v = arg_int(a);
  return v ? *v : -1;
}

// Each event against the replay: paths get their absolute form, fd
// arguments the canonical name of what they refer to, fd results the
// same; the replay itself sees the event as recorded.
class FdTracker {
 public:
  explicit FdTracker(const Header& h) : replay_(h) {}

  void step(Event& e) {
    std::size_t index = count_++;
    if (e.type == EventType::Process) {
      replay_.apply(e, index);
      return;
    }
    if (e.type != EventType::Syscall) return;
    ProcessState& st = replay_.state(e, index);
    resolve_paths(e, st);
    // What each fd argument refers to before the call (a close ends it).
    std::vector<std::pair<std::size_t, FileRef>> fds;
    for (std::size_t i = 0; i < e.args.size(); ++i) {
      const Arg& a = e.args[i];
      if (a.kind != ArgKind::Fd || a.str == "AT_FDCWD") continue;
      std::int64_t fd = fd_number(a);
      if (fd < 0) continue;
      fds.emplace_back(i, replay_.fd(st, static_cast<int>(fd), a.ref.view()));
    }
    replay_.apply(e, index);
    for (auto& [i, f] : fds) name_fd(e.args[i], f->referent());
    name_results(e, st);
  }

 private:
  void resolve_paths(Event& e, const ProcessState& st) {
    const SyscallInfo& info = syscall_info(e.name);
    for (std::size_t i = 0; i < e.args.size(); ++i) {
      Arg& a = e.args[i];
      // A symlink's target is never resolved: it is text until followed.
      if (a.kind != ArgKind::Path || !a.abs.empty() || info.role(i) == ArgRole::LinkTarget) continue;
      std::string p = replay_.path(st, e, i);
      if (!p.empty() && p[0] == '/') a.abs = p;
    }
  }

  // The fd argument shows what it refers to; the number is kept in raw for
  // readers that need to know fd 2 from fd 1.
  static void name_fd(Arg& a, const std::string& referent) {
    if (referent.empty()) return;
    std::int64_t fd = fd_number(a);
    a.ref = canonical_ref(referent);
    a.raw = fd;
    a.has_raw = true;
    a.str = "fd";
  }

  static void name_result(Event& e, const FileRef& f) {
    if (e.result.ref.empty() && f) e.result.ref = f->referent();
    e.result.ref = canonical_ref(e.result.ref);
    e.result.str = "fd";
  }

  void name_results(Event& e, ProcessState& st) {
    if (!succeeded(e)) return;
    const SyscallInfo& info = syscall_info(e.name);
    auto result_file = [&]() -> FileRef {
      auto it = st.fds.find(static_cast<int>(e.result.value));
      return it == st.fds.end() ? nullptr : it->second;
    };
    switch (info.effect) {
      case Effect::Open:
      case Effect::Socket:
      case Effect::Accept:
      case Effect::Anon:
        name_result(e, result_file());
        break;
      case Effect::Dup:
      case Effect::DupTo:
      case Effect::FcntlDup:
        if (info.effect == Effect::FcntlDup && !(e.args.size() >= 2 && e.args[1].str.starts_with("F_DUPFD"))) break;
        if (FileRef f = result_file(); f && !f->referent().empty()) name_result(e, f);
        break;
      case Effect::Pipe:
      case Effect::SocketPair:
        for (Arg& a : e.args)
          if (a.kind == ArgKind::Array)
            for (Arg& fd : a.items) {
              std::int64_t v = fd_number(fd);
              if (v < 0) continue;
              auto it = st.fds.find(static_cast<int>(v));
              std::string r = it == st.fds.end() ? std::string() : it->second->referent();
              fd.kind = ArgKind::Fd;
              name_fd(fd, r.empty() ? (info.effect == Effect::Pipe ? "pipe" : "socket") : r);
            }
        break;
      default:
        break;
    }
  }

  Replay replay_;
  std::size_t count_ = 0;
};

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::string canonical_ref(std::string_view ref) {
  // "pipe:[1234]", "socket:[1234]", "anon_inode:[eventfd]" (kept: no number)
  auto lb = ref.find(":[");
  if (lb != std::string_view::npos && ref.back() == ']') {
    std::string_view kind = ref.substr(0, lb);
    std::string_view inner = ref.substr(lb + 2, ref.size() - lb - 3);
    if (all_digits(inner)) return std::string(kind);
    if (kind == "TCP" || kind == "UDP" || kind == "TCPv6" || kind == "UDPv6") {
      // A connection is known by its peer: the local port is ephemeral.
      auto arrow = inner.find("->");
      if (arrow != std::string_view::npos) return fmt::format("{}:[->{}]", kind, inner.substr(arrow + 2));
      return std::string(ref);
    }
    if (kind == "UNIX" || kind == "UNIX-STREAM" || kind == "UNIX-DGRAM") {
      auto q = inner.find(',');
      if (q != std::string_view::npos) return fmt::format("{}:[{}]", kind, inner.substr(q + 1));
      return std::string(kind);
    }
    return std::string(ref);
  }
  if (ref.rfind("/dev/pts/", 0) == 0 && all_digits(ref.substr(9))) return "/dev/pts/#";
  return std::string(ref);
}

struct FdRule::Impl {
  explicit Impl(const Header& h) : tracker(h) {}
  FdTracker tracker;
};

FdRule::FdRule(const Header& h) : impl_(std::make_unique<Impl>(h)) {}
FdRule::~FdRule() = default;
void FdRule::apply(Event& e) { impl_->tracker.step(e); }

void rule_fds(Trace& t, NormalizeContext&) {
  FdRule rule(t.header);
  for (Event& e : t.events) rule.apply(e);
}

}  // namespace tracediff::normalize::detail
