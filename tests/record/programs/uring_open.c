// Opens, reads and closes a file through an io_uring (liburing), then
// writes what it read: no openat, read or close system call for the file
// appears, only io_uring_setup and io_uring_enter.
//   uring_open PATH    exit 0, or 1 when PATH could not be opened, or 77
//                      when this kernel refuses io_uring (then it says why)
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int run(struct io_uring* ring, void (*prep)(struct io_uring_sqe*, void*), void* arg) {
  struct io_uring_sqe* sqe = io_uring_get_sqe(ring);
  prep(sqe, arg);
  io_uring_submit(ring);
  struct io_uring_cqe* cqe;
  int rc = io_uring_wait_cqe(ring, &cqe);
  if (rc < 0) return rc;
  rc = cqe->res;
  io_uring_cqe_seen(ring, cqe);
  return rc;
}

static const char* path;
static int fd;
static char buf[256];

static void prep_open(struct io_uring_sqe* sqe, void* a) { (void)a; io_uring_prep_openat(sqe, AT_FDCWD, path, O_RDONLY, 0); }
static void prep_read(struct io_uring_sqe* sqe, void* a) { (void)a; io_uring_prep_read(sqe, fd, buf, sizeof buf - 1, 0); }
static void prep_close(struct io_uring_sqe* sqe, void* a) { (void)a; io_uring_prep_close(sqe, fd); }

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  path = argv[1];
  struct io_uring ring;
  int rc = io_uring_queue_init(8, &ring, 0);
  if (rc < 0) {
    printf("io_uring unavailable: %s\n", strerror(-rc));
    return 77;
  }
  fd = run(&ring, prep_open, NULL);
  if (fd < 0) {
    fprintf(stderr, "open %s: %s\n", path, strerror(-fd));
    return 1;
  }
  int n = run(&ring, prep_read, NULL);
  run(&ring, prep_close, NULL);
  io_uring_queue_exit(&ring);
  if (n < 0) return 1;
  buf[n] = 0;
  printf("read: %s", buf);
  return 0;
}
