#include "normalize/canon.h"

#include <algorithm>

#include "model/paths.h"
#include "model/syscalls.h"
#include "normalize/rules.h"
#include "redact/redact.h"

namespace tracediff::normalize {

struct Canon::Impl {
  Impl(const Header& h, const NormalizeOptions& o)
      : opt(o), rewrites(opt), host(h), run([this](std::string_view s) { return before_names(s); }) {
    auto enabled = [&](const char* n) { return !opt.disabled.count(n); };
    rules_on = enabled("rules") && !rewrites.empty();
    host_on = enabled("host") && host.active();
    names_on = enabled("names");
    fds_on = enabled("fds");
    families_on = enabled("families");
    // Digests made with a random key compare with no other trace's: what
    // is left to compare is the length.
    redact::HeaderRedaction r = redact::redaction_of(h);
    strip_digests = r.level != redact::Level::None && !r.key.starts_with("user ");
    run.note(h);  // once before_names() can run
  }

  // One string through the rules that apply to names, in their order.
  void apply(std::string_view s, std::string& out, bool generated) {
    std::string_view cur = before_names(s);
    if (generated && names_on) {
      // The same name comes in runs (a path's open, stat and read).
      if (cur != last_in) {
        last_in.assign(cur);
        last_out = detail::normalize_generated_name(cur, ids, run.temp_dirs(), run.created());
      }
      out += last_out;
      return;
    }
    out += cur;
  }

  // `s` after the rules that come before the names rule: digests dropped,
  // the user's rewrites, the host's names. The view lasts until the next
  // call.
  std::string_view before_names(std::string_view s) {
    std::string_view cur = s;
    if (strip_digests && redact::has_marker(cur)) {
      std::string t = redact::without_digests(cur);
      stripped.swap(t);
      cur = stripped;
    }
    if (rules_on && rewrites.rewrite(cur, a)) cur = a;
    if (host_on && host(cur, b)) cur = b;
    return cur;
  }

  NormalizeOptions opt;
  detail::UserRewrites rewrites;
  detail::HostRule host;
  bool rules_on, host_on, names_on, fds_on, families_on, strip_digests;
  std::string stripped;
  std::unordered_set<std::int32_t> ids;
  std::string a, b, last_in, last_out;
  detail::RunNames run;  ///< learns in the form before_names() gives
};

Canon::Canon(const Header& h, const NormalizeOptions& opt) {
  detail::check_options(opt);
  impl_ = std::make_unique<Impl>(h, opt);
}

Canon::~Canon() = default;

void Canon::note(const Event& e) {
  if (impl_->run.note(e)) impl_->last_in.clear();
  if (e.tid) impl_->ids.insert(e.tid);
  if (e.pid) impl_->ids.insert(e.pid);
  if (e.type == EventType::Process && e.name == kProcSpawn && e.proc.child > 0) impl_->ids.insert(e.proc.child);
}

void Canon::name(std::string_view s, std::string& out) { impl_->apply(s, out, true); }

bool Canon::generated(std::string_view s) {
  if (!impl_->names_on) return false;
  // As the names rule would see it, files and directories the run made
  // included (a mkstemp file whose tail happens to look like a word).
  std::string_view cur = impl_->before_names(s);
  return detail::normalize_generated_name(cur, impl_->ids, impl_->run.temp_dirs(), impl_->run.created()) != cur;
}

void Canon::ref(std::string_view r, std::string& out) {
  if (!impl_->fds_on) {
    out += r;
    return;
  }
  // Inode numbers and ephemeral ports go first, as the fds rule drops them
  // before the names rule runs.
  impl_->apply(detail::canonical_ref(r), out, true);
}

void Canon::sockaddr(std::string_view s, std::string& out) {
  std::size_t start = out.size();
  impl_->apply(s, out, false);
  // A port the kernel picked (bind to port 0, a client's source port) is
  // in the ephemeral range, 32768 and up on Linux: it differs on every run.
  // A port a program asked for (8080, 5432) is below it and is evidence.
  std::size_t colon = out.rfind(':');
  if (colon == std::string::npos || colon < start) return;
  std::string_view port = std::string_view(out).substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return;
  if (std::stoi(std::string(port)) >= 32768) out.replace(colon + 1, std::string::npos, "#");
}

std::string_view Canon::family(const Event& e) const {
  if (!impl_->families_on || e.type != EventType::Syscall) return e.name.view();
  const SyscallInfo& info = syscall_info(e.name);
  return info.family.empty() ? e.name.view() : info.family;
}

std::string_view Canon::data(std::string_view s) {
  if (!impl_->strip_digests || !redact::has_marker(s)) return s;
  std::string t = redact::without_digests(s);
  impl_->stripped.swap(t);
  return impl_->stripped;
}

bool Canon::on(std::string_view name) const { return !impl_->opt.disabled.count(std::string(name)); }

}  // namespace tracediff::normalize
