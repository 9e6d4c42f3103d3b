/*
 * labgate-seccomp-exec FILTER FILE [ARG...]: installs the seccomp program in FILTER (classic BPF, as
 * bubblewrap's --seccomp reads it) on itself, then execs FILE with ARG... and the same environment.
 *
 * A process that joins a sandbox's namespaces (nsenter) does not inherit the filter bwrap gave the
 * sandbox: labgate runs every command it enters a sandbox with under this wrapper, so terminal shells and
 * exec'd commands get the same filter. It sets no_new_privs first, as bwrap does. Exits 127 with a message
 * on stderr when the filter cannot be read or installed, or FILE cannot be run: nothing runs unfiltered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define MAX_INSNS 4096

static struct sock_filter insns[MAX_INSNS];

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s FILTER FILE [ARG...]\n", argv[0]);
    return 127;
  }
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "labgate-seccomp-exec: cannot open %s: %s\n", argv[1], strerror(errno));
    return 127;
  }
  size_t len = 0;
  for (;;) {
    if (len == sizeof insns) {
      fprintf(stderr, "labgate-seccomp-exec: %s is too long\n", argv[1]);
      return 127;
    }
    ssize_t r = read(fd, (char *)insns + len, sizeof insns - len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      fprintf(stderr, "labgate-seccomp-exec: cannot read %s: %s\n", argv[1], strerror(errno));
      return 127;
    }
    if (r == 0) break;
    len += (size_t)r;
  }
  close(fd);
  if (len == 0 || len % sizeof insns[0] != 0) {
    fprintf(stderr, "labgate-seccomp-exec: %s is not a seccomp program\n", argv[1]);
    return 127;
  }
  struct sock_fprog prog = {.len = (unsigned short)(len / sizeof insns[0]), .filter = insns};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
    fprintf(stderr, "labgate-seccomp-exec: cannot install the filter: %s\n", strerror(errno));
    return 127;
  }
  execv(argv[2], argv + 2);
  fprintf(stderr, "labgate-seccomp-exec: cannot run %s: %s\n", argv[2], strerror(errno));
  return 127;
}
