/*
 * labgate-spawner: starts sandboxes (bubblewrap) and terminal shells for labgate, the way
 * direct-launcher.ts does, from a process small enough that fork() costs a fraction of a millisecond
 * (forking labgate's Node process costs milliseconds, tens of them on some virtual machines).
 *
 * It reads requests on stdin and writes replies on stdout. A message is a list of byte strings: a
 * little-endian u32 count, then for each string a little-endian u32 length and its bytes.
 *
 *   ["S", id, bwrap, log file, cgroups, uid, gid, timeout ms, args blob, seccomp file, home, devpts,
 *    command...]
 *       starts `bwrap --args 4 command...` in a new session, as uid/gid when given, stdout a pipe, stderr
 *       the log file, fd 3 bwrap's info pipe, fd 4 the args blob, fd 5 the seccomp file opened read-only
 *       (when not empty); replies once the command printed its ready line and bwrap reported its child's
 *       pid (the sandbox's pid 1), then lets bwrap's own process go: the reply's pid and child pid are
 *       both the pid 1, which is the spawner's child from then on (the spawner is a child subreaper).
 *       `home`, when not empty, is "device\ndirectory\nuid\ngid": bwrap then starts in a mount
 *       namespace of its own where the ext4 filesystem on the (loop) device is mounted on the directory,
 *       its root owned by uid:gid, mode 0700; the host's mount table never holds it, and it goes with the
 *       sandbox. `devpts`, when not empty, is a directory where a devpts instance of the sandbox's own is
 *       mounted the same way (bwrap's arguments bind it on /dev/pts).
 *   ["T", id, file, tty, cgroups, n, env 1..n, arg 1...]
 *       runs file in a new session whose controlling terminal is the tty, on stdin/stdout/stderr.
 *   ["D", id, file, cwd, stderr file, cgroups, owner pid, owner start time, n, file 1..n, m, env 1..m,
 *    arg 1...]
 *       runs file in a new session, in cwd, stdin and stdout /dev/null, stderr the file, and the n files
 *       opened read-only as descriptors 3...; with an owner, only while that process still runs once
 *       they are open (its start time, field 22 of /proc/<pid>/stat, unchanged).
 *
 *   ["P", id, file, cols, rows, cgroups, sandbox, n, env 1..n, arg 1...]
 *       opens a pty of that size and runs file on it as "T" does; the spawner keeps the pty's master and
 *       relays the terminal's output, input and control as pty-relay.c describes. `sandbox`, when not
 *       empty, is "pid\nstart time\nuid\ngid\nseccomp file": file then runs inside that running sandbox
 *       (its pid 1, checked by start time), entered as sandbox-entry.h describes, found on the PATH of
 *       its environment, in the sandbox's working directory.
 *
 * `cgroups` is a list of cgroup directories separated by newlines (possibly empty): the child joins each
 * between fork and exec (and before it drops privileges), so that the program's first instruction, and
 * everything it forks, already runs inside the session's limits. A child that cannot join fails to start.
 *
 *   ["ok", id, pid, child pid]   ["err", id, message]   ["exit", pid, code, signal]
 *
 * Every descriptor it opens is close-on-exec, so a child gets only the ones named above. It exits when
 * stdin closes; what it started keeps running.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pty-relay.h"
#include "sandbox-entry.h"
#include "spawner.h"

#define READY_LINE "ready\n"
#define MAX_PENDING 2048

typedef struct {
  int used;
  char id[32];
  pid_t pid;
  long child_pid;
  int out_fd, info_fd;
  char out[64];
  size_t out_len;
  char info[512];
  size_t info_len;
  int ready;
  double deadline;
  long timeout_ms;
  char log_file[4096];
} Pending;

static Pending pending[MAX_PENDING];

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int read_full(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

void write_full(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) exit(0); /* labgate is gone */
    p += w;
    n -= (size_t)w;
  }
}

void reply(int n, const char **fields) {
  char buf[8192];
  size_t at = 0;
  uint32_t count = (uint32_t)n;
  memcpy(buf, &count, 4);
  at = 4;
  for (int i = 0; i < n; i++) {
    uint32_t len = (uint32_t)strlen(fields[i]);
    if (at + 4 + len > sizeof buf) len = (uint32_t)(sizeof buf - at - 4);
    memcpy(buf + at, &len, 4);
    memcpy(buf + at + 4, fields[i], len);
    at += 4 + len;
  }
  write_full(1, buf, at);
}

void reply_err(const char *id, const char *message) {
  const char *f[] = {"err", id, message};
  reply(3, f);
}

/* Reads one message; -1 when stdin is closed or the message is malformed. Fields are NUL-terminated. */
static int read_message(Message *m) {
  uint32_t n;
  if (read_full(0, &n, 4) < 0 || n == 0 || n > MAX_FIELDS) return -1;
  m->n = n;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len;
    if (read_full(0, &len, 4) < 0 || len > MAX_MESSAGE) return -1;
    m->v[i] = malloc(len + 1);
    if (!m->v[i] || read_full(0, m->v[i], len) < 0) return -1;
    m->v[i][len] = 0;
    m->len[i] = len;
  }
  return 0;
}

static void free_message(Message *m) {
  for (uint32_t i = 0; i < m->n; i++) free(m->v[i]);
  m->n = 0;
}

/*
 * In a child: moves the calling process into each cgroup of the newline-separated list `cgroups` ("0" in
 * cgroup.procs means the writer, in v1 and v2 alike). Returns 0, or the errno of the first failure.
 */
int join_cgroups(const char *cgroups) {
  const char *at = cgroups;
  while (*at) {
    const char *end = strchr(at, '\n');
    size_t len = end ? (size_t)(end - at) : strlen(at);
    if (len > 0) {
      char path[4200];
      if (len > 4096) return ENAMETOOLONG;
      snprintf(path, sizeof path, "%.*s/cgroup.procs", (int)len, at);
      int fd = open(path, O_WRONLY | O_CLOEXEC);
      if (fd < 0) return errno;
      ssize_t w = write(fd, "0", 1);
      int err = w < 0 ? errno : 0;
      close(fd);
      if (err) return err;
    }
    at += len + (end ? 1 : 0);
  }
  return 0;
}

/* In a child, before exec: default signal mask and dispositions. */
void reset_signals(void) {
  sigset_t none;
  sigemptyset(&none);
  signal(SIGPIPE, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In a sandbox's child, as root: a mount namespace of its own, where its mounts stay. 0, or an errno. */
static int own_mounts(void) {
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return errno;
  return 0;
}

/*
 * In a sandbox's child, in its own mount namespace: the home filesystem `spec` names
 * ("device\ndirectory\nuid\ngid") mounted, its root given to the sandbox's user. 0, or an errno.
 */
static int mount_home(char *spec) {
  char *dir = strchr(spec, '\n');
  char *uid = dir ? strchr(dir + 1, '\n') : NULL;
  char *gid = uid ? strchr(uid + 1, '\n') : NULL;
  if (!gid) return EINVAL;
  *dir++ = 0, *uid++ = 0, *gid++ = 0;
  if (mount(spec, dir, "ext4", MS_NODEV | MS_NOSUID, "noinit_itable") < 0) return errno;
  char lost[4200];
  snprintf(lost, sizeof lost, "%s/lost+found", dir);
  rmdir(lost); /* a fresh filesystem's: the learner's home starts empty */
  if (chown(dir, (uid_t)strtoul(uid, NULL, 10), (gid_t)strtoul(gid, NULL, 10)) < 0 || chmod(dir, 0700) < 0)
    return errno;
  return 0;
}

/*
 * In a sandbox's child, in its own mount namespace: a devpts of the sandbox's own on `dir` (bwrap binds it
 * on /dev/pts; its ptmx opens a pty of that instance only), as bwrap's --dev mounts it. 0, or an errno.
 */
static int mount_devpts(const char *dir) {
  if (mount("devpts", dir, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620") < 0)
    return errno;
  return 0;
}

static void start_sandbox(Message *m) {
  const char *id = m->v[1];
  if (m->n < 13) return reply_err(id, "malformed sandbox request");
  const char *bwrap = m->v[2], *log_file = m->v[3], *cgroup = m->v[4];
  int slot = -1;
  for (int i = 0; i < MAX_PENDING; i++)
    if (!pending[i].used) {
      slot = i;
      break;
    }
  if (slot < 0) return reply_err(id, "too many sandboxes starting at once");
  int log_fd = open(log_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (log_fd < 0) {
    char msg[4200];
    snprintf(msg, sizeof msg, "cannot open %s: %s", log_file, strerror(errno));
    return reply_err(id, msg);
  }
  int seccomp_fd = -1;
  if (m->v[9][0] && (seccomp_fd = open(m->v[9], O_RDONLY | O_CLOEXEC)) < 0) {
    char msg[4200];
    snprintf(msg, sizeof msg, "cannot open %s: %s", m->v[9], strerror(errno));
    close(log_fd);
    return reply_err(id, msg);
  }
  int out[2], info[2], args[2];
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(info, O_CLOEXEC) < 0 || pipe2(args, O_CLOEXEC) < 0) {
    close(log_fd);
    if (seccomp_fd >= 0) close(seccomp_fd);
    return reply_err(id, "cannot create pipes");
  }
  /* The blob is written before bwrap reads it: the pipe must hold all of it. */
  uint32_t blob_len = m->len[8];
  if (blob_len > 65536 && fcntl(args[1], F_SETPIPE_SZ, (int)blob_len) < (int)blob_len) {
    close(log_fd);
    if (seccomp_fd >= 0) close(seccomp_fd);
    close(out[0]), close(out[1]), close(info[0]), close(info[1]), close(args[0]), close(args[1]);
    return reply_err(id, "sandbox arguments too large");
  }
  char *argv[MAX_FIELDS + 4];
  int a = 0;
  argv[a++] = (char *)bwrap;
  argv[a++] = "--args";
  argv[a++] = "4";
  for (uint32_t i = 12; i < m->n; i++) argv[a++] = m->v[i];
  argv[a] = NULL;
  char *envp[] = {NULL};
  char *home = m->v[10], *devpts = m->v[11];
  int with_ids = m->v[5][0] != 0;
  uid_t uid = (uid_t)strtoul(m->v[5], NULL, 10);
  gid_t gid = (gid_t)strtoul(m->v[6], NULL, 10);

  pid_t pid = fork();
  if (pid == 0) {
    reset_signals();
    /* Above every target number, so that no dup2 below clobbers it before it is placed on fd 5. */
    int high_seccomp = seccomp_fd >= 0 ? fcntl(seccomp_fd, F_DUPFD_CLOEXEC, 100) : -1;
    if (seccomp_fd >= 0 && high_seccomp < 0) _exit(126);
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out[1], 1) < 0 || dup2(log_fd, 2) < 0 ||
        dup2(info[1], 3) < 0 || dup2(args[0], 4) < 0 || (high_seccomp >= 0 && dup2(high_seccomp, 5) < 0))
      _exit(126);
    if (setsid() < 0) _exit(126);
    int cg_err = join_cgroups(cgroup);
    if (cg_err) {
      dprintf(2, "cannot join the session's cgroups: %s\n", strerror(cg_err));
      _exit(126);
    }
    int mount_err = home[0] || devpts[0] ? own_mounts() : 0;
    if (!mount_err && home[0] && (mount_err = mount_home(home)) != 0) {
      dprintf(2, "cannot mount the session's home: %s\n", strerror(mount_err));
      _exit(126);
    }
    if (!mount_err && devpts[0]) mount_err = mount_devpts(devpts);
    if (mount_err) {
      dprintf(2, "cannot prepare the sandbox's mounts: %s\n", strerror(mount_err));
      _exit(126);
    }
    if (with_ids && (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)) _exit(126);
    if (chdir("/") < 0) _exit(126);
    execve(bwrap, argv, envp);
    dprintf(2, "cannot run %s: %s\n", bwrap, strerror(errno));
    _exit(127);
  }
  close(log_fd);
  if (seccomp_fd >= 0) close(seccomp_fd);
  close(out[1]), close(info[1]), close(args[0]);
  if (pid < 0) {
    close(out[0]), close(info[0]), close(args[1]);
    return reply_err(id, "fork failed");
  }
  if (blob_len > 0 && write(args[1], m->v[8], blob_len) < 0) { /* bwrap exited: reported below */ }
  close(args[1]);
  Pending *p = &pending[slot];
  memset(p, 0, sizeof *p);
  p->used = 1;
  snprintf(p->id, sizeof p->id, "%s", id);
  snprintf(p->log_file, sizeof p->log_file, "%s", log_file);
  p->pid = pid;
  p->child_pid = -1;
  p->out_fd = out[0];
  p->info_fd = info[0];
  p->timeout_ms = strtol(m->v[7], NULL, 10);
  p->deadline = now_ms() + (double)p->timeout_ms;
}

static void close_pending(Pending *p) {
  if (p->out_fd >= 0) close(p->out_fd);
  if (p->info_fd >= 0) close(p->info_fd);
  p->used = 0;
}

/* Fails a start: kills what runs (pid is ours and unreaped unless `reaped`), quotes bwrap's stderr. */
static void fail_pending(Pending *p, const char *why, int reaped) {
  if (!reaped) {
    if (p->child_pid > 0) kill((pid_t)p->child_pid, SIGKILL);
    kill(p->pid, SIGKILL);
  }
  char err[2048] = "";
  int fd = open(p->log_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    ssize_t r = read(fd, err, sizeof err - 1);
    err[r > 0 ? r : 0] = 0;
    close(fd);
  }
  size_t n = strlen(err);
  while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' ')) err[--n] = 0;
  char msg[4096];
  snprintf(msg, sizeof msg, "%s%s%s", why, n ? ": " : "", err);
  reply_err(p->id, msg);
  close_pending(p);
}

/* A wait status as the exit reply's fields: the exit code, or the signal's name; 0 if it is neither. */
static int exit_fields(int status, char code[16], char sig[32]) {
  if (WIFEXITED(status)) snprintf(code, 16, "%d", WEXITSTATUS(status));
  else if (WIFSIGNALED(status)) {
    const char *abbrev = sigabbrev_np(WTERMSIG(status));
    snprintf(sig, 32, "SIG%s", abbrev ? abbrev : "UNKNOWN");
  } else return 0;
  return 1;
}

/* Reports a reaped child's exit: ["exit", pid, code, signal]. */
static void report_exit(pid_t pid, int status) {
  char code[16] = "", sig[32] = "", pid_text[16];
  if (!exit_fields(status, code, sig)) return;
  snprintf(pid_text, sizeof pid_text, "%d", (int)pid);
  const char *f[] = {"exit", pid_text, code, sig};
  reply(4, f);
}

static void check_ready(Pending *p) {
  if (p->child_pid < 0) {
    char *at = strstr(p->info, "\"child-pid\"");
    if (at) {
      at = strchr(at, ':');
      if (at) {
        char *end;
        long v = strtol(at + 1, &end, 10);
        if (end != at + 1 && v > 0) p->child_pid = v;
      }
    }
  }
  if (!p->ready && strstr(p->out, READY_LINE)) p->ready = 1;
  if (p->ready && p->child_pid > 0) {
    /* From now on bwrap's own process only waits for the sandbox's pid 1 (a process and its memory per
     * session): it goes, and the pid 1 becomes this spawner's child (a child subreaper), which reaps it
     * and reports its exit. The pid labgate watches is the pid 1's. bwrap's process is reaped here before
     * the reply: only then is the pid 1 surely this spawner's child. Replying first lost the exit of a
     * pid 1 that died in between (bwrap reaped it), and labgate waited for it for ever. A SIGKILLed
     * process that only waits goes at once. */
    kill(p->pid, SIGKILL);
    int status;
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR) {
    }
    pid_t gone = waitpid((pid_t)p->child_pid, &status, WNOHANG);
    if (gone < 0) {
      /* Not this spawner's child: bwrap reaped it, so the sandbox ended before it could be used. */
      fail_pending(p, "the sandbox's pid 1 exited as soon as it was ready", 1);
      return;
    }
    char child[24];
    snprintf(child, sizeof child, "%ld", p->child_pid);
    const char *f[] = {"ok", p->id, child, child};
    reply(4, f);
    if (gone == (pid_t)p->child_pid) report_exit(gone, status);
    close_pending(p);
  }
}

/* Keeps the last bytes read from `fd` in buf (NUL-terminated); returns 0 at end of file. */
static int drain(int fd, char *buf, size_t *len, size_t cap) {
  char chunk[512];
  ssize_t r = read(fd, chunk, sizeof chunk);
  if (r < 0) return errno == EINTR || errno == EAGAIN ? 1 : 0;
  if (r == 0) return 0;
  for (ssize_t i = 0; i < r; i++) {
    if (*len + 1 >= cap) {
      memmove(buf, buf + cap / 2, *len - cap / 2);
      *len -= cap / 2;
    }
    buf[(*len)++] = chunk[i];
  }
  buf[*len] = 0;
  return 1;
}

/*
 * Waits until a child forked with a close-on-exec error pipe has exec'd (end of file: 0) or failed (the errno
 * it wrote); closes the pipe.
 */
int exec_error(int fd) {
  int err = 0;
  ssize_t r;
  do r = read(fd, &err, sizeof err);
  while (r < 0 && errno == EINTR);
  close(fd);
  return r == sizeof err ? err : 0;
}

int command_of(Message *m, uint32_t at, char **argv, char **envp) {
  if (m->n <= at) return -1;
  unsigned long n_env = strtoul(m->v[at], NULL, 10);
  if (n_env > m->n - at - 1) return -1;
  for (unsigned long i = 0; i < n_env; i++) envp[i] = m->v[at + 1 + i];
  envp[n_env] = NULL;
  int a = 0;
  argv[a++] = m->v[2];
  for (uint32_t i = at + 1 + (uint32_t)n_env; i < m->n; i++) argv[a++] = m->v[i];
  argv[a] = NULL;
  return 0;
}

pid_t spawn_on_tty(int tty_fd, char **argv, char **envp, const char *cgroups, const Entry *enter, char *msg,
                   size_t cap) {
  const char *file = argv[0];
  /* A program inside a sandbox is found there (on its PATH), after the child entered it. */
  if (!enter && access(file, X_OK) < 0) {
    snprintf(msg, cap, "cannot run %s: not an executable", file);
    return -1;
  }
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) < 0) {
    snprintf(msg, cap, "cannot create a pipe");
    return -1;
  }
  pid_t pid = enter ? entry_fork(enter) : fork();
  if (pid == 0) {
    reset_signals();
    int err = 0;
    if (setsid() < 0 || dup2(tty_fd, 0) < 0 || dup2(tty_fd, 1) < 0 || dup2(tty_fd, 2) < 0 ||
        ioctl(0, TIOCSCTTY, 0) < 0 || chdir("/") < 0)
      err = errno;
    else if ((err = join_cgroups(cgroups)) != 0)
      err = -err; /* negative: the cgroups, not the program */
    else if (enter && (err = entry_enter(enter)) != 0)
      err = -(1 << 16) - err; /* below that: entering the sandbox */
    else {
      if (enter) execvpe(file, argv, envp);
      else execve(file, argv, envp);
      err = errno;
    }
    if (write(errpipe[1], &err, sizeof err) < 0) { /* the parent sees end of file and an exit */ }
    _exit(127);
  }
  close(errpipe[1]);
  if (pid < 0) {
    close(errpipe[0]);
    snprintf(msg, cap, enter ? "cannot fork into the sandbox: %s" : "fork failed: %s", strerror(errno));
    return -1;
  }
  int err = exec_error(errpipe[0]);
  if (!err) return pid;
  if (err < -(1 << 16)) snprintf(msg, cap, "cannot enter the sandbox: %s", strerror(-(err + (1 << 16))));
  else if (err < 0) snprintf(msg, cap, "cannot join the session's cgroups: %s", strerror(-err));
  else snprintf(msg, cap, "cannot run %s: %s", file, strerror(err));
  return -1;
}

void reply_ok(const char *id, pid_t pid) {
  char pid_text[16];
  snprintf(pid_text, sizeof pid_text, "%d", (int)pid);
  const char *f[] = {"ok", id, pid_text, "0"};
  reply(4, f);
}

static void start_terminal(Message *m) {
  const char *id = m->v[1];
  static char *envp[MAX_FIELDS + 1], *argv[MAX_FIELDS + 2];
  if (m->n < 6 || command_of(m, 5, argv, envp) < 0) return reply_err(id, "malformed terminal request");
  const char *tty = m->v[3], *cgroups = m->v[4];
  char msg[4400];
  int tty_fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (tty_fd < 0) {
    snprintf(msg, sizeof msg, "cannot open the terminal %s: %s", tty, strerror(errno));
    return reply_err(id, msg);
  }
  pid_t pid = spawn_on_tty(tty_fd, argv, envp, cgroups, NULL, msg, sizeof msg);
  close(tty_fd);
  if (pid < 0) return reply_err(id, msg);
  reply_ok(id, pid);
}

long long start_time_of(long pid) {
  char path[64], stat[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t r = read(fd, stat, sizeof stat - 1);
  close(fd);
  if (r <= 0) return -1;
  stat[r] = 0;
  char *p = strrchr(stat, ')');
  if (!p) return -1;
  /* After ") " come fields 3 (state), 4, ... : field 22 is the 20th from there. */
  p += 2;
  if (*p == 'Z' || *p == 'X') return -1;
  for (int field = 3; field < 22 && p; field++) p = strchr(p, ' '), p = p ? p + 1 : NULL;
  return p ? strtoll(p, NULL, 10) : -1;
}

static void start_daemon(Message *m) {
  const char *id = m->v[1];
  char msg[4400];
  if (m->n < 10) return reply_err(id, "malformed daemon request");
  const char *file = m->v[2], *cwd = m->v[3], *err_file = m->v[4], *cgroups = m->v[5];
  unsigned long n_files = strtoul(m->v[8], NULL, 10);
  if (n_files > 64 || 9 + n_files >= m->n) return reply_err(id, "malformed daemon request");
  unsigned long n_env = strtoul(m->v[9 + n_files], NULL, 10);
  if (n_env > m->n - 10 - n_files) return reply_err(id, "malformed daemon request");
  if (access(file, X_OK) < 0) {
    snprintf(msg, sizeof msg, "cannot run %s: not an executable", file);
    return reply_err(id, msg);
  }
  int fds[64], opened = 0, err_fd = -1;
  for (unsigned long i = 0; i < n_files; i++, opened++) {
    fds[i] = open(m->v[9 + i], O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) {
      snprintf(msg, sizeof msg, "cannot open %s: %s", m->v[9 + i], strerror(errno));
      goto fail;
    }
  }
  if (m->v[6][0]) {
    long owner = strtol(m->v[6], NULL, 10);
    if (start_time_of(owner) != strtoll(m->v[7], NULL, 10)) {
      snprintf(msg, sizeof msg, "process %ld is gone", owner);
      goto fail;
    }
  }
  err_fd = open(err_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (err_fd < 0) {
    snprintf(msg, sizeof msg, "cannot open %s: %s", err_file, strerror(errno));
    goto fail;
  }
  char *envp[MAX_FIELDS + 1], *argv[MAX_FIELDS + 2];
  for (unsigned long i = 0; i < n_env; i++) envp[i] = m->v[10 + n_files + i];
  envp[n_env] = NULL;
  int a = 0;
  argv[a++] = (char *)file;
  for (uint32_t i = 10 + (uint32_t)(n_files + n_env); i < m->n; i++) argv[a++] = m->v[i];
  argv[a] = NULL;
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) < 0) {
    snprintf(msg, sizeof msg, "cannot create a pipe");
    goto fail;
  }
  pid_t pid = fork();
  if (pid == 0) {
    reset_signals();
    int e = 0, null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    /* Move the files above every target number first, so that no dup2 clobbers one not yet placed. */
    int high[64];
    for (int i = 0; i < opened; i++) high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 100);
    if (null_fd < 0 || setsid() < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(err_fd, 2) < 0)
      e = errno;
    for (int i = 0; !e && i < opened; i++)
      if (high[i] < 0 || dup2(high[i], 3 + i) < 0) e = errno ? errno : EBADF;
    if (!e && chdir(cwd) < 0) e = errno;
    if (!e && (e = join_cgroups(cgroups)) != 0) e = -e; /* negative: the cgroups, not the program */
    if (!e) {
      execve(file, argv, envp);
      e = errno;
    }
    if (write(errpipe[1], &e, sizeof e) < 0) { /* the parent sees end of file and an exit */ }
    _exit(127);
  }
  close(errpipe[1]);
  for (int i = 0; i < opened; i++) close(fds[i]);
  close(err_fd);
  if (pid < 0) {
    close(errpipe[0]);
    return reply_err(id, "fork failed");
  }
  int e = exec_error(errpipe[0]);
  if (e) {
    if (e < 0) snprintf(msg, sizeof msg, "cannot join the session's cgroups: %s", strerror(-e));
    else snprintf(msg, sizeof msg, "cannot run %s: %s", file, strerror(e));
    return reply_err(id, msg);
  }
  char pid_text[16];
  snprintf(pid_text, sizeof pid_text, "%d", (int)pid);
  const char *f[] = {"ok", id, pid_text, "0"};
  reply(4, f);
  return;
fail:
  for (int i = 0; i < opened; i++) close(fds[i]);
  if (err_fd >= 0) close(err_fd);
  reply_err(id, msg);
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    char code[16] = "", sig[32] = "";
    if (!exit_fields(status, code, sig)) continue;
    for (int i = 0; i < MAX_PENDING; i++) {
      if (!pending[i].used || pending[i].pid != pid) continue;
      char full[128];
      snprintf(full, sizeof full, "bwrap exited (%s%s) before the sandbox was ready", code[0] ? "code " : "",
               code[0] ? code : sig);
      fail_pending(&pending[i], full, 1);
    }
    report_exit(pid, status);
  }
}

/* Closes everything inherited beyond stdio (labgate's ptys, say): it would reach every sandbox. */
static void close_inherited(void) {
  if (close_range(3, ~0U, 0) == 0) return;
  long max = sysconf(_SC_OPEN_MAX);
  for (long fd = 3; fd < (max > 0 ? max : 65536); fd++) close((int)fd);
}

int main(void) {
  close_inherited();
  signal(SIGPIPE, SIG_IGN);
  /* Sandboxes' pid 1s become its children once their bwrap goes (see check_ready). */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) return 1;
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) return 1;
  fcntl(0, F_SETFD, FD_CLOEXEC);
  fcntl(1, F_SETFD, FD_CLOEXEC);
  int relay = relay_init();
  if (relay < 0) return 1;
  static struct pollfd fds[3 + 2 * MAX_PENDING];
  static Pending *owner[3 + 2 * MAX_PENDING];
  Message m = {0};
  for (;;) {
    int n = 0;
    fds[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
    fds[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    fds[n++] = (struct pollfd){.fd = relay, .events = POLLIN};
    double next = -1, now = now_ms();
    for (int i = 0; i < MAX_PENDING; i++) {
      Pending *p = &pending[i];
      if (!p->used) continue;
      if (p->out_fd >= 0) owner[n] = p, fds[n++] = (struct pollfd){.fd = p->out_fd, .events = POLLIN};
      if (p->info_fd >= 0) owner[n] = p, fds[n++] = (struct pollfd){.fd = p->info_fd, .events = POLLIN};
      if (next < 0 || p->deadline < next) next = p->deadline;
    }
    int timeout = next < 0 ? -1 : (int)(next > now ? next - now + 1 : 0);
    int retry = relay_timeout();
    if (retry >= 0 && (timeout < 0 || retry < timeout)) timeout = retry;
    if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR) return 1;
    if (fds[1].revents) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) > 0) {
      }
      reap();
    }
    if (fds[2].revents) relay_events();
    relay_retry();
    for (int i = 3; i < n; i++) {
      Pending *p = owner[i];
      if (!fds[i].revents || !p->used) continue;
      if (fds[i].fd == p->out_fd) {
        if (!drain(p->out_fd, p->out, &p->out_len, sizeof p->out)) close(p->out_fd), p->out_fd = -1;
      } else if (fds[i].fd == p->info_fd) {
        if (!drain(p->info_fd, p->info, &p->info_len, sizeof p->info)) close(p->info_fd), p->info_fd = -1;
      }
      check_ready(p);
    }
    now = now_ms();
    for (int i = 0; i < MAX_PENDING; i++) {
      Pending *p = &pending[i];
      if (!p->used || p->deadline > now) continue;
      char why[96];
      snprintf(why, sizeof why, "sandbox not ready after %ld ms", p->timeout_ms);
      fail_pending(p, why, 0);
    }
    if (fds[0].revents) {
      if (read_message(&m) < 0) return 0; /* labgate is gone */
      const char *op = m.v[0];
      if (m.n < 2) reply_err("", "malformed request");
      else if (!strcmp(op, "S")) start_sandbox(&m);
      else if (!strcmp(op, "T")) start_terminal(&m);
      else if (!strcmp(op, "D")) start_daemon(&m);
      else if (!strcmp(op, "P")) relay_open(&m);
      else if (relay_control(&m)) { /* done */ }
      else reply_err(m.v[1], "unknown request");
      free_message(&m);
    }
  }
}
