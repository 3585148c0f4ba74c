// Rules "addresses", "timing" and "stat": values that differ on every run
// (where memory was mapped, when a call ran, a file's size and inode) are
// dropped, so only what the program asked for and what it got remain.
#include <string_view>
#include <unordered_set>

#include "normalize/rules.h"

namespace tracediff::normalize::detail {
namespace {

// Below 64 KiB nothing is mapped (vm.mmap_min_addr), so a hex value from
// there up is taken for an address; smaller hex values are flags and sizes.
constexpr std::uint64_t kMinAddress = 0x10000;

bool hex_address(std::string_view s, std::size_t* len) {
  if (s.size() < 3 || s[0] != '0' || s[1] != 'x') return false;
  std::uint64_t v = 0;
  std::size_t i = 2;
  for (; i < s.size(); ++i) {
    char c = s[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) break;
    v = (v << 4) | static_cast<unsigned>(d);
  }
  *len = i;
  return i > 2 && v >= kMinAddress;
}

void drop_address(Arg& a) {
  if (a.kind == ArgKind::Unreadable) {
    a.raw = 0;
    a.has_raw = false;
    a.str = "ADDR";
    return;
  }
  if (a.kind != ArgKind::Int && a.kind != ArgKind::Other) return;
  std::size_t len = 0;
  if (!hex_address(a.str, &len)) return;
  // "0x7ffc0b2e8f10 /* 16 vars */": the address goes, the comment stays.
  a.str = "ADDR" + a.str.substr(len);
  a.raw = 0;
  a.has_raw = false;
}

bool is_time_field(std::string_view n) {
  return n == "tv_sec" || n == "tv_nsec" || n == "tv_usec" || n == "it_value" || n == "it_interval";
}

// Fields of stat/statx/statfs results that change whenever a file is
// rewritten, copied or merely read. st_mode, st_uid, st_gid are kept:
// they are what permission failures hinge on.
const std::unordered_set<std::string_view>& dropped_stat_fields() {
  static const std::unordered_set<std::string_view> s = {
      "st_size", "st_ino", "st_dev", "st_blocks", "st_blksize", "st_nlink", "st_atime", "st_atime_nsec",
      "st_mtime", "st_mtime_nsec", "st_ctime", "st_ctime_nsec", "st_atim", "st_mtim", "st_ctim",
      "stx_size", "stx_ino", "stx_blocks", "stx_blksize", "stx_nlink", "stx_atime", "stx_btime", "stx_ctime",
      "stx_mtime", "stx_dev_major", "stx_dev_minor", "stx_mnt_id", "stx_attributes", "stx_attributes_mask",
      "stx_mask", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree", "f_fsid"};
  return s;
}

void drop_stat_fields(Arg& a) {
  if (a.kind == ArgKind::Struct) {
    const auto& drop = dropped_stat_fields();
    erase_if(a.items, [&](const Arg& f) { return drop.count(f.name) > 0; });
    a.items.shrink_to_fit();  // statx results are large; the memory is wanted back
  }
  for (Arg& i : a.items) drop_stat_fields(i);
}

}  // namespace

void addresses_event(Event& e) {
  if (e.type == EventType::Unparsed || e.type == EventType::Process) return;
  for_each_arg(e, drop_address);
  std::size_t len = 0;
  if (hex_address(e.result.str, &len)) {
    e.result.str = "ADDR";
    e.result.value = 0;
  }
}

void timing_event(Event& e) {
  e.ts_ns = -1;
  e.dur_ns = -1;
  if (e.type != EventType::Syscall) return;
  for_each_arg(e, [](Arg& a) {
    if (is_time_field(a.name) && a.items.empty()) {
      a.str = "T";
      a.raw = 0;
      a.has_raw = false;
    }
  });
}

void stat_event(Event& e) {
  if (e.type == EventType::Syscall && syscall_is(e.name, kClassStat))
    for (Arg& a : e.args) drop_stat_fields(a);
}

void rule_addresses(Trace& t, NormalizeContext&) {
  for (Event& e : t.events) addresses_event(e);
}

void rule_timing(Trace& t, NormalizeContext&) {
  for (Event& e : t.events) timing_event(e);
}

void rule_stat(Trace& t, NormalizeContext&) {
  for (Event& e : t.events) stat_event(e);
}

}  // namespace tracediff::normalize::detail
