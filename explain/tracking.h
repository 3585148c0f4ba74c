// Internal to explain/: what the model's replay (model/replay.h) knew at
// every event of a trace, kept for the search to look back at: the fd each
// call used, the path it named, the cwd and the caller's ids, plus the
// process tree (model/trace.h's ProcessTable) in the shape the search walks.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/args.h"
#include "model/paths.h"
#include "model/replay.h"
#include "model/trace.h"

namespace tracediff::explain::detail {

/// What the replay knew just before one event ran.
struct EventContext {
  FileRef fd;                ///< the referent of the call's fd argument
  std::string path;          ///< the main path argument, absolute when resolvable
  std::string cwd;           ///< the cwd used for it ("" unknown)
  KnownCreds creds;
};

/// The replay of a whole trace, event by event.
struct Replayed {
  std::vector<std::int32_t> tgid;          ///< per event: its process (thread group)
  std::vector<FileRef> fd;                  ///< per event: the fd argument's referent
  std::unordered_map<std::size_t, EventContext> ctx;  ///< failed calls and path calls
  std::map<std::int32_t, std::int32_t> parent;        ///< pid -> parent pid
  std::map<std::int32_t, std::vector<std::int32_t>> children;
  std::map<std::int32_t, ExitStatus> exits;
  std::map<std::int32_t, std::size_t> exit_event;     ///< pid -> index of its exit
  std::map<std::int32_t, std::string> name;           ///< pid -> program (last exec basename)
  std::map<std::int32_t, std::size_t> first_event;    ///< pid -> its first event
};

Replayed replay_trace(const Trace& t);

}  // namespace tracediff::explain::detail
