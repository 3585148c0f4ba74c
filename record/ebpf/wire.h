/* The records and tables shared by the kernel program (tracer.bpf.c) and
 * the recorder (recorder.cc): one definition, included by both sides, so
 * that a field added on one side cannot be missed on the other. Plain C
 * with fixed-size fields and explicit padding: the layout must be the same
 * for clang -target bpf and for the host compiler. */
#ifndef TRACEDIFF_RECORD_EBPF_WIRE_H
#define TRACEDIFF_RECORD_EBPF_WIRE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Capture bounds. Each says why it is that number. */
#define TD_MAX_SYSCALLS 1024   /* x86_64 numbers end below 512; room for growth */
#define TD_MAX_CAPS 4          /* captures per call: renameat2 has 2 paths, accept 2 outputs */
#define TD_STR_MAX 4096        /* PATH_MAX: the kernel refuses longer path names */
#define TD_SOCKADDR_MAX 128    /* sizeof(struct sockaddr_storage) */
#define TD_DATA_MAX 65536      /* -s above this is capped for eBPF (one probe read per buffer) */
#define TD_IOV_MAX 64          /* iovecs copied per readv/writev/msghdr; more: not captured */
#define TD_IOV_DATA_MAX 16     /* iovecs whose data is copied (the -s budget ends sooner) */
#define TD_ARGV_MAX 128        /* strings of a *failed* execve's argv/envp (a successful
                                  exec's are copied whole from the new stack) */
#define TD_BLOB_MAX 65536      /* a successful exec's argv or environment, each */
#define TD_DIRENT_BUF_MAX 32768 /* getdents64 buffer sent (glibc uses 32 KiB) */
#define TD_GROUPS_MAX 32       /* supplementary groups copied for a permission snapshot */
#define TD_REC_MAX 131072      /* largest record; the per-CPU scratch is twice this so
                                  that the verifier can bound offset + length */

/* What a capture reads, at the call's exit (strings are resident then:
 * the kernel has just copied them). */
enum td_cap_kind {
  TD_CAP_NONE = 0,
  TD_CAP_CSTR,         /* NUL-terminated string at args[arg], at most max bytes */
  TD_CAP_BUF,          /* bytes at args[arg]; length from flags (arg, ret, max) */
  TD_CAP_SOCKADDR,     /* a sockaddr at args[arg] of length args[len_arg] */
  TD_CAP_SOCKADDR_OUT, /* a sockaddr at args[arg] of the length at *args[len_arg] */
  TD_CAP_IOV,          /* iovec array args[arg] of args[len_arg] entries, then the data */
  TD_CAP_MSGHDR,       /* struct msghdr at args[arg]: name, iovec array, data */
  TD_CAP_ARGV,         /* NULL-terminated pointer array at args[arg] and its strings */
  TD_CAP_DIRENTS,      /* getdents64 buffer: the filled part, for the names */
};

enum td_cap_flag {
  TD_F_SUCCESS = 1,   /* only when the call succeeded */
  TD_F_FAILURE = 2,   /* only when it failed */
  TD_F_COND = 4,      /* only when args[cond_arg] == cond_val */
  TD_F_LEN_ARG = 8,   /* length (or total) = args[len_arg] */
  TD_F_LEN_RET = 16,  /* length (or total) = the return value */
  TD_F_DATA = 32,     /* length capped at the -s data size */
};

struct td_cap {
  __u8 kind, arg, len_arg, flags;
  __u8 cond_arg, pad[3];
  __u32 max;     /* bytes: a string's or buffer's bound */
  __s32 cond_val;
};

struct td_row {
  struct td_cap cap[TD_MAX_CAPS];
};

/* Per traced task (key: tid). */
struct td_task {
  __u32 tgid;
  __u32 pad;
};

/* A call between its entry and exit (key: tid). */
struct td_call {
  __u64 ts;
  __u64 args[6];
  __s32 nr;
  __u32 pad;
};

enum td_rec_type {
  TD_REC_SYSCALL = 1,
  TD_REC_SPAWN,
  TD_REC_EXEC,
  TD_REC_EXIT,
  TD_REC_SIGNAL,
};

struct td_hdr {
  __u16 type;
  __u16 flags;
  __u32 size; /* whole record, 8-aligned */
  __u64 ts;   /* bpf_ktime_get_ns() */
  __u32 tid, tgid;
};

enum td_call_state {
  TD_STATE_RETURNED = 0,
  TD_STATE_UNKNOWN,    /* the task ended inside exit/exit_group: "= ?" */
  TD_STATE_UNFINISHED, /* the task ended inside another call (killed) */
};

struct td_syscall {
  struct td_hdr h;     /* ts: the call's entry */
  __u64 ts_exit;
  __s64 ret;
  __u64 args[6];
  __s32 nr;
  __u16 nblocks;
  __u16 state;
  __u32 euid, egid;    /* the caller's effective ids at exit (permission snapshots) */
  __u32 ngroups;       /* copied groups; TD_GROUPS_MAX + 1: there were more */
  __u32 groups[TD_GROUPS_MAX];
  __u32 pad;
  /* nblocks struct td_block follow */
};

enum td_block_flag {
  TD_B_FAULT = 1,   /* the kernel could not read the memory: len is 0 */
  TD_B_TRUNC = 2,   /* cut at a capture bound or the end of the record */
};

struct td_block {
  __u64 addr;
  __u32 len;   /* data bytes that follow (then padding to 8) */
  __u16 flags;
  __u16 pad;
};

enum td_spawn_flag {
  TD_SPAWN_THREAD = 1,  /* same thread group */
  TD_SPAWN_FILES = 2,   /* shares the fd table (CLONE_FILES) */
  TD_SPAWN_FS = 4,      /* shares cwd and root (CLONE_FS) */
  TD_SPAWN_NEWNS = 8,   /* got a new mount namespace */
};

struct td_spawn {
  struct td_hdr h;  /* the parent */
  __u32 child_tid, child_tgid;
  __u32 flags;
  __u32 pad;
};

struct td_exec {
  struct td_hdr h;  /* tid after the exec (the leader's) */
  __u32 old_tid;    /* the tid that called execve (a thread's, before it became the leader) */
  __u32 has_call;   /* the execve call was traced: nr/args/call_ts are set */
  __s32 nr;
  __u16 nblocks;    /* blocks: filename (addr = the path argument), argv, envp */
  __u16 pad;
  __u64 call_ts;
  __u64 args[6];
  __u64 arg_start, arg_end, env_start, env_end;
};

struct td_exit {
  struct td_hdr h;
  __u32 exit_code;  /* task->exit_code: (status << 8) | signal | 0x80 for a core */
  __u32 group_dead;
};

enum td_signal_flag {
  TD_SIG_GENERATED = 1, /* seen when sent: the kernel ignores it without delivering */
  TD_SIG_STOP = 2,      /* a stop signal with the default action: a group stop follows */
};

struct td_signal {
  struct td_hdr h;
  __s32 sig;
  __u32 sflags;
  __u8 info[48];   /* struct kernel_siginfo: the first 48 bytes of a siginfo_t */
};

/* Counters, one slot per CPU in a per-CPU array. */
enum td_stat {
  TD_STAT_RINGBUF_DROPS = 0, /* records the ring buffer had no room for */
  TD_STAT_INFLIGHT_FULL,     /* calls whose entry could not be remembered */
  TD_STAT_TASKS_FULL,        /* children that could not be followed */
  TD_STAT_COUNT,
};

#endif
