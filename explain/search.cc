// The search: message -> (relays across sockets and pipes) -> failing call.
#include "explain/search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "model/coverage.h"
#include "model/syscalls.h"

namespace tracediff::explain {
namespace detail {

Searcher::Searcher(const Trace& t, const ExplainOptions& opt) : t_(t), opt_(opt), r_(detail::replay_trace(t)) {
  fo_.show_pid = false;
  fo_.max_string = opt.max_string;
  fo_.show_refs = true;
  // Successful path lookups per process and basename, for "a lookup that later succeeds".
  for (std::size_t i = 0; i < t_.events.size(); ++i) {
    const Event& e = t_.events[i];
    if (e.type != EventType::Syscall || e.result.state != ResultState::Returned || e.result.failed()) continue;
    auto it = r_.ctx.find(i);
    if (it == r_.ctx.end() || it->second.path.empty()) continue;
    found_[{r_.tgid[i], basename_of(it->second.path)}].push_back(i);
  }
  // One pass: each process's last non-empty write to stderr or a terminal.
  for (std::size_t i = 0; i < t_.events.size(); ++i)
    if (is_write(i) && is_message_fd(t_.events[i], r_.fd[i]) && !call_data(t_.events[i]).empty())
      last_message_[r_.tgid[i]] = i;
}

Explanation Searcher::run() {
  Explanation x;
  auto msg = opt_.message ? find_given(*opt_.message) : find_last_message();
  if (!msg) {
    x.notes.push_back(opt_.message ? fmt::format("no write in the trace carries \"{}\"", *opt_.message)
                                   : "no process wrote to stderr or a terminal before exiting non-zero "
                                     "(give the message with --message TEXT)");
    x.summary = "no error message found";
    if (opt_.message) return x;
    // No message, but a process died of a signal: say which, and what
    // the signal's siginfo says (who sent it, where it faulted).
    if (auto k = describe_killed()) {
      x.summary += "; " + *k;
      x.notes.push_back(*k);
      return x;
    }
    // A program that exits non-zero without a word (a lock held: exit 75):
    // the last failing call before its exit is where to look.
    if (auto c = silent_cause()) {
      ExplainLink l = cause_link(*c);
      std::string exit;
      if (auto it = r_.exits.find(l.pid); it != r_.exits.end()) exit = it->second.describe();
      x.found = true;
      std::string who = l.pid ? fmt::format("pid {}", l.pid) : std::string("the traced process");
      if (!l.process.empty()) who += fmt::format(" ({})", l.process);
      if (!t_.events[*c].result.failed() && deferred_error(t_.events[*c]).empty()) {
        // Nothing failed: the last file it read decided.
        l.err.clear();
        l.err_text.clear();
        l.hint = fmt::format("nothing failed; {} is the last file {} read before it {}: what it found there decided",
                             l.path, who, exit.empty() ? "ended" : exit);
        x.summary = fmt::format("{} {} without a message after reading {}", who, exit.empty() ? "ended" : exit, l.path);
        x.notes.push_back("no call failed in that process: the last file it read is taken for where to look");
      } else {
        x.summary = fmt::format("{}{}{} failed with {}{} in {}, which then {} without a message", l.syscall,
                                l.path.empty() ? "" : " ", l.path, l.err,
                                l.err_text.empty() ? std::string() : fmt::format(" ({})", l.err_text), who,
                                exit.empty() ? "ended" : exit);
        x.notes.push_back("the last failing call before that process exited is taken for the cause");
      }
      x.chain.push_back(std::move(l));
    }
    return x;
  }
  x.message = msg->text;
  ExplainLink m = link(ExplainLink::Kind::Message, msg->first);
  m.event = msg->last;
  m.line = t_.events[msg->last].line;
  m.call = display::format_event(t_.events[msg->last], fo_);
  m.text = msg->text;
  m.channel = describe_channel(r_.fd[msg->last], t_);
  if (!r_.fd[msg->last] && is_message_fd(t_.events[msg->last], nullptr)) m.channel = "stderr";
  if (auto it = r_.exits.find(m.pid); it != r_.exits.end()) m.exit = it->second.describe();
  x.chain.push_back(m);
  visited_.insert(msg->first);
  search(r_.tgid[msg->first], msg->first, msg->text, x, 0);
  if (x.found) {
    const ExplainLink& c = x.chain.back();
    std::string who = c.pid ? fmt::format("pid {}", c.pid) : std::string("the traced process");
    if (!c.process.empty()) who += fmt::format(" ({})", c.process);
    x.summary = fmt::format("{}{}{} failed with {}{} in {}", c.syscall, c.path.empty() ? "" : " ", c.path, c.err,
                            c.err_text.empty() ? std::string() : fmt::format(" ({})", c.err_text), who);
  } else {
    x.summary = "no failing call explains the message";
  }
  return x;
}

ExplainLink Searcher::link(ExplainLink::Kind k, std::size_t i) const {
  const Event& e = t_.events[i];
  ExplainLink l;
  l.kind = k;
  l.pid = r_.tgid[i];
  l.tid = e.tid ? e.tid : e.pid;
  if (auto it = r_.name.find(l.pid); it != r_.name.end()) l.process = it->second;
  l.event = i;
  l.line = e.line;
  l.call = display::format_event(e, fo_);
  return l;
}

ExplainLink Searcher::cause_link(std::size_t j) const {
  const Event& e = t_.events[j];
  ExplainLink l = link(ExplainLink::Kind::Cause, j);
  l.syscall = e.name;
  l.err = e.result.err.empty() ? errno_name(e.result.errnum) : e.result.err.str();
  l.err_text = errno_text(e.result);
  if (auto it = r_.ctx.find(j); it != r_.ctx.end()) {
    const detail::EventContext& c = it->second;
    l.path = c.path;
    const SyscallInfo& info = syscall_info(e.name);
    int path = info.path_index(), dirfd = info.dirfd_index();
    if (path >= 0 && static_cast<std::size_t>(path) < e.args.size()) {
      const Arg& given = e.args[static_cast<std::size_t>(path)];
      bool relative = !given.str.empty() && given.str.front() != '/';
      bool at_cwd = dirfd < 0 || static_cast<std::size_t>(dirfd) >= e.args.size() ||
                    e.args[static_cast<std::size_t>(dirfd)].str.find("AT_FDCWD") != std::string::npos ||
                    (e.args[static_cast<std::size_t>(dirfd)].has_raw && e.args[static_cast<std::size_t>(dirfd)].raw == -100);
      if (relative && at_cwd) {
        l.cwd = c.cwd;
        // The source resolved it (recorder, importer): its cwd is the rest.
        std::string tail = "/" + given.str;
        if (l.cwd.empty() && given.abs.size() > tail.size() && given.abs.ends_with(tail))
          l.cwd = given.abs.substr(0, given.abs.size() - tail.size());
      }
    }
    if (l.path.empty() && c.fd) {
      // A failing call on a bound socket (bind, listen, accept) is about
      // the address it is bound to.
      bool on_local = info.is(kClassNetwork) && info.effect != Effect::Connect && !info.is(kClassReads | kClassWrites);
      if (!c.fd->local.empty() && on_local) l.path = display_addr(c.fd->local);
      else if (c.fd->kind == OpenFile::File) l.path = c.fd->path;
    }
    if (info.is(kClassNetwork) && e.args.size() >= 2 && l.path.empty())
      l.path = display_addr(arg_sockaddr(e.args[1]));
    l.uid = c.creds.uid;
    l.gid = c.creds.gid;
    l.groups = c.creds.groups;
    l.creds_from = c.creds.from;
  }
  if (e.perm) {
    l.perm = *e.perm;
    l.uid = e.perm->uid;
    l.gid = e.perm->gid;
    l.groups = e.perm->groups;
    l.creds_from = "snapshot";
  }
  if (std::string d = deferred_error(e); !d.empty()) {
    // Reported as the connect it belongs to.
    l.syscall = "connect";
    l.err = d;
    l.err_text = std::strerror(errno_number(d));
    if (r_.fd[j] && !r_.fd[j]->remote.empty()) l.path = display_addr(r_.fd[j]->remote);
  }
  l.tried = tried(j);
  l.hint = hint(l, e);
  return l;
}

// Works upward in `pid` from `from` for what explains `text`.
void Searcher::search(std::int32_t pid, std::size_t from, const std::string& text, Explanation& x, int hops) {
  // 8 hops: a real chain (client -> server -> worker) has two or three;
  // more means a loop the visited set did not catch.
  if (hops > 8) {
    x.notes.push_back("stopped after 8 hops");
    return;
  }
  std::optional<std::size_t> errno_match, closest, relay, plain_relay;
  std::size_t start = r_.first_event.count(pid) ? r_.first_event.at(pid) : 0;
  for (std::size_t j = from; j-- > start;) {
    if (r_.tgid[j] != pid || !is_syscall(j)) continue;
    const Event& e = t_.events[j];
    if (syscall_is(e.name, kClassReads) && e.result.state == ResultState::Returned && e.result.value > 0 &&
        r_.fd[j]) {
      // An fd opened before the tracer attached is of unknown kind: if
      // it carried the message, it is still where the message came from.
      bool unknown = r_.fd[j]->kind == OpenFile::Unknown;
      if ((is_ipc(r_.fd[j]) || unknown) && share_score(text, call_data(e))) {
        relay = j;
        break;
      }
      if (is_ipc(r_.fd[j]) && !plain_relay) plain_relay = j;
    }
    std::string deferred = deferred_error(e);
    if (deferred.empty() && (!e.result.failed() || benign(j, from))) continue;
    std::string et = deferred.empty() ? errno_text(e.result) : std::strerror(errno_number(deferred));
    if (!et.empty() && text.find(et) != std::string::npos) {
      errno_match = j;
      break;
    }
    if (!closest) closest = j;
  }
  // A child that failed before the message (a shell's "cmd || echo
  // failed") explains it better than an older failure of the parent's own.
  std::optional<std::int32_t> child;
  std::size_t child_end = 0;
  if (auto kids = r_.children.find(pid); kids != r_.children.end()) {
    for (std::int32_t k : kids->second) {
      auto st = r_.exits.find(k);
      if (st == r_.exits.end()) continue;
      bool failed = st->second.kind == ExitStatus::Killed || st->second.code != 0;
      std::size_t end = r_.exit_event.at(k);
      if (failed && end < from && end >= child_end) {
        child = k;
        child_end = end;
      }
    }
  }
  std::optional<std::size_t> strong = relay ? relay : errno_match;
  bool child_first = child && (!strong || child_end > *strong) && (strong || !closest || child_end > *closest);
  if (child_first) {
    ExplainLink c = link(ExplainLink::Kind::Child, child_end);
    c.exit = r_.exits.at(*child).describe();
    if (auto m = last_message_.find(*child); m != last_message_.end()) {
      c.text = gather(m->second).text;
      c.channel = "stderr";
    }
    x.chain.push_back(c);
    search(*child, child_end + 1, c.text.empty() ? text : c.text + "\n" + text, x, hops + 1);
    return;
  }
  if (relay) return follow(*relay, text, x, hops);
  if (errno_match || closest) {
    x.chain.push_back(cause_link(errno_match ? *errno_match : *closest));
    x.found = true;
    return;
  }
  if (plain_relay) return follow(*plain_relay, text, x, hops);
  x.notes.push_back(fmt::format("no failing call in pid {} before the message explains it", pid));
}

void Searcher::follow(std::size_t read_event, const std::string& text, Explanation& x, int hops) {
  const Event& re = t_.events[read_event];
  const FileRef& rf = r_.fd[read_event];
  ExplainLink rl = link(ExplainLink::Kind::Received, read_event);
  rl.text = trim(call_data(re)) + (truncated(read_event) ? "..." : "");
  rl.channel = describe_channel(rf, t_);
  x.chain.push_back(rl);

  std::string data = call_data(re);
  std::optional<std::size_t> best, fallback;
  std::size_t best_score = 0;
  for (std::size_t w = 0; w < t_.events.size(); ++w) {
    if (w == read_event || !is_write(w) || !peers(rf, r_.fd[w])) continue;
    std::size_t s = share_score(data, call_data(t_.events[w]));
    bool before = w < read_event;
    if (s && (s > best_score || (s == best_score && before))) {
      best = w;
      best_score = s;
    }
    if (before) fallback = w;
  }
  if (!best) best = fallback;
  if (!best) {
    // The article's next step: find the listener, attach to it, reproduce.
    std::string find;
    if (rf && rf->remote.starts_with("AF_UNIX:"))
      find = fmt::format(" (find it with: ss -lpx | grep {})", display_addr(rf->remote));
    else if (rf && (rf->remote.starts_with("AF_INET:") || rf->remote.starts_with("AF_INET6:")))
      find = fmt::format(" (find it with: ss -ltnp 'sport = :{}')", port_of(rf->remote));
    x.notes.push_back(fmt::format(
        "the message came from {}, but the process on the other end is not in the trace{}: record it too "
        "(tracediff record -p PID, or strace -f -p PID) while reproducing",
        rl.channel, find));
    return;
  }
  if (visited_.count(*best)) {
    x.notes.push_back("the relay loops back on itself");
    return;
  }
  visited_.insert(*best);
  ExplainLink sl = link(ExplainLink::Kind::Sent, *best);
  sl.text = trim(call_data(t_.events[*best])) + (truncated(*best) ? "..." : "");
  sl.channel = describe_channel(r_.fd[*best], t_);
  x.chain.push_back(sl);
  // The writer's own words and the original message both say what to match.
  search(r_.tgid[*best], *best, sl.text + "\n" + text, x, hops + 1);
}

}  // namespace detail

const char* to_string(ExplainLink::Kind k) {
  switch (k) {
    case ExplainLink::Kind::Message: return "message";
    case ExplainLink::Kind::Received: return "received";
    case ExplainLink::Kind::Sent: return "sent";
    case ExplainLink::Kind::Child: return "child";
    case ExplainLink::Kind::Cause: return "cause";
  }
  return "?";
}

Explanation run(const Trace& t, const ExplainOptions& opt) {
  Explanation x = detail::Searcher(t, opt).run();
  // What the recording could not see: the cause may be among it (a file
  // opened through io_uring is in no openat).
  for (std::string& n : recording_notes(t.header)) x.notes.push_back(std::move(n));
  if (std::string l = describe_losses(t.header); !l.empty()) x.notes.push_back(l);
  return x;
}

}  // namespace tracediff::explain
