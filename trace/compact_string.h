// Small string types for the fields of Arg that are usually empty (abs, ref)
// or drawn from a small set (struct field names).
//
// A trace holds millions of Args; with four std::strings each (32 bytes
// apiece) an Arg cost 168 bytes and a 1M-event trace more than 1 KiB per
// event (docs/performance.md, "Import and read"). Both types below are one
// pointer wide. They read like a std::string_view and assign from any
// string; everything else goes through view() or str().
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace tracediff {

namespace detail {

/// Read-only std::string-like operations shared by both types.
template <typename Derived>
class StringViewOps {
 public:
  using size_type = std::size_t;
  static constexpr size_type npos = std::string_view::npos;

  std::string_view view() const { return static_cast<const Derived&>(*this).view_impl(); }
  operator std::string_view() const { return view(); }
  operator std::string() const { return std::string(view()); }
  std::string str() const { return std::string(view()); }

  bool empty() const { return view().empty(); }
  size_type size() const { return view().size(); }
  size_type length() const { return view().size(); }
  const char* data() const { return view().data(); }
  char front() const { return view().front(); }
  char back() const { return view().back(); }
  char operator[](size_type i) const { return view()[i]; }
  auto begin() const { return view().begin(); }
  auto end() const { return view().end(); }
  bool starts_with(std::string_view s) const { return view().starts_with(s); }
  bool ends_with(std::string_view s) const { return view().ends_with(s); }
  size_type find(std::string_view s, size_type pos = 0) const { return view().find(s, pos); }
  size_type find(char c, size_type pos = 0) const { return view().find(c, pos); }
  size_type rfind(std::string_view s, size_type pos = npos) const { return view().rfind(s, pos); }
  size_type rfind(char c, size_type pos = npos) const { return view().rfind(c, pos); }
  std::string substr(size_type pos, size_type n = npos) const { return std::string(view().substr(pos, n)); }
  int compare(std::string_view s) const { return view().compare(s); }
  int compare(size_type pos, size_type n, std::string_view s) const { return view().compare(pos, n, s); }

  friend bool operator==(const Derived& a, const Derived& b) { return a.view() == b.view(); }
  friend bool operator==(const Derived& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const Derived& a, const std::string& b) { return a.view() == b; }
  friend bool operator==(const Derived& a, const char* b) { return a.view() == b; }
  friend auto operator<=>(const Derived& a, const Derived& b) { return a.view() <=> b.view(); }
  friend auto operator<=>(const Derived& a, std::string_view b) { return a.view() <=> b; }
  friend std::string operator+(const Derived& a, std::string_view b) {
    std::string s(a.view());
    s += b;
    return s;
  }
  friend std::string operator+(std::string_view a, const Derived& b) {
    std::string s(a);
    s += b.view();
    return s;
  }
  friend std::string operator+(const Derived& a, char b) {
    std::string s(a.view());
    s += b;
    return s;
  }
};

}  // namespace detail

/// An owned string, one pointer wide: null when empty, else a heap block
/// holding the length and the bytes (NUL-terminated for c_str()).
class CompactString : public detail::StringViewOps<CompactString> {
 public:
  CompactString() = default;
  CompactString(std::string_view s) { assign(s); }
  explicit CompactString(const std::string& s) { assign(s); }
  CompactString(const char* s) { assign(s); }
  CompactString(const CompactString& o) { assign(o.view_impl()); }
  CompactString(CompactString&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  ~CompactString() { std::free(p_); }
  CompactString& operator=(const CompactString& o) {
    if (this != &o) assign(o.view_impl());
    return *this;
  }
  CompactString& operator=(CompactString&& o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  CompactString& operator=(std::string_view s) { return assign(s); }
  CompactString& operator=(const std::string& s) { return assign(s); }
  CompactString& operator=(const char* s) { return assign(s); }

  CompactString& assign(std::string_view s) {
    if (s.empty()) {
      clear();
      return *this;
    }
    // Copy first: s may point into our own block.
    auto* p = static_cast<char*>(std::malloc(sizeof(std::uint32_t) + s.size() + 1));
    if (!p) throw std::bad_alloc();
    auto n = static_cast<std::uint32_t>(s.size());
    std::memcpy(p, &n, sizeof n);
    std::memcpy(p + sizeof n, s.data(), s.size());
    p[sizeof n + s.size()] = '\0';
    std::free(p_);
    p_ = p;
    return *this;
  }
  CompactString& append(std::string_view s) { return assign(std::string(view_impl()) += s); }
  CompactString& operator+=(std::string_view s) { return append(s); }
  void clear() {
    std::free(p_);
    p_ = nullptr;
  }
  const char* c_str() const { return p_ ? p_ + sizeof(std::uint32_t) : ""; }

  std::string_view view_impl() const {
    if (!p_) return {};
    std::uint32_t n;
    std::memcpy(&n, p_, sizeof n);
    return {p_ + sizeof n, n};
  }

 private:
  char* p_ = nullptr;
};

/// An interned string, one pointer wide: equal strings share one pooled,
/// never-freed copy, so copies cost nothing. For names from a small set
/// (struct field names); do not use it for unbounded data. Thread-safe.
class InternedString : public detail::StringViewOps<InternedString> {
 public:
  InternedString() = default;
  InternedString(std::string_view s) : p_(intern(s)) {}
  explicit InternedString(const std::string& s) : p_(intern(s)) {}
  InternedString(const char* s) : p_(intern(s)) {}
  InternedString& operator=(std::string_view s) {
    p_ = intern(s);
    return *this;
  }
  InternedString& operator=(const std::string& s) { return *this = std::string_view(s); }
  InternedString& operator=(const char* s) { return *this = std::string_view(s); }
  InternedString& assign(std::string_view s) { return *this = s; }
  void clear() { p_ = nullptr; }
  const char* c_str() const { return p_ ? p_->c_str() : ""; }

  std::string_view view_impl() const { return p_ ? std::string_view(*p_) : std::string_view(); }

 private:
  static const std::string* intern(std::string_view s);
  const std::string* p_ = nullptr;
};

}  // namespace tracediff

template <>
struct fmt::formatter<tracediff::CompactString> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(const tracediff::CompactString& s, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(s.view(), ctx);
  }
};

template <>
struct fmt::formatter<tracediff::InternedString> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(const tracediff::InternedString& s, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(s.view(), ctx);
  }
};

template <>
struct std::hash<tracediff::CompactString> {
  std::size_t operator()(const tracediff::CompactString& s) const noexcept {
    return std::hash<std::string_view>()(s.view());
  }
};
