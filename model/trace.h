// The trace model shared by every stage of tracediff.
//
// A Trace is a Header (where and how it was made) plus an ordered list of
// Events. An event is a system call, a signal delivery, a process event
// (spawn, exec, exit, kill, ...) or a line the strace importer could not
// parse. Arguments keep both their raw value and their decoded form, typed.
// The process table is not stored: it is derived from the events by
// build_process_table(), so a truncated trace still has a consistent one.
//
// Every stage reads and writes this model; nothing here does I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/compact_string.h"
#include "model/compact_vector.h"

namespace tracediff {

/// Major version of the on-disk format (docs/trace-format.md). A reader
/// refuses a file whose major version differs.
inline constexpr int kFormatMajor = 1;
/// Minor version: additions that old readers may ignore.
inline constexpr int kFormatMinor = 0;
/// The tool version written into every header.
inline constexpr const char* kToolVersion = "0.1.0";

/// What kind of value an argument holds. The decoded form lives in Arg::str
/// (and Arg::items for structs and arrays); the raw register value, when the
/// source knew it, in Arg::raw.
enum class ArgKind : std::uint8_t {
  Int,         ///< a number; str is how it was shown ("0x7ffd", "-100")
  Flags,       ///< a bit set or symbolic constant; str = "O_RDONLY|O_CLOEXEC"
  Path,        ///< a path name; str = the bytes as passed, abs = absolute form
  String,      ///< a data buffer or string; str = bytes, truncated if cut
  Fd,          ///< a file descriptor; raw = number, ref = what it refers to
  SockAddr,    ///< a socket address; str = canonical "AF_INET:1.2.3.4:80"
  Struct,      ///< items are the named fields
  Array,       ///< items are the elements
  Unreadable,  ///< memory that could not be read; raw = the address
  Other,       ///< anything else, str shown verbatim ("NULL", "makedev(1, 3)")
};

/// Stable lower-case name of an ArgKind, used in the file format.
const char* to_string(ArgKind k);
/// Inverse of to_string(ArgKind); nullopt for an unknown name.
std::optional<ArgKind> arg_kind_from_string(std::string_view s);

struct Arg;
/// An argument list: one pointer wide (model/compact_vector.h), since a
/// trace holds millions of them.
using ArgList = CompactVector<Arg>;

/// One decoded argument (or struct field / array element).
struct Arg {
  ArgKind kind = ArgKind::Other;
  bool has_raw = false;     ///< raw is meaningful
  bool truncated = false;   ///< String: the data was cut ("..." in strace)
  InternedString name;      ///< field name inside a Struct ("st_mode"), else empty
  std::int64_t raw = 0;     ///< raw value (register, fd number, address)
  CompactString str;        ///< decoded form (bytes for Path/String)
  CompactString abs;        ///< Path: absolute form when resolvable
  CompactString ref;        ///< Fd: what the fd refers to ("/etc/passwd",
                            ///< "TCP:[1.2.3.4:5->6.7.8.9:10]", "pipe:[42]")
  ArgList items;            ///< Struct fields / Array elements

  bool operator==(const Arg&) const = default;
};

/// What a call returned.
enum class ResultState : std::uint8_t {
  Returned,     ///< "= N" (possibly with an errno)
  Unknown,      ///< "= ?": the call did not return (exit, execve in a dead thread)
  Unfinished,   ///< the call never completed in the trace (killed, trace ended)
  Detached,     ///< "<detached ...>": the tracer left during the call
  Unavailable,  ///< "<unavailable>": strace could not fetch the result
};

const char* to_string(ResultState s);
std::optional<ResultState> result_state_from_string(std::string_view s);

struct Result {
  ResultState state = ResultState::Unfinished;
  bool injected = false;    ///< "(INJECTED)"
  std::int16_t errnum = 0;  ///< errno number when known (< 4096), else 0
  InternedString err;       ///< errno name ("ENOENT"), empty on success
  std::int64_t value = 0;   ///< the return value; -1 on failure
  CompactString str;        ///< the value as shown when not plain decimal ("0x7f12")
  CompactString ref;        ///< returned fd/pid annotation ("/etc/passwd", "sh")
  CompactString note;       ///< trailing comment: "Timeout", "flags O_RDWR",
                            ///< the errno message "No such file or directory"

  bool failed() const { return state == ResultState::Returned && (!err.empty() || errnum != 0); }
  bool operator==(const Result&) const = default;
};

enum class EventType : std::uint8_t {
  Syscall,   ///< a system call: name, args, result
  Signal,    ///< a signal delivered (name = "SIGCHLD"), or a stop ("stopped")
  Process,   ///< a process event: name is one of the kProc* names below
  Unparsed,  ///< a line the importer could not parse: raw holds it
};

const char* to_string(EventType t);
std::optional<EventType> event_type_from_string(std::string_view s);

/// Names of Process events.
inline constexpr const char* kProcSpawn = "spawn";        ///< tid created child (thread if proc.thread)
inline constexpr const char* kProcExec = "exec";          ///< tid exec'd: args[0] path, args[1] argv
inline constexpr const char* kProcExit = "exit";          ///< exited with proc.code
inline constexpr const char* kProcKilled = "killed";      ///< killed by proc.signal (proc.core)
inline constexpr const char* kProcAttached = "attached";  ///< the tracer attached to tid
inline constexpr const char* kProcDetached = "detached";  ///< the tracer detached from tid
inline constexpr const char* kProcSuperseded = "superseded";  ///< tid replaced by exec in proc.child

/// Extra fields of Process and Signal events.
struct ProcInfo {
  std::int32_t child = -1;  ///< spawn: the new tid; superseded: the surviving pid
  std::int32_t code = 0;    ///< exit: the exit code
  std::int32_t signal = 0;  ///< killed / Signal: the signal number (0 unknown)
  bool thread = false;      ///< spawn: the child is a thread of tid's process
  bool core = false;        ///< killed: core dumped
  bool stopped = false;     ///< Signal: a group stop ("--- stopped by SIGTSTP ---")

  bool operator==(const ProcInfo&) const = default;
};

/// One component of a path, as seen when a path call failed (recorder only).
struct PathComponent {
  std::string path;         ///< absolute path of the component
  bool exists = false;
  std::string type;         ///< "dir", "file", "symlink", "other"
  std::uint32_t uid = 0, gid = 0;
  std::uint32_t mode = 0;   ///< permission bits, e.g. 0755
  bool readonly_mount = false;
  bool operator==(const PathComponent&) const = default;
};

/// Why a path call failed, captured at that moment by the recorder.
struct PermSnapshot {
  std::uint32_t uid = 0, gid = 0;   ///< effective ids of the caller
  std::vector<std::uint32_t> groups;
  std::vector<PathComponent> components;  ///< from "/" down to the last existing one
  bool operator==(const PermSnapshot&) const = default;
};

/// One event of a trace.
struct Event {
  EventType type = EventType::Syscall;
  std::int32_t tid = 0;        ///< the task (thread) that made it; 0 when unknown
  std::int32_t pid = 0;        ///< its thread group (process); 0 when unknown
  std::uint32_t line = 0;      ///< source line in an imported log; 0 for recordings
  std::int64_t ts_ns = -1;     ///< start time, ns (see Header::time_base); -1 absent
  std::int64_t dur_ns = -1;    ///< duration (-T), ns; -1 absent
  InternedString name;         ///< syscall name, signal name or process event name
  ArgList args;                ///< Syscall arguments; Signal: siginfo fields
  Result result;               ///< Syscall only
  ProcInfo proc;               ///< Process and Signal only
  CompactString raw;           ///< Unparsed: the line as written
  CompactVector<std::string> stack;  ///< -k frames, innermost first
  Boxed<PermSnapshot> perm;    ///< failing path calls, recorder only

  bool operator==(const Event&) const = default;
};

/// A resource limit from the host snapshot ("unlimited" or a number).
struct Limit {
  std::string soft, hard;
  bool operator==(const Limit&) const = default;
};

/// Where the trace was made. Every field is optional: an imported strace log
/// knows almost none of them, and absent fields are never invented.
struct HostInfo {
  std::optional<std::string> hostname, kernel, arch, os_id, os_version;
  std::optional<std::string> user, home, cwd;
  std::optional<std::uint32_t> uid, gid, umask;
  std::optional<std::vector<std::uint32_t>> groups;
  std::optional<std::string> capabilities;            ///< effective set, hex
  std::map<std::string, Limit> limits;               ///< "nofile" -> {1024, 4096}
  std::optional<std::vector<std::string>> env;        ///< "NAME=value"
  std::vector<std::string> mounts;                    ///< "/ ext4 rw", summary lines
  std::optional<std::string> lsm;                     ///< "apparmor enforce", "selinux permissive"
  bool operator==(const HostInfo&) const = default;
};

/// The first line of a trace file.
struct Header {
  int format_major = kFormatMajor;
  int format_minor = kFormatMinor;
  std::string tool_version = kToolVersion;
  std::string source;                   ///< "ptrace" or "strace"
  std::string created;                  ///< ISO 8601 UTC, when the trace was written
  std::vector<std::string> command;     ///< argv of the traced command, if known
  std::vector<std::int32_t> attached;   ///< pids attached with -p
  std::string time_base;                ///< "epoch", "time-of-day", "relative" or ""
  HostInfo host;
  std::map<std::string, std::string> options;  ///< recorder / importer options
  bool operator==(const Header&) const = default;
};

/// What a recording says it lost (header options lost_events, unreadable,
/// not_captured, written by the eBPF recorder): "" when nothing, else one
/// sentence ("lost 12 events (ring buffer full), 3 arguments unreadable").
/// A recorder that did not end cleanly leaves the counts unknown: said so.
std::string describe_losses(const Header& h);

/// A non-fatal problem met while reading or importing.
struct Warning {
  std::string file;
  std::uint32_t line = 0;   ///< 0 when not tied to a line
  std::string message;
  bool operator==(const Warning&) const = default;
};

struct Trace {
  Header header;
  std::vector<Event> events;
  std::vector<Warning> warnings;  ///< not written to the file
};

/// How a process ended.
struct ExitStatus {
  enum Kind : std::uint8_t { Unknown, Exited, Killed } kind = Unknown;
  int code = 0;      ///< Exited
  int signal = 0;    ///< Killed
  bool core = false;
  /// "exited 0", "killed by SIGKILL (core dumped)", "unknown".
  std::string describe() const;
  bool operator==(const ExitStatus&) const = default;
};

/// One exec a process made, in order.
struct ExecRecord {
  std::string path;
  std::vector<std::string> argv;
  std::size_t event = 0;  ///< index of the exec event
};

/// A process (thread group) and what it did.
struct Process {
  std::int32_t pid = 0;
  std::int32_t ppid = 0;                 ///< 0 when the parent is not in the trace
  std::vector<std::int32_t> threads;     ///< tids other than pid, in creation order
  std::vector<std::int32_t> children;    ///< child pids in creation order
  std::vector<ExecRecord> execs;
  ExitStatus exit;
  std::size_t first_event = 0;           ///< index of its first event
};

/// The process table derived from a trace's events: spawn events create
/// processes and threads, exec events (and successful execve calls) add
/// execs, exit/killed events set the exit status. Tasks seen without a spawn
/// event become processes with no known parent.
struct ProcessTable {
  std::vector<Process> processes;            ///< in order of first appearance
  std::map<std::int32_t, std::size_t> by_pid;  ///< pid -> index
  std::map<std::int32_t, std::int32_t> tgid;   ///< tid -> pid
  const Process* find(std::int32_t pid) const;
};

ProcessTable build_process_table(const Trace& t);

/// Signal number <-> name ("SIGKILL"), for x86_64 Linux.
std::string signal_name(int sig);
int signal_number(std::string_view name);

/// Errno number <-> name ("ENOENT"), from the host's table.
std::string errno_name(int err);
int errno_number(std::string_view name);

}  // namespace tracediff
