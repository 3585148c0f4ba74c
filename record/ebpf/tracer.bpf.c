// SPDX-License-Identifier: GPL-2.0
/* tracediff's kernel program: follows the traced tasks (fork/exec/exit
 * tracepoints), remembers each selected call at its entry and sends it at
 * its exit with the memory its arguments point to, as the capture table
 * (capture.cc) says, through one ring buffer. BTF tracepoints: no tracefs.
 *
 * It never waits: when the ring buffer is full the record is dropped and
 * counted (stats), and every copy is bounded (wire.h), so the cost to a
 * traced call is at most one record's copies (TD_REC_MAX bytes, in
 * practice a path or two and -s bytes of data). Tasks that are not traced
 * pay one hash lookup per system call. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "wire.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the recorder before loading. */
const volatile __u32 cfg_data_size = 256;
const volatile __u32 cfg_follow = 1;

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, __u32);
  __type(value, struct td_task);
} tasks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, __u32);
  __type(value, struct td_call);
} inflight SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, TD_MAX_SYSCALLS);
  __type(key, __u32);
  __type(value, __u32);
} selected SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, TD_MAX_SYSCALLS);
  __type(key, __u32);
  __type(value, struct td_row);
} captures SEC(".maps");

struct scratch_buf {
  char b[2 * TD_REC_MAX + 64]; /* + a block header: offset and length are each bounded by TD_REC_MAX */
};

/* One record being built per CPU; max_entries is set to the number of
 * possible CPUs at load. A program cannot be preempted by itself on one
 * CPU (the kernel counts such a nested run as a miss instead: read from
 * the program's run statistics), so a slot is never shared. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct scratch_buf);
} scratch SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 16 << 20);
} events SEC(".maps");

/* The siginfo of a fatal signal sent to a traced process (key: tgid): the
 * kernel turns it into a SIGKILL of every thread, which is what
 * signal_deliver then sees; ptrace shows the signal itself. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u32);
  __type(value, struct td_signal);
} fatal SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, TD_STAT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} stats SEC(".maps");

#define REC_MASK (TD_REC_MAX - 1)

static __always_inline void count(__u32 which) {
  __u64* v = bpf_map_lookup_elem(&stats, &which);
  if (v) *v += 1;
}

static __always_inline struct scratch_buf* scratch_slot(void) {
  __u32 cpu = bpf_get_smp_processor_id();
  return bpf_map_lookup_elem(&scratch, &cpu);
}

/* Waking the reader for every record would cost the traced program a
 * wakeup per call; the reader polls every few milliseconds instead and is
 * woken early only when the buffer is a quarter full. */
static __always_inline __u64 wakeup_flags(void) {
  return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 4
             ? BPF_RB_FORCE_WAKEUP
             : BPF_RB_NO_WAKEUP;
}

static __always_inline void send(char* buf, __u32 size) {
  if (size > TD_REC_MAX) size = TD_REC_MAX;
  barrier_var(size);
  size &= (2 * TD_REC_MAX - 1);
  if (bpf_ringbuf_output(&events, buf, size, wakeup_flags()) != 0) count(TD_STAT_RINGBUF_DROPS);
}

/* Where the next block goes and how many there are. */
struct builder {
  char* buf;
  struct scratch_buf* s;
  __u32 off;
  __u16 nblocks;
};

static __always_inline __u32 align8(__u32 n) { return (n + 7) & ~7u; }

static __always_inline struct td_block* block_at(char* buf, __u32 off) {
  barrier_var(off);
  return (struct td_block*)(buf + (off & REC_MASK));
}

/* The block writers are global functions: the verifier checks each once,
 * for any offset, instead of once per call site and path (which exceeds
 * its budget). Each returns the bytes it used, 0 when it wrote nothing.
 * The masks are what the verifier bounds offsets and lengths by. */
static __always_inline int close_block(char* buf, __u32 off, __u64 addr, __u32 len, __u16 flags) {
  struct td_block* blk = (struct td_block*)(buf + (off & REC_MASK));
  blk->addr = addr;
  blk->len = len;
  blk->flags = flags;
  blk->pad = 0;
  return sizeof(struct td_block) + align8(len);
}

/* A block of `len` bytes at user address `addr` (at most `limit`). */
__noinline int td_put_bytes(struct scratch_buf* s, __u32 off, __u64 addr, __u64 len, __u32 limit) {
  __u16 flags = 0;
  if (!s || !addr || off + sizeof(struct td_block) > TD_REC_MAX) return 0;
  if (len > limit) {
    len = limit;
    flags |= TD_B_TRUNC;
  }
  __u32 r = TD_REC_MAX - off - sizeof(struct td_block);
  if (len > r) {
    len = r;
    flags |= TD_B_TRUNC;
  }
  __u32 n = len;
  barrier_var(off);
  barrier_var(n);
  off &= REC_MASK;
  n &= REC_MASK;
  if (n && bpf_probe_read_user(s->b + off + sizeof(struct td_block), n, (const void*)addr) != 0)
    return close_block(s->b, off, addr, 0, TD_B_FAULT);
  return close_block(s->b, off, addr, n, flags);
}

/* A NUL-terminated string (user or kernel memory); the NUL is kept. */
__noinline int td_put_str(struct scratch_buf* s, __u32 off, __u64 addr, __u32 max, int kernel) {
  __u16 flags = 0;
  if (!s || !addr || off + sizeof(struct td_block) >= TD_REC_MAX) return 0;
  if (max > TD_STR_MAX) max = TD_STR_MAX;
  __u32 r = TD_REC_MAX - off - sizeof(struct td_block);
  if (max > r) max = r;
  __u32 m = max;
  barrier_var(off);
  barrier_var(m);
  off &= REC_MASK;
  m &= (TD_STR_MAX * 2 - 1);
  long n = kernel ? bpf_probe_read_kernel_str(s->b + off + sizeof(struct td_block), m, (const void*)addr)
                  : bpf_probe_read_user_str(s->b + off + sizeof(struct td_block), m, (const void*)addr);
  if (n < 0) return close_block(s->b, off, addr, 0, TD_B_FAULT);
  /* n counts the NUL; a string that filled the bound has no NUL of its own. */
  if ((__u32)n >= m) flags |= TD_B_TRUNC;
  __u32 len = (__u32)n;
  barrier_var(len);
  return close_block(s->b, off, addr, len & (TD_STR_MAX * 2 - 1), flags);
}

static __always_inline void advance(struct builder* b, int used) {
  if (used <= 0) return;
  b->off = (b->off + (__u32)used) & (2 * TD_REC_MAX - 1);
  b->nblocks++;
}

static __always_inline void put_bytes(struct builder* b, __u64 addr, __u64 len, __u32 limit) {
  advance(b, td_put_bytes(b->s, b->off, addr, len, limit));
}

static __always_inline void put_str(struct builder* b, __u64 addr, __u32 max, int kernel) {
  advance(b, td_put_str(b->s, b->off, addr, max, kernel));
}

static __always_inline __u64 min64(__u64 a, __u64 b) { return a < b ? a : b; }

/* Loops run through bpf_loop(): the verifier checks a callback once
 * instead of every unrolled iteration (128 inlined string copies would
 * exceed its budget). */
struct iov_walk {
  struct builder* b;
  __u32 arr_off;
  __u32 n;
  __u64 total, budget;
};

static long iov_step(__u64 i, struct iov_walk* w) {
  if (i >= w->n || w->total == 0 || w->budget == 0) return 1;
  __u32 e = (w->arr_off + sizeof(struct td_block) + (__u32)i * 16) & REC_MASK;
  __u64 base = *(__u64*)(w->b->buf + e);
  __u64 len = *(__u64*)(w->b->buf + ((e + 8) & REC_MASK));
  len = min64(len, w->total);
  w->total -= len;
  __u64 take = min64(len, w->budget);
  w->budget -= take;
  if (take) put_bytes(w->b, base, take, TD_DATA_MAX);
  return 0;
}

/* An iovec array and the data of its first buffers, `total` bytes at most
 * and -s bytes over the whole array, as the decoders read it. */
static __always_inline void put_iov(struct builder* b, __u64 iov, __u64 cnt, __u64 total) {
  if (!iov) return;
  __u64 n = cnt;
  if (n > 1024) n = 1024; /* UIO_MAXIOV, as the decoders */
  if (n > TD_IOV_MAX) return; /* too many to copy: the decoders find it not captured */
  __u32 arr_off = b->off & REC_MASK;
  __u16 before = b->nblocks;
  put_bytes(b, iov, n * 16, TD_IOV_MAX * 16);
  if (b->nblocks == before) return;
  struct td_block* blk = block_at(b->buf, arr_off);
  if (blk->flags & TD_B_FAULT) return;
  struct iov_walk w = {.b = b, .arr_off = arr_off, .n = (__u32)n, .total = total, .budget = cfg_data_size};
  bpf_loop(TD_IOV_DATA_MAX, iov_step, &w, 0);
}

static __always_inline void put_msghdr(struct builder* b, __u64 addr, __u64 total) {
  struct user_msghdr m;
  if (!addr) return;
  if (bpf_probe_read_user(&m, sizeof m, (const void*)addr) != 0) {
    put_bytes(b, addr, sizeof m, sizeof m); /* records the fault */
    return;
  }
  put_bytes(b, addr, sizeof m, sizeof m);
  if (m.msg_name) put_bytes(b, (__u64)m.msg_name, min64(m.msg_namelen, TD_SOCKADDR_MAX), TD_SOCKADDR_MAX);
  put_iov(b, (__u64)m.msg_iov, m.msg_iovlen, total);
}

struct argv_walk {
  struct builder* b;
  __u64 addr;
  __u32 arr_off, len, n;
};

static long argv_len_step(__u64 i, struct argv_walk* w) {
  __u64 p = 0;
  if (bpf_probe_read_user(&p, 8, (const void*)(w->addr + i * 8)) != 0 || !p) return 1;
  w->n = (__u32)i + 1;
  return 0;
}

static long argv_str_step(__u64 i, struct argv_walk* w) {
  if ((i + 1) * 8 > w->len) return 1;
  __u32 e = (w->arr_off + sizeof(struct td_block) + (__u32)i * 8) & REC_MASK;
  __u64 p = *(__u64*)(w->b->buf + e);
  if (!p) return 1;
  put_str(w->b, p, TD_STR_MAX, 0);
  return 0;
}

/* argv/envp of a failed execve: the pointers and each string. */
static __always_inline void put_argv(struct builder* b, __u64 addr) {
  if (!addr) return;
  struct argv_walk w = {.b = b, .addr = addr, .arr_off = b->off & REC_MASK, .len = 0, .n = 0};
  /* Only up to the NULL: a probe read is all or nothing, and the array
   * may end just before an unmapped page. */
  bpf_loop(TD_ARGV_MAX, argv_len_step, &w, 0);
  __u16 before = b->nblocks;
  put_bytes(b, addr, ((__u64)w.n + 1) * 8, (TD_ARGV_MAX + 1) * 8);
  if (b->nblocks == before) return;
  struct td_block* blk = block_at(b->buf, w.arr_off);
  if (blk->flags & TD_B_FAULT) return;
  w.len = blk->len;
  bpf_loop(TD_ARGV_MAX, argv_str_step, &w, 0);
}

/* getdents64: the filled part of the buffer (at most TD_DIRENT_BUF_MAX
 * bytes), sent as it is: the decoder walks it for the names, as it walks
 * the tracee's memory under ptrace. What a directory lists on one host and
 * not on the other (a module, a plugin) is evidence. */
static __always_inline void put_dirents(struct builder* b, __u64 addr, __s64 ret) {
  if (!addr || ret <= 0) return;
  __u32 n = ret > TD_DIRENT_BUF_MAX ? TD_DIRENT_BUF_MAX : (__u32)ret;
  if (b->off + sizeof(struct td_block) + TD_DIRENT_BUF_MAX > TD_REC_MAX) return;
  __u32 off = b->off & REC_MASK;
  __u32 data = off + sizeof(struct td_block);
  if (bpf_probe_read_user(b->buf + (data & REC_MASK), n & (TD_DIRENT_BUF_MAX * 2 - 1), (const void*)addr) != 0) {
    advance(b, close_block(b->buf, off, addr, 0, TD_B_FAULT));
    return;
  }
  advance(b, close_block(b->buf, off, addr, n & (TD_DIRENT_BUF_MAX * 2 - 1), ret > TD_DIRENT_BUF_MAX ? TD_B_TRUNC : 0));
}

static __always_inline void capture(struct builder* b, const struct td_cap* c, const __u64* args, __s64 ret) {
  int failed = ret < 0 && ret >= -4095;
  if ((c->flags & TD_F_SUCCESS) && failed) return;
  if ((c->flags & TD_F_FAILURE) && !failed) return;
  if ((c->flags & TD_F_COND) && args[c->cond_arg & 7] != (__u64)(__s64)c->cond_val) return;
  __u64 addr = args[c->arg & 7];
  __u64 len = c->max;
  if (c->flags & TD_F_LEN_ARG) len = args[c->len_arg & 7];
  if (c->flags & TD_F_LEN_RET) len = ret > 0 ? (__u64)ret : 0;
  if (c->flags & TD_F_DATA) len = min64(len, cfg_data_size);
  switch (c->kind) {
    case TD_CAP_CSTR:
      put_str(b, addr, c->max, 0);
      break;
    case TD_CAP_BUF:
      put_bytes(b, addr, min64(len, c->max), TD_DATA_MAX);
      break;
    case TD_CAP_SOCKADDR:
      put_bytes(b, addr, min64(args[c->len_arg & 7], TD_SOCKADDR_MAX), TD_SOCKADDR_MAX);
      break;
    case TD_CAP_SOCKADDR_OUT: {
      __u32 l = 0;
      __u64 lp = args[c->len_arg & 7];
      if (!lp || bpf_probe_read_user(&l, 4, (const void*)lp) != 0) break;
      put_bytes(b, lp, 4, 4);
      put_bytes(b, addr, min64(l, TD_SOCKADDR_MAX), TD_SOCKADDR_MAX);
      break;
    }
    case TD_CAP_IOV:
      put_iov(b, addr, args[c->len_arg & 7], (c->flags & TD_F_LEN_RET) ? len : ~0ULL);
      break;
    case TD_CAP_MSGHDR:
      put_msghdr(b, addr, (c->flags & TD_F_LEN_RET) ? len : ~0ULL);
      break;
    case TD_CAP_ARGV:
      put_argv(b, addr);
      break;
    case TD_CAP_DIRENTS:
      put_dirents(b, addr, ret);
      break;
  }
}

struct cap_args {
  __u64 a[8]; /* eight slots so that an index masked with 7 stays inside */
};

/* One capture, as a global function: verified once for any state instead
 * of once per capture slot and path (which took the verifier seconds).
 * Returns the blocks added (high half) and the new offset (low half). */
__noinline __u64 td_capture(struct scratch_buf* s, __u32 off, const struct td_cap* c, const struct cap_args* args,
                            __s64 ret) {
  if (!s || !c || !args) return off;
  struct builder b = {.buf = s->b, .s = s, .off = off & (2 * TD_REC_MAX - 1), .nblocks = 0};
  capture(&b, c, args->a, ret);
  return ((__u64)b.nblocks << 32) | b.off;
}

static __always_inline void fill_creds(struct td_syscall* s) {
  struct task_struct* t = bpf_get_current_task_btf();
  const struct cred* cr = BPF_CORE_READ(t, cred);
  s->euid = BPF_CORE_READ(cr, euid.val);
  s->egid = BPF_CORE_READ(cr, egid.val);
  struct group_info* gi = BPF_CORE_READ(cr, group_info);
  int n = BPF_CORE_READ(gi, ngroups);
  s->ngroups = n > TD_GROUPS_MAX ? TD_GROUPS_MAX + 1 : n;
  for (int i = 0; i < TD_GROUPS_MAX; i++) {
    if (i >= n) break;
    s->groups[i] = BPF_CORE_READ(gi, gid[i].val);
  }
}

static __always_inline int wants_snapshot(__s64 ret) {
  /* EPERM ENOENT EACCES ENOTDIR EROFS ELOOP: as wants_perm_snapshot(). */
  return ret == -1 || ret == -2 || ret == -13 || ret == -20 || ret == -30 || ret == -40;
}

static __always_inline void send_call(const struct td_call* call, __u32 tid, __u32 tgid, __s64 ret, __u16 state) {
  struct scratch_buf* sb = scratch_slot();
  if (!sb) return;
  char* buf = sb->b;
  struct td_syscall* s = (struct td_syscall*)buf;
  s->h.type = TD_REC_SYSCALL;
  s->h.flags = 0;
  s->h.ts = call->ts;
  s->h.tid = tid;
  s->h.tgid = tgid;
  s->ts_exit = bpf_ktime_get_ns();
  s->ret = ret;
  for (int i = 0; i < 6; i++) s->args[i] = call->args[i];
  s->nr = call->nr;
  s->state = state;
  s->ngroups = 0;
  s->euid = s->egid = 0;
  s->pad = 0;
  struct builder b = {.buf = buf, .s = sb, .off = sizeof(struct td_syscall), .nblocks = 0};
  if (state == TD_STATE_RETURNED) {
    if (wants_snapshot(ret)) fill_creds(s);
    __u32 nr = call->nr;
    const struct td_row* row = bpf_map_lookup_elem(&captures, &nr);
    if (row) {
      struct cap_args ca = {};
      for (int i = 0; i < 6; i++) ca.a[i] = call->args[i];
      for (int i = 0; i < TD_MAX_CAPS; i++) {
        if (row->cap[i].kind == TD_CAP_NONE) break;
        __u64 r = td_capture(sb, b.off, &row->cap[i], &ca, ret);
        b.off = (__u32)r;
        b.nblocks += (__u16)(r >> 32);
      }
    }
  }
  s->nblocks = b.nblocks;
  s->h.size = b.off;
  send(buf, b.off);
}

/* A call as its registers give it, stamped now. regs is a trusted BTF
 * pointer in the sys_enter/sys_exit programs: plain loads, no probe reads. */
static __always_inline void call_from_regs(struct td_call* c, struct pt_regs* regs, __s32 nr) {
  __builtin_memset(c, 0, sizeof *c);
  c->ts = bpf_ktime_get_ns();
  c->nr = nr;
  c->args[0] = regs->di;
  c->args[1] = regs->si;
  c->args[2] = regs->dx;
  c->args[3] = regs->r10;
  c->args[4] = regs->r8;
  c->args[5] = regs->r9;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(td_sys_enter, struct pt_regs* regs, long id) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  __u32 tid = (__u32)pid_tgid;
  if (!bpf_map_lookup_elem(&tasks, &tid)) return 0;
  __u32 nr = (__u32)id;
  __u32* sel = bpf_map_lookup_elem(&selected, &nr);
  if (!sel || !*sel) return 0;
  struct td_call c;
  call_from_regs(&c, regs, (__s32)id);
  if (bpf_map_update_elem(&inflight, &tid, &c, BPF_ANY) != 0) count(TD_STAT_INFLIGHT_FULL);
  return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(td_sys_exit, struct pt_regs* regs, long ret) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  __u32 tid = (__u32)pid_tgid;
  struct td_call* call = bpf_map_lookup_elem(&inflight, &tid);
  if (!call) {
    /* No entry seen: not traced, not selected, entered before the task
     * was traced, or never entered at all: a call a seccomp filter of the
     * program's own denied (SECCOMP_RET_ERRNO) skips sys_enter but still
     * exits. The argument registers are as the program set them (the
     * kernel preserves them across a call), so the call is sent as it was. */
    if (!bpf_map_lookup_elem(&tasks, &tid)) return 0;
    __u32 nr = (__u32)regs->orig_ax;
    /* A new task's return from fork: the parent's call, not one of its own. */
    if (ret == 0 && (nr == 56 || nr == 57 || nr == 58 || nr == 435)) return 0; /* clone fork vfork clone3 */
    __u32* sel = bpf_map_lookup_elem(&selected, &nr);
    if (!sel || !*sel) return 0;
    struct td_call c;
    call_from_regs(&c, regs, (__s32)nr);
    send_call(&c, tid, pid_tgid >> 32, ret, TD_STATE_RETURNED);
    return 0;
  }
  /* A call cut short by a SIGKILL (killed, or a thread zapped by another's
   * exec or exit_group) does not return to the program: ptrace never sees
   * its exit either. It stays in flight and ends with the task. */
  struct task_struct* t = bpf_get_current_task_btf();
  if (t->pending.signal.sig[0] & (1UL << 8)) return 0;
  send_call(call, tid, pid_tgid >> 32, ret, TD_STATE_RETURNED);
  bpf_map_delete_elem(&inflight, &tid);
  return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(td_fork, struct task_struct* parent, struct task_struct* child) {
  __u32 ptid = BPF_CORE_READ(parent, pid);
  if (!bpf_map_lookup_elem(&tasks, &ptid)) return 0;
  if (!cfg_follow) return 0;
  struct td_task t = {};
  __u32 ctid = BPF_CORE_READ(child, pid);
  t.tgid = BPF_CORE_READ(child, tgid);
  if (bpf_map_update_elem(&tasks, &ctid, &t, BPF_ANY) != 0) {
    count(TD_STAT_TASKS_FULL);
    return 0;
  }
  struct td_spawn s = {};
  s.h.type = TD_REC_SPAWN;
  s.h.size = sizeof s;
  s.h.ts = bpf_ktime_get_ns();
  s.h.tid = ptid;
  s.h.tgid = BPF_CORE_READ(parent, tgid);
  s.child_tid = ctid;
  s.child_tgid = t.tgid;
  if (t.tgid == s.h.tgid) s.flags |= TD_SPAWN_THREAD;
  if (BPF_CORE_READ(child, files) == BPF_CORE_READ(parent, files)) s.flags |= TD_SPAWN_FILES;
  if (BPF_CORE_READ(child, fs) == BPF_CORE_READ(parent, fs)) s.flags |= TD_SPAWN_FS;
  if (BPF_CORE_READ(child, nsproxy, mnt_ns) != BPF_CORE_READ(parent, nsproxy, mnt_ns)) s.flags |= TD_SPAWN_NEWNS;
  if (bpf_ringbuf_output(&events, &s, sizeof s, wakeup_flags()) != 0) count(TD_STAT_RINGBUF_DROPS);
  return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(td_exec, struct task_struct* p, pid_t old_pid, struct linux_binprm* bprm) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  __u32 tid = (__u32)pid_tgid;
  __u32 old = (__u32)old_pid;
  if (!bpf_map_lookup_elem(&tasks, &tid) && !bpf_map_lookup_elem(&tasks, &old)) return 0;
  struct scratch_buf* sb = scratch_slot();
  if (!sb) return 0;
  char* buf = sb->b;
  struct td_exec* e = (struct td_exec*)buf;
  e->h.type = TD_REC_EXEC;
  e->h.flags = 0;
  e->h.ts = bpf_ktime_get_ns();
  e->h.tid = tid;
  e->h.tgid = pid_tgid >> 32;
  e->old_tid = old;
  e->has_call = 0;
  e->nr = -1;
  e->pad = 0;
  e->call_ts = 0;
  for (int i = 0; i < 6; i++) e->args[i] = 0;
  /* A thread that exec'd took the leader's tid: its call moves there. */
  struct td_call* call = bpf_map_lookup_elem(&inflight, &old);
  if (call) {
    e->has_call = 1;
    e->nr = call->nr;
    e->call_ts = call->ts;
    for (int i = 0; i < 6; i++) e->args[i] = call->args[i];
    if (old != tid) {
      struct td_call moved = *call;
      bpf_map_delete_elem(&inflight, &old);
      bpf_map_update_elem(&inflight, &tid, &moved, BPF_ANY);
    }
  }
  if (old != tid) {
    bpf_map_delete_elem(&tasks, &old);
    struct td_task t = {.tgid = tid};
    bpf_map_update_elem(&tasks, &tid, &t, BPF_ANY);
  }
  struct mm_struct* mm = BPF_CORE_READ(p, mm);
  e->arg_start = BPF_CORE_READ(mm, arg_start);
  e->arg_end = BPF_CORE_READ(mm, arg_end);
  e->env_start = BPF_CORE_READ(mm, env_start);
  e->env_end = BPF_CORE_READ(mm, env_end);
  struct builder b = {.buf = buf, .s = sb, .off = sizeof(struct td_exec), .nblocks = 0};
  /* The file name as passed (bprm->filename is the caller's string for
   * execve; execveat with a dirfd gets "/dev/fd/N/..."). Its block is
   * placed at the path argument's address, where the decoder reads it. */
  __u32 start = b.off;
  put_str(&b, (__u64)BPF_CORE_READ(bprm, filename), TD_STR_MAX, 1);
  __u64 path_arg = e->nr == 322 /* execveat */ ? e->args[1] : e->args[0];
  if (b.nblocks) ((struct td_block*)(buf + (start & REC_MASK)))->addr = path_arg;
  put_bytes(&b, e->arg_start, e->arg_end - e->arg_start, TD_BLOB_MAX);
  if (e->has_call) put_bytes(&b, e->env_start, e->env_end - e->env_start, TD_BLOB_MAX);
  e->nblocks = b.nblocks;
  e->h.size = b.off;
  send(buf, b.off);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(td_exit, struct task_struct* p, bool group_dead) {
  __u64 pid_tgid = bpf_get_current_pid_tgid();
  __u32 tid = (__u32)pid_tgid;
  struct td_task* t = bpf_map_lookup_elem(&tasks, &tid);
  if (!t) return 0;
  /* A call that never returned: exit/exit_group ("= ?"), or killed inside one. */
  struct td_call* call = bpf_map_lookup_elem(&inflight, &tid);
  if (call) {
    __u16 st = (call->nr == 60 || call->nr == 231) ? TD_STATE_UNKNOWN : TD_STATE_UNFINISHED;
    send_call(call, tid, pid_tgid >> 32, 0, st);
    bpf_map_delete_elem(&inflight, &tid);
  }
  struct td_exit e = {};
  e.h.type = TD_REC_EXIT;
  e.h.size = sizeof e;
  e.h.ts = bpf_ktime_get_ns();
  e.h.tid = tid;
  e.h.tgid = pid_tgid >> 32;
  e.exit_code = BPF_CORE_READ(p, exit_code);
  e.group_dead = group_dead;
  if (bpf_ringbuf_output(&events, &e, sizeof e, wakeup_flags()) != 0) count(TD_STAT_RINGBUF_DROPS);
  bpf_map_delete_elem(&tasks, &tid);
  return 0;
}

static __always_inline int is_stop(int sig) { return sig == 19 || sig == 20 || sig == 21 || sig == 22; }

SEC("tp_btf/signal_deliver")
int BPF_PROG(td_signal_deliver, int sig, struct kernel_siginfo* info, struct k_sigaction* ka) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  if (!bpf_map_lookup_elem(&tasks, &tid)) return 0;
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  if (sig == 9 /* SIGKILL */) {
    /* ptrace never shows a SIGKILL; a fatal signal made into one is shown
     * as itself, with the siginfo it was sent with. */
    struct td_signal* f = bpf_map_lookup_elem(&fatal, &tgid);
    if (!f) return 0;
    struct td_signal s = *f;
    bpf_map_delete_elem(&fatal, &tgid);
    s.h.ts = bpf_ktime_get_ns();
    s.h.tid = tid;
    if (bpf_ringbuf_output(&events, &s, sizeof s, wakeup_flags()) != 0) count(TD_STAT_RINGBUF_DROPS);
    return 0;
  }
  struct td_signal s = {};
  s.h.type = TD_REC_SIGNAL;
  s.h.size = sizeof s;
  s.h.ts = bpf_ktime_get_ns();
  s.h.tid = tid;
  s.h.tgid = tgid;
  s.sig = sig;
  bpf_probe_read_kernel(s.info, sizeof s.info, info);
  __u64 handler = (__u64)BPF_CORE_READ(ka, sa.sa_handler);
  if (is_stop(sig) && handler == 0) s.sflags |= TD_SIG_STOP;
  if (bpf_ringbuf_output(&events, &s, sizeof s, wakeup_flags()) != 0) count(TD_STAT_RINGBUF_DROPS);
  return 0;
}

/* A signal the kernel discards when it is sent (ignored, or SIG_DFL whose
 * action is to ignore: SIGCHLD, SIGWINCH, SIGURG) is never delivered, so
 * signal_deliver does not see it; ptrace does (a traced task gets every
 * signal queued). Sent here so both backends show it. */
SEC("tp_btf/signal_generate")
int BPF_PROG(td_signal_generate, int sig, struct kernel_siginfo* info, struct task_struct* task, int group,
             int result) {
  if (result != 0 /* TRACE_SIGNAL_DELIVERED */ && result != 1 /* TRACE_SIGNAL_IGNORED */) return 0;
  __u32 tid = BPF_CORE_READ(task, pid);
  if (!bpf_map_lookup_elem(&tasks, &tid)) return 0;
  int fatal_sig = 0;
  if (result == 0) {
    /* Delivered normally: signal_deliver shows it, unless it is fatal
     * (complete_signal has just started the group exit with its number). */
    struct signal_struct* sigs = BPF_CORE_READ(task, signal);
    unsigned int flags = BPF_CORE_READ(sigs, flags);
    int code = BPF_CORE_READ(sigs, group_exit_code);
    if (!(flags & 0x4 /* SIGNAL_GROUP_EXIT */) || code != sig || sig == 9) return 0;
    fatal_sig = 1;
  }
  struct td_signal s = {};
  s.h.type = TD_REC_SIGNAL;
  s.h.size = sizeof s;
  s.h.ts = bpf_ktime_get_ns();
  s.h.tid = tid;
  s.h.tgid = BPF_CORE_READ(task, tgid);
  s.sig = sig;
  s.sflags = fatal_sig ? 0 : TD_SIG_GENERATED;
  if ((__u64)info > 1) {
    bpf_probe_read_kernel(s.info, sizeof s.info, info);
  } else {
    /* SEND_SIG_NOINFO (0): sent by a process as with kill(); SEND_SIG_PRIV (1): by the kernel. */
    struct kernel_siginfo k = {};
    k.si_signo = sig;
    k.si_code = (__u64)info == 0 ? 0 /* SI_USER */ : 0x80 /* SI_KERNEL */;
    if ((__u64)info == 0) {
      k._sifields._kill._pid = bpf_get_current_pid_tgid() >> 32;
      k._sifields._kill._uid = (__u32)bpf_get_current_uid_gid();
    }
    __builtin_memcpy(s.info, &k, sizeof s.info);
  }
  if (fatal_sig) {
    __u32 tgid = s.h.tgid;
    bpf_map_update_elem(&fatal, &tgid, &s, BPF_ANY);
    return 0;
  }
  if (bpf_ringbuf_output(&events, &s, sizeof s, wakeup_flags()) != 0) count(TD_STAT_RINGBUF_DROPS);
  return 0;
}
