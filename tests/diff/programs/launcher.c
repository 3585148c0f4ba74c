/* Starts "tdapp-run" through PATH, as a shell or service manager would. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  char* argv[] = {"tdapp-run", NULL};
  execvp("tdapp-run", argv);
  perror("tdapp-run");
  return 127;
}
