// Pieces of the recorder used by recorder.cc and tested on their own.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "record/state.h"
#include "trace/trace.h"

namespace tracediff::detail {

/// True for the errnos after which a path call gets a permission snapshot.
bool wants_perm_snapshot(int err);

/// Each component of `abs` from "/" down to the first missing one, seen from
/// inside task `tid`'s mount namespace (through /proc/TID/root), and the
/// caller's credentials (cached in `creds`).
PermSnapshot snapshot_permissions(pid_t tid, const std::string& abs, Creds& creds);

/// A seccomp-bpf program for x86_64 returning SECCOMP_RET_TRACE for the
/// selected call numbers and SECCOMP_RET_ALLOW for the rest. Calls made
/// through another ABI (i386, x32) always stop: the table cannot name them.
std::vector<sock_filter> build_seccomp_filter(const std::vector<bool>& traced);

/// Reads a process's environment from /proc/PID/environ.
std::vector<std::string> proc_environ(pid_t pid);

/// Applies --redact to "NAME=value" strings.
void redact_env(std::vector<std::string>& env);

}  // namespace tracediff::detail
