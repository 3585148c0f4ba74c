// CompactVector<T>: a vector that is one pointer wide.
//
// A trace holds millions of argument lists (an event's arguments, a
// struct's fields), most of them two to six elements long. std::vector
// costs three pointers for each, and an Arg holding one is a third bigger
// for it: CompactVector keeps its size and capacity in the heap block, in
// front of the elements, so an empty list is a null pointer and a full one
// costs 8 bytes where it is held. The interface is the part of
// std::vector the code base uses, with the same meaning; iterators are
// plain pointers. Converting from a std::vector moves its elements into a
// block of exactly their number.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

namespace tracediff {

template <class T>
class CompactVector {
 public:
  using value_type = T;
  using size_type = std::size_t;
  using iterator = T*;
  using const_iterator = const T*;
  using reference = T&;
  using const_reference = const T&;

  CompactVector() = default;
  CompactVector(std::initializer_list<T> init) { assign_range(init.begin(), init.end()); }
  CompactVector(std::vector<T>&& v) {
    if (v.empty()) return;
    reserve(v.size());
    for (T& x : v) new (end()) T(std::move(x)), ++hdr()->size;
    v.clear();
  }
  CompactVector(const std::vector<T>& v) { assign_range(v.data(), v.data() + v.size()); }
  CompactVector(const CompactVector& o) { assign_range(o.begin(), o.end()); }
  CompactVector(CompactVector&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}

  ~CompactVector() { release(); }

  CompactVector& operator=(const CompactVector& o) {
    if (this != &o) {
      CompactVector copy(o);
      swap(copy);
    }
    return *this;
  }
  CompactVector& operator=(CompactVector&& o) noexcept {
    if (this != &o) {
      release();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  CompactVector& operator=(std::vector<T>&& v) { return *this = CompactVector(std::move(v)); }
  CompactVector& operator=(std::initializer_list<T> init) { return *this = CompactVector(init); }

  std::size_t size() const { return p_ ? hdr()->size : 0; }
  std::size_t capacity() const { return p_ ? hdr()->cap : 0; }
  bool empty() const { return size() == 0; }
  T* data() { return p_ ? elems() : nullptr; }
  const T* data() const { return p_ ? elems() : nullptr; }
  T* begin() { return data(); }
  T* end() { return data() + size(); }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size(); }
  const T* cbegin() const { return begin(); }
  const T* cend() const { return end(); }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return elems()[i]; }
  T& at(std::size_t i) {
    if (i >= size()) throw std::out_of_range("CompactVector::at");
    return data()[i];
  }
  const T& at(std::size_t i) const {
    if (i >= size()) throw std::out_of_range("CompactVector::at");
    return elems()[i];
  }
  T& front() { return data()[0]; }
  const T& front() const { return elems()[0]; }
  T& back() { return data()[size() - 1]; }
  const T& back() const { return elems()[size() - 1]; }

  void reserve(std::size_t n) {
    if (n > capacity()) regrow(n);
  }
  void shrink_to_fit() {
    if (capacity() == size()) return;
    if (empty()) {
      release();
      return;
    }
    regrow(size());
  }
  void clear() {
    if (!p_) return;
    std::destroy(begin(), end());
    hdr()->size = 0;
  }
  void resize(std::size_t n) {
    while (size() > n) pop_back();
    reserve(n);
    while (size() < n) emplace_back();
  }

  template <class... A>
  T& emplace_back(A&&... a) {
    if (size() == capacity()) {
      // Built first, then moved in: `a` may be an element of this vector.
      T v(std::forward<A>(a)...);
      regrow(grown());
      T* slot = end();
      new (slot) T(std::move(v));
      ++hdr()->size;
      return *slot;
    }
    T* slot = end();
    new (slot) T(std::forward<A>(a)...);
    ++hdr()->size;
    return *slot;
  }
  void push_back(const T& v) { emplace_back(v); }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  void pop_back() {
    back().~T();
    --hdr()->size;
  }

  T* insert(const T* pos, T v) {
    std::size_t at = static_cast<std::size_t>(pos - cbegin());
    emplace_back(std::move(v));
    std::rotate(begin() + at, end() - 1, end());
    return begin() + at;
  }
  template <class It>
  T* insert(const T* pos, It first, It last) {
    std::size_t at = static_cast<std::size_t>(pos - cbegin());
    std::size_t old = size();
    for (; first != last; ++first) emplace_back(*first);
    std::rotate(begin() + at, begin() + old, end());
    return begin() + at;
  }
  T* erase(const T* first, const T* last) {
    std::ptrdiff_t from = first - cbegin(), to = last - cbegin();
    T* f = begin() + from;
    T* l = begin() + to;
    T* new_end = std::move(l, end(), f);
    std::destroy(new_end, end());
    hdr()->size -= static_cast<std::uint32_t>(l - f);
    return f;
  }
  T* erase(const T* pos) { return erase(pos, pos + 1); }

  void swap(CompactVector& o) noexcept { std::swap(p_, o.p_); }

  friend bool operator==(const CompactVector& a, const CompactVector& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  struct Header {
    std::uint32_t size;
    std::uint32_t cap;
  };
  static constexpr std::size_t kOffset = (sizeof(Header) + alignof(T) - 1) / alignof(T) * alignof(T);
  Header* hdr() const { return static_cast<Header*>(p_); }
  T* elems() const { return reinterpret_cast<T*>(static_cast<char*>(p_) + kOffset); }
  std::size_t grown() const { return capacity() < 2 ? 2 : capacity() * 2; }

  template <class It>
  void assign_range(It first, It last) {
    std::size_t n = static_cast<std::size_t>(last - first);
    if (!n) return;
    reserve(n);
    for (; first != last; ++first) new (end()) T(*first), ++hdr()->size;
  }
  void regrow(std::size_t cap) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    void* block = ::operator new(kOffset + cap * sizeof(T));
    auto* h = static_cast<Header*>(block);
    h->size = 0;
    h->cap = static_cast<std::uint32_t>(cap);
    T* to = reinterpret_cast<T*>(static_cast<char*>(block) + kOffset);
    if (p_) {
      for (T& x : *this) new (to + h->size++) T(std::move(x));
      release();
    }
    p_ = block;
  }
  void release() {
    if (!p_) return;
    std::destroy(begin(), end());
    ::operator delete(p_);
    p_ = nullptr;
  }

  void* p_ = nullptr;
};

/// std::erase_if for a CompactVector: removes what `pred` holds for,
/// keeping the order of the rest; returns how many went.
template <class T, class Pred>
std::size_t erase_if(CompactVector<T>& v, Pred pred) {
  T* new_end = std::remove_if(v.begin(), v.end(), pred);
  std::size_t n = static_cast<std::size_t>(v.end() - new_end);
  v.erase(new_end, v.end());
  return n;
}

}  // namespace tracediff
