/*
 * What the parts of labgate-spawner share: its message format, its replies, and how it starts a program
 * on a terminal. See spawner.c for the protocol.
 */
#ifndef LABGATE_SPAWNER_H
#define LABGATE_SPAWNER_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "sandbox-entry.h"

#define MAX_FIELDS 4096
#define MAX_MESSAGE (16u << 20)

/* A request: `n` byte strings, each NUL-terminated (the terminator not counted in `len`). */
typedef struct {
  uint32_t n;
  char *v[MAX_FIELDS];
  uint32_t len[MAX_FIELDS];
} Message;

/* Reads exactly n bytes; -1 at end of file or on an error. */
int read_full(int fd, void *buf, size_t n);
/* Writes all n bytes, waiting as needed; exits the spawner when labgate is gone. */
void write_full(int fd, const void *buf, size_t n);
/* Writes a reply of n NUL-terminated fields to labgate. */
void reply(int n, const char **fields);
void reply_err(const char *id, const char *message);
/* ["ok", id, pid, "0"] */
void reply_ok(const char *id, pid_t pid);

/* In a child: joins the newline-separated cgroup directories; 0, or the errno of the first failure. */
int join_cgroups(const char *cgroups);
/* In a child, before exec: default signal mask and dispositions. */
void reset_signals(void);
/* Waits until a child with a close-on-exec error pipe exec'd (0) or failed (its errno); closes the pipe. */
int exec_error(int fd);

/*
 * Fills argv (the program, field 2, then the arguments) and envp (both NULL-terminated) from a request
 * whose field `at` counts the environment entries that follow it, the arguments after them. -1 when
 * malformed.
 */
int command_of(Message *m, uint32_t at, char **argv, char **envp);
/* Field 22 (start time) of /proc/<pid>/stat, or -1 when the process is gone. */
long long start_time_of(long pid);
/*
 * Runs argv[0] with exactly envp in a new session whose controlling terminal is tty_fd (also its stdin,
 * stdout and stderr), in cwd /, inside `cgroups` from its first instruction; with `enter`, inside that
 * sandbox (see sandbox-entry.h). Returns its pid once it exec'd; else -1 with the reason in msg.
 */
pid_t spawn_on_tty(int tty_fd, char **argv, char **envp, const char *cgroups, const Entry *enter, char *msg,
                   size_t cap);

#endif
