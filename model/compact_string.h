// Small string types for the strings of the trace model: argument values,
// absolute paths, fd referents, results (CompactString), and names drawn
// from a small set: struct fields, call names, errno names (InternedString).
//
// A trace holds millions of Args; with four std::strings each (32 bytes
// apiece) an Arg cost 168 bytes and a 1M-event trace more than 1 KiB per
// event (docs/performance.md, "Import and read"). CompactString is one
// pointer wide, InternedString four bytes. They read like a
// std::string_view and assign from any string; everything else goes
// through view() or str().
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <ostream>
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
  friend std::ostream& operator<<(std::ostream& os, const Derived& s) { return os << s.view(); }
  friend std::string operator+(const Derived& a, char b) {
    std::string s(a.view());
    s += b;
    return s;
  }
};

}  // namespace detail

/// An immutable string, one pointer wide. Three forms in those 8 bytes:
/// all zero (empty); up to kInline bytes stored in place (the first byte is
/// (length << 1) | 1, then the bytes, then a NUL); or a pointer to a shared
/// heap block {reference count, length, bytes, NUL}. Copies share the block
/// (a path's absolute form that equals the path costs nothing), assignment
/// makes a new one, so no copy ever sees another change. Thread-safe like
/// std::shared_ptr: copies may be made and dropped on several threads.
class CompactString : public detail::StringViewOps<CompactString> {
 public:
  /// Longest string kept in place, without a heap block.
  static constexpr std::size_t kInline = sizeof(void*) - 2;

  CompactString() = default;
  CompactString(std::string_view s) { assign(s); }
  CompactString(const std::string& s) { assign(s); }
  CompactString(const char* s) { assign(s); }
  CompactString(const CompactString& o) : w_(o.w_) { retain(); }
  CompactString(CompactString&& o) noexcept : w_(std::exchange(o.w_, 0)) {}
  ~CompactString() { release(); }
  CompactString& operator=(const CompactString& o) {
    if (this != &o) {
      o.retain();
      release();
      w_ = o.w_;
    }
    return *this;
  }
  CompactString& operator=(CompactString&& o) noexcept {
    std::swap(w_, o.w_);
    return *this;
  }
  CompactString& operator=(std::string_view s) { return assign(s); }
  CompactString& operator=(const std::string& s) { return assign(s); }
  CompactString& operator=(const char* s) { return assign(s); }

  CompactString& assign(std::string_view s) {
    std::uint64_t w = 0;
    if (s.size() <= kInline) {
      if (!s.empty()) {
        char b[sizeof w] = {};
        b[0] = static_cast<char>((s.size() << 1) | 1);
        std::memcpy(b + 1, s.data(), s.size());
        std::memcpy(&w, b, sizeof w);
      }
    } else {
      // Copy first: s may point into our own block.
      void* p = std::malloc(sizeof(Block) + s.size() + 1);
      if (!p) throw std::bad_alloc();
      auto* blk = new (p) Block{{1}, static_cast<std::uint32_t>(s.size())};
      std::memcpy(blk->bytes(), s.data(), s.size());
      blk->bytes()[s.size()] = '\0';
      w = reinterpret_cast<std::uintptr_t>(blk);
    }
    release();
    w_ = w;
    return *this;
  }
  CompactString& append(std::string_view s) { return assign(std::string(view_impl()) += s); }
  CompactString& operator+=(std::string_view s) { return append(s); }
  CompactString& operator+=(char c) { return append(std::string_view(&c, 1)); }
  void push_back(char c) { append(std::string_view(&c, 1)); }
  void clear() {
    release();
    w_ = 0;
  }
  const char* c_str() const {
    if (w_ == 0) return "";
    if (w_ & 1) return reinterpret_cast<const char*>(&w_) + 1;
    return block()->bytes();
  }
  /// True when this and `o` share one heap block (a test hook).
  bool shares_with(const CompactString& o) const { return w_ != 0 && !(w_ & 1) && w_ == o.w_; }

  std::string_view view_impl() const {
    if (w_ == 0) return {};
    if (w_ & 1) return {reinterpret_cast<const char*>(&w_) + 1, static_cast<std::size_t>((w_ & 0xff) >> 1)};
    const Block* b = block();
    return {b->bytes(), b->size};
  }

 private:
  struct Block {
    std::atomic<std::uint32_t> refs;
    std::uint32_t size;
    char* bytes() { return reinterpret_cast<char*>(this + 1); }
    const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
  };
  static_assert(std::endian::native == std::endian::little, "the in-place form's tag is the low byte");
  static_assert(alignof(Block) >= 2, "a block pointer has its low bit clear");

  Block* block() const { return reinterpret_cast<Block*>(static_cast<std::uintptr_t>(w_)); }
  void retain() const {
    if (w_ != 0 && !(w_ & 1)) block()->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void release() {
    if (w_ == 0 || (w_ & 1)) return;
    Block* b = block();
    if (b->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      b->~Block();
      std::free(b);
    }
  }

  std::uint64_t w_ = 0;
};

/// An interned string, four bytes wide: equal strings share one pooled,
/// never-freed copy and are held as its number, so copies cost nothing and
/// an Arg's flags and name share one word. For names from a small set
/// (struct field names, call names, errno names); do not use it for
/// unbounded data (the pool refuses more than 16M names). Thread-safe.
class InternedString : public detail::StringViewOps<InternedString> {
 public:
  InternedString() = default;
  InternedString(std::string_view s) : n_(intern(s)) {}
  explicit InternedString(const std::string& s) : n_(intern(s)) {}
  InternedString(const char* s) : n_(intern(s)) {}
  InternedString& operator=(std::string_view s) {
    n_ = intern(s);
    return *this;
  }
  InternedString& operator=(const std::string& s) { return *this = std::string_view(s); }
  InternedString& operator=(const char* s) { return *this = std::string_view(s); }
  InternedString& assign(std::string_view s) { return *this = s; }
  void clear() { n_ = 0; }
  const char* c_str() const { return n_ ? pooled(n_)->c_str() : ""; }
  /// Equal for equal strings, different for different ones: a key for
  /// caches of what a name stands for.
  const void* id() const { return n_ ? pooled(n_) : nullptr; }
  /// The pool's number for this name, 0 for "": dense, so a table indexed
  /// by it is a cache without hashing.
  std::uint32_t number() const { return n_; }

  std::string_view view_impl() const { return n_ ? std::string_view(*pooled(n_)) : std::string_view(); }

 private:
  /// The pool's number for `s`, 0 for "".
  static std::uint32_t intern(std::string_view s);
  /// The pooled string numbered n (n > 0): a two-level table that never
  /// moves, so reading needs no lock.
  static constexpr unsigned kChunkBits = 12;
  static const std::string* const* const* table();
  static const std::string* pooled(std::uint32_t n) {
    return table()[n >> kChunkBits][n & ((1u << kChunkBits) - 1)];
  }
  std::uint32_t n_ = 0;
};

/// An optional value kept on the heap: one pointer wide where
/// std::optional<T> would hold all of T in every owner. For rare, large
/// parts of an event (the permission snapshot of a failed path call).
/// Copies are deep; reads like std::optional.
template <typename T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(const T& v) : p_(new T(v)) {}
  Boxed(T&& v) : p_(new T(std::move(v))) {}
  Boxed(const Boxed& o) : p_(o.p_ ? new T(*o.p_) : nullptr) {}
  Boxed(Boxed&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  ~Boxed() { delete p_; }
  Boxed& operator=(const Boxed& o) {
    if (this != &o) *this = o.p_ ? Boxed(*o.p_) : Boxed();
    return *this;
  }
  Boxed& operator=(Boxed&& o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  Boxed& operator=(const T& v) { return *this = Boxed(v); }
  Boxed& operator=(T&& v) { return *this = Boxed(std::move(v)); }

  bool has_value() const { return p_ != nullptr; }
  explicit operator bool() const { return p_ != nullptr; }
  T& operator*() { return *p_; }
  const T& operator*() const { return *p_; }
  T* operator->() { return p_; }
  const T* operator->() const { return p_; }
  void reset() {
    delete p_;
    p_ = nullptr;
  }
  friend bool operator==(const Boxed& a, const Boxed& b) {
    return a.p_ == nullptr || b.p_ == nullptr ? a.p_ == b.p_ : *a.p_ == *b.p_;
  }

 private:
  T* p_ = nullptr;
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
