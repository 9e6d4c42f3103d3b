/*
 * labgate-init: pid 1 of a sandbox, in place of bubblewrap's own init (bwrap --as-pid-1), so that a
 * sandbox is one process fewer: the holder and the reaper are the same process.
 *
 *   labgate-init [--lock <file>] [-- command...]
 *
 * It takes a read lock on <file> (held as long as it runs: how labgate finds a sandbox from its
 * session's lock file in /proc/locks), prints "ready" on stdout, and puts stdin, stdout and stderr on
 * /dev/null. Without a command it then idles, reaping every process orphaned into the sandbox's pid
 * namespace. With one, it runs it as its child in a session of its own and exits with its status once
 * it ends (the kernel then ends everything else in the namespace), reaping orphans meanwhile.
 *
 * As pid 1 of its namespace, it gets no signal it does not handle from inside the sandbox; labgate stops
 * a sandbox with SIGKILL from outside.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
  dprintf(2, "labgate-init: %s: %s\n", what, strerror(errno));
  exit(127);
}

int main(int argc, char **argv) {
  const char *lock = NULL;
  int i = 1;
  if (i + 1 < argc && strcmp(argv[i], "--lock") == 0) {
    lock = argv[i + 1];
    i += 2;
  }
  if (i < argc && strcmp(argv[i], "--") == 0) i++;
  char **command = i < argc ? argv + i : NULL;

  if (lock) {
    int fd = open(lock, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die(lock);
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_SETLK, &fl) < 0) die("lock");
  }

  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &all, NULL);

  pid_t main_pid = -1;
  if (command) {
    main_pid = fork();
    if (main_pid < 0) die("fork");
    if (main_pid == 0) {
      sigprocmask(SIG_SETMASK, &none, NULL);
      setsid();
      int null = open("/dev/null", O_RDWR);
      if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2) close(null);
      }
      execvp(command[0], command);
      _exit(127);
    }
  }

  if (write(1, "ready\n", 6) != 6) die("ready");
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
  }

  for (;;) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == main_pid) {
        if (WIFEXITED(status)) exit(WEXITSTATUS(status));
        exit(128 + WTERMSIG(status));
      }
    }
    siginfo_t info;
    /* Woken by SIGCHLD to reap; any other signal sent from outside is ignored. */
    if (sigwaitinfo(&all, &info) < 0 && errno != EINTR) die("sigwaitinfo");
  }
}
