// foo: an "awesome server" that, like the article's, says only
// "Error opening configuration file: No such file or directory" when the
// file it was built to read is not where it expects it.
#include <errno.h>
#include <stdio.h>
#include <string.h>

// Where a package manager put it at build time; not said in the error.
#define FOO_CONFIG "/etc/foo/config.json"

int main(void) {
  FILE* f = fopen(FOO_CONFIG, "r");
  if (!f) {
    fprintf(stderr, "Error opening configuration file: %s\n", strerror(errno));
    return 1;
  }
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  printf("foo: started with %zu bytes of configuration\n", n);
  return 0;
}
