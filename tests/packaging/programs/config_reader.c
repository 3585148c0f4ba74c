/* The article's first story in one static program, for the empty-root test
 * (tests/packaging/static_root_test.sh): a child process opens
 * /etc/tdpkg.conf and, when it is missing, says only
 * "Error opening configuration file: No such file or directory" and fails;
 * the parent exits with the child's status. Static, so that it runs in a
 * root that holds nothing else. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int child(void) {
  int fd = open("/etc/tdpkg.conf", O_RDONLY);
  if (fd < 0) {
    fprintf(stderr, "Error opening configuration file: %s\n", strerror(errno));
    return 1;
  }
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  printf("configured (%zd bytes)\n", n);
  return 0;
}

int main(void) {
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) _exit(child());
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return 2;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
