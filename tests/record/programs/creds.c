// Exercises the credentials family: setgroups, set*id, capset, prctl.
#define _GNU_SOURCE
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  prctl(PR_SET_NAME, "credtest");
  gid_t groups[] = {100, 65534};
  setgroups(2, groups);
  setresgid(65534, 65534, 65534);
  setregid(-1, 65534);
  prctl(PR_SET_KEEPCAPS, 1);
  setresuid(65534, 65534, 65534);
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2] = {{0}};
  syscall(SYS_capset, &h, d);
  setuid(0);  // EPERM now
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  return 0;
}
