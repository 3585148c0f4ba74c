/* A pre-forking server in miniature: one child per request (argv[2..]),
   each child reads its item from the data directory argv[1]. A child whose
   item is missing fails; the server logs the failure and exits 1. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int serve(const char* dir, const char* item) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, item);
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    perror(path);
    return 1;
  }
  char buf[256];
  while (read(fd, buf, sizeof buf) > 0) {
  }
  close(fd);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  int failed = 0;
  for (int i = 2; i < argc; ++i) {
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) _exit(serve(argv[1], argv[i]));
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
  }
  if (failed) fputs("server: a worker failed\n", stderr);
  return failed;
}
