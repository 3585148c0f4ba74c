// Rule "names": generated parts of file names become placeholders.
//
// Programs name files after their pid, the time, or random characters
// (mkstemp's XXXXXX, python's tempfile, build ids). Two runs never agree on
// them, so each such part becomes "#" (numbers and hex) or "XXXXXX"
// (random characters under a temp directory). What is kept on purpose: short
// numbers that are not pids of the trace (versions like python3.11,
// libc.so.6, x86_64), so a real version difference still shows.
#include <algorithm>
#include <string_view>
#include <vector>

#include "model/paths.h"
#include "normalize/rules.h"

namespace tracediff::normalize::detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex_letter(char c) { return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_word(char c) { return is_digit(c) || is_alpha(c) || c == '_'; }

// Directories whose entries are usually generated names, by their name.
bool is_temp_dir(std::string_view dir) {
  return dir == "tmp" || dir == "/tmp" || dir == "/var/tmp" || dir == "/dev/shm" ||
         (dir.size() > 4 && dir.substr(dir.size() - 4) == "/tmp") || dir.rfind("/run/user/", 0) == 0 ||
         dir.rfind("/tmp/", 0) == 0 || dir.rfind("tmp/", 0) == 0 || dir.rfind("/var/tmp/", 0) == 0;
}

// Numbers (a digit run) that are generated: pids of the trace, and anything
// of 4 digits or more (epoch seconds, microseconds, big pids, counters).
// Shorter numbers are versions far more often than generated names.
bool generated_number(std::string_view digits, const std::unordered_set<std::int32_t>& pids) {
  if (digits.size() >= 4) return true;
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return pids.count(v) > 0;
}

// A word in a temp directory that looks random: mkstemp's 6 characters are
// letters and digits of both cases; python's tempfile uses 8 of [a-z0-9_].
// Only comparison keys are made of this: reports show the name as recorded,
// so a long ordinary word under /tmp ("release-checkout") costs nothing.
bool random_word(std::string_view w) {
  if (w.size() >= 8) return true;
  if (w.size() < 6) return false;
  bool digit = false, upper = false;
  for (char c : w) {
    digit = digit || is_digit(c);
    upper = upper || (c >= 'A' && c <= 'Z');
  }
  return digit || upper;
}

// Random hex: 8+ hex characters with both digits and letters.
bool random_hex(std::string_view w) {
  if (w.size() < 8) return false;
  bool digit = false, letter = false;
  for (char c : w) {
    if (is_digit(c)) digit = true;
    else if (is_hex_letter(c)) letter = true;
    else return false;
  }
  return digit && letter;
}

void normalize_component(std::string_view comp, bool in_temp, const std::unordered_set<std::int32_t>& pids,
                         std::string& out) {
  std::size_t i = 0;
  while (i < comp.size()) {
    char c = comp[i];
    if (!is_word(c)) {
      out.push_back(c);
      ++i;
      continue;
    }
    std::size_t j = i;
    // A word runs over letters, digits and '_' only in temp dirs; elsewhere
    // '_' separates (x86_64 stays two short words).
    while (j < comp.size() && (is_digit(comp[j]) || is_alpha(comp[j]) || (in_temp && comp[j] == '_'))) ++j;
    if (j == i) {  // a lone '_'
      out.push_back(c);
      ++i;
      continue;
    }
    std::string_view w = comp.substr(i, j - i);
    bool digits_only = w.find_first_not_of("0123456789") == std::string_view::npos;
    if (in_temp && !digits_only && random_word(w)) {
      out += "XXXXXX";
    } else if (random_hex(w)) {
      out.push_back('#');
    } else {
      // Digit runs inside a word ("core.12345", "log20240101").
      std::size_t k = 0;
      while (k < w.size()) {
        if (!is_digit(w[k])) {
          out.push_back(w[k++]);
          continue;
        }
        std::size_t m = k;
        while (m < w.size() && is_digit(w[m])) ++m;
        std::string_view d = w.substr(k, m - k);
        // A pid only counts as a whole word ("spool.470", "/proc/470"):
        // inside a word ("python311") a short number is a version.
        bool whole = d.size() == w.size();
        if (d.size() >= 4 || (whole && generated_number(d, pids))) out.push_back('#');
        else out.append(d);
        k = m;
      }
    }
    i = j;
  }
}

}  // namespace

namespace {

// mkstemp's suffix: the last six of a component's trailing letters and
// digits become "XXXXXX" (the rest is left to normalize_component).
std::string masked_suffix(std::string_view comp) {
  std::size_t run = 0;
  while (run < comp.size() && (is_digit(comp[comp.size() - 1 - run]) || is_alpha(comp[comp.size() - 1 - run]))) ++run;
  std::string out(comp);
  if (run >= 6) out.replace(out.size() - 6, 6, "XXXXXX");
  return out;
}

void normalize_into(std::string_view s, const std::unordered_set<std::int32_t>& pids,
                    const std::vector<std::string>& temp_dirs, const CreatedNames* created, std::string& out) {
  out.clear();
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t slash = s.find('/', start);
    std::size_t end = slash == std::string_view::npos ? s.size() : slash;
    std::string_view dir = s.substr(0, start ? start - 1 : 0);
    bool temp = start > 0 && in_temp_dir(dir, temp_dirs);
    std::string_view comp = s.substr(start, end - start);
    std::string masked;
    // The name as far as this component: a file or directory the run made.
    if (created && !comp.empty() && created->contains(s.substr(0, end))) comp = masked = masked_suffix(comp);
    normalize_component(comp, temp, pids, out);
    if (slash == std::string_view::npos) break;
    out.push_back('/');
    start = slash + 1;
  }
}

}  // namespace

bool in_temp_dir(std::string_view dir, const std::vector<std::string>& temp_dirs) {
  return is_temp_dir(dir) || std::find(temp_dirs.begin(), temp_dirs.end(), dir) != temp_dirs.end();
}

void RunNames::note(const Header& h) {
  if (h.host.env)
    for (const std::string& kv : *h.host.env) learn_env(kv);
}

bool RunNames::note(const Event& e) {
  if (e.type != EventType::Syscall) return false;
  bool learned = false;
  const SyscallInfo& info = syscall_info(e.name);
  // A strace -v log has no header: the environment comes with the exec.
  if (info.is(kClassExec)) {
    std::size_t envp = static_cast<std::size_t>(info.path_index() + 2);
    if (envp < e.args.size() && e.args[envp].kind == ArgKind::Array)
      for (const Arg& a : e.args[envp].items) learned = learn_env(a.str.view()) || learned;
    return learned;
  }
  // A file created exclusively (O_CREAT|O_EXCL: mkstemp, mktemp, a lock
  // file with a random name) has a name made for this run: its directory
  // is a temp directory, where random-looking words are generated.
  bool file = e.name == "openat" || e.name == "open";
  // mkdtemp: mkdir(template, 0700) in a temp directory. Every path under
  // the directory carries its generated name.
  bool dir = e.name == "mkdir" || e.name == "mkdirat";
  if (!file && !dir) return false;
  std::size_t at = e.name == "openat" || e.name == "mkdirat" ? 1 : 0;
  if (at + 1 >= e.args.size()) return false;
  const Arg& p = e.args[at];
  const Arg& how = e.args[at + 1];
  if (file && (how.str.view().find("O_EXCL") == std::string_view::npos ||
               how.str.view().find("O_CREAT") == std::string_view::npos))
    return false;
  if (dir && !(how.has_raw && how.raw == 0700)) return false;
  std::string_view abs = !p.abs.empty() ? p.abs.view() : p.str.view();
  std::size_t slash = abs.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  if (file) learned = learn_temp_dir(abs.substr(0, slash));
  else if (!in_temp_dir(seen(abs.substr(0, slash)), temp_dirs_)) return false;
  // The name itself, under each form a later call may give it. As for a
  // failed call too: the call a bad host refused is the one to pair.
  learned = learn_created(abs) || learned;
  if (!p.str.empty()) learned = learn_created(p.str.view()) || learned;
  return learned;
}

bool RunNames::learn_env(std::string_view kv) {
  for (std::string_view var : {"TMPDIR=", "TMP=", "TEMP="})
    if (kv.starts_with(var)) return learn_temp_dir(normalize_path(kv.substr(var.size())));
  return false;
}

bool RunNames::learn_temp_dir(std::string_view dir) {
  std::string d(seen(dir));
  if (d.empty() || d == "/" || std::find(temp_dirs_.begin(), temp_dirs_.end(), d) != temp_dirs_.end()) return false;
  temp_dirs_.push_back(std::move(d));
  return true;
}

bool RunNames::learn_created(std::string_view path) {
  std::string_view as_seen = seen(path);
  return !created_.contains(as_seen) && created_.emplace(as_seen).second;
}

std::string normalize_generated_name(std::string_view s, const std::unordered_set<std::int32_t>& pids,
                                     const std::vector<std::string>& temp_dirs, const CreatedNames* created) {
  std::string out;
  normalize_into(s, pids, temp_dirs, created, out);
  return out;
}

void rule_names(Trace& t, NormalizeContext& ctx) {
  const auto& pids = ctx.original_ids;
  // What the run tells of its own names, learned in trace order as the
  // Canon learns it (the names are already in the form this rule sees).
  RunNames run;
  run.note(t.header);
  std::string buf;
  // The same name comes several times in a row (a path's str and abs, the
  // stat, getxattr and open of one file): the last answer is kept.
  std::string last_in, last_out;
  auto fn = [&](std::string_view s, std::string& out) {
    // Fast path: a name with no digit and no temp directory has nothing
    // generated, unless the run named temp directories or made names of
    // its own. A plain loop: find_first_of calls memchr per character.
    bool maybe = !run.temp_dirs().empty() || run.created();
    for (std::size_t i = 0; !maybe && i < s.size(); ++i) maybe = s[i] >= '0' && s[i] <= '9';
    maybe = maybe || s.find("tmp") != std::string_view::npos || s.find("/dev/shm") != std::string_view::npos;
    if (!maybe) return false;
    if (s != last_in) {
      normalize_into(s, pids, run.temp_dirs(), run.created(), buf);
      last_in = s;
      last_out = buf;
    }
    if (last_out == s) return false;
    out = last_out;
    return true;
  };
  for (Event& e : t.events) {
    if (run.note(e)) last_in.clear();
    if (e.type != EventType::Syscall && e.type != EventType::Process) continue;
    for_each_string(e, kPaths | kRefs, fn);
  }
}

}  // namespace tracediff::normalize::detail
