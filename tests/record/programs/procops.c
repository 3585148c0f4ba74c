// Exercises the process family: fork, vfork, wait4, waitid, kill, execve
// (success and failure), posix_spawn; exits with argv[1] (default 0).
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  pid_t p = fork();
  if (p == 0) _exit(7);
  int st;
  wait4(p, &st, 0, NULL);
  p = vfork();
  if (p == 0) {
    execl("/bin/true", "true", (char*)NULL);
    _exit(127);
  }
  siginfo_t si;
  waitid(P_PID, p, &si, WEXITED);
  p = fork();
  if (p == 0) {
    pause();
    _exit(0);
  }
  usleep(200000);  // let the child reach pause() so it is killed inside it
  kill(p, SIGTERM);
  waitpid(p, &st, 0);
  p = fork();
  if (p == 0) {
    execl("/nonexistent/prog", "prog", (char*)NULL);
    _exit(9);
  }
  waitpid(p, &st, 0);
  char* args[] = {"echo", "spawned", NULL};
  pid_t sp;
  posix_spawn(&sp, "/bin/echo", NULL, NULL, args, environ);
  waitpid(sp, &st, 0);
  return argc > 1 ? atoi(argv[1]) : 0;
}
