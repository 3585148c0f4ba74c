// Credentials family: set*id, setgroups, capset, prctl. Any of them may
// change what the caller is allowed: the cached credentials used by
// permission snapshots are dropped when one succeeds.
#include <fmt/format.h>
#include <linux/capability.h>
#include <sys/prctl.h>

#include "record/decode.h"

namespace tracediff::record::detail {
namespace {

void creds_changed(DecodeCtx& c) {
  if (!c.failed && c.task.creds) c.task.creds->valid = false;
}

template <int N>
void ids(DecodeCtx& c) {
  for (int i = 0; i < N; ++i) c.add(c.int_arg(i));
}

}  // namespace

std::vector<Decoder> creds_decoders() {
  return {
      {"setuid", ids<1>, creds_changed},
      {"setgid", ids<1>, creds_changed},
      {"setfsuid", ids<1>, creds_changed},
      {"setfsgid", ids<1>, creds_changed},
      {"setreuid", ids<2>, creds_changed},
      {"setregid", ids<2>, creds_changed},
      {"setresuid", ids<3>, creds_changed},
      {"setresgid", ids<3>, creds_changed},
      {"setgroups",
       [](DecodeCtx& c) {
         c.add(c.int_arg(0));
         std::size_t n = std::min<std::uint64_t>(c.arg(0), 65536);  // NGROUPS_MAX
         std::string raw;
         if (c.arg(1) && n && read_memory(c.mem(), c.addr(1), n * 4, raw)) {
           Arg arr = c.hex_arg(1);
           arr.kind = ArgKind::Array;
           arr.str.clear();
           for (std::size_t i = 0; i + 4 <= raw.size(); i += 4) {
             std::uint32_t g;
             __builtin_memcpy(&g, raw.data() + i, 4);
             Arg a;
             a.kind = ArgKind::Int;
             a.has_raw = true;
             a.raw = g;
             arr.items.push_back(std::move(a));
           }
           c.add(std::move(arr));
         } else {
           c.add(c.hex_arg(1));
         }
       },
       creds_changed},
      {"capset",
       [](DecodeCtx& c) {
         __user_cap_header_struct hdr{};
         __user_cap_data_struct data[2]{};
         if (!read_value(c.mem(), c.addr(0), hdr)) {
           c.add(c.unreadable(c.addr(0)));
         } else {
           c.add(DecodeCtx::other(fmt::format("{{version={:#x}, pid={}}}", hdr.version, hdr.pid)));
         }
         if (!read_value(c.mem(), c.addr(1), data)) {
           c.add(c.unreadable(c.addr(1)));
         } else {
           auto set = [&](std::uint32_t lo, std::uint32_t hi) {
             return fmt::format("{:#x}", (static_cast<std::uint64_t>(hi) << 32) | lo);
           };
           c.add(DecodeCtx::other(fmt::format("{{effective={}, permitted={}, inheritable={}}}",
                                              set(data[0].effective, data[1].effective),
                                              set(data[0].permitted, data[1].permitted),
                                              set(data[0].inheritable, data[1].inheritable))));
         }
       },
       creds_changed},
      {"prctl",
       [](DecodeCtx& c) {
         c.add(c.enum_arg(0, kPrctlOptions));
         switch (c.iarg(0)) {
           case PR_SET_NAME: c.add(c.cstring_arg(c.addr(1), 16)); break;  // TASK_COMM_LEN
           case PR_SET_PDEATHSIG: {
             Arg a = c.int_arg(1);
             a.kind = ArgKind::Flags;
             a.str = a.raw ? signal_name(static_cast<int>(a.raw)) : "0";
             c.add(std::move(a));
             break;
           }
           case PR_SET_NO_NEW_PRIVS:
           case PR_SET_DUMPABLE:
           case PR_SET_KEEPCAPS:
           case PR_SET_CHILD_SUBREAPER:
           case PR_CAPBSET_READ:
           case PR_CAPBSET_DROP:
           case PR_SET_SECUREBITS: c.add(c.uint_arg(1)); break;
           case PR_GET_NAME:
           case PR_GET_DUMPABLE:
           case PR_GET_NO_NEW_PRIVS:
           case PR_GET_KEEPCAPS:
           case PR_GET_SECUREBITS:
           case PR_GET_SECCOMP: break;
           default:
             for (int i = 1; i < 5; ++i) c.add(c.hex_arg(i));
         }
       },
       [](DecodeCtx& c) {
         int op = c.iarg(0);
         if (op == PR_GET_NAME && !c.failed) c.add(c.cstring_arg(c.addr(1), 16));
         if (op == PR_CAPBSET_DROP || op == PR_SET_SECUREBITS || op == PR_SET_KEEPCAPS) creds_changed(c);
       }},
  };
}

}  // namespace tracediff::record::detail
