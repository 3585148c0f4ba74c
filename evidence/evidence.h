// evidence: what a failing call was doing, and what the trace holds that
// says why it failed. explain and the differ both say it the same way, so
// the most likely cause of a diff carries what explain would show: the
// owner and mode of each path component (the recorder's permission
// snapshot), the caller's ids and groups, the resource limit an errno
// hits (from the header), and one "why" sentence.
//
// Pure functions over the model; nothing here reads the system.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/trace.h"

namespace tracediff::evidence {

/// Who made a call, as far as the trace knows.
struct Caller {
  std::optional<std::uint32_t> uid, gid;
  std::optional<std::vector<std::uint32_t>> groups;
};

/// The question a failing call asked, and the facts behind its answer.
struct Evidence {
  std::string action;               ///< "creating /var/spool/app/x.lock"
  std::vector<std::string> facts;   ///< "/var/spool/app: owner 0:0, mode 0755"; "caller: uid 65534, gid 65534"
  std::string why;                  ///< one sentence: "uid 65534 gid 65534 may not create files in /var/spool/app ..."
};

/// What a call does, as a verb phrase about its target: "creating X",
/// "opening X", "executing X", "connecting to X", "binding to X",
/// "locking X", "mapping X", "looking up X", "starting a process", ...
std::string action(const Event& e, std::string_view target);

/// True when `e` creates what it names (O_CREAT, mkdir, link, bind, ...).
bool creates(const Event& e);

/// The evidence for `e` failing with `err` (its own errno, or the one a
/// later call reported for it, as for a non-blocking connect). `path` is
/// its target (absolute when known); `tried` the other places a lookup of
/// the same name tried; `host` the header's host (resource limits).
Evidence of_failure(const Event& e, std::string_view err, const std::string& path, const Caller& who,
                    const HostInfo& host, const std::vector<std::string>& tried = {});

/// The resource limit errno `err` of call `e` runs into ("nproc" for
/// EAGAIN of a fork, "nofile" for EMFILE, "as" for ENOMEM of a mapping),
/// or "" for none.
std::string limit_of(const Event& e, std::string_view err);
/// "RLIMIT_NPROC (processes of the user)" for "nproc".
std::string limit_label(std::string_view name);

}  // namespace tracediff::evidence
