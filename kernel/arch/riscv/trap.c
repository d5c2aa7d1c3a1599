/*
 * trap.c - what happens after trap.S saved the registers: the timer,
 * exceptions of user threads (the first FP instruction of a thread among
 * them; the others become exception IPC), and traps of the kernel (only a
 * CSR probe expects one). System calls go from trap.S to fastpath.S and syscall.c.
 */
#include <arch/csr.h>
#include <arch/fpu.h>
#include <arch/fault.h>
#include "hart.h"
#include <arch/trapframe.h>

#include "ipc/ipc.h"
#include "lib/preempt.h"
#include "obj/irq.h"
#include "obj/thread.h"
#include "panic.h"
#include "sched.h"
#include "smp.h"

void trap_from_user(struct trapframe *f);
void trap_from_kernel(struct trapframe *f);

bool fpu_available;     /* the harts have F and D (main.c, from the device tree) */

/* lib/preempt.h: an interrupt this hart takes is pending (the kernel runs
 * with sstatus.SIE off, so it waits until the kernel returns to user mode). */
bool preempt_point(void)
{
	return (csr_read(sip) & csr_read(sie)) != 0;
}

/*
 * An illegal instruction while the thread's FP is off may be its first FP
 * instruction: give it zeroed FP state and let it retry. If it was not an FP
 * instruction it traps again with FP on, and is a real fault then.
 */
static bool fpu_first_use(struct hart *h, struct thread *th)
{
	static const struct fpu_state zero;

	if (!fpu_available || th->fpu_used)
		return false;
	sched_fpu_save_owner(h);
	fpu_restore(&zero);
	th->fpu_used = true;
	h->fpu_owner = th;
	th->frame.sstatus |= SSTATUS_FS_INITIAL;
	return true;
}

/* Several harts: the kernel lock. If another hart took th away meanwhile
 * (smp_pull), an exception of th comes again when it runs; an interrupt
 * is taken here, then this hart schedules. */
static __attribute__((noinline)) void trap_lock(const struct trapframe *f, const struct thread *th)
{
	if (this_hart()->kl.in_fast)
		smp_fast_done();        /* the page-fault fast path gave up */
	smp_lock_slow();
	if (__builtin_expect(this_hart()->current == th, 1))
		return;
	if (f->scause == (SCAUSE_INTR | IRQ_S_EXT))
		irq_dispatch();
	else if (f->scause == (SCAUSE_INTR | IRQ_S_TIMER))
		sched_tick();
	else if (f->scause == (SCAUSE_INTR | IRQ_S_SOFT))
		smp_ipi();
	schedule();
}

void trap_from_user(struct trapframe *f)
{
	struct hart *h = this_hart();
	struct thread *th = h->current;
	bool access_error;
	unsigned access;

	if (__builtin_expect(h->arch.smp, 0))
		trap_lock(f, th);
	if (f->scause == (SCAUSE_INTR | IRQ_S_EXT)) {
		irq_dispatch();
	} else if (f->scause == (SCAUSE_INTR | IRQ_S_TIMER)) {
		sched_tick();
	} else if (f->scause == (SCAUSE_INTR | IRQ_S_SOFT) && smp_on) {
		smp_ipi();      /* a kick: schedule() below looks at the run queue */
	} else if (f->scause & SCAUSE_INTR) {
		panic_trap(f, "unexpected interrupt from user mode");
	} else if (f->scause == EXC_ILLEGAL_INSN && fpu_first_use(h, th)) {
		/* retry the instruction */
	} else if ((access = arch_fault_access(f->scause, &access_error))) {
		ipc_fault(th, access, access_error);
	} else {
		ipc_exception(th, L4_EXC_R_NONE);
	}
	schedule();
}

void trap_from_kernel(struct trapframe *f)
{
	struct hart *h = this_hart();

	if (h->arch.probing && f->scause == EXC_ILLEGAL_INSN) {
		h->arch.probe_trapped = true;
		f->regs[0] += 4;
		return;
	}
	panic_trap(f, f->scause & SCAUSE_INTR ? "unexpected interrupt in the kernel"
					      : "exception in the kernel");
}
