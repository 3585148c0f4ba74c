// Unit tests of the recorder's pure parts: the generated table, class
// selection, flag tables, path resolution, the seccomp program (run through
// a small BPF interpreter). The redaction rules are tested in tests/redact.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cstddef>
#include <cstring>
#include <future>
#include <thread>

#include "model/coverage.h"
#include "model/paths.h"
#include "record/coverage.h"
#include "record/decode.h"
#include "record/flags.h"
#include "record/internal.h"
#include "record/state.h"
#include "record/proc_status.h"
#include "record/syscalls.h"
#include "record/wait_status.h"
#include "tracefile/tracefile.h"

namespace tracediff::record::detail {
namespace {

TEST(SyscallTable, MatchesTheSystemHeaders) {
  EXPECT_EQ(syscall_name(SYS_read), "read");
  EXPECT_EQ(syscall_name(SYS_openat), "openat");
  EXPECT_EQ(syscall_name(SYS_execve), "execve");
  EXPECT_EQ(syscall_number("clone3"), SYS_clone3);
  EXPECT_EQ(syscall_number("no_such_call"), -1);
  EXPECT_EQ(syscall_name(-1), "");
  EXPECT_GT(syscall_count(), SYS_openat2);
  EXPECT_STREQ(syscall_arch(), "x86_64");
}

TEST(SelectSyscalls, DefaultLeavesOutMemoryFutexClockSignalMaskScheduling) {
  auto s = select_syscalls({}, false);
  for (const char* out : {"madvise", "munmap", "futex", "clock_gettime", "rt_sigprocmask", "sched_yield"})
    EXPECT_FALSE(s[syscall_number(out)]) << out;
  // Mappings stay in: a failing mmap is a MemoryError or a noexec plugin.
  for (const char* in : {"openat", "execve", "write", "read", "connect", "clone", "setuid", "exit_group",
                         "getdents64", "ioctl", "mmap", "mprotect", "brk"})
    EXPECT_TRUE(s[syscall_number(in)]) << in;
}

TEST(SelectSyscalls, NamesClassesNegationAndAll) {
  auto s = select_syscalls({"trace=%network,openat"}, false);
  EXPECT_TRUE(s[SYS_connect]);
  EXPECT_TRUE(s[SYS_openat]);
  EXPECT_FALSE(s[SYS_read]);
  auto neg = select_syscalls({"!%memory"}, false);
  EXPECT_FALSE(neg[SYS_mmap]);
  EXPECT_TRUE(neg[SYS_read]);
  auto all = select_syscalls({}, true);
  EXPECT_TRUE(all[SYS_mmap]);
  auto desc = select_syscalls({"%desc"}, false);
  EXPECT_TRUE(desc[SYS_close]);
  EXPECT_THROW(select_syscalls({"%nonsense"}, false), InputError);
  EXPECT_THROW(select_syscalls({"opne"}, false), InputError);
}

TEST(Flags, OpenFlagsAccessModeFirst) {
  EXPECT_EQ(open_flags_to_string(O_RDONLY | O_CLOEXEC), "O_RDONLY|O_CLOEXEC");
  EXPECT_EQ(open_flags_to_string(O_WRONLY | O_CREAT | O_TRUNC), "O_WRONLY|O_CREAT|O_TRUNC");
  EXPECT_EQ(open_flags_to_string(O_RDWR | O_TMPFILE), "O_RDWR|O_TMPFILE");
  EXPECT_EQ(open_flags_to_string(O_RDONLY | O_SYNC), "O_RDONLY|O_SYNC");
}

TEST(Flags, TablesAndUnknownBits) {
  EXPECT_EQ(flags_to_string(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, kAtFlags), "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH");
  EXPECT_EQ(flags_to_string(0, kAccessModes, "F_OK"), "F_OK");
  EXPECT_EQ(flags_to_string(0x80000000ULL | MSG_PEEK, kMsgFlags), "MSG_PEEK|0x80000000");
  EXPECT_EQ(enum_to_string(AF_INET6, kAddressFamilies), "AF_INET6");
  EXPECT_EQ(enum_to_string(12345, kAddressFamilies), "12345");
  EXPECT_EQ(mode_to_string(0755), "0755");
  EXPECT_EQ(stat_mode_to_string(S_IFDIR | 01777), "S_IFDIR|1777");
  EXPECT_EQ(clone_flags_to_string(CLONE_VM | CLONE_VFORK | SIGCHLD), "CLONE_VM|CLONE_VFORK|SIGCHLD");
  EXPECT_EQ(socket_type_to_string(SOCK_STREAM | SOCK_CLOEXEC), "SOCK_STREAM|SOCK_CLOEXEC");
  EXPECT_EQ(wait_status_to_string(3 << 8), "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]");
  EXPECT_EQ(wait_status_to_string(SIGKILL), "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}]");
}

// Statuses as the kernel builds them (wait(2)): exit code << 8, the fatal
// signal (| 0x80 for a core), 0x7f | signal << 8 | event << 16 for stops.
TEST(WaitStatus, NamesEachKind) {
  struct Case {
    int status;
    WaitStatus::Kind kind;
    const char* text;
  };
  const Case cases[] = {
      {3 << 8, WaitStatus::Exited, "exited 3"},
      {SIGKILL, WaitStatus::Killed, "killed by SIGKILL"},
      {SIGSEGV | 0x80, WaitStatus::Killed, "killed by SIGSEGV (core dumped)"},
      {W_STOPCODE(SIGTRAP | 0x80), WaitStatus::SyscallStop, "syscall stop"},
      {W_STOPCODE(SIGTRAP) | PTRACE_EVENT_SECCOMP << 16, WaitStatus::SeccompStop, "seccomp stop"},
      {W_STOPCODE(SIGTRAP) | PTRACE_EVENT_EXEC << 16, WaitStatus::PtraceEvent, "ptrace event EXEC"},
      {W_STOPCODE(SIGTRAP) | PTRACE_EVENT_STOP << 16, WaitStatus::PtraceEvent, "ptrace event STOP"},
      {W_STOPCODE(SIGTSTP) | PTRACE_EVENT_STOP << 16, WaitStatus::GroupStop, "group stop SIGTSTP"},
      {W_STOPCODE(SIGSTOP) | PTRACE_EVENT_STOP << 16, WaitStatus::GroupStop, "group stop SIGSTOP"},
      {W_STOPCODE(SIGUSR1), WaitStatus::SignalStop, "signal-delivery stop SIGUSR1"},
      {W_STOPCODE(SIGSTOP), WaitStatus::SignalStop, "signal-delivery stop SIGSTOP"},
      {0xffff, WaitStatus::Continued, "wait status 0xffff"},
  };
  for (const Case& c : cases) {
    WaitStatus ws(c.status);
    EXPECT_EQ(ws.kind(), c.kind) << c.text;
    EXPECT_EQ(ws.describe(), c.text);
  }
}

TEST(WaitStatus, FieldsOfEachKind) {
  WaitStatus exited(3 << 8);
  EXPECT_TRUE(exited.ended());
  EXPECT_FALSE(exited.stopped());
  EXPECT_EQ(exited.exit_code(), 3);
  EXPECT_EQ(exited.shell_status(), 3);
  EXPECT_EQ(exited.fatal_signal(), 0);

  WaitStatus core(SIGABRT | 0x80);
  EXPECT_TRUE(core.ended());
  EXPECT_EQ(core.fatal_signal(), SIGABRT);
  EXPECT_TRUE(core.core_dumped());
  EXPECT_EQ(core.shell_status(), 128 + SIGABRT);
  EXPECT_EQ(core.exit_code(), -1);

  WaitStatus fork_event(W_STOPCODE(SIGTRAP) | PTRACE_EVENT_FORK << 16);
  EXPECT_TRUE(fork_event.stopped());
  EXPECT_FALSE(fork_event.ended());
  EXPECT_EQ(fork_event.ptrace_event(), PTRACE_EVENT_FORK);
  EXPECT_EQ(fork_event.stop_signal(), SIGTRAP);
  EXPECT_EQ(fork_event.shell_status(), -1);

  WaitStatus group(W_STOPCODE(SIGTTIN) | PTRACE_EVENT_STOP << 16);
  EXPECT_EQ(group.stop_signal(), SIGTTIN);
  EXPECT_EQ(group.ptrace_event(), PTRACE_EVENT_STOP);

  WaitStatus delivery(W_STOPCODE(SIGCHLD));
  EXPECT_EQ(delivery.stop_signal(), SIGCHLD);
  EXPECT_EQ(delivery.ptrace_event(), 0);
}

TEST(ProcStatus, ParsesTheLinesTheRecorderUses) {
  const char* text =
      "Name:\tsu do\nUmask:\t0027\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\nPid:\t4243\nPPid:\t1\n"
      "TracerPid:\t999\nUid:\t1000\t0\t0\t0\nGid:\t100\t101\t102\t103\nFDSize:\t64\n"
      "Groups:\t4 24 27 \nCapEff:\t000001ffffffffff\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t3\n"
      "Cpus_allowed_list:\t0-1\n";
  ProcStatus st = parse_proc_status(text);
  EXPECT_EQ(st.name, "su do");
  EXPECT_EQ(st.umask, 027u);
  EXPECT_EQ(st.tgid, 4242);
  EXPECT_EQ(st.ppid, 1);
  EXPECT_EQ(st.tracer, 999);
  EXPECT_EQ(st.uid_count, 4);
  EXPECT_EQ(st.uid[0], 1000u);
  EXPECT_EQ(st.euid(), 0u);
  EXPECT_EQ(st.gid_count, 4);
  EXPECT_EQ(st.egid(), 101u);
  EXPECT_EQ(st.gid[3], 103u);
  EXPECT_EQ(st.groups, (std::vector<std::uint32_t>{4, 24, 27}));
  EXPECT_EQ(st.cap_eff, "000001ffffffffff");
  EXPECT_TRUE(st.no_new_privs);
  EXPECT_EQ(st.seccomp, 2);
  EXPECT_EQ(st.seccomp_filters, 3);

  // An old kernel's file (no Umask, no Seccomp_filters), no groups, and
  // lines cut short: fields stay at their defaults, nothing throws.
  ProcStatus old = parse_proc_status("Name:\tsh\nTgid:\t7\nUid:\t5\nGroups:\t\nSeccomp:\t0\ngarbage\n");
  EXPECT_FALSE(old.umask);
  EXPECT_EQ(old.tgid, 7);
  EXPECT_EQ(old.uid_count, 1);
  EXPECT_EQ(old.gid_count, 0);
  EXPECT_TRUE(old.groups.empty());
  EXPECT_EQ(old.seccomp_filters, 0);
}

TEST(ProcStatus, ReadsALiveTask) {
  std::optional<ProcStatus> self = read_proc_status(getpid());
  ASSERT_TRUE(self);
  EXPECT_EQ(self->tgid, getpid());
  EXPECT_EQ(self->ppid, getppid());
  EXPECT_EQ(self->euid(), geteuid());
  EXPECT_EQ(self->egid(), getegid());
  std::optional<ProcStatus> own = read_own_status();
  ASSERT_TRUE(own);
  EXPECT_EQ(own->tgid, getpid());
  EXPECT_FALSE(read_proc_status(0x7ffffff0)) << "beyond pid_max: no such task";
}

TEST(Coverage, CallsThatInstallAFilter) {
  std::uint64_t args[6] = {SECCOMP_SET_MODE_FILTER, 0, 0, 0, 0, 0};
  EXPECT_TRUE(installs_seccomp(SYS_seccomp, args));
  args[0] = SECCOMP_SET_MODE_STRICT;
  EXPECT_TRUE(installs_seccomp(SYS_seccomp, args));
  args[0] = SECCOMP_GET_ACTION_AVAIL;  // libseccomp's probes install nothing
  EXPECT_FALSE(installs_seccomp(SYS_seccomp, args));
  args[0] = PR_SET_SECCOMP;
  EXPECT_TRUE(installs_seccomp(SYS_prctl, args));
  args[0] = PR_SET_NO_NEW_PRIVS;
  EXPECT_FALSE(installs_seccomp(SYS_prctl, args));
  args[0] = SECCOMP_SET_MODE_FILTER;
  EXPECT_FALSE(installs_seccomp(SYS_openat, args));
}

TEST(Coverage, WritesOnlyWhatItCounted) {
  PidSet s;
  EXPECT_TRUE(s.add(7));
  EXPECT_FALSE(s.add(7));
  for (pid_t p = 100; p < 120; ++p) s.add(p);
  EXPECT_EQ(s.count, 21u);
  EXPECT_EQ(s.pids.size(), 8u) << "the header lists a few, the count says how many";

  Header h;
  h.options["filter"] = "seccomp-bpf";
  Coverage c;
  c.write_to(h);
  EXPECT_EQ(h.options.size(), 1u) << "nothing counted, nothing written";
  c.seccomp_installed.add(42);
  c.seccomp_installed.add(43);
  c.recorder_filtered = true;
  c.write_to(h);
  EXPECT_EQ(h.options["seccomp.installed"], "2");
  EXPECT_EQ(h.options["seccomp.installed_pids"], "42,43");
  EXPECT_EQ(h.options["seccomp.recorder"], "1");
  EXPECT_EQ(h.options.count("seccomp.at_attach"), 0u);
  EXPECT_FALSE(recording_notes(h).empty());
  c = Coverage{};
  c.write_to(h);
  EXPECT_EQ(h.options.size(), 1u) << "a count back at zero is removed";
}

TEST(Coverage, CountsUnreadableArgumentsAtAnyDepth) {
  Arg path;
  path.kind = ArgKind::Path;
  Arg bad;
  bad.kind = ArgKind::Unreadable;
  Arg argv;
  argv.kind = ArgKind::Array;
  argv.items = {path, bad, bad};
  EXPECT_EQ(count_unreadable({}), 0u);
  EXPECT_EQ(count_unreadable({path, bad}), 1u);
  EXPECT_EQ(count_unreadable({bad, argv}), 3u);
}

TEST(AbsolutePath, ResolvesAndNormalizes) {
  EXPECT_EQ(absolute_path("/home/u", "a/../b/./c"), "/home/u/b/c");
  EXPECT_EQ(absolute_path("/home/u", "/etc//passwd"), "/etc/passwd");
  EXPECT_EQ(absolute_path("/", "tmp/"), "/tmp");
  EXPECT_EQ(absolute_path("", "relative"), "");
  EXPECT_EQ(absolute_path("/x", ""), "");
}

// Runs a classic BPF program over seccomp_data, supporting what
// build_seccomp_filter emits.
std::uint32_t run_bpf(const std::vector<sock_filter>& prog, std::uint32_t arch, int nr) {
  seccomp_data d{};
  d.arch = arch;
  d.nr = nr;
  std::uint32_t acc = 0;
  for (std::size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& f = prog[pc];
    switch (f.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        std::memcpy(&acc, reinterpret_cast<const char*>(&d) + f.k, 4);
        break;
      case BPF_JMP | BPF_JEQ | BPF_K: pc += acc == f.k ? f.jt : f.jf; break;
      case BPF_JMP | BPF_JGE | BPF_K: pc += acc >= f.k ? f.jt : f.jf; break;
      case BPF_JMP | BPF_JGT | BPF_K: pc += acc > f.k ? f.jt : f.jf; break;
      case BPF_RET | BPF_K: return f.k;
      default: ADD_FAILURE() << "unexpected BPF opcode " << f.code; return 0;
    }
  }
  ADD_FAILURE() << "fell off the program";
  return 0;
}

TEST(SeccompFilter, TracesExactlyTheSelectedCalls) {
  for (auto sel : {select_syscalls({}, false), select_syscalls({"%file"}, false),
                   select_syscalls({"read,write,openat"}, false), select_syscalls({"!%memory"}, false)}) {
    auto prog = build_seccomp_filter(sel);
    ASSERT_LT(prog.size(), 4096u);  // BPF_MAXINSNS
    for (int nr = 0; nr < static_cast<int>(sel.size()); ++nr)
      EXPECT_EQ(run_bpf(prog, AUDIT_ARCH_X86_64, nr), sel[nr] ? SECCOMP_RET_TRACE : SECCOMP_RET_ALLOW)
          << syscall_name(nr);
    EXPECT_EQ(run_bpf(prog, AUDIT_ARCH_X86_64, 0x40000000 | SYS_mmap), SECCOMP_RET_TRACE);  // x32
    EXPECT_EQ(run_bpf(prog, AUDIT_ARCH_I386, 5), SECCOMP_RET_TRACE);
  }
}

TEST(Decoders, EveryDecoderNamesARealCall) {
  const auto& t = decoder_table();
  for (const char* n : {"openat", "execve", "connect", "setresuid", "getdents64", "clone3", "umask"})
    EXPECT_NE(t[syscall_number(n)], nullptr) << n;
  for (auto fam : {file_decoders, fd_decoders, process_decoders, net_decoders, creds_decoders, misc_decoders})
    for (const Decoder& d : fam()) EXPECT_GE(syscall_number(d.name), 0) << d.name;
}

TEST(PermSnapshot, WalksComponentsUntilTheFirstMissing) {
  Creds c;
  PermSnapshot s = snapshot_permissions(getpid(), "/etc/no-such-dir/x", c);
  ASSERT_EQ(s.components.size(), 3u);
  EXPECT_EQ(s.components[0].path, "/");
  EXPECT_TRUE(s.components[0].exists);
  EXPECT_EQ(s.components[1].path, "/etc");
  EXPECT_EQ(s.components[1].type, "dir");
  EXPECT_EQ(s.components[2].path, "/etc/no-such-dir");
  EXPECT_FALSE(s.components[2].exists);
  EXPECT_EQ(s.uid, geteuid());
  EXPECT_TRUE(wants_perm_snapshot(EACCES));
  EXPECT_FALSE(wants_perm_snapshot(EAGAIN));
}

}  // namespace
}  // namespace tracediff::record::detail

namespace tracediff::record::detail {
namespace {

TEST(PermSnapshot, CacheGivesTheSameAnswer) {
  Creds c;
  PermCache cache;
  PermSnapshot plain = snapshot_permissions(getpid(), "/usr/share/no-such/file", c);
  PermSnapshot first = snapshot_permissions(getpid(), "/usr/share/no-such/file", c, &cache);
  EXPECT_FALSE(cache.components.empty());
  PermSnapshot cached = snapshot_permissions(getpid(), "/usr/share/no-such/file", c, &cache);
  EXPECT_EQ(plain, first);
  EXPECT_EQ(plain, cached);
  std::uint64_t args[6] = {0, 0, O_CREAT, 0, 0, 0};
  EXPECT_TRUE(changes_file_system(SYS_openat, args));
  args[2] = O_RDONLY;
  EXPECT_FALSE(changes_file_system(SYS_openat, args));
  EXPECT_TRUE(changes_file_system(SYS_mkdir, args));
  EXPECT_FALSE(changes_file_system(SYS_read, args));
}

TEST(AttachDeniedHint, NamesTheUsualReasonInTheKernelsOrder) {
  AttachDenial d;
  d.our_uid = 1000;
  d.target_uids = {1000, 1000, 1000};
  EXPECT_EQ(attach_denied_hint(d), "") << "nothing known explains it";

  AttachDenial traced = d;
  traced.tracer = 42;
  traced.tracer_comm = "strace";
  traced.yama_scope = 3;
  EXPECT_EQ(attach_denied_hint(traced), " (already traced by process 42, strace)");
  traced.tracer_comm.clear();
  EXPECT_EQ(attach_denied_hint(traced), " (already traced by process 42)");

  AttachDenial other = d;
  other.target_uids = {1000, 0, 0};  // a set-user-ID program started by uid 1000
  EXPECT_EQ(attach_denied_hint(other), " (it runs as uid 0 and tracediff as uid 1000: attach as that user or as root)");
  other.cap_sys_ptrace = true;
  EXPECT_EQ(attach_denied_hint(other), "") << "CAP_SYS_PTRACE may trace any user's process";

  AttachDenial yama = d;
  yama.yama_scope = 1;
  EXPECT_NE(attach_denied_hint(yama).find("ptrace_scope is 1: a process may only trace its own children"),
            std::string::npos);
  yama.yama_scope = 2;
  EXPECT_NE(attach_denied_hint(yama).find("ptrace_scope is 2: only root"), std::string::npos);
  yama.cap_sys_ptrace = true;
  EXPECT_EQ(attach_denied_hint(yama), "") << "scopes 1 and 2 let CAP_SYS_PTRACE through";
  yama.yama_scope = 3;
  EXPECT_NE(attach_denied_hint(yama).find("ptrace_scope is 3: no process may attach"), std::string::npos);
  yama.yama_scope = 0;
  EXPECT_EQ(attach_denied_hint(yama), "");
}

TEST(ThreadGroupOf, AThreadBelongsToItsProcess) {
  EXPECT_EQ(thread_group_of(getpid()), getpid());
  std::promise<pid_t> started;
  std::promise<void> done;
  std::thread t([&] {
    started.set_value(static_cast<pid_t>(syscall(SYS_gettid)));
    done.get_future().wait();
  });
  pid_t worker = started.get_future().get();
  EXPECT_NE(worker, getpid());
  EXPECT_EQ(thread_group_of(worker), getpid());
  done.set_value();
  t.join();
  // No such task (beyond pid_max): the id comes back as given, and the
  // caller's own check reports "no such process".
  EXPECT_EQ(thread_group_of(0x7ffffff0), 0x7ffffff0);
}

}  // namespace
}  // namespace tracediff::record::detail
