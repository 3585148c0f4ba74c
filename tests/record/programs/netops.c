// Exercises the network family: AF_UNIX (path and abstract), AF_INET and
// AF_INET6 loopback TCP, UDP sendto/recvfrom, sendmsg/recvmsg, socketpair,
// and a refused connect.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void unix_pair(const char* path, int abstract) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  socklen_t len;
  if (abstract) {
    a.sun_path[0] = 0;
    strcpy(a.sun_path + 1, path);
    len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path);
  } else {
    unlink(path);
    strcpy(a.sun_path, path);
    len = sizeof a;
  }
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bind(s, (struct sockaddr*)&a, len);
  listen(s, 4);
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  connect(c, (struct sockaddr*)&a, len);
  int acc = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  write(c, "hi", 2);
  char buf[8];
  read(acc, buf, sizeof buf);
  close(acc);
  close(c);
  close(s);
  if (!abstract) unlink(path);
}

int main(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : "/tmp";
  char path[200];
  snprintf(path, sizeof path, "%s/netops.sock", dir);
  unix_pair(path, 0);
  unix_pair("tracediff-netops", 1);

  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(s, (struct sockaddr*)&a, sizeof a);
  socklen_t alen = sizeof a;
  getsockname(s, (struct sockaddr*)&a, &alen);
  listen(s, 4);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  connect(c, (struct sockaddr*)&a, sizeof a);
  struct sockaddr_in peer;
  socklen_t plen = sizeof peer;
  int acc = accept(s, (struct sockaddr*)&peer, &plen);
  sendto(c, "abc", 3, MSG_NOSIGNAL, NULL, 0);
  char buf[16];
  recvfrom(acc, buf, sizeof buf, 0, NULL, NULL);
  close(acc);
  close(c);
  close(s);

  // A refused connection: nothing listens on the port we just closed.
  c = socket(AF_INET, SOCK_STREAM, 0);
  connect(c, (struct sockaddr*)&a, sizeof a);
  close(c);

  int u = socket(AF_INET6, SOCK_DGRAM, 0);
  struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = in6addr_loopback};
  bind(u, (struct sockaddr*)&a6, sizeof a6);
  socklen_t l6 = sizeof a6;
  getsockname(u, (struct sockaddr*)&a6, &l6);
  sendto(u, "udp!", 4, 0, (struct sockaddr*)&a6, sizeof a6);
  struct sockaddr_in6 from;
  socklen_t fl = sizeof from;
  recvfrom(u, buf, sizeof buf, 0, (struct sockaddr*)&from, &fl);
  close(u);

  int sv[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  struct iovec iov = {"msg", 3};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
  sendmsg(sv[0], &m, 0);
  char r[8];
  struct iovec riov = {r, sizeof r};
  struct msghdr rm = {.msg_iov = &riov, .msg_iovlen = 1};
  recvmsg(sv[1], &rm, 0);
  close(sv[0]);
  close(sv[1]);
  return 0;
}
