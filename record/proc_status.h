// /proc/PID/status, read and parsed in one place: the recorder asks it
// which process a thread belongs to, who traces a process, a task's
// credentials for permission snapshots, its own capabilities and umask
// for the header, and whether a process runs under a seccomp filter.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracediff::record::detail {

/// The lines of /proc/PID/status the recorder uses. A line the kernel did
/// not write (Umask before Linux 4.7, Seccomp_filters before 5.9) leaves
/// its field at the default.
struct ProcStatus {
  std::string name;                      ///< Name: the command name (comm)
  std::optional<std::uint32_t> umask;    ///< Umask, octal in the file
  pid_t tgid = 0;                        ///< Tgid: the process the task belongs to
  pid_t ppid = 0;                        ///< PPid
  pid_t tracer = 0;                      ///< TracerPid: 0 when not traced
  /// Uid and Gid: real, effective, saved set, file system; the counts
  /// say how many of the four each line held (0: no such line).
  std::uint32_t uid[4] = {}, gid[4] = {};
  int uid_count = 0, gid_count = 0;
  std::vector<std::uint32_t> groups;     ///< Groups: supplementary groups
  std::string cap_eff;                   ///< CapEff: effective capabilities, hex as written
  bool no_new_privs = false;             ///< NoNewPrivs
  int seccomp = 0;                       ///< Seccomp: 0 none, 1 strict, 2 filter
  int seccomp_filters = 0;               ///< Seccomp_filters: filters installed

  std::uint32_t euid() const { return uid[1]; }
  std::uint32_t egid() const { return gid[1]; }
};

/// Parses the text of a status file; lines it does not know are skipped,
/// so it never fails.
ProcStatus parse_proc_status(std::string_view text);

/// Reads /proc/TID/status; nullopt when it cannot be read (the task is
/// gone, or /proc is not mounted).
std::optional<ProcStatus> read_proc_status(pid_t tid);

/// Reads /proc/self/status: the recorder's own.
std::optional<ProcStatus> read_own_status();

}  // namespace tracediff::record::detail
