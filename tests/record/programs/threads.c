// Four threads each open and read a file; the main thread joins them.
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

static void* work(void* arg) {
  (void)arg;
  char buf[64];
  int fd = open("/etc/hostname", O_RDONLY);
  read(fd, buf, sizeof buf);
  close(fd);
  return NULL;
}

int main(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; ++i) pthread_create(&t[i], NULL, work, NULL);
  for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
  return 0;
}
