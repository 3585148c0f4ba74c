// A second thread execs while the main thread is blocked: the kernel gives
// the exec'ing thread the leader's tid.
#include <pthread.h>
#include <unistd.h>

static void* run(void* arg) {
  (void)arg;
  usleep(100000);  // let the main thread block in pause() first
  execl("/bin/echo", "echo", "from-thread", (char*)NULL);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, run, NULL);
  pause();
  return 1;
}
