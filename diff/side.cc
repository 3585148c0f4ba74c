// Reading one side: each event is enriched by the replay (absolute paths,
// fd referents), summarized for the alignment and the comparison (identity
// key, values digest, flags), and kept as recorded.
#include <fmt/format.h>

#include <functional>
#include <limits>
#include <unordered_set>

#include "model/string_pool.h"
#include "diff/internal.h"
#include "diff/values.h"
#include "model/args.h"
#include "model/errors.h"
#include "model/paths.h"
#include "model/replay.h"
#include "model/syscalls.h"
#include "normalize/canon.h"

namespace tracediff::diff::detail {
namespace {

std::uint64_t hash(std::string_view s) { return std::hash<std::string_view>()(s); }

bool is_tty(std::string_view p) { return p.starts_with("/dev/pts/") || p.starts_with("/dev/tty"); }

// The family an event belongs to for the alignment: its call family, a
// signal, or a process event (an exit and a kill are both an end).
void append_family(const Event& e, normalize::Canon& canon, std::string& out) {
  switch (e.type) {
    case EventType::Syscall:
      out += canon.family(e);
      return;
    case EventType::Signal:
      out.push_back('!');
      out += e.name;
      return;
    case EventType::Process:
      if (e.name == kProcExit || e.name == kProcKilled) out += "+end";
      else if (e.name == kProcSpawn) out += e.proc.thread ? "+thread" : "+spawn";
      else out += "+" + e.name;
      return;
    case EventType::Unparsed:
      break;
  }
  out.push_back('?');
}

class Loader {
 public:
  Loader(const Header& h, const normalize::NormalizeOptions& opt, SideTrace& t, Side& s)
      : canon_(std::make_unique<normalize::Canon>(h, opt)), replay_(h), t_(t), s_(s) {
    skeleton_.header = h;
  }

  void add(Event&& e) {
    std::size_t i = t_.events.size();
    canon_->note(e);
    key_.clear();
    const FileRef* fd_file = nullptr;
    std::vector<Field> fields;
    std::uint8_t flags = 0;
    if (e.type == EventType::Syscall) {
      ProcessState& st = replay_.state(e, i);
      resolve_paths(e, st);
      files_.clear();
      for (std::size_t k = 0; k < e.args.size(); ++k) {
        const Arg& a = e.args[k];
        if (a.kind != ArgKind::Fd || a.str == "AT_FDCWD") continue;
        if (auto n = arg_fd(e, k)) files_.emplace_back(k, replay_.fd(st, *n, a.ref.view()));
      }
      if (!files_.empty()) fd_file = &files_.front().second;
      append_family(e, *canon_, key_);
      key_.push_back('\x1f');
      append_target(e, fd_file ? fd_file->get() : nullptr);
      flags = observe(e, i, fd_file ? *fd_file : nullptr);
      if (e.result.failed() && (st.creds.uid || st.creds.gid)) s_.creds.emplace(i, st.creds);
      replay_.apply(e, i);
      name_fds(e, st);
      fields = fields_of(e, *canon_);
      add_dns(e, i, fd_file ? *fd_file : nullptr, fields);
    } else {
      if (e.type == EventType::Process) replay_.apply(e, i);
      append_family(e, *canon_, key_);
      std::size_t fam = key_.size();
      key_.push_back('\x1f');
      if (e.type == EventType::Process && e.name == kProcExec && !e.args.empty()) canon_->name(e.args[0].str, key_);
      (void)fam;
      fields = fields_of(e, *canon_);
    }
    s_.families.push_back(family_index(hash(std::string_view(key_).substr(0, key_.find('\x1f')))));
    s_.keys.push_back(hash(key_));
    s_.values.push_back(values_digest(fields));
    s_.bases.push_back(Side::base_hash(basename_of(event_target(e))));
    s_.flags.push_back(flags | flags_of(e));
    s_.errs.push_back(e.result.err);
    if (std::int32_t tid = e.type == EventType::Unparsed ? 0 : e.tid ? e.tid : e.pid)
      s_.task_events[tid].push_back(static_cast<EventIndex>(i));
    note_skeleton(e, i);
    t_.events.push_back(std::move(e));
  }

  std::unique_ptr<normalize::Canon> finish() { return std::move(canon_); }

  // The process table, from the events it looks at (build_process_table()),
  // with their indices in the whole trace.
  ProcessTable table() const {
    ProcessTable t = build_process_table(skeleton_);
    for (Process& p : t.processes) {
      p.first_event = at_[p.first_event];
      for (ExecRecord& x : p.execs) x.event = at_[x.event];
    }
    return t;
  }

 private:
  // The index of a family's hash in s_.family_hashes, added when new.
  std::uint32_t family_index(std::uint64_t h) {
    auto [it, added] = family_ids_.try_emplace(h, static_cast<std::uint32_t>(s_.family_hashes.size()));
    if (added) s_.family_hashes.push_back(h);
    return it->second;
  }

  // Relative paths get their absolute form (the recorder wrote it; a log
  // is resolved against the replayed cwd and dir fds).
  void resolve_paths(Event& e, const ProcessState& st) {
    const SyscallInfo& info = syscall_info(e.name);
    for (std::size_t k = 0; k < e.args.size(); ++k) {
      Arg& a = e.args[k];
      if (a.kind != ArgKind::Path || !a.abs.empty() || info.role(k) == ArgRole::LinkTarget) continue;
      std::string p = replay_.path(st, e, k);
      if (!p.empty() && p[0] == '/') a.abs = p;
    }
  }

  // The canonical target: the path, else the socket address, else what the
  // first fd refers to.
  void append_target(const Event& e, const OpenFile* f) {
    for (const Arg& a : e.args)
      if (a.kind == ArgKind::Path && (!a.abs.empty() || !a.str.empty())) {
        canon_->name(a.abs.empty() ? a.str.view() : a.abs.view(), key_);
        return;
      }
    for (const Arg& a : e.args)
      if (a.kind == ArgKind::SockAddr) {
        canon_->sockaddr(a.str, key_);
        return;
      }
    for (const Arg& a : e.args)
      if (a.kind == ArgKind::Fd && a.str != "AT_FDCWD") {
        std::string r = f ? f->referent() : std::string();
        if (!r.empty()) canon_->ref(r, key_);
        else fmt::format_to(std::back_inserter(key_), "fd {}", a.has_raw ? std::to_string(a.raw) : a.str.str());
        return;
      }
  }

  // What the comparison needs from the state before the call: where
  // writes go, what is read from files, how non-blocking connects end.
  std::uint8_t observe(const Event& e, std::size_t i, const FileRef& f) {
    const SyscallInfo& info = syscall_info(e.name);
    std::uint8_t flags = 0;
    if (info.is(kClassWrites) && !e.args.empty() && e.args[0].kind == ArgKind::Fd) {
      bool err = f ? (f->stdio == 2 || f->kind == OpenFile::Tty || is_tty(f->ref) || is_tty(f->path))
                   : (e.args[0].has_raw && e.args[0].raw == 2);
      if (err) flags |= kErrorWrite;
    }
    if (!f) return flags;
    if (info.effect == Effect::Connect && e.result.err == "EINPROGRESS") pending_[f.get()] = i;
    auto p = pending_.find(f.get());
    if (p != pending_.end() && p->second != i) {
      // The connect's outcome: SO_ERROR, or the first transfer on the socket.
      std::string err;
      bool known = false;
      for (const Field& fl : fields_of(e, *canon_))
        if (fl.name == "SO_ERROR") {
          err = fl.canonical == "0" ? "" : fl.canonical;
          known = true;
        }
      if (!known && info.is(kClassReads | kClassWrites) && e.result.state == ResultState::Returned) {
        err = e.result.err;
        known = err.empty() || errno_is(err, kErrNetwork);
      }
      if (known) {
        s_.deferred[p->second] = InternedString(err);
        pending_.erase(p);
      }
    }
    if (info.is(kClassReads) && f->kind == OpenFile::File && succeeded(e) && f->origin_event) {
      auto c = s_.contents.find(f->origin_event);
      if (c != s_.contents.end()) {
        std::string raw = call_data(e);
        std::string_view data = canon_->data(raw);
        Content& ct = c->second;
        ct.bytes += static_cast<std::uint64_t>(e.result.value);
        if (data.size() < static_cast<std::size_t>(e.result.value)) ct.cut = true;
        for (unsigned char ch : data) ct.digest = (ct.digest ^ ch) * 1099511628211ull;
        ct.reads.push_back(i);
      }
    }
    return flags;
  }

  // After the call: an open of a regular file for reading starts a content
  // record; fd arguments and results without a referent get the one the
  // replay knows, as strace -y would show it (never a role name).
  void name_fds(Event& e, ProcessState& st) {
    const SyscallInfo& info = syscall_info(e.name);
    for (auto& [k, f] : files_) {
      Arg& a = e.args[k];
      if (a.ref.empty() && f && f->stdio < 0) share(a.ref, f->referent());
    }
    if (!succeeded(e) || !info.is(kClassReturnsFd)) return;
    auto it = st.fds.find(static_cast<int>(e.result.value));
    if (it == st.fds.end()) return;
    const OpenFile& f = *it->second;
    if (e.result.ref.empty() && f.stdio < 0) share(e.result.ref, f.referent());
    if (info.effect == Effect::Open && f.kind == OpenFile::File && reads_file(e) && !pseudo(f.path)) {
      std::size_t i = t_.events.size();
      it->second->origin_event = i;
      s_.contents.emplace(i, Content{});
    }
  }

  // An fd's referent is the same string on each of its uses: one shared
  // block for all of them (it was a third of the memory the enrichment
  // added on find's traces).
  void share(CompactString& out, const std::string& r) {
    if (!r.empty()) referents_.assign(out, r);
  }

  // An open whose flags allow reading (no O_WRONLY): O_RDONLY is 0, so it
  // is what is left when neither write flag is there.
  static bool reads_file(const Event& e) {
    for (const Arg& a : e.args)
      if (a.kind == ArgKind::Flags && (a.str.starts_with("O_") || a.str.find("|O_") != std::string::npos))
        return a.str.find("O_WRONLY") == std::string::npos && a.str.find("O_DIRECTORY") == std::string::npos;
    return e.name != "creat";
  }

  // /proc, /sys and devices change between any two reads.
  static bool pseudo(std::string_view p) {
    return p.starts_with("/proc/") || p.starts_with("/sys/") || p.starts_with("/dev/");
  }

  void add_dns(const Event& e, std::size_t i, const FileRef& f, std::vector<Field>& fields) {
    std::string remote = f ? (f->remote.empty() ? f->ref : f->remote) : std::string();
    std::vector<std::string> msgs = dns_of(e, remote);
    if (msgs.empty()) return;
    for (const std::string& m : msgs) fields.push_back({"DNS", m, m});
    s_.dns.emplace(i, std::move(msgs));
  }

  std::unique_ptr<normalize::Canon> canon_;
  Replay replay_;
  // What the steps after reading ask of every event (internal.h: SideFlag).
  static std::uint8_t flags_of(const Event& e) {
    std::uint8_t f = 0;
    if (e.type == EventType::Syscall) f |= kSyscall;
    if (e.type == EventType::Syscall && e.result.state == ResultState::Returned) f |= kReturned;
    if (e.result.failed()) f |= kFailed;
    if (is_lookup(e)) f |= kLookup;
    if (e.result.failed() && errno_is(e.result.err, kErrLookup)) f |= kLookupErrno;
    if (e.type == EventType::Signal || (e.type == EventType::Process && e.name == kProcExec)) f |= kChainSkip;
    if (e.type == EventType::Process && (e.name == kProcExit || e.name == kProcKilled)) f |= kEnd;
    return f;
  }

  // What build_process_table() looks at: process events, the calls that
  // clone and exec, and each task's first event (where it is first seen).
  void note_skeleton(const Event& e, std::size_t i) {
    bool call = e.type == EventType::Syscall;
    if (s_.first_exec < 0 && call && syscall_is(e.name, kClassExec)) s_.first_exec = static_cast<std::int64_t>(i);
    bool whole = e.type == EventType::Process || (call && syscall_is(e.name, kClassClone | kClassExec));
    bool first = (e.tid || e.pid) && seen_.insert(e.tid ? e.tid : e.pid).second;
    if (!whole && !first) return;
    if (whole) {
      skeleton_.events.push_back(e);
    } else {
      Event s;
      s.type = e.type;
      s.tid = e.tid;
      s.pid = e.pid;
      skeleton_.events.push_back(std::move(s));
    }
    at_.push_back(i);
  }

  SideTrace& t_;
  Side& s_;
  Trace skeleton_;                    // what the process table is built from
  std::vector<std::size_t> at_;       // skeleton event -> event index
  std::unordered_set<std::int32_t> seen_;  // tasks seen so far
  std::string key_;
  std::unordered_map<std::uint64_t, std::uint32_t> family_ids_;  // family hash -> index (family_index)
  std::vector<std::pair<std::size_t, FileRef>> files_;
  std::unordered_map<const OpenFile*, std::size_t> pending_;  ///< sockets in a non-blocking connect
  StringPool referents_;
};

}  // namespace

std::string event_target(const Event& e) {
  if (e.type == EventType::Process) return e.name == kProcExec && !e.args.empty() ? e.args[0].str.str() : "";
  if (e.type != EventType::Syscall) return {};
  for (const Arg& a : e.args)
    if (a.kind == ArgKind::Path && (!a.abs.empty() || !a.str.empty())) return a.abs.empty() ? a.str : a.abs;
  for (const Arg& a : e.args)
    if (a.kind == ArgKind::SockAddr) return a.str;
  for (const Arg& a : e.args)
    if (a.kind == ArgKind::Fd && a.str != "AT_FDCWD") {
      if (!a.ref.empty()) return a.ref;
      return fmt::format("fd {}", a.has_raw ? std::to_string(a.raw) : a.str.str());
    }
  return {};
}

std::string Side::display_target(std::size_t i) const { return event_target(event(i)); }

std::string_view Side::outcome(std::size_t i) const {
  if (auto it = deferred.find(i); it != deferred.end()) return it->second.view();
  return errs[i].view();
}

std::optional<std::vector<std::string>> Side::environment() const {
  if (trace->header.host.env || first_exec < 0) return trace->header.host.env;
  const Event& e = event(static_cast<std::size_t>(first_exec));
  std::size_t envp = static_cast<std::size_t>(syscall_info(e.name).path_index() + 2);
  if (envp >= e.args.size() || e.args[envp].kind != ArgKind::Array) return std::nullopt;
  std::vector<std::string> env;
  for (const Arg& a : e.args[envp].items) env.push_back(a.str);
  return env;
}

std::string Side::task_name(std::int32_t tid) const {
  auto it = task_names.find(tid);
  return it == task_names.end() ? fmt::format("pid {}", tid) : it->second;
}

void load_side(EventSource& src, const normalize::NormalizeOptions& opt, SideTrace& trace, Side& side, SideInfo& info,
               const std::function<void()>& each) {
  std::unique_ptr<Loader> loader;
  trace.events = tracefile::EventStore::packed();
  src.read(
      [&](Header& h) {
        trace.header = h;
        info.file = src.name();
        loader = std::make_unique<Loader>(trace.header, opt, trace, side);
      },
      [&](Event&& e) {
        loader->add(std::move(e));
        if (each) each();
      },
      trace.warnings);
  side.canon = loader->finish();
  // Rows hold event indices in 32 bits (diff.h: AlignedRow).
  if (trace.events.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw InputError(fmt::format("{}: {} events; the differ takes at most 2^31 - 1 per trace", src.name(),
                                 trace.events.size()));
  side.trace = &trace;
  side.table = loader->table();
  side.task_names = normalize::task_names(trace.header, side.table);
  for (auto& [tid, events] : side.task_events) events.shrink_to_fit();
}

}  // namespace tracediff::diff::detail
