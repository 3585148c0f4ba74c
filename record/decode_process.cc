// Process family: execve/execveat (path, full argv and environment),
// clone/clone3/fork/vfork, wait4/waitid, exit, kill/tkill/tgkill.
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/sched.h>
#include <sys/wait.h>

#include "record/decode.h"

namespace tracediff::detail {
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
         c.add(c.string_array_arg(c.addr(1), false));
         c.add(c.string_array_arg(c.addr(2), true));
       },
       nullptr},
      {"execveat",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(c.string_array_arg(c.addr(2), false));
         c.add(c.string_array_arg(c.addr(3), true));
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
         if (!read_value(c.tid(), c.addr(0), ca)) {
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
         if (!c.failed && c.ret > 0 && c.arg(1) && read_value(c.tid(), c.addr(1), status)) {
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
         if (!c.failed && c.arg(2) && read_value(c.tid(), c.addr(2), si) && si.si_pid) {
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

}  // namespace tracediff::detail
