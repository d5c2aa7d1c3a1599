/*
 * arch/hart.h - the RISC-V part of the per-hart state (struct arch_hart,
 * the first member of struct hart, kernel/hart.h). While a hart runs
 * kernel code, tp points to its struct hart and sscratch is 0; while it runs
 * a user thread, sscratch points to its struct hart (trap.S relies on both).
 */
#pragma once

/* Offsets in struct hart (arch_hart is its first member), for trap.S and fastpath.S. */
#define HART_SCRATCH 0
#define HART_FRAME 8
#define HART_KSTACK 16
#define HART_SYSMASK 24
#define HART_TAGMASK 32
#define HART_PFTAG 40
#define HART_PFACCESS 48
#define HART_KGUARD 64

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

#include <arch/csr.h>
#include <arch/layout.h>
#include <arch/trapframe.h>

#include <l4/ipc.h>
#include <l4/mem.h>

struct hart;

struct arch_hart {
	uint64_t scratch;               /* trap.S: the user's t0 while telling an ecall from other traps */
	struct trapframe *frame;        /* trap.S: where the current thread's registers go */
	uint64_t kstack_top;            /* trap.S: the kernel stack for traps from user mode */
	/* fastpath.S, the IPC fast path: a syscall word's low 12 bits are
	 * (a7 & fast_sysmask), 0 while the fast path is off (hart_set_fastpath);
	 * a tag it takes has (a0 & fast_tagmask) <= 6 words, no items or flags. */
	uint64_t fast_sysmask;
	uint64_t fast_tagmask;
	/* trap.S and fastpath.S, the page-fault fast path: the fault message's
	 * tag, and per scause < 16 the access of a page fault it takes
	 * (L4_FP_R/W/X), 0 for every other cause and for all while the fast
	 * path is off. */
	uint64_t fast_pftag;
	uint8_t fast_pfaccess[16];
	uint64_t kstack_guard;          /* trap.S: the guard page below the kernel stack */
	bool probing, probe_trapped;    /* trap.c: a CSR probe's illegal instruction is skipped */
	bool smp;                       /* = smp_on (smp.h), at hand in tp: trap.S, the entries */
	bool smp_fast;                  /* several harts, and the fast paths on (hart_set_fastpath) */
	uint64_t fsave[6];              /* several harts: a fast path's exit keeps registers here (fastpath.S) */
};

_Static_assert(__builtin_offsetof(struct arch_hart, frame) == HART_FRAME, "trap.S");
_Static_assert(__builtin_offsetof(struct arch_hart, kstack_top) == HART_KSTACK, "trap.S");
_Static_assert(__builtin_offsetof(struct arch_hart, fast_sysmask) == HART_SYSMASK, "fastpath.S");
_Static_assert(__builtin_offsetof(struct arch_hart, fast_tagmask) == HART_TAGMASK, "fastpath.S");
_Static_assert(__builtin_offsetof(struct arch_hart, fast_pftag) == HART_PFTAG, "fastpath.S");
_Static_assert(__builtin_offsetof(struct arch_hart, fast_pfaccess) == HART_PFACCESS, "trap.S");
_Static_assert(__builtin_offsetof(struct arch_hart, kstack_guard) == HART_KGUARD, "trap.S");

/* The fast path's masks and tables: on (the words and faults it takes) or off (nothing). */
static inline void hart_set_fastpath(struct arch_hart *a, bool on)
{
	/* Several harts: the ecall chain's mask stays 0 and smp_fast_enter
	 * (fastpath.S) dispatches after its exclusion from the lock. */
	a->smp_fast = on && a->smp;
	a->fast_sysmask = on && !a->smp ? 0xfffUL : 0;
	a->fast_tagmask = 0xffff00000000ffffUL;
	a->fast_pftag = l4_tag(L4_LABEL_PAGEFAULT, L4_PF_WORDS, 0);
	for (unsigned i = 0; i < 16; i++)
		a->fast_pfaccess[i] = 0;
	if (on) {
		a->fast_pfaccess[EXC_INSN_PAGE_FAULT] = L4_FP_X;
		a->fast_pfaccess[EXC_LOAD_PAGE_FAULT] = L4_FP_R;
		a->fast_pfaccess[EXC_STORE_PAGE_FAULT] = L4_FP_W;
	}
}

/* The kernel stack below kstack_top (KSTACK_SIZE, a guard page under it)
 * takes traps from user mode, and this hart's state is h from now (tp). */
static inline void arch_hart_enter(struct hart *h, struct arch_hart *a, uint64_t kstack_top)
{
	a->kstack_top = kstack_top;
	a->kstack_guard = kstack_top - KSTACK_SIZE - PAGE_SIZE;
	__asm__ volatile("mv tp, %0" :: "r"(h) : "memory");
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
