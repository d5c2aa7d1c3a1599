/*
 * xorshift.h - the tests' deterministic pseudo-random numbers (Marsaglia's
 * xorshift64*, Vigna's multiplier): the same sequence for a seed on every
 * host and in the guest, so a printed seed replays a failure. Used by host
 * tests and on-target tests alike (header-only, no libc).
 */
#pragma once

#include <stdint.h>

/* Next number; *state must not be 0. */
static inline uint64_t xorshift64s(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}
