// Sharing repeated argument lists (arg_share.h).
#include "model/arg_share.h"

#include <functional>
#include <string_view>

namespace tracediff {
namespace {

constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ULL;

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + kMul + (h << 6) + (h >> 2);
  return h;
}

std::uint64_t hash_bytes(std::string_view s) { return s.empty() ? 0 : std::hash<std::string_view>()(s); }

std::uint64_t hash_list(std::uint64_t h, const ArgList& args) {
  h = mix(h, args.size());
  for (const Arg& a : args) {
    h = mix(h, static_cast<std::uint64_t>(a.kind) | static_cast<std::uint64_t>(a.has_raw) << 8 |
                   static_cast<std::uint64_t>(a.truncated) << 9 | static_cast<std::uint64_t>(a.name.number()) << 16);
    h = mix(h, static_cast<std::uint64_t>(a.raw));
    h = mix(h, hash_bytes(a.str.view()));
    h = mix(h, hash_bytes(a.abs.view()));
    h = mix(h, hash_bytes(a.ref.view()));
    if (!a.items.empty()) h = hash_list(h, a.items);
  }
  return h;
}

}  // namespace

std::uint64_t hash_args(const ArgList& args) { return hash_list(0, args); }

ArgSharer::ArgSharer(std::vector<ArgList>& store, std::size_t slots) : store_(store) {
  std::size_t n = 1;
  while (n < slots) n <<= 1;
  index_.resize(n);
}

void ArgSharer::share(ArgList& args) {
  if (args.empty() || args.borrowed() || args.size() > kMaxShared) return;
  std::uint64_t h = hash_args(args);
  Slot& slot = index_[h & (index_.size() - 1)];
  if (slot.at != SIZE_MAX && slot.hash == h && store_[slot.at] == args) {
    ++hits_;
    args = ArgList::borrow(store_[slot.at]);
    return;
  }
  args.shrink_to_fit();
  store_.push_back(std::move(args));
  slot = {h, store_.size() - 1};
  args = ArgList::borrow(store_.back());
}

}  // namespace tracediff
