/*
 * ipc/fault.c - faults and exceptions as IPC: a page or access fault
 * becomes a call to the thread's pager (ipc_fault), any other exception,
 * and a fault no pager resolved, a call to its exception handler
 * (ipc_exception); the replies resume the thread or stop it. And the
 * deferred work of a fault message that failed (ipc.h).
 */
#include <arch/fault.h>
#include "hart.h"

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>

#include "ipc/internal.h"
#include "ipc/message.h"
#include "lib/captab.h"
#include "obj/endpoint.h"
#include "obj/task.h"

uint64_t ipc_pf_general[2];

static const char *exc_failure(long err)
{
	switch (err) {
	case -L4_ECANCELED: return "its exception handler went away";
	case -L4_EMSGSIZE: return "its exception handler has no UTCB";
	default: return "its exception message failed";
	}
}

void ipc_run_deferred(struct hart *h, unsigned budget)
{
	for (struct thread *th; budget-- && (th = h->deferred.head);) {
		long err = th->defer_err;
		unqueue(th);            /* exc stays set: an exception message is what ends here */
		th->ipc = IPC_NONE;
		if (err)
			thread_fault(th, exc_failure(err));
		else
			ipc_exception(th, L4_EXC_R_PAGER_GONE);
	}
}

/* The endpoint capability sel of th's task names, with W; NULL if none. */
static struct cap *handler(struct thread *th, uint64_t sel)
{
	struct cap *c = captab_lookup(&th->task->caps, sel);

	return c && cap_obj(c)->type == L4_OBJ_ENDPOINT && (cap_rights(c) & L4_RIGHT_W) ? c : NULL;
}

void ipc_fault(struct thread *th, unsigned access, bool access_error)
{
	struct cap *c = handler(th, th->pager_sel);

	ipc_pf_general[0]++;
	/* An access fault where the page table allows the access (PMP): no pager can help. */
	if (access_error && space_allows(&th->task->space, arch_fault_addr(&th->frame), access)) {
		ipc_exception(th, L4_EXC_R_ACCESS);
		return;
	}
	if (!c) {
		ipc_exception(th, L4_EXC_R_NO_PAGER);
		return;
	}
	th->exc = true;
	th->pf = (uint8_t)access;
	long err = ipc_send(th, (struct endpoint *)cap_obj(c), c, true, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER);
	if (err) {
		th->exc = false;
		th->pf = 0;
		ipc_exception(th, L4_EXC_R_NOT_SENT);
	}
}

void ipc_exception(struct thread *th, uint64_t reason)
{
	struct cap *c = handler(th, th->exc_sel);
	long err;

	th->exc_reason = reason;
	if (!c) {
		thread_fault(th, "no exception handler");
		return;
	}
	th->exc = true;
	err = ipc_send(th, (struct endpoint *)cap_obj(c), c, true, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER);
	if (err)
		thread_fault(th, exc_failure(err));
}

/* The reply to an exception message: resume (maybe with new registers) or stop. */
static void exc_reply(struct thread *th, uint64_t tag, struct thread *c)
{
	ipc_cancel(c);
	if (l4_tag_label(tag)) {
		c->state = L4_THREAD_INACTIVE;
		ipc_drop_caller(c);
		return;
	}
	if (l4_tag_words(tag) >= 32)
		for (unsigned i = 0; i < 32; i++)
			c->frame.regs[i] = msg_word(th, i);
	sched_make_ready(c);
}

/* The pager's reply (its memory items already mapped): resume c if its
 * faulting access is possible now, else on to its exception handler. */
static void pf_reply(uint64_t tag, struct thread *c)
{
	unsigned access = c->pf;

	ipc_cancel(c);
	if (l4_tag_label(tag))
		ipc_exception(c, L4_EXC_R_PAGER_REFUSED | l4_tag_label(tag) << 32);
	else if (space_allows(&c->task->space, arch_fault_addr(&c->frame), access))
		sched_make_ready(c);
	else
		ipc_exception(c, L4_EXC_R_UNRESOLVED);
}

long fault_reply(struct thread *th, uint64_t tag, struct thread *c)
{
	long err;

	if (!c->pf) {
		if ((err = send_check(th, tag, false)))
			return err;
		exc_reply(th, tag, c);
		return 0;
	}
	ipc_pf_general[1]++;
	if ((err = send_check(th, tag, true)) || (err = rcv_check(th, tag, c)))
		return err;
	pf_reply(tag, c);
	return 0;
}
