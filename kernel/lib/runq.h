/*
 * runq.h - the scheduler's run queue: 256 fixed priorities, FIFO (round
 * robin) within a priority, O(1) pick of the highest ready priority.
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
 *
 * A one-entry list points at itself (A->next == A->prev == A), so a linked
 * link never has NULL pointers and runq_linked() can tell the two apart.
 */
struct runq {
	uint64_t bitmap[RUNQ_WORDS];            /* bit p: priority p is non-empty */
	struct runq_link *head[RUNQ_PRIOS];     /* next to run at each priority */
	unsigned count;                         /* links in all lists */
};

void runq_init(struct runq *q);
/* Append l at the tail of prio's list. l must be unlinked, prio < RUNQ_PRIOS. */
void runq_enqueue(struct runq *q, struct runq_link *l, unsigned prio);
/* Put l at the head of prio's list: a preempted thread that keeps the rest
 * of its timeslice runs again before its peers. */
void runq_enqueue_head(struct runq *q, struct runq_link *l, unsigned prio);
/* Unlink l, which must be linked in prio's list (leaves it unlinked). */
void runq_remove(struct runq *q, struct runq_link *l, unsigned prio);
/* The head of the highest non-empty priority (setting *prio), or NULL if the
 * queue is empty (*prio untouched). Changes nothing. */
struct runq_link *runq_highest(const struct runq *q, unsigned *prio);
/* Move the head of prio's list to its tail (timeslice end). No-op if empty. */
void runq_rotate(struct runq *q, unsigned prio);
bool runq_linked(const struct runq_link *l);
/* Whether q satisfies its invariant (for asserts and tests; O(n + 256)). */
bool runq_check(const struct runq *q);
