/*
 * l4/ledit.h - the line editor behind l4_readline (l4/stdio.h): bytes in,
 * an edited line and its echo out, with an optional history. Pure logic
 * (no console, no system calls), so the host tests drive it key by key
 * (test/host/test_ledit.c).
 *
 * Keys: printable ASCII goes in (beyond the buffer it is dropped, not
 * echoed); Backspace (DEL or ^H) erases a character, ^U the line; ^C drops
 * the line (echoing "^C"; the line ends empty); Enter (CR or LF) ends it.
 * With a history: ESC [ A (up) shows the line before, ESC [ B (down) the
 * one after, back to what was being typed. Other escape sequences (ESC [ or
 * ESC O, parameter bytes, one final byte) and other control characters are
 * swallowed whole, so an arrow key never puts "[C" into a line.
 */
#pragma once

#include <stddef.h>

#define L4_HIST_LINES 16
#define L4_HIST_LEN 256                 /* longer lines are kept cut to this (with the NUL) */

/* The lines entered, oldest first in a ring. Zero-initialised is empty. */
struct l4_history {
	char line[L4_HIST_LINES][L4_HIST_LEN];
	unsigned count;                 /* lines kept, up to L4_HIST_LINES */
	unsigned next;                  /* the slot the next line goes to */
};

/* Where the echo goes: n bytes at s (backspaces, spaces, characters, "\n"). */
typedef void (*l4_ledit_echo_fn)(const char *s, size_t n, void *ctx);

struct l4_ledit {
	char *buf;                      /* the caller's; NUL-terminated when a line ends */
	int size;                       /* of buf, >= 1 */
	int n;                          /* the line's length so far */
	unsigned esc;                   /* 0; 1 after ESC; 2 inside ESC [ / ESC O */
	struct l4_history *hist;        /* or NULL */
	int back;                       /* lines back in the history being shown; 0: the new line */
	char saved[L4_HIST_LEN];        /* the new line while the history is shown */
	l4_ledit_echo_fn echo;
	void *ctx;
};

/* Start a line into buf (size > 0). */
void l4_ledit_start(struct l4_ledit *e, char *buf, int size, struct l4_history *h, l4_ledit_echo_fn echo,
		    void *ctx);
/* One byte of input (0..255): 1 when the line is done (buf holds it,
 * NUL-terminated, e->n its length), else 0. A done line that is not empty
 * and differs from the newest entry goes into the history. */
int l4_ledit_key(struct l4_ledit *e, int c);
/* Add a line to the history (cut to L4_HIST_LEN - 1 bytes). */
void l4_history_add(struct l4_history *h, const char *line);
/* The entry `back` lines back (1: the newest), or NULL. */
const char *l4_history_get(const struct l4_history *h, unsigned back);
