/*
 * ratelimit.h - a token bucket for console lines that user tasks can cause
 * (a thread stopped on an exception nobody handles): up to `burst` at once,
 * then one per `every` time units; what is refused is counted and reported
 * with the next line that goes out. A task that stops threads in a loop then
 * cannot keep the kernel printing: a line is ~100 characters, ~9 ms at
 * 115200 baud with interrupts off.
 *
 * No lock: the caller runs with interrupts off on the hart that owns it
 * (all threads run on the boot hart for now).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	uint64_t since;         /* when tokens was last brought up to date */
	unsigned tokens;        /* lines that may go out now */
	unsigned burst;         /* at most this many tokens */
	unsigned long missed;   /* lines refused since the last that went out */
};

#define RATELIMIT_INIT(b) { .since = 0, .tokens = (b), .burst = (b), .missed = 0 }

/*
 * Whether a line at time `now` may go out, with a token added every `every`
 * units since the last count (every > 0). true: *missed = the lines refused
 * before it (the count starts again at 0); false: refused, and counted.
 */
bool ratelimit_take(struct ratelimit *r, uint64_t now, uint64_t every, unsigned long *missed);
