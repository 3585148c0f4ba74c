// A tiny Unix-socket server: answers "pong\n" to every connection, forever.
// Prints "ready" once listening. Used to attach with -p and detach.
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  unlink(argv[1]);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (bind(s, (struct sockaddr*)&a, sizeof a) != 0 || listen(s, 16) != 0) return 1;
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    char buf[64];
    read(c, buf, sizeof buf);
    write(c, "pong\n", 5);
    close(c);
  }
}
