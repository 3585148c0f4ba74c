// The decoder interface: one entry and one exit function per call, grouped
// one file per family (decode_file.cc, decode_fd.cc, decode_process.cc,
// decode_net.cc, decode_creds.cc, decode_misc.cc). Entry decoders read the
// inputs while the tracee is stopped at the call; exit decoders read the
// outputs and update what the recorder tracks (fds, cwd).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "record/flags.h"
#include "record/memory.h"
#include "record/state.h"
#include "model/trace.h"

namespace tracediff::record::detail {

/// Everything a decoder sees: the task, its call's raw arguments, the event
/// being built, and the recording options that shape decoding.
struct DecodeCtx {
  Task& task;
  std::size_t data_size;  ///< -s: bytes of data buffers kept
  std::int64_t ret = 0;   ///< exit only: the raw return value
  bool failed = false;    ///< exit only: the call returned an errno
  /// Where the task's memory is read from; null: the live task (ptrace).
  /// The eBPF recorder passes what its kernel program captured at the call.
  const MemorySource* memory = nullptr;
  /// Bytes of each regular file's content kept, over all the reads of one
  /// fd, beside -s (0: none beyond -s). What a config file, a CA bundle or
  /// /etc/hosts held is evidence when two hosts read it differently.
  std::size_t content_size = 0;
  /// The live task's memory, used when `memory` is null (not set by callers).
  TraceeMemory live_memory{task.tid};

  Event& ev() { return task.ev; }
  pid_t tid() const { return task.tid; }
  /// The task's memory, as the decoders must read it (never by tid).
  const MemorySource& mem() const { return memory ? *memory : live_memory; }
  std::uint64_t arg(int i) const { return task.args[i]; }
  int iarg(int i) const { return static_cast<int>(task.args[i]); }
  RemoteAddr addr(int i) const { return RemoteAddr{task.args[i]}; }
  Arg& add(Arg a) { return task.ev.args.emplace_back(std::move(a)); }

  // Argument builders. None of them fails: unreadable memory gives an
  // ArgKind::Unreadable argument carrying the address.
  Arg int_arg(int i) const;                         ///< signed decimal
  Arg uint_arg(int i) const;                        ///< unsigned decimal
  Arg hex_arg(int i) const;                         ///< address or opaque value ("NULL" for 0)
  Arg fd_arg(int i);                                ///< Fd with ref; AT_FDCWD for -100
  Arg path_arg(int i, int dirfd_index = -1);        ///< Path with abs (dirfd from arg dirfd_index)
  Arg path_at(RemoteAddr a, int dirfd);             ///< Path at an address
  Arg flags_arg(int i, FlagTable t, const char* zero = "0") const;
  Arg enum_arg(int i, FlagTable t) const;
  Arg open_flags_arg(int i) const;
  Arg mode_arg(int i) const;                        ///< octal permission bits
  Arg data_arg(RemoteAddr a, std::size_t len);      ///< a data buffer, cut at -s
  Arg cstring_arg(RemoteAddr a, std::size_t max = 4096);  ///< a NUL-terminated string
  Arg string_array_arg(RemoteAddr a);               ///< argv/envp as Array of String
  Arg sockaddr_arg(RemoteAddr a, std::uint64_t len);
  Arg stat_arg(RemoteAddr a);                       ///< struct stat fields
  Arg statx_arg(RemoteAddr a);                      ///< struct statx fields
  static Arg unreadable(RemoteAddr a);
  static Arg other(std::string s);

  /// How many bytes of a read of `n` bytes from fd `fd` to keep as the
  /// file's content (counted against content_size for that fd): 0 unless
  /// the fd is a regular file's.
  std::size_t content_budget(int fd, std::size_t n);
  /// The absolute directory a dirfd argument stands for ("" when unknown).
  std::string dir_of(int dirfd);
  /// Sets Result::ref to what returned fd `fd` refers to, and tracks it.
  void track_fd(int fd, std::string ref, bool cloexec);
  /// The two fds pipe/pipe2/socketpair returned through argument i, both
  /// tracked (refs[k] "" lets the kernel name fd k), as an Array of Fds.
  Arg fd_pair_arg(int i, const int (&fds)[2], const std::string (&refs)[2], bool cloexec);
};

using EntryFn = void (*)(DecodeCtx&);
using ExitFn = void (*)(DecodeCtx&);

struct Decoder {
  const char* name;
  EntryFn entry;  ///< may be null: the raw arguments are kept
  ExitFn exit;    ///< may be null
};

/// The decoders of each family (each defined in its own file).
std::vector<Decoder> file_decoders();
std::vector<Decoder> fd_decoders();
std::vector<Decoder> process_decoders();
std::vector<Decoder> net_decoders();
std::vector<Decoder> creds_decoders();
std::vector<Decoder> misc_decoders();

/// Per call number: the decoder or null. Built once from the family lists.
const std::vector<const Decoder*>& decoder_table();

/// Number of arguments a call without a decoder is recorded with.
int raw_arg_count(int nr);

/// The event name of call number `nr` (0 <= nr < syscall_count()), interned
/// once per number rather than at every call (a lock and a hash): the
/// table's name, "syscall_NR" for a number it leaves unnamed.
const InternedString& syscall_event_name(int nr);

/// Makes a reused event a fresh one of `type` by tid/tgid at `ts` (both
/// recorders reuse one Event per task so its vectors keep their blocks).
Event& reset_event(Event& e, pid_t tid, pid_t tgid, EventType type, std::string_view name, std::int64_t ts);

/// The fields of a delivered signal's siginfo, named as strace names them
/// ("si_signo", "si_code", "si_pid", "si_uid", "si_status", "si_addr", ...):
/// who sent it, why, and for faults where. The args of a Signal event.
ArgList siginfo_args(const siginfo_t& si);

}  // namespace tracediff::record::detail
