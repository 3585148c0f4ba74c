// The canonical forms the differ aligns and compares on, computed beside
// the recorded values instead of over them: difftastic compares syntax
// trees but shows the original text. A name (path, exec argument, file
// referent) is canonical after the user's rules, the host/user/home names
// and its generated parts (pids of the trace, times, random suffixes) are
// replaced, exactly as the rules of normalize_in_place would rewrite it;
// the event itself is never changed, so reports show what was recorded.
// Socket addresses keep their ports and addresses: what a program bound or
// connected to is what it asked for, not noise.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "model/trace.h"
#include "normalize/normalize.h"

namespace tracediff::normalize {

class Canon {
 public:
  /// Throws like normalize_in_place() for bad options (unknown rule name,
  /// bad pattern).
  Canon(const Header& h, const NormalizeOptions& opt);
  ~Canon();
  Canon(const Canon&) = delete;
  Canon& operator=(const Canon&) = delete;

  /// Notes the pids and tids an event names, so that a file name holding
  /// one counts as generated. Call for each event before its names.
  void note(const Event& e);
  /// Appends the canonical form of a path, an exec argument or a data
  /// string to `out`.
  void name(std::string_view s, std::string& out);
  /// True when a name has generated parts (a pid, a time, a random
  /// suffix): what it names exists for this run only.
  bool generated(std::string_view s);
  /// Appends the canonical form of an fd referent ("pipe:[12]" -> "pipe",
  /// a TCP connection by its peer, a file by its canonical path).
  void ref(std::string_view r, std::string& out);
  /// Appends a socket address with the user's rules and host names applied.
  void sockaddr(std::string_view s, std::string& out);
  /// The name of `e`'s call family: the table's canonical name ("openat"
  /// for open) when the families rule is on, else the call's own name.
  std::string_view family(const Event& e) const;
  /// A data buffer as it compares: redaction digests that cannot be
  /// compared with another trace's (a random key) are dropped. The view
  /// lasts until the next call.
  std::string_view data(std::string_view s);
  /// True when rule `name` is on.
  bool on(std::string_view name) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracediff::normalize
