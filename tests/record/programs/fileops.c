// Exercises the file family in a scratch directory (argv[1]), including
// failures: ENOENT, ENOTDIR, EEXIST, and EACCES after dropping to nobody.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* dir = argv[1];
  if (chdir(dir) != 0) return 2;
  int fd = open("a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0640);
  if (write(fd, "hello\n", 6) != 6) return 3;
  close(fd);
  fd = openat(AT_FDCWD, "a.txt", O_RDONLY | O_CLOEXEC);
  struct stat st;
  fstat(fd, &st);
  close(fd);
  stat("a.txt", &st);
  lstat("missing.txt", &st);
  access("a.txt", R_OK | W_OK);
  access("nodir/x", F_OK);
  syscall(SYS_faccessat2, AT_FDCWD, "a.txt", X_OK, AT_EACCESS);
  struct statx sx;
  statx(AT_FDCWD, "a.txt", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx);
  mkdir("sub", 0755);
  mkdir("sub", 0755);  // EEXIST
  int dfd = open("sub", O_RDONLY | O_DIRECTORY);
  int f2 = openat(dfd, "inner.txt", O_CREAT | O_RDWR, 0600);
  close(f2);
  fchdir(dfd);
  char cwd[512];
  if (!getcwd(cwd, sizeof cwd)) return 4;
  if (chdir("..") != 0) return 4;
  symlink("a.txt", "link");
  char buf[64];
  readlink("link", buf, sizeof buf);
  readlinkat(AT_FDCWD, "a.txt", buf, sizeof buf);  // EINVAL: not a link
  link("a.txt", "hard");
  rename("hard", "hard2");
  renameat(AT_FDCWD, "hard2", dfd, "hard3");
  unlinkat(dfd, "hard3", 0);
  chmod("a.txt", 0600);
  chown("a.txt", 0, 0);
  truncate("a.txt", 3);
  open("a.txt/x", O_RDONLY);  // ENOTDIR
  unlink("link");
  unlinkat(dfd, "inner.txt", 0);
  close(dfd);
  rmdir("sub");
  creat("secret.txt", 0600);
  // As nobody: permission denied on a root-only file and directory.
  mkdir("private", 0700);
  if (setgid(65534) != 0 || setuid(65534) != 0) return 5;
  open("secret.txt", O_RDONLY);
  open("private/x", O_CREAT | O_WRONLY, 0600);
  return 0;
}
