#include "display/format.h"

#include <fmt/format.h>

namespace tracediff::display {

std::string quote_bytes(std::string_view bytes, std::size_t max, bool truncated) {
  std::string out = "\"";
  std::size_t n = bytes.size();
  bool cut = truncated;
  if (max && n > max) {
    n = max;
    cut = true;
    // A redaction marker (redact/redact.h) is shown whole: "<redacted 14 b"
    // would say neither the length nor the digest. 64 bytes hold any marker.
    std::size_t from = n > 64 ? n - 64 : 0;
    std::size_t m = bytes.substr(from, n - from).rfind("<redacted ");
    if (m != std::string_view::npos) {
      std::size_t end = bytes.find('>', from + m);
      if (end != std::string_view::npos && end >= n && end - (from + m) < 64) n = end + 1;
      cut = truncated || n < bytes.size();
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          // Octal like strace; pad to 3 digits when a digit follows, so the
          // escape cannot swallow it.
          bool digit_next = i + 1 < n && bytes[i + 1] >= '0' && bytes[i + 1] <= '7';
          if (digit_next) fmt::format_to(std::back_inserter(out), "\\{:03o}", c);
          else fmt::format_to(std::back_inserter(out), "\\{:o}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  if (cut) out += "...";
  return out;
}

std::string format_arg(const Arg& a, const FormatOptions& opt) {
  std::string out;
  if (!a.name.empty()) {
    out += a.name;
    out.push_back('=');
  }
  switch (a.kind) {
    case ArgKind::Path: {
      out += quote_bytes(a.str, 0, a.truncated);
      if (opt.show_abs_paths && !a.abs.empty() && a.abs != a.str) out += fmt::format(" /* {} */", a.abs);
      break;
    }
    case ArgKind::String:
      out += quote_bytes(a.str, opt.max_string, a.truncated);
      break;
    case ArgKind::Fd:
      out += a.str.empty() ? fmt::format("{}", a.raw) : a.str.str();
      if (opt.show_refs && !a.ref.empty()) out += fmt::format("<{}>", a.ref);
      break;
    case ArgKind::Struct: {
      out += a.str.empty() ? "{" : a.str + "{";
      for (std::size_t i = 0; i < a.items.size(); ++i) {
        if (i) out += ", ";
        out += format_arg(a.items[i], opt);
      }
      out += "}";
      break;
    }
    case ArgKind::Array: {
      // str says how the array was written: "" [a, b], " " bitset [A B],
      // "~" / "~ " negated ~[A B], "=>" a value the call changed: A => B.
      if (a.str == "=>" && a.items.size() == 2) {
        out += format_arg(a.items[0], opt) + " => " + format_arg(a.items[1], opt);
        break;
      }
      bool negated = !a.str.empty() && a.str[0] == '~';
      bool spaced = !a.str.empty() && a.str.back() == ' ';
      out += negated ? "~[" : "[";
      for (std::size_t i = 0; i < a.items.size(); ++i) {
        if (i) out += spaced ? " " : ", ";
        out += format_arg(a.items[i], opt);
      }
      out += "]";
      break;
    }
    case ArgKind::Unreadable:
      out += a.str.empty() ? fmt::format("{:#x}", a.raw) : a.str.str();
      break;
    case ArgKind::Int:
    case ArgKind::Flags:
    case ArgKind::SockAddr:
    case ArgKind::Other:
      out += a.str.empty() && a.has_raw ? fmt::format("{}", a.raw) : a.str.str();
      break;
  }
  return out;
}

std::string format_result(const Result& r, const FormatOptions& opt) {
  std::string out;
  switch (r.state) {
    case ResultState::Unknown:
      out = "?";
      if (!r.err.empty()) out += " " + r.err;
      break;
    case ResultState::Unfinished:
      return "<unfinished ...>";
    case ResultState::Detached:
      return "<detached ...>";
    case ResultState::Unavailable:
      return "? <unavailable>";
    case ResultState::Returned:
      out = r.str.empty() ? fmt::format("{}", r.value) : r.str.str();
      if (opt.show_refs && !r.ref.empty()) out += fmt::format("<{}>", r.ref);
      if (!r.err.empty()) out += " " + r.err;
      else if (r.errnum) out += fmt::format(" (errno {})", r.errnum);
      break;
  }
  if (!r.note.empty()) out += fmt::format(" ({})", r.note);
  if (r.injected) out += " (INJECTED)";
  return out;
}

std::string format_event(const Event& e, const FormatOptions& opt) {
  std::string out;
  // An unparsed line is shown exactly as it was written, prefix and all.
  if (e.type == EventType::Unparsed) return e.raw;
  if (opt.show_pid && (e.tid || e.pid)) out += fmt::format("[pid {:5}] ", e.tid ? e.tid : e.pid);
  if (opt.show_time && e.ts_ns >= 0)
    out += fmt::format("{}.{:06} ", e.ts_ns / 1000000000, (e.ts_ns % 1000000000) / 1000);
  switch (e.type) {
    case EventType::Syscall: {
      out += e.name;
      out.push_back('(');
      for (std::size_t i = 0; i < e.args.size(); ++i) {
        if (i) out += ", ";
        out += format_arg(e.args[i], opt);
      }
      if (e.result.state == ResultState::Unfinished || e.result.state == ResultState::Detached) {
        // strace's own form, so that the line reads (and imports) as it did.
        out += e.args.empty() ? "" : " ";
        out += format_result(e.result, opt);
        break;
      }
      out += ") = ";
      out += format_result(e.result, opt);
      if (e.dur_ns >= 0) out += fmt::format(" <{}.{:06}>", e.dur_ns / 1000000000, (e.dur_ns % 1000000000) / 1000);
      break;
    }
    case EventType::Signal:
      if (e.proc.stopped) {
        out += fmt::format("--- stopped by {} ---", e.name);
      } else if (e.args.size() == 1 && e.args[0].kind == ArgKind::Other && e.args[0].name.empty() &&
                 e.args[0].str.rfind("(", 0) == 0) {
        // strace 4.x: "--- SIGCHLD (Child exited) @ 0 (0) ---", kept as text.
        out += fmt::format("--- {} {} ---", e.name, e.args[0].str);
      } else {
        out += fmt::format("--- {} {{", e.name);
        for (std::size_t i = 0; i < e.args.size(); ++i) {
          if (i) out += ", ";
          out += format_arg(e.args[i], opt);
        }
        out += "} ---";
      }
      break;
    case EventType::Process:
      if (e.name == kProcExit) out += fmt::format("+++ exited with {} +++", e.proc.code);
      else if (e.name == kProcKilled)
        out += fmt::format("+++ killed by {}{} +++", signal_name(e.proc.signal), e.proc.core ? " (core dumped)" : "");
      else if (e.name == kProcSuperseded) out += fmt::format("+++ superseded by execve in pid {} +++", e.proc.child);
      else if (e.name == kProcSpawn) out += fmt::format("+++ {} {} +++", e.proc.thread ? "thread" : "process", e.proc.child);
      else if (e.name == kProcExec && !e.args.empty()) out += fmt::format("+++ exec {} +++", quote_bytes(e.args[0].str, 0, false));
      else out += fmt::format("+++ {} +++", e.name);
      break;
    case EventType::Unparsed:
      out += e.raw;
      break;
  }
  return out;
}

}  // namespace tracediff::display
