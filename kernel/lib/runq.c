/*
 * runq.c - the scheduler's run queue (see runq.h for the layout and the
 * invariant). Every operation but runq_check is O(1).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kassert.h"
#include "runq.h"

/*
 * Without Zbb, GCC turns __builtin_clzll into a call to libgcc's __clzdi2,
 * and the kernel does not link libgcc, so plain RV64 uses a six-step binary
 * search instead. Host tests build both (test_runq and test_runq_soft).
 */
#if !defined(RUNQ_SOFT_MSB) && defined(__riscv) && !defined(__riscv_zbb)
#define RUNQ_SOFT_MSB 1
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
	if (w >> 32) { w >>= 32; n += 32; }
	if (w >> 16) { w >>= 16; n += 16; }
	if (w >> 8) { w >>= 8; n += 8; }
	if (w >> 4) { w >>= 4; n += 4; }
	if (w >> 2) { w >>= 2; n += 2; }
	if (w >> 1) n += 1;
	return n;
}

static inline void runq_mark(struct runq *q, unsigned prio)
{
	q->bitmap[prio / 64] |= (uint64_t)1 << (prio % 64);
}

static inline void runq_unmark(struct runq *q, unsigned prio)
{
	q->bitmap[prio / 64] &= ~((uint64_t)1 << (prio % 64));
}

void runq_init(struct runq *q)
{
	for (unsigned i = 0; i < RUNQ_WORDS; i++)
		q->bitmap[i] = 0;
	for (unsigned p = 0; p < RUNQ_PRIOS; p++)
		q->head[p] = NULL;
	q->count = 0;
}

/* Link l in before head[prio] (i.e. as the tail) and return whether the list
 * was empty. The callers decide whether l also becomes the head. */
static bool runq_insert(struct runq *q, struct runq_link *l, unsigned prio)
{
	struct runq_link *h;

	kassert(prio < RUNQ_PRIOS);
	kassert(!runq_linked(l));
	q->count++;
	h = q->head[prio];
	if (!h) {
		l->next = l->prev = l;
		q->head[prio] = l;
		runq_mark(q, prio);
		return true;
	}
	l->next = h;
	l->prev = h->prev;
	h->prev->next = l;
	h->prev = l;
	return false;
}

void runq_enqueue(struct runq *q, struct runq_link *l, unsigned prio)
{
	runq_insert(q, l, prio);
}

void runq_enqueue_head(struct runq *q, struct runq_link *l, unsigned prio)
{
	/* In a circular list the slot before the head is both the tail and
	 * the position in front of the head: only head[prio] differs. */
	runq_insert(q, l, prio);
	q->head[prio] = l;
}

void runq_remove(struct runq *q, struct runq_link *l, unsigned prio)
{
	kassert(prio < RUNQ_PRIOS);
	kassert(runq_linked(l));
	kassert(q->head[prio] && q->count > 0);
	if (l->next == l) {
		/* The only entry: it must be this list's, or the caller passed
		 * the wrong priority. */
		kassert(q->head[prio] == l);
		q->head[prio] = NULL;
		runq_unmark(q, prio);
	} else {
		if (q->head[prio] == l)
			q->head[prio] = l->next;
		l->prev->next = l->next;
		l->next->prev = l->prev;
	}
	l->next = l->prev = NULL;
	q->count--;
}

struct runq_link *runq_highest(const struct runq *q, unsigned *prio)
{
	/* Four words, highest first: constant time, no scan of 256 lists. */
	for (int i = RUNQ_WORDS - 1; i >= 0; i--) {
		uint64_t w = q->bitmap[i];

		if (w) {
			unsigned p = (unsigned)i * 64 + runq_msb(w);

			*prio = p;
			return q->head[p];
		}
	}
	return NULL;
}

void runq_rotate(struct runq *q, unsigned prio)
{
	kassert(prio < RUNQ_PRIOS);
	/* The old head is already linked in front of the new one, i.e. it
	 * is the tail once head moves on. */
	if (q->head[prio])
		q->head[prio] = q->head[prio]->next;
}

bool runq_linked(const struct runq_link *l)
{
	return l->next != NULL;
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
	return total == q->count;
}
