/* LD_PRELOAD shim for the e2e tests: seccomp(2) through libc's syscall()
 * fails with EINVAL, as on a kernel without seccomp filters, so that the
 * recorder's launched child fails its own set-up before the exec.
 * Everything else goes to the real syscall(). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>

long syscall(long n, ...) {
  va_list ap;
  va_start(ap, n);
  long a[6];
  for (int i = 0; i < 6; i++) a[i] = va_arg(ap, long);
  va_end(ap);
  if (n == SYS_seccomp) {
    errno = EINVAL;
    return -1;
  }
  long (*real)(long, ...) = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
  return real(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
