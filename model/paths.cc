#include "model/paths.h"

#include <string>

namespace tracediff {

namespace {

// Appends the components of `p` to `out`, a normalized absolute path
// without its trailing '/' ("" for the root): "." and empty components
// go, ".." removes the component before it (none above the root). One
// buffer, no list of components: the importer and the replay resolve a
// path for most calls.
void append_normalized(std::string& out, std::string_view p) {
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view c = p.substr(i, j - i);
    if (c == "..") {
      std::size_t k = out.rfind('/');
      out.resize(k == std::string::npos ? 0 : k);
    } else if (!c.empty() && c != ".") {
      out.push_back('/');
      out.append(c);
    }
    i = j + 1;
  }
}

}  // namespace

std::string normalize_path(std::string_view p) {
  if (p.empty() || p.front() != '/') return std::string(p);
  std::string out;
  out.reserve(p.size());
  append_normalized(out, p);
  return out.empty() ? "/" : out;
}

bool is_normal_path(std::string_view p) {
  if (p.empty() || p.front() != '/') return false;
  if (p.size() == 1) return true;
  if (p.back() == '/') return false;
  // Every component after a '/' is there, and is neither "." nor "..".
  for (std::size_t i = p.find('/'); i != std::string_view::npos; i = p.find('/', i + 1)) {
    std::string_view c = p.substr(i + 1, p.find('/', i + 1) - (i + 1));
    if (c.empty() || c == "." || c == "..") return false;
  }
  return true;
}

std::string absolute_path(std::string_view base, std::string_view path) {
  if (path.empty()) return {};
  if (path.front() == '/') return normalize_path(path);
  if (base.empty() || base.front() != '/') return {};
  // As normalize_path(base + "/" + path), in one buffer.
  std::string out;
  out.reserve(base.size() + 1 + path.size());
  append_normalized(out, base);
  append_normalized(out, path);
  return out.empty() ? "/" : out;
}

std::string basename_of(std::string_view p) {
  auto s = p.find_last_of('/');
  return std::string(s == std::string_view::npos ? p : p.substr(s + 1));
}

std::string dirname_of(std::string_view p) {
  auto s = p.find_last_of('/');
  if (s == std::string_view::npos) return ".";
  if (s == 0) return "/";
  return std::string(p.substr(0, s));
}

}  // namespace tracediff
