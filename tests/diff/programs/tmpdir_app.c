/* Writes a scratch file in the directory named by argv[1] (its "temp
   directory"); fails when the directory is not writable for it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  char path[4096];
  snprintf(path, sizeof path, "%s/scratch-XXXXXX", argv[1]);
  int fd = mkstemp(path);
  if (fd < 0) {
    perror("cannot create temporary file");
    return 1;
  }
  if (write(fd, "work\n", 5) != 5) return 1;
  close(fd);
  unlink(path);
  puts("done");
  return 0;
}
