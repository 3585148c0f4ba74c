// Process family: execve/execveat (path, full argv and environment),
// clone/clone3/fork/vfork, wait4/waitid, exit, kill/tkill/tgkill.
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/sched.h>
#include <sys/wait.h>

#include "record/decode.h"

namespace tracediff::record::detail {
namespace {

Arg signal_arg(const DecodeCtx& c, int i) {
  Arg a = c.int_arg(i);
  a.kind = ArgKind::Flags;
  a.str = a.raw == 0 ? "0" : signal_name(static_cast<int>(a.raw));
  return a;
}

Arg named(Arg a, const char* name) {
  a.name = name;
  return a;
}

}  // namespace

std::vector<Decoder> process_decoders() {
  return {
      {"execve",
       [](DecodeCtx& c) {
         c.add(c.path_arg(0));
         c.add(c.string_array_arg(c.addr(1)));
         c.add(c.string_array_arg(c.addr(2)));
       },
       nullptr},
      {"execveat",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(c.string_array_arg(c.addr(2)));
         c.add(c.string_array_arg(c.addr(3)));
         c.add(c.flags_arg(4, kAtFlags));
       },
       nullptr},
      {"clone",
       [](DecodeCtx& c) {
         Arg f = c.flags_arg(0, {});
         f.str = clone_flags_to_string(c.arg(0));
         c.add(named(std::move(f), "flags"));
         c.add(named(c.hex_arg(1), "child_stack"));
         c.add(named(c.hex_arg(2), "parent_tid"));
         c.add(named(c.hex_arg(3), "child_tid"));
         c.add(named(c.hex_arg(4), "tls"));
         c.task.scratch = c.arg(0);
       },
       nullptr},
      {"clone3",
       [](DecodeCtx& c) {
         clone_args ca{};
         if (!read_value(c.mem(), c.addr(0), ca)) {
           c.add(c.unreadable(c.addr(0)));
         } else {
           Arg s = c.hex_arg(0);
           s.kind = ArgKind::Struct;
           s.str.clear();
           Arg f = DecodeCtx::other(clone_flags_to_string(ca.flags));
           f.kind = ArgKind::Flags;
           f.name = "flags";
           f.has_raw = true;
           f.raw = static_cast<std::int64_t>(ca.flags);
           s.items.push_back(std::move(f));
           Arg sig = DecodeCtx::other(ca.exit_signal ? signal_name(static_cast<int>(ca.exit_signal)) : "0");
           sig.name = "exit_signal";
           s.items.push_back(std::move(sig));
           c.task.scratch = ca.flags;
           c.add(std::move(s));
         }
         c.add(c.uint_arg(1));
       },
       nullptr},
      {"fork", [](DecodeCtx& c) { c.task.scratch = 0; }, nullptr},
      {"vfork", [](DecodeCtx& c) { c.task.scratch = CLONE_VM | CLONE_VFORK; }, nullptr},
      {"wait4",
       [](DecodeCtx& c) { c.add(c.int_arg(0)); },
       [](DecodeCtx& c) {
         int status;
         if (!c.failed && c.ret > 0 && c.arg(1) && read_value(c.mem(), c.addr(1), status)) {
           Arg a = c.hex_arg(1);
           a.kind = ArgKind::Other;
           a.str = wait_status_to_string(status);
           c.add(std::move(a));
         } else {
           c.add(c.hex_arg(1));
         }
         c.add(c.flags_arg(2, kWaitOptions));
         c.add(c.hex_arg(3));
       }},
      {"waitid",
       [](DecodeCtx& c) {
         c.add(c.enum_arg(0, kIdTypes));
         c.add(c.int_arg(1));
       },
       [](DecodeCtx& c) {
         siginfo_t si;
         if (!c.failed && c.arg(2) && read_value(c.mem(), c.addr(2), si) && si.si_pid) {
           Arg a = c.hex_arg(2);
           a.kind = ArgKind::Other;
           a.str = si.si_code == CLD_EXITED
                       ? fmt::format("{{si_pid={}, si_code=CLD_EXITED, si_status={}}}", si.si_pid, si.si_status)
                       : fmt::format("{{si_pid={}, si_code={}, si_status={}}}", si.si_pid, si.si_code,
                                     signal_name(si.si_status));
           c.add(std::move(a));
         } else {
           c.add(c.hex_arg(2));
         }
         c.add(c.flags_arg(3, kWaitOptions));
         c.add(c.hex_arg(4));
       }},
      {"exit", [](DecodeCtx& c) { c.add(c.int_arg(0)); }, nullptr},
      {"exit_group", [](DecodeCtx& c) { c.add(c.int_arg(0)); }, nullptr},
      {"kill",
       [](DecodeCtx& c) {
         c.add(c.int_arg(0));
         c.add(signal_arg(c, 1));
       },
       nullptr},
      {"tkill",
       [](DecodeCtx& c) {
         c.add(c.int_arg(0));
         c.add(signal_arg(c, 1));
       },
       nullptr},
      {"tgkill",
       [](DecodeCtx& c) {
         c.add(c.int_arg(0));
         c.add(c.int_arg(1));
         c.add(signal_arg(c, 2));
       },
       nullptr},
  };
}

namespace {

const char* si_code_name(int sig, int code) {
  switch (code) {  // the codes any signal may carry (sent, not raised by a fault)
    case SI_USER: return "SI_USER";
    case SI_KERNEL: return "SI_KERNEL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TIMER: return "SI_TIMER";
    case SI_MESGQ: return "SI_MESGQ";
    case SI_ASYNCIO: return "SI_ASYNCIO";
    case SI_SIGIO: return "SI_SIGIO";
    case SI_TKILL: return "SI_TKILL";
    default: break;
  }
  static const char* const chld[] = {"CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED",
                                     "CLD_CONTINUED"};
  static const char* const segv[] = {"SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR"};
  static const char* const bus[] = {"BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO"};
  static const char* const ill[] = {"ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP",
                                    "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC", "ILL_BADSTK"};
  static const char* const fpe[] = {"FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF",
                                    "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV", "FPE_FLTSUB"};
  static const char* const trap[] = {"TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT"};
  static const char* const poll[] = {"POLL_IN", "POLL_OUT", "POLL_MSG", "POLL_ERR", "POLL_PRI", "POLL_HUP"};
  auto pick = [code](const char* const* names, int n) -> const char* {
    return code >= 1 && code <= n ? names[code - 1] : nullptr;
  };
  switch (sig) {
    case SIGCHLD: return pick(chld, 6);
    case SIGSEGV: return pick(segv, 4);
    case SIGBUS: return pick(bus, 5);
    case SIGILL: return pick(ill, 8);
    case SIGFPE: return pick(fpe, 8);
    case SIGTRAP: return pick(trap, 4);
    case SIGIO: return pick(poll, 6);
    case SIGSYS: return code == 1 ? "SYS_SECCOMP" : nullptr;
    default: return nullptr;
  }
}

Arg named(const char* name, ArgKind kind, std::int64_t raw, std::string str = {}) {
  Arg a;
  a.name = name;
  a.kind = kind;
  a.has_raw = true;
  a.raw = raw;
  a.str = str;
  return a;
}

Arg address(const char* name, const void* p) {
  auto v = static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(p));
  return v ? named(name, ArgKind::Int, v, fmt::format("{:#x}", static_cast<std::uintptr_t>(v)))
           : named(name, ArgKind::Other, 0, "NULL");
}

}  // namespace

ArgList siginfo_args(const siginfo_t& si) {
  ArgList out;
  out.push_back(named("si_signo", ArgKind::Flags, si.si_signo, signal_name(si.si_signo)));
  const char* code = si_code_name(si.si_signo, si.si_code);
  out.push_back(code ? named("si_code", ArgKind::Flags, si.si_code, code) : named("si_code", ArgKind::Int, si.si_code));
  // Sent by a process (kill, tgkill, sigqueue): who.
  if (si.si_code == SI_USER || si.si_code == SI_TKILL || si.si_code == SI_QUEUE) {
    out.push_back(named("si_pid", ArgKind::Int, si.si_pid));
    out.push_back(named("si_uid", ArgKind::Int, si.si_uid));
    return out;
  }
  if (si.si_code <= 0) return out;  // SI_TIMER, SI_ASYNCIO, ...: the code says it
  switch (si.si_signo) {
    case SIGCHLD:
      out.push_back(named("si_pid", ArgKind::Int, si.si_pid));
      out.push_back(named("si_uid", ArgKind::Int, si.si_uid));
      if (si.si_code == CLD_EXITED)
        out.push_back(named("si_status", ArgKind::Int, si.si_status));
      else
        out.push_back(named("si_status", ArgKind::Flags, si.si_status, signal_name(si.si_status)));
      out.push_back(named("si_utime", ArgKind::Int, si.si_utime));
      out.push_back(named("si_stime", ArgKind::Int, si.si_stime));
      break;
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
      out.push_back(address("si_addr", si.si_addr));
      break;
    case SIGSYS:
      out.push_back(address("si_call_addr", si.si_call_addr));
      out.push_back(named("si_syscall", ArgKind::Int, si.si_syscall));
      out.push_back(named("si_arch", ArgKind::Int, si.si_arch, fmt::format("{:#x}", si.si_arch)));
      break;
    default:
      break;
  }
  return out;
}

}  // namespace tracediff::record::detail
