#include "record/ebpf/capture.h"

#include <linux/openat2.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <initializer_list>
#include <stdexcept>
#include <string>

#include "record/syscalls.h"

namespace tracediff::record::detail::ebpf {
namespace {

td_cap cap(td_cap_kind kind, int arg, int flags = 0, unsigned max = 0, int len_arg = 0) {
  td_cap c{};
  c.kind = static_cast<__u8>(kind);
  c.arg = static_cast<__u8>(arg);
  c.len_arg = static_cast<__u8>(len_arg);
  c.flags = static_cast<__u8>(flags);
  c.max = max;
  return c;
}

// The forms the decoders read, by what they are.
td_cap path(int arg) { return cap(TD_CAP_CSTR, arg, 0, TD_STR_MAX); }
td_cap cstr(int arg, unsigned max, int flags = 0) { return cap(TD_CAP_CSTR, arg, flags, max); }
/// A struct the call reads (flags 0) or writes (TD_F_SUCCESS).
template <typename T>
td_cap fixed(int arg, int flags = 0) { return cap(TD_CAP_BUF, arg, flags, sizeof(T)); }
td_cap fixed_size(int arg, unsigned size, int flags = 0) { return cap(TD_CAP_BUF, arg, flags, size); }
/// Data the program passes (write): args[len_arg] bytes, cut at -s.
td_cap data_in(int arg, int len_arg) { return cap(TD_CAP_BUF, arg, TD_F_LEN_ARG | TD_F_DATA, TD_DATA_MAX, len_arg); }
/// Data the kernel filled (read): the returned count, cut at -s.
td_cap data_out(int arg) { return cap(TD_CAP_BUF, arg, TD_F_SUCCESS | TD_F_LEN_RET | TD_F_DATA, TD_DATA_MAX); }
/// A name the kernel filled (readlink): the returned count, whole.
td_cap text_out(int arg) { return cap(TD_CAP_BUF, arg, TD_F_SUCCESS | TD_F_LEN_RET, TD_STR_MAX); }
td_cap sockaddr_in(int arg, int len_arg) { return cap(TD_CAP_SOCKADDR, arg, 0, TD_SOCKADDR_MAX, len_arg); }
td_cap sockaddr_out(int arg, int lenp_arg) { return cap(TD_CAP_SOCKADDR_OUT, arg, TD_F_SUCCESS, TD_SOCKADDR_MAX, lenp_arg); }
td_cap iov_in(int arg, int cnt_arg) { return cap(TD_CAP_IOV, arg, 0, 0, cnt_arg); }
td_cap iov_out(int arg, int cnt_arg) { return cap(TD_CAP_IOV, arg, TD_F_SUCCESS | TD_F_LEN_RET, 0, cnt_arg); }
td_cap argv(int arg) { return cap(TD_CAP_ARGV, arg, TD_F_FAILURE); }
td_cap when(td_cap c, int cond_arg, int value) {
  c.flags |= TD_F_COND;
  c.cond_arg = static_cast<__u8>(cond_arg);
  c.cond_val = value;
  return c;
}

struct Rule {
  const char* call;
  std::initializer_list<td_cap> caps;
};

// What each decoder reads, in the decoder's terms. Strings and buffers are
// read when the call returns (the kernel has just copied them, so their
// pages are resident); a successful execve's argv and environment are read
// from the new program's stack at the exec tracepoint instead (the caller's
// memory is gone by then), so the rows below cover only a failing one.
const Rule kRules[] = {
    // file family (decode_file.cc)
    {"open", {path(0)}},
    {"openat", {path(1)}},
    {"openat2", {path(1), fixed<open_how>(2)}},
    {"creat", {path(0)}},
    {"access", {path(0)}},
    {"faccessat", {path(1)}},
    {"faccessat2", {path(1)}},
    {"stat", {path(0), fixed<struct stat>(1, TD_F_SUCCESS)}},
    {"lstat", {path(0), fixed<struct stat>(1, TD_F_SUCCESS)}},
    {"fstat", {fixed<struct stat>(1, TD_F_SUCCESS)}},
    {"newfstatat", {path(1), fixed<struct stat>(2, TD_F_SUCCESS)}},
    {"statx", {path(1), fixed<struct statx>(4, TD_F_SUCCESS)}},
    {"statfs", {path(0)}},
    {"readlink", {path(0), text_out(1)}},
    {"readlinkat", {path(1), text_out(2)}},
    {"chdir", {path(0)}},
    {"getcwd", {cstr(0, TD_STR_MAX, TD_F_SUCCESS)}},
    {"mkdir", {path(0)}},
    {"mkdirat", {path(1)}},
    {"unlink", {path(0)}},
    {"rmdir", {path(0)}},
    {"unlinkat", {path(1)}},
    {"rename", {path(0), path(1)}},
    {"renameat", {path(1), path(3)}},
    {"renameat2", {path(1), path(3)}},
    {"link", {path(0), path(1)}},
    {"linkat", {path(1), path(3)}},
    {"symlink", {path(0), path(1)}},
    {"symlinkat", {path(0), path(2)}},
    {"chmod", {path(0)}},
    {"fchmodat", {path(1)}},
    {"chown", {path(0)}},
    {"lchown", {path(0)}},
    {"fchownat", {path(1)}},
    {"truncate", {path(0)}},
    {"mount", {path(0), path(1), cstr(2, TD_STR_MAX), cstr(4, TD_STR_MAX)}},
    {"umount2", {path(0)}},
    // fd family (decode_fd.cc)
    {"read", {data_out(1)}},
    {"pread64", {data_out(1)}},
    {"write", {data_in(1, 2)}},
    {"pwrite64", {data_in(1, 2)}},
    {"readv", {iov_out(1, 2)}},
    {"writev", {iov_in(1, 2)}},
    {"pipe", {fixed_size(0, 2 * sizeof(int), TD_F_SUCCESS)}},
    {"pipe2", {fixed_size(0, 2 * sizeof(int), TD_F_SUCCESS)}},
    {"getdents64", {cap(TD_CAP_DIRENTS, 1, TD_F_SUCCESS)}},
    // process family (decode_process.cc)
    {"execve", {path(0), argv(1), argv(2)}},
    {"execveat", {path(1), argv(2), argv(3)}},
    {"clone3", {fixed<clone_args>(0)}},
    {"wait4", {fixed<int>(1, TD_F_SUCCESS)}},
    {"waitid", {fixed<siginfo_t>(2, TD_F_SUCCESS)}},
    // network family (decode_net.cc)
    {"socketpair", {fixed_size(3, 2 * sizeof(int), TD_F_SUCCESS)}},
    {"connect", {sockaddr_in(1, 2)}},
    {"bind", {sockaddr_in(1, 2)}},
    {"accept", {sockaddr_out(1, 2)}},
    {"accept4", {sockaddr_out(1, 2)}},
    {"sendto", {data_in(1, 2), sockaddr_in(4, 5)}},
    {"recvfrom", {data_out(1), sockaddr_out(4, 5)}},
    {"sendmsg", {cap(TD_CAP_MSGHDR, 1)}},
    {"recvmsg", {cap(TD_CAP_MSGHDR, 1, TD_F_SUCCESS | TD_F_LEN_RET)}},
    // credentials (decode_creds.cc). setgroups: 32 groups; a probe read is
    // all or nothing, so reading far past a short list could fail it whole.
    {"setgroups", {fixed_size(1, 32 * 4)}},
    {"capset", {fixed_size(0, 8), fixed_size(1, 24)}},
    {"prctl", {when(cstr(1, 16), 0, PR_SET_NAME), when(cstr(1, 16, TD_F_SUCCESS), 0, PR_GET_NAME)}},
};

}  // namespace

std::vector<td_row> build_capture_table() {
  std::vector<td_row> rows(static_cast<std::size_t>(syscall_count()));
  for (const Rule& r : kRules) {
    int nr = syscall_number(r.call);
    if (nr < 0) continue;  // not on this architecture
    if (r.caps.size() > TD_MAX_CAPS) throw std::logic_error(std::string("capture table: too many captures for ") + r.call);
    td_row& row = rows[static_cast<std::size_t>(nr)];
    std::size_t i = 0;
    for (const td_cap& c : r.caps) row.cap[i++] = c;
  }
  return rows;
}

}  // namespace tracediff::record::detail::ebpf
