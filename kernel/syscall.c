/*
 * syscall.c - the system-call layer: decodes the syscall word, finds the
 * capability and hands a call on a kernel object to its decoder (kernel/obj/).
 * Every check of user input happens here or in those decoders; what follows
 * a check cannot fail because of the caller.
 */
#include <arch/hart.h>
#include <arch/timer.h>
#include <arch/trapframe.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/syscall.h>

#include "console.h"
#include "ipc.h"
#include "obj/factory.h"
#include "obj/task.h"
#include "obj/thread.h"
#include "power.h"
#include "sched.h"
#include "syscall.h"
#include "uaccess.h"

static long sys_debug(struct thread *th, const struct trapframe *f)
{
	uint64_t op = f->regs[REG_A0], a1 = f->regs[REG_A0 + 1], a2 = f->regs[REG_A0 + 2];

	switch (op) {
	case L4_DEBUG_PUTC:
		console_putc((char)a1);
		return 0;
	case L4_DEBUG_WRITE: {
		char buf[128];
		long err;

		if (a2 > L4_DEBUG_WRITE_MAX)
			return -L4_ERANGE;
		err = uaccess_check_read(th->task, a1, a2);
		if (err)
			return err;
		for (uint64_t done = 0; done < a2;) {
			uint64_t n = a2 - done > sizeof(buf) ? sizeof(buf) : a2 - done;
			if (copy_from_user(th->task, buf, a1 + done, n))
				return -L4_EFAULT;      /* checked above: cannot happen yet */
			console_write(buf, n);
			done += n;
		}
		return (long)a2;
	}
	case L4_DEBUG_GETC: {
		/* The console polls with the timer; give the tick its deadline back. */
		uint64_t armed = this_hart()->timer_armed;
		int c = console_getc(sched_timeslice);
		timer_set(armed);
		return c;
	}
	case L4_DEBUG_FASTPATH: {
		bool was = ipc_fastpath_on;
		if (a1 > 1)
			return -L4_EINVAL;
		ipc_fastpath_on = a1;
		harts_set_fastpath(a1);
		return was;
	}
	case L4_DEBUG_PFSTATS:
		if (a1 > 1)
			return -L4_EINVAL;
		return (long)(ipc_pf_general[a1] & (~0UL >> 1));
	case L4_DEBUG_SHUTDOWN:
		if (a1 > 255)
			return -L4_EINVAL;
		power_off((unsigned)a1);
	default:
		return -L4_ENOSYS;
	}
}

/* A call on a kernel object: the decoder's result becomes the reply. */
void kobj_call(struct thread *th, struct cap *c, struct trapframe *f)
{
	uint64_t tag = f->regs[REG_A0];
	uint64_t label = l4_tag_label(tag);
	long ret;

	if (tag >> 48) {
		ret = -L4_EINVAL;
	} else {
		switch (cap_obj(c)->type) {
		case L4_OBJ_FACTORY: ret = factory_invoke(th, c, label, f); break;
		case L4_OBJ_TASK: ret = task_invoke(th, c, label, f); break;
		case L4_OBJ_THREAD: ret = thread_invoke(th, c, label, f); break;
		default: ret = -L4_ENOSYS; break;
		}
	}
	/* The caller may have destroyed itself: then there is no one to answer. */
	if (this_hart()->current != th)
		return;
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
	case L4_SYS_DEBUG:
		f->regs[REG_A0] = word & ~L4_SYS_MASK ? (uint64_t)-L4_EINVAL : (uint64_t)sys_debug(th, f);
		return;
	default:
		f->regs[REG_A0] = (uint64_t)-L4_ENOSYS;
		return;
	}
}
