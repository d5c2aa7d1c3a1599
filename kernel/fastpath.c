/*
 * fastpath.c - the system-call entry from C.
 *
 * The IPC fast path is in assembly (arch/riscv/trap.S): call and
 * reply-and-wait with a register-only message to a partner waiting on this
 * hart switch there, straight to the partner. Every other system call
 * arrives here, from the same lean entry that saved only what the ABI keeps
 * (sp, gp, tp, s0..s11, pc + 4, sstatus), with the user's a0..a7 as
 * arguments: they join the kept registers in the frame and the general path
 * (syscall.c, ipc.c) takes over. Both paths give the same results (the
 * tests run the same cases with the fast path on and off).
 */
#include <arch/hart.h>
#include <arch/trapframe.h>

#include "sched.h"
#include "syscall.h"

__attribute__((noreturn)) void syscall_entry(uint64_t tag, uint64_t w0, uint64_t w1, uint64_t w2,
					      uint64_t w3, uint64_t w4, uint64_t w5, uint64_t word);

/* a0..a7 join the kept registers in the frame (whose scause, 8, tells
 * trap_return_to_user that ra and t0..t6 return as 0). */
void syscall_entry(uint64_t tag, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4,
		   uint64_t w5, uint64_t word)
{
	struct trapframe *f = this_hart()->frame;

	f->regs[REG_A0] = tag;
	f->regs[REG_A0 + 1] = w0;
	f->regs[REG_A0 + 2] = w1;
	f->regs[REG_A0 + 3] = w2;
	f->regs[REG_A0 + 4] = w3;
	f->regs[REG_A0 + 5] = w4;
	f->regs[REG_A0 + 6] = w5;
	f->regs[REG_A7] = word;
	syscall_dispatch(f);
	schedule();
}
