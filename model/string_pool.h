// StringPool: one shared CompactString per repeated value (model/compact_string.h).
#pragma once

#include <string_view>
#include <unordered_map>

#include "model/compact_string.h"

namespace tracediff {

/// Hands out shared CompactStrings for values that repeat across events
/// (flag sets like "AT_SYMLINK_NOFOLLOW", "S_IFDIR|0755", an fd's
/// referent on each of its reads): equal values share one heap block, so
/// a million events carry one copy of each instead of a million. Values
/// kept in place (kInline bytes or fewer) need no pool and are assigned
/// directly. Bounded: when `limit` distinct values are held, the pool
/// forgets them all and starts again (the events keep their blocks), so a
/// stream of unique values costs at most `limit` entries. Not thread-safe:
/// one per reader.
class StringPool {
 public:
  explicit StringPool(std::size_t limit = 1 << 16) : limit_(limit) {}
  /// Sets `out` to `s`, sharing an earlier equal value's block.
  void assign(CompactString& out, std::string_view s) {
    if (s.size() <= CompactString::kInline) {
      out.assign(s);
      return;
    }
    auto it = map_.find(s);
    if (it == map_.end()) {
      if (map_.size() >= limit_) map_.clear();
      CompactString v(s);
      std::string_view key = v.view();  // the block's bytes: stable while the entry lives
      it = map_.emplace(key, std::move(v)).first;
    }
    out = it->second;
  }

 private:
  std::unordered_map<std::string_view, CompactString> map_;
  std::size_t limit_;
};

}  // namespace tracediff
