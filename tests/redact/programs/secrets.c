// A program holding credentials everywhere a trace could carry them: its
// environment (the test sets MY_API_TOKEN and PGPASSWORD), its argv
// (--password, a URL with a password, --token, --cookie), an HTTP request it
// sends over a local TCP connection and receives at the other end, and a
// config file it reads.
//
//   secrets --password PW --url URL --token T --cookie C CONFIG
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const char *token = "", *cookie = "";
  for (int i = 1; i + 1 < argc; ++i) {
    if (strcmp(argv[i], "--token") == 0) token = argv[i + 1];
    if (strcmp(argv[i], "--cookie") == 0) cookie = argv[i + 1];
  }
  const char* config = argv[argc - 1];
  char buf[4096];
  int fd = open(config, O_RDONLY);
  if (fd < 0) {
    perror(config);
    return 2;
  }
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n < 0) return 2;

  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (bind(l, (struct sockaddr*)&a, sizeof a) != 0 || listen(l, 1) != 0 ||
      getsockname(l, (struct sockaddr*)&a, &al) != 0) {
    perror("listen");
    return 2;
  }
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, (struct sockaddr*)&a, sizeof a) != 0) {
    perror("connect");
    return 2;
  }
  int s = accept(l, NULL, NULL);
  char req[1024];
  int len = snprintf(req, sizeof req,
                     "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "Cookie: sid=%s\r\nAccept: */*\r\n\r\n",
                     token, cookie);
  if (send(c, req, (size_t)len, 0) != len) return 2;
  ssize_t got = recv(s, buf, sizeof buf, 0);
  if (got != len) return 2;
  const char* api = getenv("MY_API_TOKEN");
  printf("ok %zu %zu\n", (size_t)n, api ? strlen(api) : 0);
  return 0;
}
