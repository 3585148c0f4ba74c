/* A request loop on the loopback for bench/record_ebpf.sh.
 *   pingpong server PORT        answers each 64-byte request with 64 bytes, a
 *                               process per connection (as a pre-forking server)
 *   pingpong client PORT SECS   sends requests over one connection for SECS
 *                               seconds and prints the requests per second */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int full(int fd, char* b, int n, int w) {
  for (int k = 0; k < n;) {
    int r = w ? (int)write(fd, b + k, n - k) : (int)read(fd, b + k, n - k);
    if (r <= 0) return -1;
    k += r;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  char buf[64];
  memset(buf, 'x', sizeof buf);
  if (!strcmp(argv[1], "server")) {
    signal(SIGCHLD, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr*)&a, sizeof a) || listen(s, 16)) return perror("bind"), 1;
    for (;;) {
      int c = accept(s, 0, 0);
      if (c < 0) continue;
      if (fork() == 0) {
        while (full(c, buf, 64, 0) == 0 && full(c, buf, 64, 1) == 0) {
        }
        _exit(0);
      }
      close(c);
    }
  }
  int c = -1;
  for (int i = 0; i < 200 && c < 0; ++i) {
    c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr*)&a, sizeof a)) close(c), c = -1, usleep(20000);
  }
  if (c < 0) return perror("connect"), 1;
  double secs = argc > 3 ? atof(argv[3]) : 3;
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long n = 0;
  do {
    if (full(c, buf, 64, 1) || full(c, buf, 64, 0)) return 1;
    if (++n % 256 == 0) clock_gettime(CLOCK_MONOTONIC, &t);
  } while (n % 256 || (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
  printf("%.0f\n", n / ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9));
  return 0;
}
