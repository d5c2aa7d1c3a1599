/*
 * thread.c - the thread object (thread.h): configuration, exchange of
 * registers, start and stop, and what happens to a thread when its task,
 * its endpoint or itself is destroyed.
 */
#include <arch/timer.h>
#include "smp.h"
#include "hart.h"
#include <arch/layout.h>

#include <l4/ipc.h>
#include <l4/layout.h>
#include <l4/mem.h>

#include "console.h"
#include "lib/kassert.h"
#include <common/string.h>
#include "lib/ratelimit.h"
#include "ipc/ipc.h"
#include "obj/notification.h"
#include "obj/factory.h"
#include "obj/invoke.h"
#include "obj/task.h"
#include "obj/thread.h"
#include "sched.h"

static long thread_init(struct obj *o, uint64_t arg)
{
	struct thread *th = (struct thread *)o;

	th->state = L4_THREAD_INACTIVE;
	th->home = this_hart();
	trapframe_init(&th->frame);
	return 0;
}

struct thread *thread_create(struct factory *f)
{
	struct obj *o;

	return obj_new(f, L4_OBJ_THREAD, 0, &o) ? NULL : (struct thread *)o;
}

void thread_join_task(struct thread *th, struct task *t)
{
	kassert(!th->task);
	th->task = t;
	smp_home_join(th);
	dlist_push(&t->threads, &th->task_link);
}

/*
 * What a thread object must not carry from one task to the next (it can be
 * bound again, maybe for another client): its integer and FP registers and
 * FP ownership, its pager and exception-handler selectors (they named slots
 * of the old task's table), its priorities and bound notification. It is
 * left as thread_create makes it.
 */
static void forget(struct thread *th)
{
	struct hart *h = th->home;

	trapframe_init(&th->frame);
	memset(&th->fpu, 0, sizeof(th->fpu));
	th->fpu_used = false;
	if (h->fpu_owner == th)
		h->fpu_owner = NULL;
	th->pager_sel = th->exc_sel = 0;
	th->max_prio = 0;
	sched_set_prio(th, 0);
	if (th->bound)
		notification_unbind(th->bound);
	th->resume.armed = false;
	obj_forget_destroyer(th);
}

void thread_leave_task(struct thread *th)
{
	smp_pull(th);
	smp_home_leave(th);
	struct task *t = th->task;

	thread_stop(th);
	if (th->utcb) {
		space_unmap_kernel(&t->space, th->utcb_uaddr);
		obj_free_extra(&th->o, th->utcb, L4_UTCB_SIZE);
		th->utcb = NULL;
		th->utcb_uaddr = 0;
	}
	dlist_remove(&t->threads, &th->task_link);
	th->task = NULL;
	forget(th);
}

long thread_set_utcb(struct thread *th, uintptr_t uaddr)
{
	struct l4_utcb *u = obj_alloc_extra(&th->o, L4_UTCB_SIZE);

	if (!u)
		return -L4_ENOMEM;
	if (task_map(th->task, uaddr, virt_to_phys(u), L4_UTCB_SIZE, L4_FP_R | L4_FP_W, false)) {
		obj_free_extra(&th->o, u, L4_UTCB_SIZE);
		return -L4_ENOMEM;
	}
	th->utcb = u;
	th->utcb_uaddr = uaddr;
	th->frame.regs[REG_TP] = uaddr;        /* l4/ipc.h: l4_utcb() reads tp */
	return 0;
}

void thread_start(struct thread *th)
{
	kassert(th->task && th->state == L4_THREAD_INACTIVE);
	sched_make_ready(th);
}

void thread_stop(struct thread *th)
{
	if (th->state == L4_THREAD_BLOCKED) {
		bool exc = th->exc;
		ipc_cancel(th);
		/* An exception message is abandoned: restarted, the thread runs
		 * the faulting instruction again. */
		if (!exc)
			th->frame.regs[REG_A0] = (uint64_t)-L4_ECANCELED;
	} else if (th->state == L4_THREAD_READY) {
		sched_remove(th);
	}
	th->state = L4_THREAD_INACTIVE;
	/* No one will answer its caller any more. */
	ipc_drop_caller(th);
}

static long config(struct thread *caller, struct thread *th, const struct trapframe *f)
{
	uint64_t which = mr(f, 0);
	struct task *task = th->task;

	if (which & ~(uint64_t)L4_THREAD_CFG_ALL)
		return -L4_EINVAL;
	if (which & L4_THREAD_CFG_TASK) {
		struct obj *to;
		long err = invoke_arg(caller, mr(f, 1), L4_OBJ_TASK, L4_RIGHT_W, &to);
		if (err)
			return err;
		if (th->task)
			return -L4_EBUSY;
		task = (struct task *)to;
		if (task->o.dying || th->o.dying)
			return -L4_ECANCELED;   /* being destroyed (obj/object.h) */
	}
	if (((which & L4_THREAD_CFG_PAGER) && mr(f, 2) > L4_SEL_MAX) ||
	    ((which & L4_THREAD_CFG_EXC) && mr(f, 3) > L4_SEL_MAX))
		return -L4_EINVAL;
	uint64_t prio = mr(f, 5) & 0xff, max_prio = mr(f, 5) >> 8 & 0xff;
	if (which & L4_THREAD_CFG_PRIO) {
		if (mr(f, 5) >> 16)
			return -L4_EINVAL;
		if (prio > caller->max_prio || max_prio > caller->max_prio)
			return -L4_EPERM;
	}
	uintptr_t utcb = mr(f, 4);
	if (which & L4_THREAD_CFG_UTCB) {
		if (th->utcb)
			return -L4_EBUSY;
		if (!task || utcb % L4_UTCB_SIZE || !task_range_free(task, utcb, L4_UTCB_SIZE))
			return -L4_EINVAL;
	}

	/* Checked: now change things. Only the UTCB can still fail (memory),
	 * so it goes first and a failure leaves the thread as it was. */
	bool bind = (which & L4_THREAD_CFG_TASK) != 0;
	if (bind)
		thread_join_task(th, task);
	if (which & L4_THREAD_CFG_UTCB) {
		long err = thread_set_utcb(th, utcb);
		if (err) {
			if (bind)
				thread_leave_task(th);
			return err;
		}
	}
	if (which & L4_THREAD_CFG_PAGER)
		th->pager_sel = mr(f, 2);
	if (which & L4_THREAD_CFG_EXC)
		th->exc_sel = mr(f, 3);
	if (which & L4_THREAD_CFG_PRIO) {
		th->max_prio = (uint8_t)max_prio;
		sched_set_prio(th, (unsigned)prio);
	}
	return 0;
}

static long exregs(struct thread *th, struct trapframe *f)
{
	uint64_t flags = mr(f, 0), pc = mr(f, 1), sp = mr(f, 2), a0 = mr(f, 3);

	if (flags & ~(uint64_t)L4_EXREGS_ALL)
		return -L4_EINVAL;
	if ((flags & L4_EXREGS_START) && (flags & L4_EXREGS_STOP))
		return -L4_EINVAL;
	if (((flags & L4_EXREGS_SET_PC) && pc >= L4_USER_END) ||
	    ((flags & L4_EXREGS_SET_SP) && sp > L4_USER_END))
		return -L4_EINVAL;
	if ((flags & L4_EXREGS_START) && !th->task)
		return -L4_EINVAL;
	if ((flags & L4_EXREGS_START) && th->o.dying)
		return -L4_ECANCELED;   /* being destroyed (obj/object.h) */

	uint64_t old_pc = th->frame.regs[0], old_sp = th->frame.regs[REG_SP], old_state = th->state;
	uint64_t old_a0 = th->frame.regs[REG_A0];
	/* Changing the registers of a thread blocked in IPC ends that IPC:
	 * an ordinary one returns -L4_ECANCELED (or the a0 set below); an
	 * exception or page-fault message is abandoned, and the thread runs
	 * with the registers of its fault but those set here. */
	if (th->state == L4_THREAD_BLOCKED && (flags & (L4_EXREGS_SET_PC | L4_EXREGS_SET_SP | L4_EXREGS_SET_A0)))
		ipc_abandon(th);
	if (flags & L4_EXREGS_STOP)
		thread_stop(th);
	if (flags & L4_EXREGS_SET_PC) {
		th->frame.regs[0] = pc;
		th->resume.armed = false;       /* not the restart of what it was doing */
	}
	if (flags & L4_EXREGS_SET_SP)
		th->frame.regs[REG_SP] = sp;
	if (flags & L4_EXREGS_SET_A0)
		th->frame.regs[REG_A0] = a0;
	if ((flags & L4_EXREGS_START) && th->state == L4_THREAD_INACTIVE)
		thread_start(th);
	/* th may be the caller: write the results last, into its MRs. */
	set_mr(f, 0, old_pc);
	set_mr(f, 1, old_sp);
	set_mr(f, 2, old_state);
	set_mr(f, 3, old_a0);
	return 4;
}

static long bind(struct thread *caller, struct thread *th, uint64_t sel)
{
	if (sel == 0) {
		if (th->bound)
			notification_unbind(th->bound);
		return 0;
	}
	struct obj *no;
	long err = invoke_arg(caller, sel, L4_OBJ_NOTIFICATION, L4_RIGHT_R, &no);
	if (err)
		return err;
	struct notification *n = (struct notification *)no;
	if (th->bound || n->bound)
		return -L4_EBUSY;
	notification_bind(n, th);
	return 0;
}

/*
 * L4_THREAD_HART: th goes to hart MR0 (the KIP's numbering: 0 is the boot
 * hart), or stays where it is with L4_HART_QUERY; MR0 of the reply = the
 * hart it was on. A thread that moves itself gets its reply there.
 */
static long set_hart(struct thread *caller, struct thread *th, struct trapframe *f)
{
	uint64_t to = mr(f, 0);
	uint64_t was = th->home->index;

	if (to != L4_HART_QUERY && to >= smp_nharts)
		return -L4_EINVAL;
	set_mr(f, 0, was);
	if (to == L4_HART_QUERY || to == was)
		return 1;
	if (th->o.dying)
		return -L4_ECANCELED;
	if (th == caller) {
		/* The reply goes into the frame now: it runs on the other hart. */
		struct hart *h = this_hart();
		f->regs[REG_A0] = l4_tag(0, 1, 0);
		f->regs[REG_A7] = 0;
		h->current = NULL;
		smp_migrate(th, hart_at((unsigned)to));
		return 1;
	}
	smp_migrate(th, hart_at((unsigned)to));
	return 1;
}

static long thread_invoke(struct thread *caller, struct cap *c, uint64_t label, struct trapframe *f)
{
	struct thread *th = (struct thread *)cap_obj(c);
	long err;

	/* Another hart may be running it: there it stops, its registers in
	 * the frame and its FP state saved (it stays READY there). */
	if (th != caller)
		smp_pull(th);
	switch (label) {
	case L4_THREAD_HART:
		if ((err = invoke_check(f, c, mr(f, 0) == L4_HART_QUERY ? L4_RIGHT_R : L4_RIGHT_W, 1)))
			return err;
		return set_hart(caller, th, f);
	case L4_THREAD_CONFIG:
		if ((err = invoke_check(f, c, L4_RIGHT_W, 6)))
			return err;
		return config(caller, th, f);
	case L4_THREAD_EXREGS:
		if ((err = invoke_check(f, c, mr(f, 0) ? L4_RIGHT_R | L4_RIGHT_W : L4_RIGHT_R, 4)))
			return err;
		return exregs(th, f);
	case L4_THREAD_BIND:
		if ((err = invoke_check(f, c, L4_RIGHT_W, 1)))
			return err;
		return bind(caller, th, mr(f, 0));
	default:
		return invoke_bad_label(label, L4_OBJ_THREAD);
	}
}

/* Stop it and undo what refers to it: it never runs again (obj_types: quiesce). */
static bool thread_quiesce(struct obj *o, bool (*stop)(void))
{
	struct thread *th = (struct thread *)o;
	struct hart *h = th->home;

	smp_pull(th);
	obj_forget_destroyer(th);
	if (th->task)
		thread_leave_task(th);
	else
		thread_stop(th);
	if (th->bound)
		notification_unbind(th->bound);
	if (h->current == th)
		h->current = NULL;
	if (h->fpu_owner == th)
		h->fpu_owner = NULL;
	return true;
}

/* Everything was done by thread_quiesce. */
static bool thread_teardown(struct obj *o, bool (*stop)(void), struct mdb_cursor *mc)
{
	return true;
}

const struct obj_type thread_type = {
	.name = "thread",
	.size = sizeof(struct thread),
	.factory_made = true,
	.init = thread_init,
	.quiesce = thread_quiesce,
	.invoke = thread_invoke,
	.teardown = thread_teardown,
};

static const char *exc_name(uint64_t cause)
{
	static const char *const names[16] = {
		"instruction address misaligned", "instruction access fault", "illegal instruction",
		"breakpoint", "load address misaligned", "load access fault",
		"store address misaligned", "store access fault", "ecall from U-mode",
		"ecall from S-mode", "reserved", "reserved", "instruction page fault",
		"load page fault", "reserved", "store page fault",
	};
	return cause < 16 ? names[cause] : "unknown exception";
}

/* Why a page fault became an exception (l4/ipc.h, L4_EXC_R_*), for the stop line. */
static const char *fault_reason(uint64_t r)
{
	switch (l4_exc_reason(r)) {
	case L4_EXC_R_NO_PAGER: return " (no pager)";
	case L4_EXC_R_PAGER_REFUSED: return " (its pager refused it)";
	case L4_EXC_R_UNRESOLVED: return " (its pager's reply did not map the page)";
	case L4_EXC_R_PAGER_GONE: return " (its pager went away)";
	case L4_EXC_R_ACCESS: return " (the memory itself refuses the access)";
	case L4_EXC_R_NOT_SENT: return " (the fault could not be sent to its pager)";
	default: return "";
	}
}

/* The stop lines: 20 at once, then ten a second (lib/ratelimit.h). */
static struct ratelimit stop_lines = RATELIMIT_INIT(20);

void thread_fault(struct thread *th, const char *why)
{
	const struct trapframe *f = &th->frame;
	unsigned long missed;

	if (ratelimit_take(&stop_lines, timer_now(), sched_timebase / 10 + 1, &missed)) {
		if (missed)
			kprintf("l4rv: (%lu more stopped threads not shown)\n", missed);
		kprintf("l4rv: thread of task %s: %s (scause %lu)%s at pc %#lx, stval %#lx: stopped, %s\n",
			th->task->name, exc_name(f->scause), (unsigned long)f->scause, fault_reason(th->exc_reason),
			(unsigned long)f->regs[0], (unsigned long)f->stval, why);
	}
	thread_stop(th);
	th->exc = false;
	th->exc_reason = 0;
}
