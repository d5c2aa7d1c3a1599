/*
 * hart.h - per-hart state. One struct hart per hart the kernel runs on
 * (main.c); this_hart() (arch/hart.h) finds the current one. Its first
 * member is the architecture's part (struct arch_hart: what the trap
 * entry and the fast paths use); the rest is generic.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <arch/hart.h>

#include "ipc/waitq.h"
#include "lib/dlist.h"
#include "lib/runq.h"

struct thread;

struct hart {
	struct arch_hart arch;          /* first: trap.S reaches it through tp / sscratch */
	unsigned long hartid;           /* the hardware id */
	struct thread *current;         /* the READY thread running here, NULL when idle */
	struct thread *fpu_owner;       /* whose values the FP registers hold */
	struct thread *slice_owner;     /* current at the last tick (sched.c) */
	struct runq rq;                 /* READY threads of this hart except current and woken */
	struct thread *woken;           /* READY, made so first since the last schedule() (sched.c) */
	uint64_t timer_armed;           /* the programmed deadline (UINT64_MAX: none) */
	uint64_t tick_deadline;         /* the next tick (UINT64_MAX while idle) */
	struct dlist timeouts;          /* threads with IPC deadlines, earliest first (ipc/wait.c) */
	struct waitq deferred;          /* threads whose ended IPC needs more work (ipc/ipc.h) */
	bool idle_reported;
};

_Static_assert(__builtin_offsetof(struct hart, arch) == 0, "trap.S: HART_* offsets");
