#include "model/paths.h"

#include <vector>

namespace tracediff {

std::string normalize_path(std::string_view p) {
  if (p.empty() || p.front() != '/') return std::string(p);
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view c = p.substr(i, j - i);
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.push_back(c);
    }
    i = j + 1;
  }
  std::string out;
  out.reserve(p.size());
  for (std::string_view c : parts) {
    out.push_back('/');
    out.append(c);
  }
  return out.empty() ? "/" : out;
}

std::string absolute_path(std::string_view base, std::string_view path) {
  if (path.empty()) return {};
  if (path.front() == '/') return normalize_path(path);
  if (base.empty() || base.front() != '/') return {};
  std::string joined(base);
  joined.push_back('/');
  joined.append(path);
  return normalize_path(joined);
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
