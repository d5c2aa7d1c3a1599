/* s0test.h - what the testroot (t_robust.c) and s0test (the hostile task) agree on. */
#pragma once

#include <stdint.h>

#include <l4/kip.h>

#define S0TEST_HOSTILE 0x686f7374696c65UL     /* a0 that starts the hostile role */
#define S0TEST_SEED 0x4c3452565f726e64ULL
#define S0TEST_ROUNDS 100000UL                /* part 1: calls of the plain generator */
#define S0TEST_EXT_ROUNDS 300000UL            /* part 2: calls of the main thread, helpers running */
#define S0TEST_DEBUG_CTL 55                   /* sigma0's slot where t_robust puts the debug object
						 (R|D: fast path switch and counters) for the run */

/*
 * Part 2 puts memory only in three ranges of sigma0's address space, empty
 * at the start: WIN (16 MiB: the helpers' receive windows, random stacks
 * and UTCBs), UTCB (the UTCBs of the helpers and of threads it configures)
 * and LOW ([L4_USER_BASE, S0TEST_LOW_END): where pager replies map pages at
 * the fault addresses of threads started there; faults elsewhere get their
 * page in WIN). Windows, hotspots, pager replies, UTCB and stack addresses
 * are chosen inside them (s0test.c: hx_fpage, hx_hotspot, hx_pf_reply,
 * hx_kobj); the plain generator's random words name a mapped flexpage or a
 * free page-aligned user address about once in 2^30 calls. What part 2 maps
 * is revoked at its end, but the page tables made stay until sigma0's task
 * ends (l4/mem.h: empty tables stay), charged to the root factory: at most
 * a level-1 table and 8 level-0 tables for WIN, one of each for UTCB
 * (S0TEST_UTCB_PAGES lie in one 2 MiB), and a level-0 table for LOW (the
 * level-1 table there holds s0test's image already). Sv39: a level-1 table
 * spans 1 GiB, a level-0 table 2 MiB.
 */
#define S0TEST_WIN 0x3000000000UL
#define S0TEST_WIN_ORDER 24
#define S0TEST_UTCB 0x3100000000UL
#define S0TEST_UTCB_PAGES 64
#define S0TEST_LOW_END 0x30000UL
#define S0TEST_TABLES_MAX (1 + (1UL << (S0TEST_WIN_ORDER - 21)) + 1 + 1 + 1)

/*
 * SRC: 2 MiB of RAM part 2 maps and grants from (and points threads at):
 * the last 2 MiB of the largest free range, which sigma0 holds mapped at
 * its physical address in the task the hostile shares. t_robust reserves it
 * from sigma0 for the run (so no one else gets a page of it) and zeroes it
 * (so a thread sent there stops at the first instruction). 0: no free range
 * of 8 MiB, no SRC (memory items then fail).
 */
static inline uint64_t s0test_src(const struct l4_kip *k)
{
	uint64_t best = 0, src = 0;

	for (unsigned i = 0; i < k->nmem; i++) {
		const struct l4_kip_mem *m = &k->mem[i];
		if (m->kind == L4_KIP_MEM_FREE && m->size > best && m->size >= (8UL << 20)) {
			best = m->size;
			src = ((m->base + m->size) & ~((2UL << 20) - 1)) - (2UL << 20);
		}
	}
	return src;
}
