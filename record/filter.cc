// The seccomp-bpf filter installed in a launched command: only the selected
// calls stop the tracee, the rest run at full speed.
#include <linux/audit.h>
#include <linux/seccomp.h>

#include <cstddef>

#include "record/internal.h"

namespace tracediff::record::detail {

std::vector<sock_filter> build_seccomp_filter(const std::vector<bool>& traced) {
  std::vector<sock_filter> prog;
  auto stmt = [&](std::uint16_t code, std::uint32_t k) { prog.push_back(BPF_STMT(code, k)); };
  auto jump = [&](std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
    prog.push_back(BPF_JUMP(code, k, jt, jf));
  };
  // Another ABI (i386 via int 0x80): stop, the recorder names it raw.
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
  jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
  // Runs of allowed numbers, ascending. Each run is four instructions with
  // only local jumps, so the program stays valid however many runs there
  // are (BPF jump offsets are 8-bit):
  //   nr <  lo ? TRACE : next;   nr > hi ? next run : ALLOW
  // x32 numbers (bit 30 set) are above every run and end in TRACE.
  const int n = static_cast<int>(traced.size());
  for (int lo = 0; lo < n;) {
    if (traced[lo]) {
      ++lo;
      continue;
    }
    int hi = lo;
    while (hi + 1 < n && !traced[hi + 1]) ++hi;
    jump(BPF_JMP | BPF_JGE | BPF_K, static_cast<std::uint32_t>(lo), 1, 0);
    stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
    jump(BPF_JMP | BPF_JGT | BPF_K, static_cast<std::uint32_t>(hi), 1, 0);
    stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    lo = hi + 1;
  }
  stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
  return prog;
}

}  // namespace tracediff::record::detail
