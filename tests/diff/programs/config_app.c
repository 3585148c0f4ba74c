/* Reads the configuration file named by argv[1]; fails like a real
   deployment when it is missing: a vague message on stderr, exit 1. */
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  FILE* f = fopen(argv[1], "r");
  if (!f) {
    perror("Error opening configuration file");
    return 1;
  }
  char line[256];
  while (fgets(line, sizeof line, f)) {
  }
  fclose(f);
  puts("configured");
  return 0;
}
