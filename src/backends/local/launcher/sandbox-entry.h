/*
 * Entering a running sandbox without nsenter: the spawner opens the sandbox's namespaces, forks its child
 * straight into the sandbox's pid namespace, and the child joins the other namespaces, drops to the
 * sandbox's user and installs the sandbox's seccomp filter before it execs. Nothing stays between the
 * spawner and the program (nsenter has to fork, and waits for its child: one process more per terminal).
 * Needs root (joining a pid namespace needs CAP_SYS_ADMIN in the spawner's own user namespace).
 */
#ifndef LABGATE_SANDBOX_ENTRY_H
#define LABGATE_SANDBOX_ENTRY_H
#include <linux/filter.h>
#include <stddef.h>
#include <sys/types.h>

#define ENTRY_NAMESPACES 5
#define ENTRY_MAX_INSNS 4096

/* A sandbox to enter, as the request names it: "pid\nstart time\nuid\ngid\nseccomp file" (file may be empty). */
typedef struct {
  pid_t pid;
  long long start_time;
  uid_t uid;
  gid_t gid;
  const char *seccomp;
} EntrySpec;

/* What the spawner opened to enter one sandbox: namespaces, working directory, the filter. */
typedef struct {
  int pid_ns;
  int ns[ENTRY_NAMESPACES];
  int cwd;
  uid_t uid;
  gid_t gid;
  unsigned short insns;
  struct sock_filter filter[ENTRY_MAX_INSNS];
} Entry;

/* Parses a request's entry field into spec (pointing into `text`, which it changes). -1 when malformed. */
int entry_parse(char *text, EntrySpec *spec);
/*
 * In the spawner: opens the namespaces and working directory of the sandbox's pid 1, checked by its start
 * time, and reads its seccomp program. 0, or -1 with the reason in msg (nothing left open).
 */
int entry_open(const EntrySpec *spec, Entry *e, char *msg, size_t cap);
void entry_close(Entry *e);
/*
 * In the spawner: fork(), the child in the sandbox's pid namespace (the spawner's own children's namespace
 * is restored at once; the spawner exits if it cannot be, rather than start later children in a sandbox).
 */
pid_t entry_fork(const Entry *e);
/*
 * In the child, after it joined its cgroups (host paths): joins the other namespaces (the user namespace
 * last, so root's privileges join the rest), the working directory, the sandbox's uid and gid, no new
 * privileges, the filter. 0, or an errno.
 */
int entry_enter(const Entry *e);

#endif
