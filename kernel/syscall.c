/*
 * syscall.c - system calls (l4/syscall.h). Every check of user input is
 * here; what follows a check cannot fail because of the caller.
 */
#include <arch/hart.h>
#include <arch/trapframe.h>

#include <l4/errno.h>
#include <l4/syscall.h>

#include "console.h"
#include "power.h"
#include "syscall.h"
#include "thread.h"
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
	case L4_DEBUG_GETC:
		return console_getc(console_tick);
	case L4_DEBUG_SHUTDOWN:
		if (a1 > 255)
			return -L4_EINVAL;
		power_off((unsigned)a1);
	default:
		return -L4_ENOSYS;
	}
}

void syscall_dispatch(struct trapframe *f)
{
	struct thread *th = this_hart()->current;
	long ret;

	switch (f->regs[REG_A7]) {
	case L4_SYS_YIELD:
		ret = 0;        /* one thread per hart so far: nothing to yield to */
		break;
	case L4_SYS_DEBUG:
		ret = sys_debug(th, f);
		break;
	case L4_SYS_IPC:        /* IPC arrives with the IPC issue */
	default:
		ret = -L4_ENOSYS;
		break;
	}
	f->regs[REG_A0] = (uint64_t)ret;
}
