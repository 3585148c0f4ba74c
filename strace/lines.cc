// The body of one strace line, after its prefix: a call (whole, unfinished,
// resumed or cut short), a signal, a process event or strace's own message.
// Each parser turns one line into one event and keeps no state; pairing an
// unfinished call with its resumed line is reassembly's (reassembly.h).
#include "strace/parse.h"

namespace tracediff::strace::detail {
namespace {

// The length of the call name at the start of `s` when "(" follows it, else 0.
std::size_t call_name_length(std::string_view s) {
  std::size_t p = 0;
  while (p < s.size() && is_ident_char(s[p])) ++p;
  if (p == 0 || p >= s.size() || s[p] != '(') return 0;
  return p;
}

// An argument list, by the grammar or else leniently (a value it does not
// know kept as text); `pos` ends past its ')'.
bool parse_args(std::string_view s, std::size_t& pos, ArgList& out) {
  std::size_t start = pos;
  if (parse_arg_list(s, pos, out)) return true;
  pos = start;
  return parse_arg_list_lenient(s, pos, out);
}

// Parses the arguments of a call whose ')' was never written: `text` is
// what follows "name(", maybe with a dangling comma. False unless they form
// a complete list once closed.
bool parse_open_list(std::string_view text, ArgList& out, std::string& scratch) {
  scratch.assign(text);
  if (!scratch.empty() && scratch.back() == ',') scratch.pop_back();
  scratch += ')';
  std::size_t pos = 0;
  ArgList args;
  if (!parse_args(scratch, pos, args) || pos != scratch.size()) return false;
  out = std::move(args);
  return true;
}

// "ARGS) = RESULT", and strace 4.x's "ARGS) (ASIDE) = RESULT".
bool parse_args_and_result(std::string_view text, ArgList& args, Result& r, std::int64_t& dur_ns) {
  std::size_t pos = 0;
  if (!parse_args(text, pos, args)) return false;
  std::string_view rest = trim_left(text.substr(pos));
  if (!rest.empty() && rest[0] == '(') {
    // One parenthesized group; brackets inside it are not strace's concern.
    std::size_t close = std::string_view::npos;
    int depth = 0;
    for (std::size_t q = 0; q < rest.size() && close == std::string_view::npos; ++q) {
      if (rest[q] == '(') ++depth;
      else if (rest[q] == ')' && --depth == 0) close = q;
    }
    if (close == std::string_view::npos) return false;
    args.emplace_back();
    parse_aside(rest.substr(1, close - 1), args.back());
    rest = rest.substr(close + 1);
  }
  return parse_result(rest, r, dur_ns);
}

}  // namespace

bool parse_i32(std::string_view s, std::int32_t& v) {
  if (s.empty()) return false;
  bool neg = s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (s.empty()) return false;
  std::int64_t x = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    x = x * 10 + (c - '0');
    if (x > INT32_MAX) return false;
  }
  v = static_cast<std::int32_t>(neg ? -x : x);
  return true;
}

CallEnd parse_call_line(std::string_view s, Event& ev, std::string_view& start, std::string& scratch) {
  std::size_t p = call_name_length(s);
  if (p == 0) return CallEnd::NotACall;
  ev.name.assign(s.substr(0, p));
  std::string_view rest = s.substr(p + 1);

  if (!rest.empty() && rest.back() == '>' &&
      (rest.ends_with("<unfinished ...>") || rest.ends_with("<detached ...>"))) {
    bool detached = rest.ends_with("<detached ...>");
    start = trim_right(rest.substr(0, rest.rfind('<')));
    // A partial list: parse what is there, so an unmatched call keeps its args.
    ArgList parsed;
    if (parse_open_list(start, parsed, scratch)) ev.args = std::move(parsed);
    ev.result.state = detached ? ResultState::Detached : ResultState::Unfinished;
    return detached ? CallEnd::Detached : CallEnd::Unfinished;
  }
  return parse_call_rest(rest, ev) ? CallEnd::Whole : CallEnd::NotACall;
}

bool parse_call_rest(std::string_view rest, Event& ev) {
  return parse_args_and_result(rest, ev.args, ev.result, ev.dur_ns);
}

bool parse_resumed_head(std::string_view s, std::string_view& name, std::string_view& rest) {
  constexpr std::string_view kOpen = "<... ", kClose = " resumed>";
  if (!s.starts_with(kOpen)) return false;
  std::size_t e = s.find(kClose, kOpen.size());
  if (e == std::string_view::npos) return false;
  name = s.substr(kOpen.size(), e - kOpen.size());
  rest = trim_left(s.substr(e + kClose.size()));
  return true;
}

bool parse_resumed_call(std::string_view start, std::string_view rest, ArgList& args, Result& r,
                        std::int64_t& dur_ns, std::string& scratch) {
  start = trim_right(start);
  scratch.assign(start);
  if (!start.empty() && start.back() == ',' && !rest.empty() && rest[0] == ',') rest.remove_prefix(1);
  if (!scratch.empty()) scratch += ' ';
  scratch.append(rest);
  return parse_args_and_result(scratch, args, r, dur_ns);
}

bool parse_cut_call_line(std::string_view s, Event& ev, std::string& scratch) {
  std::size_t p = call_name_length(s);
  if (p == 0) return false;
  ArgList args;
  if (!parse_open_list(trim_right(s.substr(p + 1)), args, scratch)) return false;
  ev.name.assign(s.substr(0, p));
  ev.args = std::move(args);
  ev.result.state = ResultState::Unfinished;
  return true;
}

bool parse_signal_line(std::string_view s, Event& ev, std::string& scratch) {
  if (!s.starts_with("--- ") || !s.ends_with(" ---") || s.size() < 8) return false;
  std::string_view body = s.substr(4, s.size() - 8);
  ev.type = EventType::Signal;
  if (body.starts_with("stopped by ")) {
    ev.name.assign(body.substr(11));
    ev.proc.stopped = true;
  } else {
    std::size_t sp = body.find(' ');
    ev.name.assign(body.substr(0, sp));
    std::string_view rest = sp == std::string_view::npos ? std::string_view{} : trim_left(body.substr(sp + 1));
    if (!rest.empty() && rest[0] == '{') {
      scratch.assign("(");  // parse the siginfo as the one argument of a call
      scratch.append(rest.substr(0, rest.rfind('}') + 1));
      scratch += ')';
      std::size_t pos = 1;
      ArgList one;
      if (!parse_arg_list(scratch, pos, one) || one.size() != 1) return false;
      ev.args = std::move(one[0].items);
      rest = trim_left(rest.substr(rest.rfind('}') + 1));
    }
    if (!rest.empty()) {
      // strace 4.x: "--- SIGCHLD (Child exited) @ 0 (0) ---"
      Arg note;
      note.str.assign(rest);
      ev.args.push_back(std::move(note));
    }
  }
  if (ev.name.empty()) return false;
  ev.proc.signal = signal_number(ev.name);  // 0 for a name this host does not know
  return true;
}

bool parse_process_line(std::string_view s, Event& ev) {
  if (!s.starts_with("+++ ") || !s.ends_with(" +++") || s.size() < 8) return false;
  std::string_view body = s.substr(4, s.size() - 8);
  ev.type = EventType::Process;
  if (body.starts_with("exited with ")) {
    ev.name = kProcExit;
    return parse_i32(body.substr(12), ev.proc.code);
  }
  if (body.starts_with("killed by ")) {
    ev.name = kProcKilled;
    std::string_view sig = body.substr(10);
    if (sig.ends_with(" (core dumped)")) {
      ev.proc.core = true;
      sig.remove_suffix(14);
    }
    ev.proc.signal = signal_number(sig);
    return ev.proc.signal != 0;
  }
  if (body.starts_with("superseded by execve in pid ")) {
    ev.name = kProcSuperseded;
    return parse_i32(body.substr(28), ev.proc.child);
  }
  return false;
}

bool parse_strace_message(std::string_view s, Event& ev) {
  std::string_view body = s.starts_with("strace: ") ? s.substr(8) : s;
  if (!body.starts_with("Process ")) return false;
  body.remove_prefix(8);
  std::size_t sp = body.find(' ');
  if (sp == std::string_view::npos) return false;
  std::int32_t pid;
  if (!parse_i32(body.substr(0, sp), pid)) return false;
  std::string_view what = body.substr(sp + 1);
  ev.type = EventType::Process;
  ev.tid = pid;
  if (what.starts_with("attached")) ev.name = kProcAttached;
  else if (what.starts_with("detached")) ev.name = kProcDetached;
  else return false;
  return true;
}

}  // namespace tracediff::strace::detail
