/*
 * syscall.c - the system-call layer: the two system calls (IPC and yield),
 * and a call on a kernel object handed to its type's decoder (kernel/obj/).
 * Every check of user input happens here or in those decoders; what follows
 * a check cannot fail because of the caller.
 */
#include <arch/hart.h>
#include <arch/trapframe.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/syscall.h>

#include "ipc.h"
#include "obj/object.h"
#include "obj/thread.h"
#include "sched.h"
#include "syscall.h"

uint64_t kobj_restarts;

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

void syscall_dispatch(struct trapframe *f)
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
		sched_yield();
		return;
	default:
		f->regs[REG_A0] = (uint64_t)-L4_ENOSYS;
		return;
	}
}
