// A program under a sandbox's seccomp filter (libseccomp), as a container
// runtime or systemd's SystemCallFilter= would install one.
//
//   seccomp_deny ACTION CALL [--thread] [--loop] PATH
//       installs a filter that answers CALL with ACTION, then statx(PATH):
//       prints "ok PATH" and exits 0, or "statx PATH: <error>" and exits 1.
//       --thread: a thread started before the filter (installed with TSYNC,
//       so it is the thread's too) makes the statx, after sleeping in a
//       call the recorder does not trace. --loop: prints "ready" and makes
//       the statx every 20 ms until killed (for -p).
//   seccomp_deny ACTION CALL --exec COMMAND [ARGS...]
//       installs the filter, then execs COMMAND under it.
//
// ACTION: eperm, enosys (SCMP_ACT_ERRNO), allow (the filter denies
// swapoff instead, so that it has the same shape), none (no filter).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char* path;
static atomic_int filtered;

// The system call itself: glibc's statx() would fall back to fstatat on
// ENOSYS, and the program must see what the filter answered.
static int do_statx(void) {
  struct statx stx;
  if (syscall(SYS_statx, AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) != 0) {
    fprintf(stderr, "statx %s: %s\n", path, strerror(errno));
    return 1;
  }
  printf("ok %s\n", path);
  return 0;
}

static void* worker(void* arg) {
  (void)arg;
  struct timespec ms = {0, 1000000};
  while (!atomic_load(&filtered)) clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, NULL);
  nanosleep(&ms, NULL);
  return (void*)(long)do_statx();
}

static void install(const char* action, const char* call, int tsync) {
  if (!strcmp(action, "none")) return;
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) exit(3);
  int denied = seccomp_syscall_resolve_name(strcmp(action, "allow") ? call : "swapoff");
  uint32_t act = !strcmp(action, "enosys") ? SCMP_ACT_ERRNO(ENOSYS) : SCMP_ACT_ERRNO(EPERM);
  if (denied == __NR_SCMP_ERROR || seccomp_rule_add(ctx, act, denied, 0) != 0) exit(3);
  if (tsync && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0) exit(3);
  int rc = seccomp_load(ctx);
  if (rc != 0) {
    fprintf(stderr, "seccomp_load: %s\n", strerror(-rc));
    exit(3);
  }
  seccomp_release(ctx);
}

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  const char* action = argv[1];
  const char* call = argv[2];
  int thread = 0, loop = 0, i = 3;
  for (; i < argc && !strncmp(argv[i], "--", 2); ++i) {
    if (!strcmp(argv[i], "--thread")) thread = 1;
    else if (!strcmp(argv[i], "--loop")) loop = 1;
    else if (!strcmp(argv[i], "--exec")) {
      install(action, call, 0);
      execvp(argv[i + 1], argv + i + 1);
      perror(argv[i + 1]);
      return 127;
    } else return 2;
  }
  if (i >= argc) return 2;
  path = argv[i];
  setvbuf(stdout, NULL, _IONBF, 0);
  pthread_t t;
  if (thread && pthread_create(&t, NULL, worker, NULL) != 0) return 3;
  install(action, call, thread);
  if (thread) {
    atomic_store(&filtered, 1);
    void* rc;
    pthread_join(t, &rc);
    return (int)(long)rc;
  }
  if (loop) {
    printf("ready\n");
    for (;;) {
      do_statx();
      usleep(20000);
    }
  }
  return do_statx();
}
