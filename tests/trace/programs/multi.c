/* A small multi-process, multi-threaded program for the strace matrix test:
 * two threads open a file, one child exits with 3, one child is killed by
 * SIGTERM, and the main thread receives (and handles) SIGUSR1. It writes
 * nothing to stdout/stderr so that a log on stderr stays pure strace. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig) { (void)sig; got_usr1 = 1; }

static void* worker(void* arg) {
  int fd = open((const char*)arg, O_RDONLY);
  if (fd >= 0) close(fd);
  return NULL;
}

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);

  pthread_t t[2];
  for (int i = 0; i < 2; ++i) pthread_create(&t[i], NULL, worker, (void*)"/etc/passwd");
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);

  pid_t exits = fork();
  if (exits == 0) _exit(3);
  pid_t killed = fork();
  if (killed == 0) {
    raise(SIGTERM);
    _exit(99); /* not reached */
  }
  raise(SIGUSR1);
  int status;
  while (wait(&status) > 0) {
  }
  return got_usr1 ? 0 : 1;
}
