/*
 * arch/hart.h - per-hart state. While a hart runs kernel code, tp points to
 * its struct hart and sscratch is 0; while it runs a user thread, sscratch
 * points to its struct hart (trap.S relies on both).
 */
#pragma once

#define HART_SCRATCH 0
#define HART_FRAME 8
#define HART_KSTACK 16
#define HART_SYSMASK 24
#define HART_TAGMASK 32
#define HART_PFTAG 40
#define HART_PFACCESS 48
#define HART_KGUARD 64

#ifndef __ASSEMBLER__
#include <stdint.h>

#include <stdbool.h>

#include <arch/csr.h>
#include <arch/trapframe.h>

#include <l4/ipc.h>
#include <l4/mem.h>

#include "ipc/ipc.h"
#include "lib/runq.h"

struct thread;

struct hart {
	uint64_t scratch;               /* trap.S: the user's t0 while telling an ecall from other traps */
	struct trapframe *frame;        /* trap.S: where the current thread's registers go */
	uint64_t kstack_top;            /* trap.S: the kernel stack for traps from user mode */
	/* trap.S, the IPC fast path: a syscall word's low 12 bits are
	 * (a7 & fast_sysmask), 0 while the fast path is off (hart_set_fastpath);
	 * a tag it takes has (a0 & fast_tagmask) <= 6 words, no items or flags. */
	uint64_t fast_sysmask;
	uint64_t fast_tagmask;
	/* trap.S, the page-fault fast path: the fault message's tag, and per
	 * scause < 16 the access of a page fault it takes (L4_FP_R/W/X), 0 for
	 * every other cause and for all while the fast path is off. */
	uint64_t fast_pftag;
	uint8_t fast_pfaccess[16];
	uint64_t kstack_guard;          /* trap.S: the guard page below the kernel stack */
	unsigned long hartid;           /* the hardware id (mhartid) */
	struct thread *current;         /* the READY thread running here, NULL when idle */
	struct thread *fpu_owner;       /* whose values the FP registers hold */
	struct thread *slice_owner;     /* current at the last tick (sched.c) */
	struct runq rq;                 /* READY threads of this hart except current */
	uint64_t timer_armed;           /* the programmed deadline (UINT64_MAX: none) */
	uint64_t tick_deadline;         /* the next tick (UINT64_MAX while idle) */
	struct thread *timeouts;        /* threads with IPC deadlines, earliest first */
	struct waitq deferred;          /* threads whose ended IPC needs more work (ipc.h) */
	bool idle_reported;
	bool probing, probe_trapped;    /* trap.c: a CSR probe's illegal instruction is skipped */
};

_Static_assert(__builtin_offsetof(struct hart, frame) == HART_FRAME, "trap.S");
_Static_assert(__builtin_offsetof(struct hart, kstack_top) == HART_KSTACK, "trap.S");
_Static_assert(__builtin_offsetof(struct hart, fast_sysmask) == HART_SYSMASK, "trap.S");
_Static_assert(__builtin_offsetof(struct hart, fast_tagmask) == HART_TAGMASK, "trap.S");
_Static_assert(__builtin_offsetof(struct hart, fast_pftag) == HART_PFTAG, "trap.S");
_Static_assert(__builtin_offsetof(struct hart, fast_pfaccess) == HART_PFACCESS, "trap.S");
_Static_assert(__builtin_offsetof(struct hart, kstack_guard) == HART_KGUARD, "trap.S");

/* The fast path's masks and tables: on (the words and faults it takes) or off (nothing). */
static inline void hart_set_fastpath(struct hart *h, bool on)
{
	h->fast_sysmask = on ? 0xfffUL : 0;
	h->fast_tagmask = 0xffff00000000ffffUL;
	h->fast_pftag = l4_tag(L4_LABEL_PAGEFAULT, L4_PF_WORDS, 0);
	for (unsigned i = 0; i < 16; i++)
		h->fast_pfaccess[i] = 0;
	if (on) {
		h->fast_pfaccess[EXC_INSN_PAGE_FAULT] = L4_FP_X;
		h->fast_pfaccess[EXC_LOAD_PAGE_FAULT] = L4_FP_R;
		h->fast_pfaccess[EXC_STORE_PAGE_FAULT] = L4_FP_W;
	}
}

static inline struct hart *this_hart(void)
{
	struct hart *h;
	__asm__("mv %0, tp" : "=r"(h));
	return h;
}

/* Leave the kernel: restore `frame` and sret to user mode. Never returns. */
__attribute__((noreturn)) void trap_return_to_user(struct trapframe *frame);
#endif
