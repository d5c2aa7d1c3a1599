/*
 * kdebug.c - the kernel debug object (kdebug.h). Every operation is bounded:
 * a write stops early when an interrupt is pending and says how much it
 * wrote, a read does not wait (docs/abi.md, "Debug object").
 */
#include <arch/cpu.h>
#include "hart.h"

#include <l4/errno.h>
#include <l4/kobj.h>

#include "console.h"
#include "ipc/ipc.h"
#include "obj/factory.h"
#include "obj/invoke.h"
#include "obj/kdebug.h"
#include "obj/notification.h"
#include "obj/task.h"
#include "obj/thread.h"
#include "lib/kassert.h"
#include "power.h"
#include "syscall.h"
#include "uaccess.h"

/* Aligned like pool blocks: capabilities keep rights in the low pointer bits. */
struct obj kdebug __attribute__((aligned(KMEM_MIN_BLOCK)));

/* Characters a write puts out between looks at pending interrupts. */
#define WRITE_CHUNK 16
/* ... and how long a line it finishes before it stops for one: lines up to
 * this long come out whole, never mixed with another hart's (libl4's stdio
 * writes a line at a time from a buffer of this size). */
#define WRITE_LINE 256

void kdebug_init(void)
{
	obj_init(&kdebug, L4_OBJ_DEBUG);
}

/* Write up to len bytes from uaddr; stops early (after at least one chunk)
 * when an interrupt is pending: at the end of a chunk that ends a line, or
 * WRITE_LINE bytes after it saw the interrupt. The count written, or
 * -L4_Exxx. */
static long write(struct thread *caller, uint64_t uaddr, uint64_t len)
{
	char buf[WRITE_CHUNK];
	long err;

	if (len > L4_DEBUG_WRITE_MAX)
		return -L4_ERANGE;
	if ((err = uaccess_check_read(caller->task, uaddr, len)))
		return err;
	uint64_t done = 0, late = 0;    /* late: written since an interrupt was seen pending */
	while (done < len) {
		uint64_t n = len - done > sizeof(buf) ? sizeof(buf) : len - done;
		if (copy_from_user(caller->task, buf, uaddr + done, n))
			return -L4_EFAULT;      /* checked above: cannot happen */
		console_write(buf, n);
		done += n;
		if (late || cpu_irq_pending()) {
			late += n;
			if (buf[n - 1] == '\n' || late >= WRITE_LINE)
				break;
		}
	}
	return (long)done;
}

static long kdebug_invoke(struct thread *caller, struct cap *c, uint64_t label, struct trapframe *f)
{
	long err, r;

	switch (label) {
	case L4_DEBUG_PUTC:
		if ((err = invoke_check(f, c, L4_RIGHT_W, 1)))
			return err;
		console_putc((char)mr(f, 0));
		return 0;
	case L4_DEBUG_WRITE:
		if ((err = invoke_check(f, c, L4_RIGHT_W, 2)))
			return err;
		if ((r = write(caller, mr(f, 0), mr(f, 1))) < 0)
			return r;
		set_mr(f, 0, (uint64_t)r);
		return 1;
	case L4_DEBUG_GETC:
		if ((err = invoke_check(f, c, L4_RIGHT_R, 0)))
			return err;
		if ((r = console_trygetc()) < 0)
			return r == -2 ? -L4_EBUSY : -L4_EAGAIN;
		set_mr(f, 0, (uint64_t)r);
		return 1;
	case L4_DEBUG_PFSTATS:
		if ((err = invoke_check(f, c, L4_RIGHT_R, 1)))
			return err;
		if (mr(f, 0) > 4)
			return -L4_EINVAL;
		set_mr(f, 0, (mr(f, 0) >= 3 ? sys_general[mr(f, 0) - 3] : mr(f, 0) == 2 ? kobj_restarts
											  : ipc_pf_general[mr(f, 0)]) &
				     (~0UL >> 1));
		return 1;
	case L4_DEBUG_FASTPATH: {
		if ((err = invoke_check(f, c, L4_RIGHT_D, 1)))
			return err;
		bool was = ipc_fastpath_on;
		if (mr(f, 0) > 1)
			return -L4_EINVAL;
		ipc_fastpath_on = mr(f, 0);
		harts_set_fastpath(ipc_fastpath_on);
		set_mr(f, 0, was);
		return 1;
	}
	case L4_DEBUG_CONSOLE: {
		if ((err = invoke_check(f, c, L4_RIGHT_D, mr(f, 0) ? 2 : 1)))
			return err;
		if (!mr(f, 0)) {
			console_takeback();
			return 0;
		}
		struct notification *n;
		if ((err = notification_source_arg(caller, mr(f, 0), mr(f, 1), &n)))
			return err;
		console_handover(n, mr(f, 1));
		return 0;
	}
	case L4_DEBUG_LOG_READ: {
		char buf[256];
		uint64_t dropped = 0, done = 0, len = mr(f, 1), uaddr = mr(f, 0);
		if ((err = invoke_check(f, c, L4_RIGHT_R, 2)))
			return err;
		if (len > L4_DEBUG_WRITE_MAX)
			return -L4_ERANGE;
		if ((err = uaccess_check_write(caller->task, uaddr, len)))
			return err;
		while (done < len) {
			uint64_t d;
			size_t n = console_log_read(buf, len - done > sizeof(buf) ? sizeof(buf) : len - done, &d);
			dropped += d;
			if (!n)
				break;
			if (copy_to_user(caller->task, uaddr + done, buf, n))
				return -L4_EFAULT;      /* checked above: cannot happen */
			done += n;
		}
		set_mr(f, 0, done);
		set_mr(f, 1, dropped);
		return 2;
	}
	case L4_DEBUG_SHUTDOWN:
		if ((err = invoke_check(f, c, L4_RIGHT_D, 1)))
			return err;
		if (mr(f, 0) > 255)
			return -L4_EINVAL;
		console_seize();        /* what the log holds is not lost */
		power_off((unsigned)mr(f, 0));
	default:
		return invoke_bad_label(label, L4_OBJ_DEBUG);
	}
}

const struct obj_type kdebug_type = {
	.name = "debug",
	.size = sizeof(struct obj),
	.invoke = kdebug_invoke,
	.teardown = obj_teardown_never,
};
