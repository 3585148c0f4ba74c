/* The real program behind a wrapper script: the wrapper sets TDAPP_MODE;
   started directly, it refuses to run. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const char* mode = getenv("TDAPP_MODE");
  if (!mode) {
    fputs("tdapp: not configured\n", stderr);
    return 1;
  }
  printf("tdapp running in %s mode\n", mode);
  return 0;
}
