// File family: open/access/stat/readlink/chdir/getcwd/mkdir/unlink/rename/
// link/symlink/chmod/chown/truncate/mount. Paths carry their absolute form;
// a returned fd carries what it opened.
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include "record/decode.h"

namespace tracediff::record::detail {
namespace {

bool wants_mode(std::uint64_t flags) { return (flags & O_CREAT) || ((flags & __O_TMPFILE) == __O_TMPFILE); }

// A successful open: the new fd refers to the path opened (its absolute
// form; /proc when that is unknown).
void opened(DecodeCtx& c, std::size_t path_index, std::uint64_t flags) {
  if (c.failed || path_index >= c.ev().args.size()) return;
  const Arg& p = c.ev().args[path_index];
  c.track_fd(static_cast<int>(c.ret), p.kind == ArgKind::Path ? p.abs.str() : std::string(), flags & O_CLOEXEC);
}

Arg access_mode(const DecodeCtx& c, int i) {
  Arg a = c.flags_arg(i, kAccessModes, "F_OK");
  return a;
}

// Output struct argument: decoded on success, the address otherwise.
Arg stat_out(DecodeCtx& c, int i) { return c.failed ? c.hex_arg(i) : c.stat_arg(c.addr(i)); }

void readlink_out(DecodeCtx& c, int buf, int size) {
  if (c.failed) {
    c.add(c.hex_arg(buf));
  } else {
    Arg a = c.data_arg(c.addr(buf), 0);
    std::string s;
    read_memory(c.mem(), c.addr(buf), static_cast<std::size_t>(c.ret), s);
    a.str = std::move(s);
    a.kind = ArgKind::String;
    c.add(std::move(a));
  }
  c.add(c.uint_arg(size));
}

void chdir_to(DecodeCtx& c, const std::string& dir) {
  if (!c.failed && c.task.fs && !dir.empty()) c.task.fs->cwd = dir;
}

}  // namespace

std::vector<Decoder> file_decoders() {
  return {
      {"open",
       [](DecodeCtx& c) {
         c.add(c.path_arg(0));
         c.add(c.open_flags_arg(1));
         if (wants_mode(c.arg(1))) c.add(c.mode_arg(2));
       },
       [](DecodeCtx& c) { opened(c, 0, c.arg(1)); }},
      {"openat",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(c.open_flags_arg(2));
         if (wants_mode(c.arg(2))) c.add(c.mode_arg(3));
       },
       [](DecodeCtx& c) { opened(c, 1, c.arg(2)); }},
      {"openat2",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         open_how how{};
         if (!read_value(c.mem(), c.addr(2), how)) {
           c.add(c.unreadable(c.addr(2)));
         } else {
           Arg s = c.hex_arg(2);
           s.kind = ArgKind::Struct;
           s.str.clear();
           Arg f = DecodeCtx::other(open_flags_to_string(how.flags));
           f.kind = ArgKind::Flags;
           f.name = "flags";
           f.has_raw = true;
           f.raw = static_cast<std::int64_t>(how.flags);
           s.items.push_back(std::move(f));
           Arg m = DecodeCtx::other(mode_to_string(static_cast<std::uint32_t>(how.mode)));
           m.kind = ArgKind::Int;
           m.name = "mode";
           s.items.push_back(std::move(m));
           Arg r = DecodeCtx::other(flags_to_string(how.resolve, kResolveFlags));
           r.kind = ArgKind::Flags;
           r.name = "resolve";
           s.items.push_back(std::move(r));
           c.task.scratch = how.flags;
           c.add(std::move(s));
         }
         c.add(c.uint_arg(3));
       },
       [](DecodeCtx& c) { opened(c, 1, c.task.scratch); }},
      {"creat",
       [](DecodeCtx& c) {
         c.add(c.path_arg(0));
         c.add(c.mode_arg(1));
       },
       [](DecodeCtx& c) { opened(c, 0, 0); }},
      {"access",
       [](DecodeCtx& c) {
         c.add(c.path_arg(0));
         c.add(access_mode(c, 1));
       },
       nullptr},
      {"faccessat",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(access_mode(c, 2));
       },
       nullptr},
      {"faccessat2",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(access_mode(c, 2));
         c.add(c.flags_arg(3, kAtFlags));
       },
       nullptr},
      {"stat", [](DecodeCtx& c) { c.add(c.path_arg(0)); }, [](DecodeCtx& c) { c.add(stat_out(c, 1)); }},
      {"lstat", [](DecodeCtx& c) { c.add(c.path_arg(0)); }, [](DecodeCtx& c) { c.add(stat_out(c, 1)); }},
      {"fstat", [](DecodeCtx& c) { c.add(c.fd_arg(0)); }, [](DecodeCtx& c) { c.add(stat_out(c, 1)); }},
      {"newfstatat",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
       },
       [](DecodeCtx& c) {
         c.add(stat_out(c, 2));
         c.add(c.flags_arg(3, kAtFlags));
       }},
      {"statx",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(c.flags_arg(2, kAtFlags));
         c.add(c.flags_arg(3, kStatxMask));
       },
       [](DecodeCtx& c) { c.add(c.failed ? c.hex_arg(4) : c.statx_arg(c.addr(4))); }},
      {"statfs", [](DecodeCtx& c) { c.add(c.path_arg(0)); }, [](DecodeCtx& c) { c.add(c.hex_arg(1)); }},
      {"fstatfs", [](DecodeCtx& c) { c.add(c.fd_arg(0)); }, [](DecodeCtx& c) { c.add(c.hex_arg(1)); }},
      {"readlink", [](DecodeCtx& c) { c.add(c.path_arg(0)); }, [](DecodeCtx& c) { readlink_out(c, 1, 2); }},
      {"readlinkat",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
       },
       [](DecodeCtx& c) { readlink_out(c, 2, 3); }},
      {"chdir", [](DecodeCtx& c) { c.add(c.path_arg(0)); },
       [](DecodeCtx& c) { chdir_to(c, c.ev().args[0].abs); }},
      {"fchdir", [](DecodeCtx& c) { c.add(c.fd_arg(0)); },
       [](DecodeCtx& c) {
         const std::string& r = c.ev().args[0].ref;
         chdir_to(c, !r.empty() && r[0] == '/' ? r : proc_cwd(c.tid()));
       }},
      {"getcwd", nullptr,
       [](DecodeCtx& c) {
         if (c.failed) {
           c.add(c.hex_arg(0));
         } else {
           Arg a = c.cstring_arg(c.addr(0));
           if (a.kind == ArgKind::String) a.kind = ArgKind::Path, a.abs = a.str;
           c.add(std::move(a));
         }
         c.add(c.uint_arg(1));
       }},
      {"mkdir",
       [](DecodeCtx& c) {
         c.add(c.path_arg(0));
         c.add(c.mode_arg(1));
       },
       nullptr},
      {"mkdirat",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(c.mode_arg(2));
       },
       nullptr},
      {"unlink", [](DecodeCtx& c) { c.add(c.path_arg(0)); }, nullptr},
      {"rmdir", [](DecodeCtx& c) { c.add(c.path_arg(0)); }, nullptr},
      {"unlinkat",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(c.flags_arg(2, kAtFlags));
       },
       nullptr},
      {"rename",
       [](DecodeCtx& c) {
         c.add(c.path_arg(0));
         c.add(c.path_arg(1));
       },
       nullptr},
      {"renameat",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(c.fd_arg(2));
         c.add(c.path_arg(3, 2));
       },
       nullptr},
      {"renameat2",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(c.fd_arg(2));
         c.add(c.path_arg(3, 2));
         c.add(c.flags_arg(4, kRenameFlags));
       },
       nullptr},
      {"link",
       [](DecodeCtx& c) {
         c.add(c.path_arg(0));
         c.add(c.path_arg(1));
       },
       nullptr},
      {"linkat",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(c.fd_arg(2));
         c.add(c.path_arg(3, 2));
         c.add(c.flags_arg(4, kAtFlags));
       },
       nullptr},
      // A symlink's target is stored as written and resolved only when
      // followed, so it gets no absolute form.
      {"symlink",
       [](DecodeCtx& c) {
         Arg t = c.path_arg(0);
         t.abs.clear();
         c.add(std::move(t));
         c.add(c.path_arg(1));
       },
       nullptr},
      {"symlinkat",
       [](DecodeCtx& c) {
         Arg t = c.path_arg(0);
         t.abs.clear();
         c.add(std::move(t));
         c.add(c.fd_arg(1));
         c.add(c.path_arg(2, 1));
       },
       nullptr},
      {"chmod",
       [](DecodeCtx& c) {
         c.add(c.path_arg(0));
         c.add(c.mode_arg(1));
       },
       nullptr},
      {"fchmod",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.mode_arg(1));
       },
       nullptr},
      {"fchmodat",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(c.mode_arg(2));
       },
       nullptr},
      {"chown",
       [](DecodeCtx& c) {
         c.add(c.path_arg(0));
         c.add(c.int_arg(1));
         c.add(c.int_arg(2));
       },
       nullptr},
      {"lchown",
       [](DecodeCtx& c) {
         c.add(c.path_arg(0));
         c.add(c.int_arg(1));
         c.add(c.int_arg(2));
       },
       nullptr},
      {"fchown",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.int_arg(1));
         c.add(c.int_arg(2));
       },
       nullptr},
      {"fchownat",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.path_arg(1, 0));
         c.add(c.int_arg(2));
         c.add(c.int_arg(3));
         c.add(c.flags_arg(4, kAtFlags));
       },
       nullptr},
      {"truncate",
       [](DecodeCtx& c) {
         c.add(c.path_arg(0));
         c.add(c.int_arg(1));
       },
       nullptr},
      {"ftruncate",
       [](DecodeCtx& c) {
         c.add(c.fd_arg(0));
         c.add(c.int_arg(1));
       },
       nullptr},
      {"mount",
       [](DecodeCtx& c) {
         // The source is a device path or a name ("proc", "tmpfs").
         Arg src = c.arg(0) ? c.path_arg(0) : c.hex_arg(0);
         if (src.kind == ArgKind::Path && (src.str.empty() || src.str[0] != '/')) src.abs.clear();
         c.add(std::move(src));
         c.add(c.path_arg(1));
         c.add(c.cstring_arg(c.addr(2)));
         c.add(c.flags_arg(3, kMountFlags));
         c.add(c.cstring_arg(c.addr(4)));
       },
       nullptr},
      {"umount2",
       [](DecodeCtx& c) {
         c.add(c.path_arg(0));
         c.add(c.flags_arg(1, kUmountFlags));
       },
       nullptr},
  };
}

}  // namespace tracediff::record::detail
