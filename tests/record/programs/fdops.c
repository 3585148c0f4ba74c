// Exercises the fd family: pipes, dup*, fcntl, the read/write family,
// getdents64, ioctl, lseek.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void) {
  int p[2];
  if (pipe(p) != 0) return 1;
  if (write(p[1], "ping", 4) != 4) return 1;
  char buf[256];
  if (read(p[0], buf, sizeof buf) != 4) return 1;
  int q[2];
  pipe2(q, O_CLOEXEC | O_NONBLOCK);
  read(q[0], buf, sizeof buf);  // EAGAIN
  int d = dup(p[1]);
  dup2(p[1], 20);
  dup3(p[1], 21, O_CLOEXEC);
  fcntl(p[1], F_DUPFD_CLOEXEC, 30);
  fcntl(d, F_SETFD, FD_CLOEXEC);
  fcntl(d, F_GETFL);
  fcntl(d, F_SETFL, O_NONBLOCK);
  struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
  writev(20, iov, 2);
  char x[2], y[2];
  struct iovec in[2] = {{x, 2}, {y, 2}};
  readv(p[0], in, 2);
  close(20);
  close(21);
  close(77);  // EBADF
  int fd = open("/etc/hostname", O_RDONLY);
  pread(fd, buf, 8, 1);
  lseek(fd, 0, SEEK_SET);
  close(fd);
  fd = open("/etc", O_RDONLY | O_DIRECTORY);
  while (syscall(SYS_getdents64, fd, buf, sizeof buf) > 0) {
  }
  close(fd);
  int n;
  ioctl(p[0], FIONREAD, &n);
  ioctl(p[0], TCGETS, buf);  // ENOTTY
  fd = open("/dev/null", O_WRONLY);
  pwrite(fd, "zz", 2, 0);
  close(fd);
  return 0;
}
