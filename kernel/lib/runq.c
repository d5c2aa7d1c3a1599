/*
 * runq.c - the scheduler's run queue (see runq.h for the layout and the
 * invariant): what is not inline in runq.h. Every operation but runq_check
 * is O(1).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kassert.h"
#include "runq.h"

/*
 * Without Zbb, GCC turns __builtin_clzll into a call to libgcc's __clzdi2,
 * and the kernel does not link libgcc, so plain RV64 uses a six-step binary
 * search instead, or Zbb's clz where the boot hart has it (runq_zbb, set
 * from the device tree's ISA string: QEMU's virt and the VisionFive2 have
 * it). Host tests build both (test_runq and test_runq_soft).
 */
#if !defined(RUNQ_SOFT_MSB) && defined(__riscv) && !defined(__riscv_zbb)
#define RUNQ_SOFT_MSB 1
#define RUNQ_ZBB 1
bool runq_zbb;
#endif
#ifndef RUNQ_SOFT_MSB
#define RUNQ_SOFT_MSB 0
#endif

/* Index of the highest set bit of w (w != 0). */
static inline unsigned runq_msb(uint64_t w)
{
	unsigned n = 0;

	if (!RUNQ_SOFT_MSB)
		return 63 - (unsigned)__builtin_clzll(w);
#ifdef RUNQ_ZBB
	if (runq_zbb) {
		uint64_t z;
		__asm__(".option push\n.option arch, +zbb\nclz %0, %1\n.option pop" : "=r"(z) : "r"(w));
		return 63 - (unsigned)z;
	}
#endif
	if (w >> 32) { w >>= 32; n += 32; }
	if (w >> 16) { w >>= 16; n += 16; }
	if (w >> 8) { w >>= 8; n += 8; }
	if (w >> 4) { w >>= 4; n += 4; }
	if (w >> 2) { w >>= 2; n += 2; }
	if (w >> 1) n += 1;
	return n;
}

void runq_init(struct runq *q)
{
	for (unsigned i = 0; i < RUNQ_WORDS; i++)
		q->bitmap[i] = 0;
	for (unsigned p = 0; p < RUNQ_PRIOS; p++)
		q->head[p] = NULL;
	q->count = 0;
	q->top = -1;
}

int runq_top_below(const struct runq *q, unsigned below)
{
	/* At most four words, highest first: no scan of 256 lists. */
	for (unsigned i = (below + 63) / 64; i-- > 0;) {
		uint64_t w = q->bitmap[i];
		if (i == below / 64)
			w &= ((uint64_t)1 << (below % 64)) - 1;
		if (w)
			return (int)(i * 64 + runq_msb(w));
	}
	return -1;
}

void runq_rotate(struct runq *q, unsigned prio)
{
	kassert(prio < RUNQ_PRIOS);
	/* The old head is already linked in front of the new one, i.e. it
	 * is the tail once head moves on. */
	if (q->head[prio])
		q->head[prio] = q->head[prio]->next;
}

bool runq_check(const struct runq *q)
{
	unsigned total = 0;

	for (unsigned p = 0; p < RUNQ_PRIOS; p++) {
		const struct runq_link *h = q->head[p], *l;
		bool bit = (q->bitmap[p / 64] >> (p % 64)) & 1;

		if (bit != (h != NULL))
			return false;
		if (!h)
			continue;
		l = h;
		do {
			if (!l->next || !l->prev)
				return false;
			if (l->next->prev != l || l->prev->next != l)
				return false;
			/* Bound the walk by count, so that corruption the
			 * link checks miss cannot make it loop forever. */
			if (++total > q->count)
				return false;
			l = l->next;
		} while (l != h);
	}
	return total == q->count && q->top == runq_top_below(q, RUNQ_PRIOS);
}
