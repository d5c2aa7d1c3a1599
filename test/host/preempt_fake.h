/*
 * preempt_fake.h - preemption points for host tests of preemptible kernel
 * code (kernel/lib/preempt.h): fake_stop() says "stop" after a random 0..7
 * asks, so a preemptible call runs in pieces; between the pieces
 * fake_cursor_games() keeps the cursor, drops it, or makes it stale (as when
 * others changed the trees meanwhile): the end result must be the same.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/mapdb.h"
#include "../lib/xorshift.h"

static uint64_t fake_stop_rng = 0x5709c0ffeeULL;
static unsigned fake_stop_left, fake_stops;

static inline bool fake_stop(void)
{
	if (fake_stop_left--)
		return false;
	fake_stop_left = (unsigned)(xorshift64s(&fake_stop_rng) % 8);
	fake_stops++;
	return true;
}

static inline void fake_cursor_games(struct mdb_cursor *mc)
{
	switch (xorshift64s(&fake_stop_rng) % 4) {
	case 0: *mc = (struct mdb_cursor){ 0 }; break;
	case 1: mdb_gen++; break;       /* as if a node had gone elsewhere */
	default: break;
	}
}
