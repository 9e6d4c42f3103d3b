/*
 * The spawner's pty relay (see pty-relay.h). Each terminal's master is non-blocking and watched with
 * epoll, so ten thousand idle terminals cost nothing per turn of the loop. Messages, beside the request
 * that opens a terminal (its id is the request's):
 *
 *   from labgate   ["i", id, bytes]  input         ["r", id, cols, rows]  resize
 *                  ["p", id]  pause output          ["u", id]  resume output
 *                  ["d", id]  drop pending input    ["c", id]  close (hang the terminal up)
 *   to labgate     ["o", id, bytes]  output
 *                  ["w", id, total]  input bytes taken (written to the pty, or dropped) since it opened
 *                  ["z", id]  closed: every holder of the terminal is gone, or labgate closed it
 *
 * Input the pty does not take at once waits here (bounded), and is written as the pty makes room
 * (EPOLLOUT), when the program shows activity, or on a timer as a last resort.
 */
#define _GNU_SOURCE
#include "pty-relay.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define TABLE (1u << 16)
/* At most half the table in use keeps probes short; more terminals than descriptors is moot anyway. */
#define MAX_PTYS (TABLE / 2)
/* Input kept per terminal while its program does not read; labgate keeps less than this in flight. */
#define MAX_INPUT (4u << 20)
#define RETRY_MS 50
#define READ_CHUNK 16384

typedef struct {
  uint32_t id;
  char id_text[12];
  int fd;
  int paused;
  /* In the epoll set: a terminal hung up while paused leaves it until resumed (EPOLLHUP cannot be masked). */
  int watched;
  uint32_t events;
  char *in;
  size_t in_off, in_len;
  unsigned long long taken;
} Pty;

static Pty *table[TABLE];
static unsigned n_ptys, n_waiting;
static int ep = -1;
static double next_retry;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static uint32_t home_of(uint32_t id) { return (id * 2654435761u) & (TABLE - 1); }

static Pty *find(uint32_t id) {
  for (uint32_t i = home_of(id); table[i]; i = (i + 1) & (TABLE - 1))
    if (table[i]->id == id) return table[i];
  return NULL;
}

static void insert(Pty *p) {
  uint32_t i = home_of(p->id);
  while (table[i]) i = (i + 1) & (TABLE - 1);
  table[i] = p;
  n_ptys++;
}

/* Linear probing's deletion: entries after the hole move back into it when their home allows. */
static void forget(uint32_t id) {
  uint32_t i = home_of(id);
  while (table[i] && table[i]->id != id) i = (i + 1) & (TABLE - 1);
  if (!table[i]) return;
  table[i] = NULL;
  n_ptys--;
  for (uint32_t j = (i + 1) & (TABLE - 1); table[j]; j = (j + 1) & (TABLE - 1)) {
    uint32_t k = home_of(table[j]->id);
    int stays = i <= j ? (k > i && k <= j) : (k > i || k <= j);
    if (stays) continue;
    table[i] = table[j];
    table[j] = NULL;
    i = j;
  }
}

static void watch(Pty *p) {
  uint32_t events = (p->paused ? 0 : EPOLLIN) | (p->in_len ? EPOLLOUT : 0);
  if (p->watched && events == p->events) return;
  struct epoll_event ev = {.events = events, .data.ptr = p};
  if (epoll_ctl(ep, p->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, p->fd, &ev) == 0) p->watched = 1;
  p->events = events;
}

static void acknowledge(Pty *p) {
  char total[24];
  snprintf(total, sizeof total, "%llu", p->taken);
  const char *f[] = {"w", p->id_text, total};
  reply(3, f);
}

static void drop_input(Pty *p) {
  if (p->in_len) n_waiting--;
  p->taken += p->in_len;
  p->in_off = p->in_len = 0;
}

/* Closes the terminal (its program gets SIGHUP once nothing else holds it) and tells labgate. */
static void close_pty(Pty *p) {
  const char *f[] = {"z", p->id_text};
  reply(2, f);
  if (p->watched) epoll_ctl(ep, EPOLL_CTL_DEL, p->fd, NULL);
  close(p->fd);
  if (p->in_len) n_waiting--;
  forget(p->id);
  free(p->in);
  free(p);
}

/* Writes what waits that the pty takes now; acknowledges when more was taken than `before`. */
static void flush_from(Pty *p, unsigned long long before) {
  while (p->in_len) {
    ssize_t w = write(p->fd, p->in + p->in_off, p->in_len);
    if (w > 0) {
      p->in_off += (size_t)w, p->in_len -= (size_t)w, p->taken += (unsigned long long)w;
      if (!p->in_len) n_waiting--;
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else if (w < 0 && errno == EAGAIN) {
      break;
    } else {
      drop_input(p); /* the terminal is going: its end is reported by a read */
    }
  }
  if (!p->in_len) p->in_off = 0;
  watch(p);
  if (p->taken != before) acknowledge(p);
}

static void flush_input(Pty *p) { flush_from(p, p->taken); }

static void append_input(Pty *p, const char *bytes, size_t len) {
  unsigned long long before = p->taken;
  size_t room = MAX_INPUT - p->in_len, keep = len < room ? len : room;
  p->taken += len - keep; /* beyond the bound: dropped, and counted as taken */
  if (keep) {
    if (p->in_off) {
      memmove(p->in, p->in + p->in_off, p->in_len);
      p->in_off = 0;
    }
    char *grown = realloc(p->in, p->in_len + keep);
    if (!grown) {
      p->taken += keep;
      keep = 0;
    } else {
      p->in = grown;
      if (!p->in_len) n_waiting++;
      memcpy(p->in + p->in_len, bytes, keep);
      p->in_len += keep;
      next_retry = now_ms() + RETRY_MS;
    }
  }
  flush_from(p, before);
}

/* Reads one chunk of output and relays it; closes the terminal at its end. */
static void read_output(Pty *p) {
  static char buf[32 + READ_CHUNK];
  ssize_t r;
  do r = read(p->fd, buf + 32, READ_CHUNK);
  while (r < 0 && errno == EINTR);
  if (r < 0 && errno == EAGAIN) return;
  if (r <= 0) return close_pty(p); /* EIO: every holder of the terminal's other side is gone */
  uint32_t id_len = (uint32_t)strlen(p->id_text), data_len = (uint32_t)r, count = 3, one = 1;
  char *h = buf + 32 - (4 + 4 + 1 + 4 + id_len + 4);
  char *at = h;
  memcpy(at, &count, 4), at += 4;
  memcpy(at, &one, 4), at += 4;
  *at++ = 'o';
  memcpy(at, &id_len, 4), at += 4;
  memcpy(at, p->id_text, id_len), at += id_len;
  memcpy(at, &data_len, 4);
  write_full(1, h, (size_t)(buf + 32 - h) + data_len);
  /* Output means the program is active: it may take waiting input now. */
  if (p->in_len) flush_input(p);
}

int relay_init(void) {
  ep = epoll_create1(EPOLL_CLOEXEC);
  return ep;
}

void relay_open(Message *m) {
  const char *id = m->v[1];
  static char *envp[MAX_FIELDS + 1], *argv[MAX_FIELDS + 2];
  static Entry entry;
  EntrySpec spec;
  if (m->n < 8 || command_of(m, 7, argv, envp) < 0 || (*m->v[6] && entry_parse(m->v[6], &spec) < 0))
    return reply_err(id, "malformed terminal request");
  if (n_ptys >= MAX_PTYS) return reply_err(id, "too many terminals open");
  char msg[4400], name[64];
  int entering = *m->v[6] != 0;
  if (entering && entry_open(&spec, &entry, msg, sizeof msg) < 0) return reply_err(id, msg);
  struct winsize size = {.ws_col = (unsigned short)strtoul(m->v[3], NULL, 10),
                         .ws_row = (unsigned short)strtoul(m->v[4], NULL, 10)};
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof name)) {
    snprintf(msg, sizeof msg, "cannot open a pty: %s", strerror(errno));
    if (master >= 0) close(master);
    if (entering) entry_close(&entry);
    return reply_err(id, msg);
  }
  int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0 || ioctl(slave, TIOCSWINSZ, &size) < 0 || fcntl(master, F_SETFL, O_RDWR | O_NONBLOCK) < 0) {
    snprintf(msg, sizeof msg, "cannot open a pty: %s", strerror(errno));
    if (slave >= 0) close(slave);
    close(master);
    if (entering) entry_close(&entry);
    return reply_err(id, msg);
  }
  pid_t pid = spawn_on_tty(slave, argv, envp, m->v[5], entering ? &entry : NULL, msg, sizeof msg);
  close(slave);
  if (entering) entry_close(&entry);
  Pty *p = pid < 0 ? NULL : calloc(1, sizeof *p);
  if (!p) {
    close(master);
    return reply_err(id, pid < 0 ? msg : "out of memory");
  }
  p->id = (uint32_t)strtoul(id, NULL, 10);
  snprintf(p->id_text, sizeof p->id_text, "%u", p->id);
  p->fd = master;
  insert(p);
  watch(p);
  reply_ok(id, pid);
}

int relay_control(Message *m) {
  const char *op = m->v[0];
  if (op[0] == 0 || op[1] != 0 || !strchr("irpudc", op[0])) return 0;
  Pty *p = find((uint32_t)strtoul(m->v[1], NULL, 10));
  if (!p) return 1; /* closed already: labgate hears of it from the "z" on its way */
  switch (op[0]) {
  case 'i':
    if (m->n >= 3) append_input(p, m->v[2], m->len[2]);
    break;
  case 'r':
    if (m->n >= 4) {
      struct winsize size = {.ws_col = (unsigned short)strtoul(m->v[2], NULL, 10),
                             .ws_row = (unsigned short)strtoul(m->v[3], NULL, 10)};
      ioctl(p->fd, TIOCSWINSZ, &size);
    }
    break;
  case 'p':
    p->paused = 1;
    watch(p);
    break;
  case 'u':
    p->paused = 0;
    watch(p);
    break;
  case 'd':
    drop_input(p);
    watch(p);
    acknowledge(p);
    break;
  case 'c':
    close_pty(p);
    break;
  }
  return 1;
}

void relay_events(void) {
  struct epoll_event ev[128];
  int n = epoll_wait(ep, ev, 128, 0);
  for (int i = 0; i < n; i++) {
    Pty *p = ev[i].data.ptr;
    if (ev[i].events & EPOLLOUT) flush_input(p);
    if (!(ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
    if (!p->paused) {
      read_output(p);
    } else if (p->watched) {
      /* Hung up while paused: wait outside the set (the hang-up cannot be masked) until resumed. */
      epoll_ctl(ep, EPOLL_CTL_DEL, p->fd, NULL);
      p->watched = 0;
    }
  }
}

int relay_timeout(void) {
  if (!n_waiting) return -1;
  double left = next_retry - now_ms();
  return left > 0 ? (int)left + 1 : 0;
}

void relay_retry(void) {
  if (!n_waiting || now_ms() < next_retry) return;
  next_retry = now_ms() + RETRY_MS;
  for (uint32_t i = 0; i < TABLE && n_waiting; i++)
    if (table[i] && table[i]->in_len) flush_input(table[i]);
}
