// greet: linked against libgreet.so.1, which the package installs in
// /opt/greet/lib (the binary's RUNPATH). When that directory is missing the
// loader prints "cannot open shared object file" and main() never runs.
#include <stdio.h>

const char* greeting(void);

int main(void) {
  printf("%s\n", greeting());
  return 0;
}
