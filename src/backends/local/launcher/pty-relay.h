/*
 * The spawner's pty relay: terminals whose pty master the spawner holds, so that labgate's process holds
 * no descriptor per terminal. Their output, input and control travel over the spawner's stdin and stdout
 * with its other messages (see spawner.c for the messages).
 */
#ifndef LABGATE_PTY_RELAY_H
#define LABGATE_PTY_RELAY_H
#include "spawner.h"

/* Sets the relay up; returns the epoll descriptor the main loop polls for readability, or -1. */
int relay_init(void);
/* ["P", id, file, cols, rows, cgroups, n, env 1..n, arg 1...]: opens a pty, runs file on it, replies. */
void relay_open(Message *m);
/* Handles a control message for an open terminal; 0 when `m` is not one. */
int relay_control(Message *m);
/* Relays what the terminals have to say: call when the epoll descriptor is readable. */
void relay_events(void);
/* Milliseconds until input a terminal did not take should be tried again; -1 when none waits. */
int relay_timeout(void);
/* Tries again the input that waits, when its time has come. */
void relay_retry(void);

#endif
