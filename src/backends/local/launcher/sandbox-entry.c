/* Entering a running sandbox without nsenter (see sandbox-entry.h). */
#define _GNU_SOURCE
#include "sandbox-entry.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "spawner.h"

/* The user namespace last: root's privileges join the others, then the sandbox's user namespace. */
static const char *const NAMES[ENTRY_NAMESPACES] = {"ipc", "uts", "net", "mnt", "user"};

int entry_parse(char *text, EntrySpec *spec) {
  char *f[5];
  int n = 0;
  for (char *at = text; n < 5; n++) {
    f[n] = at;
    char *nl = strchr(at, '\n');
    if (!nl) {
      n++;
      break;
    }
    *nl = 0;
    at = nl + 1;
  }
  if (n != 5) return -1;
  char *end;
  long pid = strtol(f[0], &end, 10);
  if (*end || pid <= 1) return -1;
  long long start = strtoll(f[1], &end, 10);
  if (*end || start < 0) return -1;
  unsigned long uid = strtoul(f[2], &end, 10);
  if (*end || !*f[2]) return -1;
  unsigned long gid = strtoul(f[3], &end, 10);
  if (*end || !*f[3]) return -1;
  *spec = (EntrySpec){(pid_t)pid, start, (uid_t)uid, (gid_t)gid, f[4]};
  return 0;
}

void entry_close(Entry *e) {
  if (e->pid_ns >= 0) close(e->pid_ns);
  for (int i = 0; i < ENTRY_NAMESPACES; i++)
    if (e->ns[i] >= 0) close(e->ns[i]);
  if (e->cwd >= 0) close(e->cwd);
  e->pid_ns = e->cwd = -1;
  for (int i = 0; i < ENTRY_NAMESPACES; i++) e->ns[i] = -1;
}

static int read_filter(const char *file, Entry *e, char *msg, size_t cap) {
  e->insns = 0;
  if (!*file) return 0;
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(msg, cap, "cannot open the seccomp program %s: %s", file, strerror(errno));
    return -1;
  }
  size_t len = 0;
  ssize_t r;
  while ((r = read(fd, (char *)e->filter + len, sizeof e->filter - len)) != 0) {
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (len += (size_t)r) == sizeof e->filter) break;
  }
  close(fd);
  if (r != 0 || len == 0 || len % sizeof e->filter[0] != 0) {
    snprintf(msg, cap, "%s is not a seccomp program", file);
    return -1;
  }
  e->insns = (unsigned short)(len / sizeof e->filter[0]);
  return 0;
}

int entry_open(const EntrySpec *spec, Entry *e, char *msg, size_t cap) {
  e->pid_ns = e->cwd = -1;
  for (int i = 0; i < ENTRY_NAMESPACES; i++) e->ns[i] = -1;
  e->uid = spec->uid;
  e->gid = spec->gid;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)spec->pid);
  e->pid_ns = open(path, O_RDONLY | O_CLOEXEC);
  for (int i = 0; i < ENTRY_NAMESPACES && e->pid_ns >= 0; i++) {
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)spec->pid, NAMES[i]);
    if ((e->ns[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) break;
  }
  snprintf(path, sizeof path, "/proc/%d/cwd", (int)spec->pid);
  if (e->ns[ENTRY_NAMESPACES - 1] >= 0) e->cwd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  /* Opened first, checked after: the descriptors are the sandbox's, not those of a process that took its pid. */
  if (e->cwd < 0 || start_time_of(spec->pid) != spec->start_time) {
    snprintf(msg, cap, "the sandbox (pid %d) is not running", (int)spec->pid);
    entry_close(e);
    return -1;
  }
  if (read_filter(spec->seccomp, e, msg, cap) < 0) {
    entry_close(e);
    return -1;
  }
  return 0;
}

pid_t entry_fork(const Entry *e) {
  static int own = -1;
  if (own < 0 && (own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0) return -1;
  if (setns(e->pid_ns, CLONE_NEWPID) < 0) return -1;
  pid_t pid = fork();
  if (pid != 0 && setns(own, CLONE_NEWPID) < 0) {
    fprintf(stderr, "labgate-spawner: cannot return to its own pid namespace: %s\n", strerror(errno));
    exit(1);
  }
  return pid;
}

int entry_enter(const Entry *e) {
  /* The spawner's supplementary groups go first, as root of the host: a sandbox's user namespace may
   * refuse setgroups (bwrap writes "deny" to its setgroups file). */
  if (setgroups(0, NULL) < 0) return errno;
  for (int i = 0; i < ENTRY_NAMESPACES; i++)
    if (setns(e->ns[i], 0) < 0) return errno;
  if (fchdir(e->cwd) < 0) return errno;
  if (setgid(e->gid) < 0 || setuid(e->uid) < 0) return errno;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return errno;
  struct sock_fprog prog = {.len = e->insns, .filter = (struct sock_filter *)e->filter};
  if (e->insns && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) return errno;
  return 0;
}
