// Network family: socket/socketpair/connect/bind/listen/accept/accept4,
// sendto/recvfrom/sendmsg/recvmsg. A socket fd's reference names its
// protocol and addresses ("TCP:[127.0.0.1:40000->127.0.0.1:80]"), read by
// borrowing the tracee's fd with pidfd_getfd: the kernel's own answer, not
// a reconstruction from the calls we happened to see.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "record/decode.h"

namespace tracediff::record::detail {
namespace {

std::string addr_text(const sockaddr_storage& ss, socklen_t len) {
  char ip[INET6_ADDRSTRLEN] = "?";
  switch (ss.ss_family) {
    case AF_INET: {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
      inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
      return fmt::format("{}:{}", ip, ntohs(in->sin_port));
    }
    case AF_INET6: {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
      inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
      return fmt::format("[{}]:{}", ip, ntohs(in6->sin6_port));
    }
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&ss);
      std::size_t plen = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
      if (plen == 0) return {};
      if (un->sun_path[0] == '\0') return "@" + std::string(un->sun_path + 1, plen - 1);
      return std::string(un->sun_path, strnlen(un->sun_path, plen));
    }
    default: return {};
  }
}

class OwnedFd {
 public:
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// What socket `fd` of task `tid` is, named as strace -yy does. "" when the
// fd cannot be borrowed (old kernel, task gone): the caller falls back to
// /proc's "socket:[inode]".
std::string socket_ref(pid_t tid, int fd) {
  OwnedFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, tid, 0)));
  if (pidfd.get() < 0) return {};
  OwnedFd s(static_cast<int>(syscall(SYS_pidfd_getfd, pidfd.get(), fd, 0)));
  if (s.get() < 0) return {};
  int domain = 0, type = 0;
  socklen_t ol = sizeof(int);
  getsockopt(s.get(), SOL_SOCKET, SO_DOMAIN, &domain, &ol);
  ol = sizeof(int);
  getsockopt(s.get(), SOL_SOCKET, SO_TYPE, &type, &ol);
  sockaddr_storage local{}, peer{};
  socklen_t ll = sizeof local, pl = sizeof peer;
  bool have_local = getsockname(s.get(), reinterpret_cast<sockaddr*>(&local), &ll) == 0;
  bool have_peer = getpeername(s.get(), reinterpret_cast<sockaddr*>(&peer), &pl) == 0;
  std::string l = have_local ? addr_text(local, ll) : std::string();
  std::string p = have_peer ? addr_text(peer, pl) : std::string();
  std::string proto;
  if (domain == AF_INET || domain == AF_INET6) {
    proto = type == SOCK_STREAM ? "TCP" : type == SOCK_DGRAM ? "UDP" : "RAW";
    if (domain == AF_INET6) proto += "v6";
  } else if (domain == AF_UNIX) {
    proto = type == SOCK_STREAM ? "UNIX-STREAM" : type == SOCK_DGRAM ? "UNIX-DGRAM" : "UNIX-SEQPACKET";
  } else if (domain == AF_NETLINK) {
    proto = "NETLINK";
  } else {
    return {};
  }
  if (domain == AF_UNIX) {
    std::string name = !l.empty() ? l : p;
    if (name.empty()) {
      struct stat st;
      if (fstat(s.get(), &st) == 0) name = fmt::format("{}", st.st_ino);
    }
    return fmt::format("{}:[{}]", proto, name);
  }
  if (domain == AF_NETLINK) {
    struct stat st;
    return fstat(s.get(), &st) == 0 ? fmt::format("NETLINK:[{}]", st.st_ino) : std::string();
  }
  return p.empty() ? fmt::format("{}:[{}]", proto, l) : fmt::format("{}:[{}->{}]", proto, l, p);
}

// Re-reads what socket `fd` is and records it in the fd table.
void refresh_socket(DecodeCtx& c, int fd, bool as_result) {
  if (!c.task.fds || fd < 0) return;
  std::string ref = socket_ref(c.tid(), fd);
  bool cloexec = false;
  if (auto it = c.task.fds->fds.find(fd); it != c.task.fds->fds.end()) cloexec = it->second.cloexec;
  if (as_result) {
    c.track_fd(fd, std::move(ref), cloexec);
  } else if (!ref.empty()) {
    c.task.fds->set(fd, std::move(ref), cloexec);
  }
}

Arg family_arg(const DecodeCtx& c, int i) { return c.enum_arg(i, kAddressFamilies); }

Arg sock_type_arg(const DecodeCtx& c, int i) {
  Arg a = c.flags_arg(i, {});
  a.str = socket_type_to_string(c.arg(i));
  return a;
}

// Output address: the kernel writes the length it used into *addrlen.
Arg sockaddr_out(DecodeCtx& c, int addr, int lenp) {
  socklen_t len = 0;
  if (c.failed || !c.arg(addr) || !read_value(c.mem(), c.addr(lenp), len)) return c.hex_arg(addr);
  return c.sockaddr_arg(c.addr(addr), len);
}

// struct msghdr: the address and the data, `total` bytes of it.
Arg msghdr_arg(DecodeCtx& c, int i, std::size_t total) {
  msghdr m{};
  if (!read_value(c.mem(), c.addr(i), m)) return c.unreadable(c.addr(i));
  Arg s = c.hex_arg(i);
  s.kind = ArgKind::Struct;
  s.str.clear();
  Arg name = m.msg_name ? c.sockaddr_arg(RemoteAddr{reinterpret_cast<std::uint64_t>(m.msg_name)}, m.msg_namelen)
                        : DecodeCtx::other("NULL");
  name.name = "msg_name";
  s.items.push_back(std::move(name));
  Arg data;
  data.kind = ArgKind::Array;
  data.name = "msg_iov";
  std::string raw;
  std::size_t n = std::min<std::size_t>(m.msg_iovlen, 1024);
  std::size_t budget = c.data_size;
  if (read_memory(c.mem(), RemoteAddr{reinterpret_cast<std::uint64_t>(m.msg_iov)}, n * sizeof(iovec), raw)) {
    for (std::size_t k = 0; k + 1 <= raw.size() / sizeof(iovec) && total > 0; ++k) {
      iovec v;
      std::memcpy(&v, raw.data() + k * sizeof(iovec), sizeof v);
      std::size_t len = std::min<std::size_t>(v.iov_len, total);
      total -= len;
      std::size_t saved = c.data_size;
      c.data_size = std::min(budget, len);
      data.items.push_back(c.data_arg(RemoteAddr{reinterpret_cast<std::uint64_t>(v.iov_base)}, len));
      c.data_size = saved;
      budget -= std::min(budget, len);
    }
  }
  s.items.push_back(std::move(data));
  return s;
}

void accept_exit(DecodeCtx& c) {
  c.add(sockaddr_out(c, 1, 2));
  c.add(c.hex_arg(2));
  if (!c.failed) refresh_socket(c, static_cast<int>(c.ret), true);
}

}  // namespace

// An option of SOL_SOCKET by name; another level's by number.
Arg sockopt_name(DecodeCtx& c) {
  return c.arg(1) == SOL_SOCKET ? c.enum_arg(2, kSockOpts) : c.int_arg(2);
}

// An int the call reads or writes through a pointer, shown as strace does:
// "[4]"; an address that cannot be read stays an address.
Arg int_in_memory(DecodeCtx& c, int i) {
  int v = 0;
  if (c.addr(i).null() || !read_value(c.mem(), c.addr(i), v)) return c.hex_arg(i);
  return DecodeCtx::other(fmt::format("[{}]", v));
}

// getsockopt's value: SO_ERROR as the errno it holds ("[ECONNREFUSED]": a
// non-blocking connect's outcome), other ints as numbers.
Arg sockopt_value(DecodeCtx& c) {
  int v = 0;
  int len = 0;
  if (!read_value(c.mem(), c.addr(4), len) || len != sizeof(int) || !read_value(c.mem(), c.addr(3), v))
    return c.hex_arg(3);
  if (c.arg(1) == SOL_SOCKET && c.arg(2) == SO_ERROR)
    return DecodeCtx::other(v == 0 ? std::string("[0]") : fmt::format("[{}]", errno_name(v)));
  return DecodeCtx::other(fmt::format("[{}]", v));
}

std::vector<Decoder> net_decoders() {
  return {
      {"socket",
       [](DecodeCtx& c) {
         c.add(family_arg(c, 0));
         c.add(sock_type_arg(c, 1));
         c.add(c.int_arg(2));
       },
       [](DecodeCtx& c) {
         if (c.failed) return;
         std::string ref = socket_ref(c.tid(), static_cast<int>(c.ret));
         c.track_fd(static_cast<int>(c.ret), std::move(ref), c.arg(1) & SOCK_CLOEXEC);
       }},
      {"socketpair",
       [](DecodeCtx& c) {
         c.add(family_arg(c, 0));
         c.add(sock_type_arg(c, 1));
         c.add(c.int_arg(2));
       },
       [](DecodeCtx& c) {
         int sv[2];
         if (c.failed || !read_value(c.mem(), c.addr(3), sv)) {
           c.add(c.hex_arg(3));
           return;
         }
         const std::string refs[2] = {socket_ref(c.tid(), sv[0]), socket_ref(c.tid(), sv[1])};
         c.add(c.fd_pair_arg(3, sv, refs, c.arg(1) & SOCK_CLOEXEC));
       }},
      {"connect",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.sockaddr_arg(c.addr(1), c.arg(2)));
         c.add(c.uint_arg(2));
       },
       [](DecodeCtx& c) {
         if (!c.failed || c.ev().result.errnum == EINPROGRESS) refresh_socket(c, c.iarg(0), false);
       }},
      {"bind",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.sockaddr_arg(c.addr(1), c.arg(2)));
         c.add(c.uint_arg(2));
       },
       [](DecodeCtx& c) {
         if (!c.failed) refresh_socket(c, c.iarg(0), false);
       }},
      {"listen",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.int_arg(1));
       },
       nullptr},
      {"accept", [](DecodeCtx& c) { c.add(c.fd_arg(0)); }, accept_exit},
      {"accept4", [](DecodeCtx& c) { c.add(c.fd_arg(0)); },
       [](DecodeCtx& c) {
         accept_exit(c);
         Arg f = c.flags_arg(3, {});
         std::string s = c.arg(3) ? socket_type_to_string(c.arg(3)).substr(2) : "0";
         // socket_type_to_string names the base type first ("0|SOCK_CLOEXEC");
         // accept4 flags have no base type.
         if (!s.empty() && s[0] == '|') s.erase(0, 1);
         f.str = s;
         c.add(std::move(f));
         if (!c.failed && (c.arg(3) & SOCK_CLOEXEC) && c.task.fds) {
           auto it = c.task.fds->fds.find(static_cast<int>(c.ret));
           if (it != c.task.fds->fds.end()) it->second.cloexec = true;
         }
       }},
      {"sendto",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.data_arg(c.addr(1), c.arg(2)));
         c.add(c.uint_arg(2));
         c.add(c.flags_arg(3, kMsgFlags));
         c.add(c.arg(4) ? c.sockaddr_arg(c.addr(4), c.arg(5)) : c.hex_arg(4));
         c.add(c.uint_arg(5));
       },
       nullptr},
      {"recvfrom", [](DecodeCtx& c) { c.add(c.fd_arg(0)); },
       [](DecodeCtx& c) {
         c.add(c.failed ? c.hex_arg(1) : c.data_arg(c.addr(1), static_cast<std::size_t>(c.ret)));
         c.add(c.uint_arg(2));
         c.add(c.flags_arg(3, kMsgFlags));
         c.add(sockaddr_out(c, 4, 5));
         c.add(c.hex_arg(5));
       }},
      {"sendmsg",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(msghdr_arg(c, 1, SIZE_MAX));
         c.add(c.flags_arg(2, kMsgFlags));
       },
       nullptr},
      {"getsockopt",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.enum_arg(1, kSockLevels));
         c.add(sockopt_name(c));
       },
       [](DecodeCtx& c) {
         c.add(c.failed ? c.hex_arg(3) : sockopt_value(c));
         c.add(c.failed ? c.hex_arg(4) : int_in_memory(c, 4));
       }},
      {"setsockopt",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.enum_arg(1, kSockLevels));
         c.add(sockopt_name(c));
         c.add(c.arg(4) == sizeof(int) ? int_in_memory(c, 3) : c.hex_arg(3));
         c.add(c.uint_arg(4));
       },
       nullptr},
      {"recvmsg", [](DecodeCtx& c) { c.add(c.fd_arg(0)); },
       [](DecodeCtx& c) {
         c.add(c.failed ? c.hex_arg(1) : msghdr_arg(c, 1, static_cast<std::size_t>(c.ret)));
         c.add(c.flags_arg(2, kMsgFlags));
       }},
  };
}

}  // namespace tracediff::record::detail
