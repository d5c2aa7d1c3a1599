/*
 * ipc/ipc.c - the general IPC path: the system call (ipc_sys) and one
 * function per phase (send, receive, reply; signal and wait are the
 * notification's, obj/notification.c). Each phase runs the checks of the
 * message on the sender's side (send_check) and the receiver's
 * (rcv_check, ipc/message.c), then the transfer, which cannot fail; who
 * runs next is schedule()'s business.
 */
#include "hart.h"
#include <arch/trapframe.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>

#include "ipc/internal.h"
#include "ipc/message.h"
#include "lib/captab.h"
#include "obj/endpoint.h"
#include "obj/irq.h"
#include "obj/notification.h"
#include "obj/task.h"
#include "syscall.h"

bool ipc_fastpath_on = true;

/* s's call reached r: r holds the reply right, s waits for the reply. */
static void become_caller(struct thread *s, struct thread *r, unsigned rcv_to)
{
	/* An earlier caller it never answered: there is one reply right. */
	ipc_drop_caller(r);
	r->caller = s;
	s->callee = r;
	block(s, IPC_REPLY, NULL, rcv_to);
}

long ipc_send(struct thread *th, struct endpoint *ep, const struct cap *c, bool call, unsigned snd_to,
	      unsigned rcv_to)
{
	uint64_t tag = msg_tag(th);
	bool grant = cap_rights(c) & L4_RIGHT_G;
	long err;

	if (!th->exc && (err = send_check(th, tag, grant)))
		return err;
	struct thread *r = ep->receivers.head;
	if (r) {
		if ((err = rcv_check(th, tag, r)))
			return err;
		unqueue(r);
		r->ipc = IPC_NONE;
		transfer(th, tag, r, c->badge);
		sched_make_ready(r);
		if (call)
			become_caller(th, r, rcv_to);
		else
			th->frame.regs[REG_A0] = 0;
		return 0;
	}
	if (timeout_is_zero(snd_to))
		return -L4_ETIMEDOUT;
	th->snd_cap = c;
	th->snd_call = call;
	th->rcv_to = (uint16_t)rcv_to;
	block(th, IPC_SEND, &ep->senders, snd_to);
	return 0;
}

/* What a queued sender's capability must still be when its message is
 * taken: a capability to ep with W, and G if the message has items. */
static long snd_recheck(const struct thread *s, const struct endpoint *ep, uint64_t tag)
{
	const struct cap *c = s->snd_cap;
	unsigned need = L4_RIGHT_W | (l4_tag_items(tag) ? L4_RIGHT_G : 0);

	if (!c->objr || cap_obj(c) != &ep->o)
		return -L4_EBADCAP;
	return (cap_rights(c) & need) == need ? 0 : -L4_EPERM;
}

static long do_recv(struct thread *th, struct endpoint *ep, unsigned rcv_to)
{
	if (th->bound && th->bound->bits) {
		notification_deliver(th, th->bound, L4_TAG_NOTIFY);
		return 0;
	}
	for (struct thread *s; (s = ep->senders.head);) {
		uint64_t tag = msg_tag(s);
		long err = snd_recheck(s, ep, tag);
		if (!err && !s->exc)
			err = check_items(s, tag);      /* its table may have changed */
		if (!err)
			err = rcv_check(s, tag, th);
		if (err) {
			ipc_wake(s, err);
			continue;
		}
		unqueue(s);
		transfer(s, tag, th, s->snd_cap->badge);
		if (s->snd_call) {
			become_caller(s, th, s->rcv_to);
		} else {
			s->ipc = IPC_NONE;
			s->frame.regs[REG_A0] = 0;
			sched_make_ready(s);
		}
		return 0;
	}
	if (timeout_is_zero(rcv_to))
		return -L4_ETIMEDOUT;
	block(th, IPC_RECV, &ep->receivers, rcv_to);
	return 0;
}

/* 1: no caller; 0: replied; < 0: error (the caller keeps waiting). */
static long do_reply(struct thread *th, uint64_t tag)
{
	struct thread *c = th->caller;
	long err;

	if (!c)
		return 1;
	if (c->exc)
		return fault_reply(th, tag, c);
	if ((err = send_check(th, tag, true)) || (err = rcv_check(th, tag, c)))
		return err;
	transfer(th, tag, c, 0);
	cancel(c);
	sched_make_ready(c);
	return 0;
}

/* The phases of an IPC whose syscall word ipc_sys has decoded: c (NULL for
 * a plain REPLY) has the object type `type` and the right the flags need. */
static void ipc_phases(struct thread *th, struct trapframe *f, struct cap *c, uint64_t flags, unsigned type,
		       unsigned snd_to, unsigned rcv_to)
{
	long err;

	if (flags & L4_IPC_REPLY) {
		uintptr_t objr = c ? c->objr : 0;      /* object and rights the receive was checked with */
		err = do_reply(th, f->regs[REG_A0]);
		if (err < 0)
			goto fail;
		if (!(flags & L4_IPC_RECV)) {
			if (err == 1) {
				err = -L4_EINVAL;       /* nothing to reply to */
				goto fail;
			}
			f->regs[REG_A0] = 0;
			return;
		}
		/* The reply's items may have granted the receive capability away
		 * (slot c empty now): then the receive phase has nothing to
		 * receive on. */
		if (c->objr != objr) {
			err = -L4_EBADCAP;
			goto fail;
		}
	}
	if (type == L4_OBJ_NOTIFICATION) {
		struct notification *n = (struct notification *)cap_obj(c);
		sys_general[0]++;
		if (flags & L4_IPC_SEND)
			notification_signal(th, n, c);
		else
			notification_wait(th, n, rcv_to);
		return;
	}
	struct endpoint *ep = (struct endpoint *)cap_obj(c);
	err = flags & L4_IPC_SEND ? ipc_send(th, ep, c, flags & L4_IPC_RECV, snd_to, rcv_to) : do_recv(th, ep, rcv_to);
	if (!err)
		return;
fail:
	f->regs[REG_A0] = (uint64_t)err;
}

/*
 * The two IPCs of every client-server exchange, done at once when they are
 * the common case: a call that finds a receiver waiting, and a reply to a
 * caller followed by a receive that blocks, with a plain message (words
 * only). What ipc_send / become_caller, or do_reply / do_recv, and then
 * schedule() would do, without the steps that cannot apply (no item to
 * check or move, no earlier caller to drop, the current thread in no run
 * queue), and the partner runs at once when
 * schedule() would pick it (sched_handoff). Whatever is not that case goes
 * to ipc_phases before anything has changed, and gives the same results
 * the same way (the tests run every case with the fast path off, which
 * goes here).
 */
/* th (blocked) gets its deadline, then `to` runs (out of line: the common
 * case, no timeout, calls nothing it must come back from). */
static __attribute__((noreturn, noinline)) void arm_and_handoff(struct thread *th, unsigned rcv_to,
								 struct thread *to)
{
	timeout_arm(th, rcv_to);
	sched_handoff(to);
}

static void ep_call(struct thread *th, struct trapframe *f, struct cap *c, unsigned snd_to, unsigned rcv_to)
{
	struct endpoint *ep = (struct endpoint *)cap_obj(c);
	uint64_t tag = f->regs[REG_A0];
	struct thread *r = ep->receivers.head;

	if (th->exc || !r || r->caller || !msg_plain_ok(th, tag, r)) {
		ipc_phases(th, f, c, L4_IPC_CALL, L4_OBJ_ENDPOINT, snd_to, rcv_to);
		return;
	}
	waitq_pop(&ep->receivers);
	if (r->timed)
		timeout_disarm(r);
	r->ipc = IPC_NONE;
	transfer_plain(th, tag, r, c->badge);
	/* become_caller; th is current, so in no run queue (sched.h). */
	r->caller = th;
	th->callee = r;
	th->state = L4_THREAD_BLOCKED;
	th->ipc = IPC_REPLY;
	if (rcv_to != L4_TIMEOUT_NEVER)
		arm_and_handoff(th, rcv_to, r);
	sched_handoff(r);
}

static void ep_reply_recv(struct thread *th, struct trapframe *f, struct cap *c, unsigned snd_to, unsigned rcv_to)
{
	struct endpoint *ep = (struct endpoint *)cap_obj(c);
	uint64_t tag = f->regs[REG_A0];
	struct thread *cl = th->caller;

	if (!cl || cl->exc || ep->senders.head || (th->bound && th->bound->bits) ||
	    timeout_is_zero(rcv_to) || !msg_plain_ok(th, tag, cl)) {
		ipc_phases(th, f, c, L4_IPC_REPLY | L4_IPC_RECV, L4_OBJ_ENDPOINT, snd_to, rcv_to);
		return;
	}
	transfer_plain(th, tag, cl, 0);
	/* cancel(cl): a caller waits for the reply in no queue, and one
	 * without exc has no pf. */
	if (cl->timed)
		timeout_disarm(cl);
	th->caller = NULL;
	cl->callee = NULL;
	cl->ipc = IPC_NONE;
	/* block(th, IPC_RECV, ...); th is current, so in no run queue. */
	th->state = L4_THREAD_BLOCKED;
	th->ipc = IPC_RECV;
	waitq_push(&ep->receivers, th);
	if (rcv_to != L4_TIMEOUT_NEVER)
		arm_and_handoff(th, rcv_to, cl);
	sched_handoff(cl);
}

#define IPC_FLAGS_OK (1u << (L4_IPC_SEND >> 4) | 1u << (L4_IPC_RECV >> 4) | 1u << (L4_IPC_CALL >> 4) | \
		      1u << (L4_IPC_REPLY >> 4) | 1u << (L4_IPC_REPLY_WAIT >> 4))

void ipc_sys(struct thread *th, struct trapframe *f)
{
	uint64_t word = f->regs[REG_A7];
	uint64_t flags = word & L4_IPC_FLAGS_MASK;
	uint64_t sel = word >> L4_SEL_SHIFT & L4_SEL_MAX;
	unsigned snd_to = (unsigned)(word >> L4_SND_TIMEOUT_SHIFT) & 0xffff;
	unsigned rcv_to = (unsigned)(word >> L4_RCV_TIMEOUT_SHIFT) & 0xffff;
	struct cap *c = NULL;
	unsigned type = L4_OBJ_NONE;
	long err = -L4_EINVAL;

	/* Flags: one of SEND, RECV, SEND|RECV, REPLY, REPLY|RECV (a bit each in
	 * IPC_FLAGS_OK); timeouts: bit 15 clear. */
	if (flags & L4_IPC_ACK) {
		/* The IRQ's ack first (a receive's only, not a send's), then
		 * the call as without the flag. */
		uint64_t rest = flags & ~L4_IPC_ACK;
		if (rest & ~(L4_IPC_SEND | L4_IPC_RECV | L4_IPC_REPLY) || !(IPC_FLAGS_OK >> (rest >> 4) & 1) ||
		    (rest & (L4_IPC_SEND | L4_IPC_RECV)) != L4_IPC_RECV ||
		    word & (0x8000UL << L4_SND_TIMEOUT_SHIFT | 0x8000UL << L4_RCV_TIMEOUT_SHIFT) ||
		    (err = irq_ack_utcb(th)))
			goto fail;
		flags = rest;
		err = -L4_EINVAL;
	}
	if (flags & ~(L4_IPC_SEND | L4_IPC_RECV | L4_IPC_REPLY) || !(IPC_FLAGS_OK >> (flags >> 4) & 1) ||
	    word & (0x8000UL << L4_SND_TIMEOUT_SHIFT | 0x8000UL << L4_RCV_TIMEOUT_SHIFT))
		goto fail;
	if (flags & (L4_IPC_SEND | L4_IPC_RECV)) {
		unsigned need;
		if (!(c = captab_lookup(&th->task->caps, sel))) {
			err = -L4_EBADCAP;
			goto fail;
		}
		switch ((type = cap_obj(c)->type)) {
		case L4_OBJ_ENDPOINT:
			/* A call receives its reply, not from the endpoint: W only. */
			need = flags & L4_IPC_SEND ? L4_RIGHT_W : L4_RIGHT_R;
			break;
		case L4_OBJ_NOTIFICATION:
			if (flags == L4_IPC_CALL)
				goto fail;
			need = flags & L4_IPC_SEND ? L4_RIGHT_W : L4_RIGHT_R;
			break;
		default:
			/* Kernel objects take calls only: anything else needs an
			 * endpoint or a notification. */
			if (flags != L4_IPC_CALL) {
				err = -L4_ETYPE;
				goto fail;
			}
			kobj_call(th, c, f);
			return;
		}
		if ((cap_rights(c) & need) != need) {
			err = -L4_EPERM;
			goto fail;
		}
		if (type == L4_OBJ_ENDPOINT && flags == L4_IPC_CALL) {
			ep_call(th, f, c, snd_to, rcv_to);
			return;
		}
		if (type == L4_OBJ_ENDPOINT && flags == (L4_IPC_REPLY | L4_IPC_RECV)) {
			ep_reply_recv(th, f, c, snd_to, rcv_to);
			return;
		}
	}
	ipc_phases(th, f, c, flags, type, snd_to, rcv_to);
	return;
fail:
	f->regs[REG_A0] = (uint64_t)err;
}
