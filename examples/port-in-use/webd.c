// webd: a service that listens on 127.0.0.1:PORT. On a host where
// something else already holds the port it says only "cannot listen".
//
//   webd [--hold] PORT     --hold: keep listening until killed (the squatter)
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int hold = argc > 1 && strcmp(argv[1], "--hold") == 0;
  if (argc != 2 + hold) {
    fprintf(stderr, "usage: webd [--hold] PORT\n");
    return 2;
  }
  int port = atoi(argv[1 + hold]);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || bind(s, (struct sockaddr*)&sa, sizeof sa) < 0 || listen(s, 16) < 0) {
    fprintf(stderr, "webd: cannot listen: %s\n", strerror(errno));
    return 1;
  }
  printf("webd: listening on 127.0.0.1:%d\n", port);
  fflush(stdout);
  if (hold) pause();
  return 0;
}
