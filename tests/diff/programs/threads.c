/* Four threads, each reading a system file: thread scheduling differs on
   every run, which the differ must not take for a difference. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void* work(void* arg) {
  const char* path = arg;
  int fd = open(path, O_RDONLY);
  if (fd >= 0) {
    char buf[512];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
  }
  return NULL;
}

int main(void) {
  const char* files[] = {"/etc/passwd", "/etc/group", "/etc/hostname", "/etc/os-release"};
  pthread_t t[4];
  for (int i = 0; i < 4; ++i) pthread_create(&t[i], NULL, work, (void*)files[i]);
  for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
  puts("ok");
  return 0;
}
