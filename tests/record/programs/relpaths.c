// Names files every way a path can be relative: to the cwd after chdir, to
// a directory fd, through "." and ".." components and repeated slashes, and
// from a forked child that inherits the cwd. The e2e case compares the
// absolute paths of a recording with those of strace's log as imported:
// both must resolve each call to the same file.
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2 || chdir(argv[1]) != 0) return 2;
  struct stat st;
  mkdir("a", 0755);
  mkdir("a/b", 0755);
  close(open("a/f", O_CREAT | O_WRONLY, 0644));
  stat("a/b/../f", &st);
  stat("./a//b/./../f", &st);
  stat("a/b/../../a/f", &st);
  int dfd = open("a/b", O_RDONLY | O_DIRECTORY);
  fstatat(dfd, "../f", &st, 0);
  faccessat(dfd, "./../missing", F_OK, 0);
  close(openat(dfd, "../b/new", O_CREAT | O_WRONLY, 0644));
  if (chdir("a/b/..") != 0) return 3;
  stat("b/../f", &st);
  if (fchdir(dfd) != 0) return 3;
  stat("../f", &st);
  pid_t p = fork();
  if (p == 0) {
    stat("../../a/b/../f", &st);
    _exit(0);
  }
  waitpid(p, NULL, 0);
  return 0;
}
