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
#include "lib/klock.h"
#include "lib/runq.h"

struct thread;

/* What the kernel lock's holder asks of another hart (smp.c). */
struct smp_request {
	volatile uint32_t pending;      /* set by the holder, cleared by the hart when done */
	struct hart *from;              /* the holder: woken when done */
	struct thread *forget;          /* stop running it here, its FP state saved */
	const void *leave_root;         /* leave this page table if satp holds it */
	uint8_t flush;                  /* SMP_FLUSH_* */
	uint16_t asid;
	struct space *space;            /* SMP_FLUSH_ASID of this one space: its ran_on may drop the hart */
};

struct hart {
	struct arch_hart arch;          /* first: trap.S reaches it through tp / sscratch */
	struct kl_cpu kl;               /* the kernel lock's part (lib/klock.h; fastpath.S: in_fast) */
	unsigned long hartid;           /* the hardware id */
	volatile uint32_t *ipi_reg;     /* its ACLINT SSWI register (smp.c), NULL: IPIs through SBI */
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

	/* SMP (smp.c): this hart's place in the kernel's table (0: the boot
	 * hart), whether it runs threads, and what other harts ask of it. */
	unsigned index;
	bool online;
	struct smp_request req;         /* written by the lock's holder, done by this hart */
	uint8_t flush;                  /* the holder's TLB fences owed to this hart (SMP_FLUSH_*) */
	uint16_t flush_asid;            /* ... SMP_FLUSH_ASID: which */
	struct space *flush_space;      /* ... of which space */
};

_Static_assert(__builtin_offsetof(struct hart, arch) == 0, "trap.S: HART_* offsets");
