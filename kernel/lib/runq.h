/*
 * runq.h - the scheduler's run queue: 256 fixed priorities, FIFO (round
 * robin) within a priority, O(1) pick of the highest ready priority (kept
 * in `top`: reading it is one load; only removing the last thread of the
 * top priority looks at the bitmap). The operations the scheduler uses on
 * every switch are inline here; runq.c has the rest.
 *
 * Threads embed a struct runq_link; the queue never allocates. Each
 * priority's ready threads form a circular doubly-linked list without a
 * sentinel, and head[p] points at its first entry (the one to run next), so
 * head[p]->prev is the tail and rotating is just advancing head[p].
 *
 * There is no lock in here: the caller holds the owning hart's scheduler
 * lock, or runs on the owning hart with interrupts off.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RUNQ_PRIOS 256
#define RUNQ_WORDS (RUNQ_PRIOS / 64)

/* Embedded in a thread. Unlinked: next == prev == NULL. */
struct runq_link {
	struct runq_link *next, *prev;
};

/*
 * Invariant (checked by runq_check):
 *
 *   bitmap[p / 64] bit (p % 64) set  <=>  head[p] != NULL  (list non-empty)
 *
 *   head[p] --> [A] <-> [B] <-> [C]
 *                ^               |
 *                +--- prev/next -+     (circular: A->prev == C, C->next == A)
 *
 *   for every linked l: l->next->prev == l and l->prev->next == l
 *   count == total number of links in all 256 lists
 *   top == the highest p with head[p] != NULL, -1 if there is none
 *
 * A one-entry list points at itself (A->next == A->prev == A), so a linked
 * link never has NULL pointers and runq_linked() can tell the two apart.
 */
struct runq {
	int top;                                /* the highest non-empty priority, -1: none
						 * (first: the IPC fast path reads it) */
	unsigned count;                         /* links in all lists */
	uint64_t bitmap[RUNQ_WORDS];            /* bit p: priority p is non-empty */
	struct runq_link *head[RUNQ_PRIOS];     /* next to run at each priority */
};

#if defined(__riscv) && !defined(__riscv_zbb)
/* The hart has Zbb's clz (the kernel sets it at boot; runq.c). */
extern bool runq_zbb;
#endif

void runq_init(struct runq *q);
/* Move the head of prio's list to its tail (timeslice end). No-op if empty. */
void runq_rotate(struct runq *q, unsigned prio);
/* Whether q satisfies its invariant (for asserts and tests; O(n + 256)). */
bool runq_check(const struct runq *q);
/* The highest non-empty priority below `below`, -1 if none (the bitmap). */
int runq_top_below(const struct runq *q, unsigned below);

static inline bool runq_linked(const struct runq_link *l)
{
	return l->next != NULL;
}

/* Link l in before head[prio] (i.e. as the tail). */
static inline void runq_insert(struct runq *q, struct runq_link *l, unsigned prio)
{
	struct runq_link *h = q->head[prio];

	q->count++;
	if (!h) {
		l->next = l->prev = l;
		q->head[prio] = l;
		q->bitmap[prio / 64] |= (uint64_t)1 << (prio % 64);
		if ((int)prio > q->top)
			q->top = (int)prio;
		return;
	}
	l->next = h;
	l->prev = h->prev;
	h->prev->next = l;
	h->prev = l;
}

/* Append l at the tail of prio's list. l must be unlinked, prio < RUNQ_PRIOS. */
static inline void runq_enqueue(struct runq *q, struct runq_link *l, unsigned prio)
{
	runq_insert(q, l, prio);
}

/* Put l at the head of prio's list: a preempted thread that keeps the rest
 * of its timeslice runs again before its peers. (In a circular list the
 * slot before the head is both the tail and the position in front of the
 * head: only head[prio] differs.) */
static inline void runq_enqueue_head(struct runq *q, struct runq_link *l, unsigned prio)
{
	runq_insert(q, l, prio);
	q->head[prio] = l;
}

/* Unlink l, which must be linked in prio's list (leaves it unlinked). */
static inline void runq_remove(struct runq *q, struct runq_link *l, unsigned prio)
{
	if (l->next == l) {
		q->head[prio] = NULL;
		q->bitmap[prio / 64] &= ~((uint64_t)1 << (prio % 64));
		if ((int)prio == q->top)
			q->top = q->count > 1 ? runq_top_below(q, prio) : -1;
	} else {
		if (q->head[prio] == l)
			q->head[prio] = l->next;
		l->prev->next = l->next;
		l->next->prev = l->prev;
	}
	l->next = l->prev = NULL;
	q->count--;
}

/* The head of the highest non-empty priority (setting *prio), or NULL if the
 * queue is empty (*prio untouched). Changes nothing. */
static inline struct runq_link *runq_highest(const struct runq *q, unsigned *prio)
{
	if (q->top < 0)
		return NULL;
	*prio = (unsigned)q->top;
	return q->head[q->top];
}
