/*
 * arch/fault.h - what generic code reads from a faulting thread's frame:
 * the address of a page or access fault, and which access it wanted.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <arch/csr.h>
#include <arch/trapframe.h>

#include <l4/ipc.h>
#include <l4/mem.h>

/* The access a page or access fault of cause `scause` wanted (L4_FP_R/W/X),
 * 0 if the cause is neither; *access_error: a fault the page table did not
 * cause (PMP, a bus error) rather than a page fault. */
static inline unsigned arch_fault_access(uint64_t scause, bool *access_error)
{
	*access_error = scause == EXC_INSN_ACCESS || scause == EXC_LOAD_ACCESS || scause == EXC_STORE_ACCESS;
	switch (scause) {
	case EXC_INSN_PAGE_FAULT: case EXC_INSN_ACCESS: return L4_FP_X;
	case EXC_LOAD_PAGE_FAULT: case EXC_LOAD_ACCESS: return L4_FP_R;
	case EXC_STORE_PAGE_FAULT: case EXC_STORE_ACCESS: return L4_FP_W;
	default: return 0;
	}
}

/* The faulting address, from the frame of a thread that took a fault. */
static inline uint64_t arch_fault_addr(const struct trapframe *f)
{
	return f->stval;
}

/* Word i < 34 of an exception message (l4/ipc.h): the registers (MR0 the
 * pc), then scause and stval. */
static inline uint64_t arch_exc_word(const struct trapframe *f, unsigned i)
{
	return i < 32 ? f->regs[i] : i == L4_EXC_SCAUSE ? f->scause : f->stval;
}
