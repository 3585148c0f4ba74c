// Ends as told: "exit N", "kill" (SIGKILL itself), "segv", "stop" (SIGSTOP
// itself, then exits 0 once continued), "sleep N" (then exit 0),
// "block" (reads stdin forever, for killing mid-call), "badptr" (opens a
// path at an address that is not mapped: EFAULT, then exit 0).
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* what = argv[1];
  if (!strcmp(what, "exit")) return argc > 2 ? atoi(argv[2]) : 0;
  if (!strcmp(what, "kill")) raise(SIGKILL);
  if (!strcmp(what, "segv")) {
    volatile int* p = NULL;
    return *p;
  }
  if (!strcmp(what, "stop")) {
    raise(SIGSTOP);
    write(1, "continued\n", 10);
    return 0;
  }
  if (!strcmp(what, "sleep")) {
    sleep(argc > 2 ? atoi(argv[2]) : 1);
    return 0;
  }
  if (!strcmp(what, "block")) {
    char c;
    for (;;) read(0, &c, 1), pause();
  }
  if (!strcmp(what, "badptr")) {
    open((const char*)16, O_RDONLY);
    return 0;
  }
  if (!strcmp(what, "env")) {
    write(1, "secret-data\n", 12);
    return 0;
  }
  return 2;
}
