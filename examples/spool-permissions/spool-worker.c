// spool-worker: bcron-spool's part of the story. Reads a job from stdin
// (the connection), writes it to a temporary file in the spool's tmp/
// directory (named like bcron's: tmp/spool.PID.SEC.USEC) and moves it into
// place. The reply on stdout is a netstring, "32:ZCould not create
// temporary file," on failure: the reason goes only to its own stderr log.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define SPOOL "/var/spool/spoold"

static void reply(const char* msg) {
  char buf[256];
  int n = snprintf(buf, sizeof buf, "%zu:%s,", strlen(msg), msg);
  if (write(1, buf, (size_t)n) != n) exit(111);
}

int main(void) {
  char job[4096];
  ssize_t n = read(0, job, sizeof job);
  if (n <= 0) return 111;
  if (chdir(SPOOL) < 0) {
    reply("ZCould not change to the spool directory");
    fprintf(stderr, "spool-worker[%d]: Fatal: chdir %s: %s\n", getpid(), SPOOL, strerror(errno));
    return 111;
  }
  struct timeval tv;
  gettimeofday(&tv, NULL);
  char tmp[128], final[128];
  snprintf(tmp, sizeof tmp, "tmp/spool.%d.%ld.%06ld", getpid(), (long)tv.tv_sec, (long)tv.tv_usec);
  snprintf(final, sizeof final, "jobs.%d", getpid());
  int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    int e = errno;
    reply("ZCould not create temporary file");
    fprintf(stderr, "spool-worker[%d]: Fatal: %s: Could not create temporary file: %s\n", getpid(), tmp,
            strerror(e));
    unlink(tmp);
    return 111;
  }
  if (write(fd, job, (size_t)n) != n || close(fd) < 0 || rename(tmp, final) < 0) {
    reply("ZCould not save the job");
    unlink(tmp);
    return 111;
  }
  reply("K");
  return 0;
}
