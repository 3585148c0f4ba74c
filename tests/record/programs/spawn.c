// posix_spawn (clone with CLONE_VM|CLONE_VFORK in glibc) of `ls /etc/hostname`.
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

int main(void) {
  char* args[] = {"ls", "/etc/hostname", NULL};
  pid_t p;
  if (posix_spawnp(&p, "ls", NULL, NULL, args, environ) != 0) return 1;
  int st;
  waitpid(p, &st, 0);
  return WEXITSTATUS(st);
}
