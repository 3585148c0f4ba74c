#define _GNU_SOURCE
// spool-server: a unixserver-like launcher (bcron's "unixserver -U"):
// listens on a Unix socket, forks a child per connection, and the child
// puts the connection on its stdin/stdout, drops to an unprivileged user
// and execs the worker.
//
//   spool-server [-n COUNT] [-u UID] SOCKET WORKER [ARGS...]
//
// -n COUNT: exit after COUNT connections were served (0: forever).
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char* what) {
  fprintf(stderr, "spool-server: %s: %s\n", what, strerror(errno));
  exit(111);
}

int main(int argc, char** argv) {
  long count = 0;
  uid_t uid = 65534;  // nobody: no user needs to be created
  int opt;
  while ((opt = getopt(argc, argv, "+n:u:")) != -1) {
    if (opt == 'n') count = atol(optarg);
    else if (opt == 'u') uid = (uid_t)atol(optarg);
    else return 100;
  }
  if (argc - optind < 2) {
    fprintf(stderr, "usage: spool-server [-n COUNT] [-u UID] SOCKET WORKER [ARGS...]\n");
    return 100;
  }
  const char* path = argv[optind];
  char** worker = argv + optind + 1;

  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0) die("socket");
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
  unlink(path);
  if (bind(s, (struct sockaddr*)&sa, sizeof sa) < 0) die("bind");
  if (listen(s, 16) < 0) die("listen");

  for (long served = 0; count == 0 || served < count; ++served) {
    int c = accept(s, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR) continue;
      die("accept");
    }
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      close(s);
      dup2(c, 0);
      dup2(c, 1);
      close(c);
      if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
        die("dropping privileges");
      execv(worker[0], worker);
      die(worker[0]);
    }
    close(c);
    int status;
    while (waitpid(-1, &status, 0) < 0 && errno == EINTR) {
    }
  }
  unlink(path);
  return 0;
}
