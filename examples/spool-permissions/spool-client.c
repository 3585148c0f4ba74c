// spool-client: bcrontab's part. Sends a job over the spool socket and
// prints only what came back: "spool-client: Fatal: Could not create
// temporary file" says nothing about where or why.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: spool-client SOCKET\n");
    return 100;
  }
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
  if (s < 0 || connect(s, (struct sockaddr*)&sa, sizeof sa) < 0) {
    fprintf(stderr, "spool-client: Fatal: cannot reach the spool\n");
    return 111;
  }
  const char job[] = "20 14 * * * logrotate /etc/logrotate.conf\n";
  if (write(s, job, sizeof job - 1) != (ssize_t)sizeof job - 1) return 111;
  shutdown(s, SHUT_WR);
  char buf[512];
  ssize_t n = read(s, buf, sizeof buf - 1);
  close(s);
  if (n <= 0) {
    fprintf(stderr, "spool-client: Fatal: no reply from the spool\n");
    return 111;
  }
  buf[n] = 0;
  // A netstring: "LEN:Kmessage," (K ok, Z failure).
  char* body = strchr(buf, ':');
  body = body ? body + 1 : buf;
  char* end = strrchr(body, ',');
  if (end) *end = 0;
  if (body[0] == 'K') {
    printf("spool-client: job saved\n");
    return 0;
  }
  fprintf(stderr, "spool-client: Fatal: %s\n", body + 1);
  return 111;
}
