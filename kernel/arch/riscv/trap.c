/*
 * trap.c - what happens after trap.S saved the registers: system calls,
 * exceptions of user threads, and (unexpected so far) traps of the kernel.
 */
#include <arch/csr.h>
#include <arch/hart.h>
#include <arch/trapframe.h>

#include "panic.h"
#include "syscall.h"
#include "thread.h"

void trap_from_user(struct trapframe *f);
void trap_from_kernel(struct trapframe *f);

void trap_from_user(struct trapframe *f)
{
	struct thread *th = this_hart()->current;

	if (f->scause & SCAUSE_INTR) {
		/* No interrupt source is enabled while a user thread runs yet. */
		panic_trap(f, "unexpected interrupt from user mode");
	} else if (f->scause == EXC_ECALL_U) {
		f->regs[0] += 4;
		syscall_dispatch(f);
	} else {
		thread_fault(th);
	}
	schedule();
}

void trap_from_kernel(struct trapframe *f)
{
	panic_trap(f, f->scause & SCAUSE_INTR ? "unexpected interrupt in the kernel"
					      : "exception in the kernel");
}
