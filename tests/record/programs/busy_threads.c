// Three threads open and read a file every 20 ms, forever; prints "ready".
// Used to attach with -p to a multithreaded process and detach again.
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void* work(void* arg) {
  (void)arg;
  for (;;) {
    char buf[64];
    int fd = open("/etc/hostname", O_RDONLY);
    read(fd, buf, sizeof buf);
    close(fd);
    usleep(20000);
  }
  return NULL;
}

int main(void) {
  pthread_t t[3];
  for (int i = 0; i < 3; ++i) pthread_create(&t[i], NULL, work, NULL);
  printf("ready\n");
  fflush(stdout);
  pthread_join(t[0], NULL);
  return 0;
}
