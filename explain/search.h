// Internal to explain/: the search from an error message back to the call
// that caused it, cut by concern: finding the message (message.cc),
// following it across sockets and pipes (channels.cc), telling benign
// failures from real ones (benign.cc), saying what an error means here
// (hints.cc), and the walk that ties them (search.cc).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "display/format.h"
#include "explain/explain.h"
#include "explain/tracking.h"

namespace tracediff::explain::detail {

// Text (text.cc).

/// How strongly `data` carries (part of) `text`; 0 when it does not.
std::size_t share_score(std::string_view text, std::string_view data);
/// `s` without trailing newlines, carriage returns and spaces.
std::string trim(std::string s);
/// The message of a result's errno ("No such file or directory").
std::string errno_text(const Result& r);
/// A non-blocking connect's error, read later from getsockopt(SO_ERROR):
/// its errno name, "" when the call is no such read or says 0.
std::string deferred_error(const Event& e);

// Channels (channels.cc).

bool is_ipc(const FileRef& f);
/// True when bytes written to `w` can be read from `r`.
bool peers(const FileRef& r, const FileRef& w);
/// An address as people write it ("/run/x", "127.0.0.1:80").
std::string display_addr(const std::string& a);
std::string port_of(const std::string& addr);
/// "stderr", "the Unix socket connected to /run/x", "the read end of a pipe made by pid 12".
std::string describe_channel(const FileRef& f, const Trace& t);
/// True when `e` (a write) went where a program puts its error message.
bool is_message_fd(const Event& e, const FileRef& f);

// Benign failures (benign.cc).

/// Failures that are part of normal operation wherever they appear.
bool always_benign(const Event& e, const std::string& path);

// Hints (hints.cc).

/// One sentence on what the cause's error means here, from the recorder's
/// permission snapshot when there is one.
std::string hint(const ExplainLink& l, const Event& e);

/// The search over one trace; see explain.h for the formula.
class Searcher {
 public:
  Searcher(const Trace& t, const ExplainOptions& opt);
  Explanation run();

 private:
  struct Msg {
    std::size_t first = 0, last = 0;
    std::string text;
  };

  bool is_syscall(std::size_t i) const { return t_.events[i].type == EventType::Syscall; }
  bool is_write(std::size_t i) const;
  int depth(std::int32_t pid) const;
  // message.cc
  Msg gather(std::size_t last) const;
  bool truncated(std::size_t i) const;
  std::optional<Msg> find_last_message() const;
  std::optional<Msg> find_given(const std::string& text) const;
  std::string who(std::int32_t pid) const;
  std::optional<std::string> describe_killed() const;
  /// With no message: the last failing call that is not benign before a
  /// failed process (the one nearest the root) exited.
  std::optional<std::size_t> silent_cause() const;
  // benign.cc
  bool benign(std::size_t j, std::size_t until) const;
  std::vector<std::string> tried(std::size_t cause) const;
  // search.cc
  ExplainLink link(ExplainLink::Kind k, std::size_t i) const;
  ExplainLink cause_link(std::size_t j) const;
  void search(std::int32_t pid, std::size_t from, const std::string& text, Explanation& x, int hops);
  void follow(std::size_t read_event, const std::string& text, Explanation& x, int hops);

  const Trace& t_;
  const ExplainOptions& opt_;
  Replayed r_;
  display::FormatOptions fo_;
  std::map<std::pair<std::int32_t, std::string>, std::vector<std::size_t>> found_;
  std::set<std::size_t> visited_;
  std::map<std::int32_t, std::size_t> last_message_;  ///< pid -> its last stderr/terminal write
};

}  // namespace tracediff::explain::detail
