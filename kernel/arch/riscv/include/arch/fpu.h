/*
 * arch/fpu.h - the F/D state of a user thread and its lazy handling.
 * The kernel is built without F/D; fpu.S alone touches the FP registers.
 * A thread starts with sstatus.FS = Off: its first FP instruction traps as
 * illegal, the kernel gives it zeroed FP state and retries (fpu_first_use).
 * At a switch away from a thread whose FS is Dirty its registers are saved
 * (FS becomes Clean); switching to an FP thread loads them if the hart's FP
 * registers hold someone else's.
 */
#pragma once

#define FPU_FCSR 256            /* offsetof(struct fpu_state, fcsr), for fpu.S */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

#include <arch/csr.h>
#include <arch/trapframe.h>

/* Whether user threads may use F/D: the boot hart has both (main.c, from the device tree). */
extern bool fpu_available;

struct fpu_state {
	uint64_t f[32];
	uint64_t fcsr;
};

_Static_assert(__builtin_offsetof(struct fpu_state, fcsr) == FPU_FCSR, "fpu.S");

/* A thread's frame says its FP registers changed since the last save / says they did not. */
static inline bool fpu_dirty(const struct trapframe *f)
{
	return (f->sstatus & SSTATUS_FS) == SSTATUS_FS;
}

static inline void fpu_set_clean(struct trapframe *f)
{
	f->sstatus = (f->sstatus & ~SSTATUS_FS) | SSTATUS_FS_CLEAN;
}

/* Save / load f0..f31 and fcsr (sets sstatus.FS for the duration). */
void fpu_save(struct fpu_state *s);
void fpu_restore(const struct fpu_state *s);
#endif
