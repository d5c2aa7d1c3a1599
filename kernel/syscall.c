/*
 * syscall.c - the system-call layer: the two system calls (IPC and yield),
 * and a call on a kernel object handed to its type's decoder (kernel/obj/).
 * Every check of user input happens here or in those decoders; what follows
 * a check cannot fail because of the caller.
 *
 * Every system call the IPC fast path (arch/riscv/fastpath.S) does not
 * take arrives at syscall_entry, from the lean entry that saved only what
 * the ABI keeps (sp, gp, tp, s0..s11, pc + 4, sstatus), with the user's
 * a0..a7 as arguments. Both paths give the same results (the tests run the
 * same cases with the fast path on and off).
 */
#include "hart.h"
#include <arch/trapframe.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/syscall.h>

#include "ipc/ipc.h"
#include "obj/object.h"
#include "obj/thread.h"
#include "sched.h"
#include "syscall.h"
#include "smp.h"

__attribute__((noreturn)) void syscall_entry(uint64_t tag, uint64_t w0, uint64_t w1, uint64_t w2,
					      uint64_t w3, uint64_t w4, uint64_t w5, uint64_t word);

uint64_t kobj_restarts;
uint64_t sys_general[2];

/* A call on a kernel object: the decoder's result becomes the reply. */
void kobj_call(struct thread *th, struct cap *c, struct trapframe *f)
{
	uint64_t tag = f->regs[REG_A0];
	uint64_t label = l4_tag_label(tag);
	long ret;

	if (tag >> 48)
		ret = -L4_EINVAL;
	else
		ret = obj_type_of(cap_obj(c))->invoke(th, c, label, f);
	/* The caller may have destroyed itself: then there is no one to answer. */
	if (this_hart()->current != th)
		return;
	if (ret == -KERR_RESTART) {
		/* Stopped at a preemption point: the same ecall runs again, its
		 * registers untouched, after the pending interrupt (preempt.h). */
		f->regs[0] -= 4;
		th->resume.armed = true;
		kobj_restarts++;
		return;
	}
	f->regs[REG_A0] = ret < 0 ? (uint64_t)ret : l4_tag(0, (unsigned)ret, 0);
	f->regs[REG_A7] = 0;
}

/* Handle the ecall whose registers are in f (f->pc already past the ecall). */
static inline __attribute__((always_inline)) void syscall_dispatch(struct trapframe *f)
{
	struct thread *th = this_hart()->current;
	uint64_t word = f->regs[REG_A7];

	switch (word & L4_SYS_MASK) {
	case L4_SYS_IPC:
		ipc_sys(th, f);
		return;
	case L4_SYS_YIELD:
		if (word & ~L4_SYS_MASK) {
			f->regs[REG_A0] = (uint64_t)-L4_EINVAL;
			return;
		}
		f->regs[REG_A0] = 0;
		sys_general[1]++;
		sched_yield_call();
		return;
	default:
		f->regs[REG_A0] = (uint64_t)-L4_ENOSYS;
		return;
	}
}

/* Several harts: the kernel lock. Taken away while waiting for it
 * (smp_pull), the thread makes the call again where it runs next (its pc at
 * the ecall), and this hart schedules. Out of line: syscall_entry keeps no
 * frame. */
static __attribute__((noinline)) void syscall_lock(struct trapframe *f)
{
	struct hart *h = this_hart();
	struct thread *th = h->current;

	f->regs[0] -= 4;
	if (h->kl.in_fast)
		smp_fast_done();        /* the fast path gave up */
	smp_lock_slow();
	if (h->current != th)
		schedule();
	f->regs[0] += 4;
}

/* a0..a7 join the kept registers in the frame (whose scause, EXC_ECALL_U,
 * tells trap_return_to_user that ra and t0..t6 return as 0). */
void syscall_entry(uint64_t tag, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4,
		   uint64_t w5, uint64_t word)
{
	struct trapframe *f = this_hart()->arch.frame;

	f->regs[REG_A0] = tag;
	f->regs[REG_A0 + 1] = w0;
	f->regs[REG_A0 + 2] = w1;
	f->regs[REG_A0 + 3] = w2;
	f->regs[REG_A0 + 4] = w3;
	f->regs[REG_A0 + 5] = w4;
	f->regs[REG_A0 + 6] = w5;
	f->regs[REG_A7] = word;
	if (__builtin_expect(this_hart()->arch.smp, 0))
		syscall_lock(f);
	syscall_dispatch(f);
	schedule();
}
