// What a recording says it could not see, or saw another way than usual.
//
// The recorder counts each such place in the header's options (the keys
// below, docs/trace-format.md "What the recorder could not see"), and every
// reader that shows a trace (show, diff, explain) prints the sentences
// recording_notes() makes of them, so that a call missing from a trace is
// never taken for a call not made. A key is written only when its count is
// not zero: a trace without any has nothing to say.
#pragma once

#include <string>
#include <vector>

#include "model/trace.h"

namespace tracediff {

namespace coverage {
/// Processes that installed their own seccomp filter while recorded
/// (count), and the first of their pids ("12,40"). From then on they were
/// recorded at every call (PTRACE_SYSCALL), not through the recorder's filter.
inline constexpr const char* kSeccompInstalled = "seccomp.installed";
inline constexpr const char* kSeccompInstalledPids = "seccomp.installed_pids";
/// Processes attached with -p that already ran under a seccomp filter.
inline constexpr const char* kSeccompAtAttach = "seccomp.at_attach";
inline constexpr const char* kSeccompAtAttachPids = "seccomp.at_attach_pids";
/// "1": the recorder itself ran under a seccomp filter (which the command
/// inherits), so it installed none and stopped at every call.
inline constexpr const char* kSeccompRecorder = "seccomp.recorder";
/// Processes that set up or used an io_uring (count), their pids, and how
/// many io_uring_enter calls were seen.
inline constexpr const char* kIoUringProcesses = "io_uring.processes";
inline constexpr const char* kIoUringPids = "io_uring.pids";
inline constexpr const char* kIoUringEnters = "io_uring.enter";
/// Arguments whose memory could not be read (kept as unreadable, with
/// their address). The key the eBPF recorder writes too: describe_losses()
/// (model/trace.h) says it, so recording_notes() leaves it out.
inline constexpr const char* kUnreadable = "unreadable";
/// Calls whose entry the recorder did not see (in progress when it
/// attached), so their results are not in the trace.
inline constexpr const char* kEntryMissed = "unseen.entry_missed";
/// Tasks created but not recorded (--no-follow).
inline constexpr const char* kNotFollowed = "unseen.not_followed";
/// How many pids a *_pids key lists at most (the count says how many
/// there were): the header must stay small.
inline constexpr std::size_t kMaxPids = 8;
}  // namespace coverage

/// One sentence per coverage key present in `h.options`, in a fixed order;
/// empty for a trace that has none (every imported strace log, every
/// recording that saw everything).
std::vector<std::string> recording_notes(const Header& h);

}  // namespace tracediff
