// Where bytes go: sockets, pipes, the terminal; which writer a reader reads.
#include "explain/search.h"

#include <fmt/format.h>

namespace tracediff::explain::detail {

bool is_ipc(const FileRef& f) {
  return f && (f->kind == OpenFile::Socket || f->kind == OpenFile::Pipe);
}

// The inode numbers of a -y annotation: "UNIX-STREAM:[12->13]" -> {12, 13},
// "pipe:[7]" -> {7, 0}, "UNIX:[12->13,\"/run/x\"]" -> {12, 13}.
std::pair<std::string, std::string> inodes(const std::string& ref) {
  auto l = ref.find('[');
  if (l == std::string::npos) return {};
  std::size_t i = l + 1;
  auto digits = [&](std::size_t& k) {
    std::size_t s = k;
    while (k < ref.size() && ref[k] >= '0' && ref[k] <= '9') ++k;
    return ref.substr(s, k - s);
  };
  std::string self = digits(i), peer;
  if (ref.compare(i, 2, "->") == 0) {
    i += 2;
    peer = digits(i);
  }
  return {self, peer};
}

std::string family_of(const std::string& addr) { return addr.substr(0, addr.find(':')); }
std::string port_of(const std::string& addr) { return addr.substr(addr.rfind(':') + 1); }

bool addr_match(const std::string& listen, const std::string& conn) {
  if (listen.empty() || conn.empty()) return false;
  if (listen == conn) return true;
  std::string f = family_of(listen);
  if ((f != "AF_INET" && f != "AF_INET6") || f != family_of(conn)) return false;
  if (port_of(listen) != port_of(conn)) return false;
  return listen.find(":0.0.0.0:") != std::string::npos || listen.find("[::]") != std::string::npos;
}

// True when bytes written to `w` can be read from `r`.
bool peers(const FileRef& r, const FileRef& w) {
  if (!r || !w || r == w) return false;
  if (r->pair >= 0 && r->pair == w->pair) {
    if (r->kind == OpenFile::Pipe) return r->end == 0 && w->end == 1;
    return r->end != w->end;
  }
  if (r->kind == OpenFile::Socket && w->kind == OpenFile::Socket) {
    if (!r->remote.empty() && w->accepted && addr_match(w->local, r->remote)) return true;
    if (r->accepted && !w->remote.empty() && addr_match(r->local, w->remote)) return true;
  }
  auto [rs, rp] = inodes(r->ref);
  auto [ws, wp] = inodes(w->ref);
  if (r->kind == OpenFile::Pipe && w->kind == OpenFile::Pipe) return !rs.empty() && rs == ws;
  return !rp.empty() && rp == ws;
}

std::string display_addr(const std::string& a) {
  if (a.starts_with("AF_UNIX:")) return a.substr(8);
  if (a.starts_with("AF_INET:") || a.starts_with("AF_INET6:")) return a.substr(a.find(':') + 1);
  return a;
}

std::string describe_channel(const FileRef& f, const Trace& t) {
  if (!f) return "an fd the trace never opened";
  auto origin = [&](const char* what) {
    const Event& e = t.events[f->origin_event];
    return fmt::format("{}{}by pid {}{}", what, *what ? " " : "", f->origin_pid,
                       e.line ? fmt::format(" (line {})", e.line) : std::string());
  };
  switch (f->kind) {
    case OpenFile::Stdio:
      return f->stdio == 2 ? "stderr" : f->stdio == 1 ? "stdout" : "stdin";
    case OpenFile::Tty:
      return "the terminal " + f->path;
    case OpenFile::File:
      return "the file " + f->path;
    case OpenFile::Pipe:
      if (f->pair >= 0) return origin(f->end == 0 ? "the read end of a pipe made" : "the write end of a pipe made");
      return "the pipe " + f->ref;
    case OpenFile::Socket: {
      bool unix_sock = f->family == "AF_UNIX" || f->local.starts_with("AF_UNIX") || f->remote.starts_with("AF_UNIX");
      std::string kind = unix_sock ? "Unix socket" : "socket";
      if (f->pair >= 0) return origin("a socketpair made");
      if (f->accepted)
        return fmt::format("the connection accepted on {} {}", display_addr(f->local.empty() ? "?" : f->local),
                           origin(""));
      if (!f->remote.empty()) return fmt::format("the {} connected to {}", kind, display_addr(f->remote));
      if (!f->ref.empty()) return "the socket " + f->ref;
      return "a " + kind;
    }
    case OpenFile::Anon:
    case OpenFile::Unknown:
      break;
  }
  return f->ref.empty() ? "an fd of unknown origin" : f->ref;
}

bool is_message_fd(const Event& e, const FileRef& f) {
  // fd 2 is stderr whatever it was pointed at (a log file, a pipe to a
  // supervisor): that is where a program puts its error message.
  if (auto n = arg_fd(e, 0); n && *n == 2) return true;
  if (f) {
    if (f->kind == OpenFile::Stdio && f->stdio == 2) return true;
    if (f->kind == OpenFile::Tty) return true;
    if (f->kind == OpenFile::Stdio && f->stdio == 1 && !f->ref.empty() &&
        (f->ref.starts_with("/dev/pts/") || f->ref.starts_with("/dev/tty")))
      return true;
    return false;
  }
  auto n = arg_fd(e, 0);
  return n && *n == 2;
}

}  // namespace tracediff::explain::detail
