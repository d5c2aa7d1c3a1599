/*
 * ipc.c - the general IPC path (ipc.h): every phase, every check, every
 * kind of wait. Structure: decode (ipc_sys) -> checks of the message on the
 * sender's side (send_check) and the receiver's (rcv_check) -> the transfer,
 * which cannot fail -> who runs next is schedule()'s business.
 *
 * A message is read where its sender keeps it: the tag in a0, MR0..MR5 in
 * a1..a6 and the rest in the sender's UTCB; a queued sender's registers are
 * its saved frame, so a message waits in its sender, never in the kernel.
 * An exception message is made from the faulting thread's frame.
 */
#include <arch/csr.h>
#include <arch/hart.h>
#include <arch/trapframe.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>

#include "ipc.h"
#include "lib/kassert.h"
#include <common/string.h>
#include "obj/endpoint.h"
#include "obj/notification.h"
#include "obj/task.h"
#include "obj/thread.h"
#include "sched.h"
#include "syscall.h"

bool ipc_fastpath_on = true;
uint64_t ipc_pf_general[2];

#define REG_A1 (REG_A0 + 1)

/* ---- wait queues ---- */

static void waitq_push(struct waitq *q, struct thread *th)
{
	th->wq = q;
	th->wait_next = NULL;
	th->wait_prev = q->tail;
	if (q->tail)
		q->tail->wait_next = th;
	else
		q->head = th;
	q->tail = th;
}

/* A thread in no queue has wait_next = wait_prev = NULL: the fast path
 * (arch/riscv/fastpath.S) queues the current thread without storing them. */
static void waitq_remove(struct thread *th)
{
	struct waitq *q = th->wq;

	if (th->wait_prev)
		th->wait_prev->wait_next = th->wait_next;
	else
		q->head = th->wait_next;
	if (th->wait_next)
		th->wait_next->wait_prev = th->wait_prev;
	else
		q->tail = th->wait_prev;
	th->wq = NULL;
	th->wait_next = th->wait_prev = NULL;
}

/* ---- timeouts: a sorted list per hart ---- */

static bool timeout_is_zero(unsigned to)
{
	return (to & 0x3ff) == 0 && to != L4_TIMEOUT_NEVER;
}

static uint64_t timeout_ticks(unsigned to)
{
	uint64_t us = (uint64_t)(to & 0x3ff) << (to >> 10 & 0x1f);     /* < 2^41 */

	/* No overflow for timebases below 2^32 Hz, and no 128-bit division. */
	return us / 1000000 * sched_timebase + us % 1000000 * sched_timebase / 1000000;
}

static void timeout_arm(struct thread *th, unsigned to)
{
	struct hart *h = th->home;
	struct thread **pp = &h->timeouts, *prev = NULL;

	if (to == L4_TIMEOUT_NEVER)
		return;
	th->deadline = rdtime() + timeout_ticks(to);
	while (*pp && (*pp)->deadline <= th->deadline) {
		prev = *pp;
		pp = &prev->to_next;
	}
	th->to_next = *pp;
	th->to_prev = prev;
	if (*pp)
		(*pp)->to_prev = th;
	*pp = th;
	th->timed = true;
	if (h->timeouts == th)
		sched_timer_program(h);
}

/* A timer programmed for a removed deadline only fires early: harmless. */
static void timeout_disarm(struct thread *th)
{
	if (!th->timed)
		return;
	if (th->to_prev)
		th->to_prev->to_next = th->to_next;
	else
		th->home->timeouts = th->to_next;
	if (th->to_next)
		th->to_next->to_prev = th->to_prev;
	th->to_next = th->to_prev = NULL;
	th->timed = false;
}

void ipc_expire(struct hart *h, uint64_t now)
{
	while (h->timeouts && h->timeouts->deadline <= now)
		ipc_wake(h->timeouts, -L4_ETIMEDOUT);
}

/* ---- blocking and waking ---- */

static void block(struct thread *th, unsigned what, struct waitq *q, unsigned to)
{
	sched_remove(th);
	th->state = L4_THREAD_BLOCKED;
	th->ipc = (uint8_t)what;
	if (q)
		waitq_push(q, th);
	timeout_arm(th, to);
}

/* Out of its queue and off the timeout list; everything else stays. */
static void unqueue(struct thread *th)
{
	if (th->wq)
		waitq_remove(th);
	timeout_disarm(th);
}

void ipc_cancel(struct thread *th)
{
	unqueue(th);
	if (th->ipc == IPC_REPLY && th->callee) {
		th->callee->caller = NULL;
		th->callee = NULL;
	}
	th->ipc = IPC_NONE;
	th->exc = false;
	th->pf = 0;
}

static const char *exc_failure(long err)
{
	switch (err) {
	case -L4_ECANCELED: return "its exception handler went away";
	case -L4_EMSGSIZE: return "its exception handler has no UTCB";
	default: return "its exception message failed";
	}
}

void ipc_wake(struct thread *th, long err)
{
	kassert(th->state == L4_THREAD_BLOCKED);
	if (th->ipc == IPC_DEFER)
		return;         /* its IPC has ended already */
	if (th->exc) {
		/* A page fault goes on to the exception handler, a failed
		 * exception message stops the thread: later (ipc.h). */
		struct hart *h = th->home;
		bool pf = th->pf != 0;
		ipc_cancel(th);
		th->exc = true;         /* stopped meanwhile, it runs the instruction again */
		th->defer_err = pf ? 0 : (int32_t)err;
		th->ipc = IPC_DEFER;
		waitq_push(&h->deferred, th);
		return;
	}
	ipc_cancel(th);
	th->frame.regs[REG_A0] = (uint64_t)err;
	sched_make_ready(th);
}

void ipc_abandon(struct thread *th)
{
	kassert(th->state == L4_THREAD_BLOCKED);
	if (!th->exc) {
		ipc_wake(th, -L4_ECANCELED);
		return;
	}
	ipc_cancel(th);
	sched_make_ready(th);
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

void ipc_drop_caller(struct thread *th)
{
	if (th->caller)
		ipc_wake(th->caller, -L4_ECANCELED);
}

/* ---- messages ---- */

static uint64_t msg_tag(const struct thread *s)
{
	if (s->pf)
		return l4_tag(L4_LABEL_PAGEFAULT, L4_PF_WORDS, 0);
	return s->exc ? l4_tag(L4_LABEL_EXCEPTION, L4_EXC_WORDS, 0) : s->frame.regs[REG_A0];
}

/* The access a page or access fault wanted (L4_FP_R/W/X). */
static unsigned fault_access(uint64_t scause)
{
	switch (scause) {
	case EXC_INSN_PAGE_FAULT: case EXC_INSN_ACCESS: return L4_FP_X;
	case EXC_LOAD_PAGE_FAULT: case EXC_LOAD_ACCESS: return L4_FP_R;
	default: return L4_FP_W;
	}
}

static uint64_t msg_word(const struct thread *s, unsigned i)
{
	if (s->pf)
		return i == 0 ? (s->frame.stval & ~7UL) | s->pf : s->frame.regs[0];
	if (s->exc)
		return i < 32 ? s->frame.regs[i] : i == L4_EXC_SCAUSE ? s->frame.scause :
		       i == L4_EXC_STVAL ? s->frame.stval : s->exc_reason;
	return i < L4_MSG_REG_WORDS ? s->frame.regs[REG_A1 + i] : s->utcb->mr[i];
}

static void put_word(struct thread *r, unsigned i, uint64_t v)
{
	if (i < L4_MSG_REG_WORDS)
		r->frame.regs[REG_A1 + i] = v;
	else
		r->utcb->mr[i] = v;
}

static unsigned msg_len(uint64_t tag)
{
	return l4_tag_words(tag) + L4_ITEM_WORDS * l4_tag_items(tag);
}

static uint64_t item_type(const struct thread *s, uint64_t tag, unsigned k)
{
	return msg_word(s, l4_tag_words(tag) + 2 * k) & L4_ITEM_TYPE_MASK;
}

/* The sender's items are well-formed: capability items name capabilities,
 * memory items are flexpages of user space (what they name is checked
 * against the receiver's window: mem_items). */
static long check_items(const struct thread *s, uint64_t tag)
{
	unsigned words = l4_tag_words(tag), items = l4_tag_items(tag);

	for (unsigned k = 0; k < items; k++) {
		uint64_t w0 = msg_word(s, words + 2 * k), sel = msg_word(s, words + 2 * k + 1);
		if ((w0 & L4_ITEM_TYPE_MASK) == L4_ITEM_MEM) {
			if (w0 & 0xfe0 || !l4_fpage_ok(sel) || (l4_fpage_rights(sel) & (L4_FP_R | L4_FP_W)) == L4_FP_W)
				return -L4_EINVAL;
			continue;
		}
		if ((w0 & L4_ITEM_TYPE_MASK) != L4_ITEM_CAP ||
		    w0 & ~(L4_ITEM_TYPE_MASK | L4_ITEM_GRANT | (uint64_t)L4_RIGHTS_ALL << L4_ITEM_RIGHTS_SHIFT))
			return -L4_EINVAL;
		const struct cap *c = captab_lookup(&s->task->caps, sel);
		if (!c)
			return -L4_EBADCAP;
		if (!(w0 & L4_ITEM_GRANT) && cap_obj(c)->dying)
			return -L4_ECANCELED;   /* being destroyed: no new copies (obj/object.h) */
		/* A capability granted away cannot be named by another item. */
		for (unsigned j = 0; j < items; j++) {
			uint64_t wj = msg_word(s, words + 2 * j);
			if (j != k && (wj & L4_ITEM_TYPE_MASK) == L4_ITEM_CAP && msg_word(s, words + 2 * j + 1) == sel &&
			    ((w0 | wj) & L4_ITEM_GRANT))
				return -L4_EINVAL;
		}
	}
	return 0;
}

/* The sender's own checks of its message; may_grant: items allowed. */
static long send_check(const struct thread *s, uint64_t tag, bool may_grant)
{
	unsigned words = l4_tag_words(tag), len = msg_len(tag);

	if (tag >> 48 || tag & L4_TAG_FLAGS_MASK)
		return -L4_EINVAL;
	if (words > L4_MSG_WORDS || len > L4_MSG_WORDS || (len > L4_MSG_REG_WORDS && !s->utcb))
		return -L4_EMSGSIZE;
	if (l4_tag_items(tag) && !may_grant)
		return -L4_EPERM;
	return check_items(s, tag);
}

/* Where the memory item (w0, fp) lands in the window `win` (l4/mem.h). */
static long mem_place(uint64_t w0, uint64_t fp, uint64_t win, struct space_xfer *x)
{
	unsigned f = l4_fpage_order(fp), w = l4_fpage_order(win);
	uint64_t hot = w0 & ~0xfffUL;

	if (f <= w) {
		x->src = l4_fpage_base(fp);
		x->dst = l4_fpage_base(win) + ((hot & ((1UL << w) - 1)) & ~((1UL << f) - 1));
		x->order = f;
	} else {
		x->src = l4_fpage_base(fp) + ((hot & ((1UL << f) - 1)) & ~((1UL << w) - 1));
		x->dst = l4_fpage_base(win);
		x->order = w;
	}
	x->rights = l4_fpage_rights(fp);
	x->grant = w0 & L4_ITEM_GRANT;
	if (x->dst < L4_USER_BASE)
		return -L4_EINVAL;      /* below user space: the null page, the KIP */
	return 0;
}

/*
 * Map (or grant) s's memory items into r's window `win`: all of them or
 * none. The last step of rcv_check: once it succeeds, nothing can fail.
 */
static long mem_items(struct thread *s, uint64_t tag, struct thread *r, uint64_t win)
{
	unsigned words = l4_tag_words(tag), items = l4_tag_items(tag), n = 0;
	struct space_xfer x[L4_MSG_WORDS / L4_ITEM_WORDS];
	unsigned budget = L4_MAP_MAX_PAGES;     /* the pages the message's work may touch */
	long err;

	for (unsigned k = 0; k < items; k++) {
		uint64_t w0 = msg_word(s, words + 2 * k);
		if ((w0 & L4_ITEM_TYPE_MASK) != L4_ITEM_MEM)
			continue;
		x[n].from = &s->task->space;
		x[n].to = &r->task->space;
		x[n].budget = &budget;
		if ((err = mem_place(w0, msg_word(s, words + 2 * k + 1), win, &x[n])) || (err = space_check(&x[n])))
			return err;
		n++;
	}
	budget = L4_MAP_MAX_PAGES;
	for (unsigned i = 0; i < n; i++) {
		if ((err = space_install(&x[i]))) {
			for (unsigned j = 0; j <= i; j++)
				space_undo(&x[j]);
			return err;
		}
	}
	for (unsigned i = 0; i < n; i++)
		space_commit(&x[i]);
	return 0;
}

/*
 * Whether r can take s's message: UTCB for long messages, slots for
 * capability items, the window for memory items, which this maps (so it
 * comes last: after it nothing may fail). A thread waiting for its pager's
 * reply takes memory items only, into all of its user space; the words go
 * nowhere.
 */
static long rcv_items(struct thread *s, uint64_t tag, struct thread *r)
{
	unsigned items = l4_tag_items(tag), ncap = 0, nmem = 0;

	for (unsigned k = 0; k < items; k++) {
		if (item_type(s, tag, k) == L4_ITEM_CAP)
			ncap++;
		else
			nmem++;
	}
	if (r->pf)
		return ncap ? -L4_EINVAL : nmem ? mem_items(s, tag, r, L4_FP_ALL_SPACE) : 0;
	if (msg_len(tag) > L4_MSG_REG_WORDS && !r->utcb)
		return -L4_EMSGSIZE;
	if (!items)
		return 0;
	if (!r->utcb)
		return -L4_ENOSLOT;
	uint64_t win = r->utcb->rcv_caps, base = win & L4_SEL_MAX;
	if (ncap > (win >> 32 & 0xffff))
		return -L4_ENOSLOT;
	for (unsigned k = 0; k < ncap; k++) {
		struct cap *slot = captab_slot(&r->task->caps, base + k);
		if (!slot)
			return -L4_ENOSLOT;
		if (slot->objr)
			return -L4_EEXIST;
	}
	if (!nmem)
		return 0;
	if (!l4_fpage_ok(r->utcb->rcv_mem))
		return -L4_ENOSLOT;
	return mem_items(s, tag, r, r->utcb->rcv_mem);
}

/* The common message without items stays cheap: no call, no registers saved. */
static inline long rcv_check(struct thread *s, uint64_t tag, struct thread *r)
{
	if (!l4_tag_items(tag))
		return msg_len(tag) > L4_MSG_REG_WORDS && !r->utcb && !r->pf ? -L4_EMSGSIZE : 0;
	return rcv_items(s, tag, r);
}

/* Copy the checked message from s to r: words, items, tag and badge. */
static void transfer(struct thread *s, uint64_t tag, struct thread *r, uint64_t badge)
{
	unsigned words = l4_tag_words(tag), items = l4_tag_items(tag), len = msg_len(tag);

	if (s->exc) {
		for (unsigned i = 0; i < words; i++)
			put_word(r, i, msg_word(s, i));
	} else {
		for (unsigned i = 0; i < words && i < L4_MSG_REG_WORDS; i++)
			r->frame.regs[REG_A1 + i] = s->frame.regs[REG_A1 + i];
		if (words > L4_MSG_REG_WORDS)
			memcpy(&r->utcb->mr[L4_MSG_REG_WORDS], &s->utcb->mr[L4_MSG_REG_WORDS],
			       (words - L4_MSG_REG_WORDS) * sizeof(uint64_t));
	}
	for (unsigned k = 0, ncap = 0; k < items; k++) {
		uint64_t w0 = msg_word(s, words + 2 * k);
		if ((w0 & L4_ITEM_TYPE_MASK) == L4_ITEM_MEM) {
			struct space_xfer x;
			uint64_t fp = msg_word(s, words + 2 * k + 1);
			mem_place(w0, fp, r->utcb->rcv_mem, &x);
			put_word(r, words + 2 * k, L4_ITEM_MEM | (w0 & L4_ITEM_GRANT) | x.dst);
			put_word(r, words + 2 * k + 1, l4_fpage(x.dst, x.order, x.rights));
			continue;
		}
		struct cap *src = captab_lookup(&s->task->caps, msg_word(s, words + 2 * k + 1));
		uint64_t sel = (r->utcb->rcv_caps & L4_SEL_MAX) + ncap++;
		struct cap *dst = captab_slot(&r->task->caps, sel);
		unsigned rights = cap_rights(src) & (unsigned)(w0 >> L4_ITEM_RIGHTS_SHIFT);
		if (w0 & L4_ITEM_GRANT) {
			cap_move(dst, src);
			cap_restrict(dst, ~rights & CAP_RIGHTS_MASK);
		} else {
			cap_derive(dst, src, rights, src->badge);
		}
		put_word(r, words + 2 * k, L4_ITEM_CAP | (w0 & L4_ITEM_GRANT) | (uint64_t)rights << L4_ITEM_RIGHTS_SHIFT);
		put_word(r, words + 2 * k + 1, sel);
	}
	for (unsigned i = len; i < L4_MSG_REG_WORDS; i++)
		r->frame.regs[REG_A1 + i] = 0;
	r->frame.regs[REG_A0] = tag;
	r->frame.regs[REG_A7] = badge;
}

/* s's call reached r: r holds the reply right, s waits for the reply. */
static void become_caller(struct thread *s, struct thread *r, unsigned rcv_to)
{
	/* An earlier caller it never answered: there is one reply right. */
	ipc_drop_caller(r);
	r->caller = s;
	s->callee = r;
	block(s, IPC_REPLY, NULL, rcv_to);
}

/* ---- phases ---- */

static long do_send(struct thread *th, struct endpoint *ep, const struct cap *c, bool call,
		    unsigned snd_to, unsigned rcv_to)
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

/* r takes n's bits; `flags`: L4_TAG_NOTIFY when it was an endpoint receive. */
static void notify_deliver(struct thread *r, struct notification *n, uint64_t flags)
{
	for (unsigned i = 0; i < L4_MSG_REG_WORDS; i++)
		r->frame.regs[REG_A1 + i] = 0;
	r->frame.regs[REG_A0] = flags;
	r->frame.regs[REG_A7] = n->bits;
	n->bits = 0;
}

/* What a queued sender's capability must still be when its message is
 * taken: a capability to ep with W, and G if the message has items. */
static long snd_recheck(const struct thread *s, const struct endpoint *ep, uint64_t tag)
{
	const struct cap *c = s->snd_cap;
	unsigned need = L4_RIGHT_W | (l4_tag_items(tag) ? L4_RIGHT_G : 0);

	if (!c->objr || cap_obj(c) != &ep->o.k)
		return -L4_EBADCAP;
	return (cap_rights(c) & need) == need ? 0 : -L4_EPERM;
}

static long do_recv(struct thread *th, struct endpoint *ep, unsigned rcv_to)
{
	if (th->bound && th->bound->bits) {
		notify_deliver(th, th->bound, L4_TAG_NOTIFY);
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

/* Whether c's faulting access is now possible. */
static bool fault_resolved(struct thread *c)
{
	uint64_t size;
	struct mapping *m;
	pte_t *p = space_lookup(&c->task->space, c->frame.stval, &size, &m);
	pte_t need = (pte_t)fault_access(c->frame.scause) << 1 | PTE_U;

	return p && (*p & need) == need;
}

/* The pager's reply (its memory items already mapped): resume c, or on to its exception handler. */
static void pf_reply(uint64_t tag, struct thread *c)
{
	ipc_cancel(c);
	if (l4_tag_label(tag))
		ipc_exception(c, L4_EXC_R_PAGER_REFUSED | l4_tag_label(tag) << 32);
	else if (fault_resolved(c))
		sched_make_ready(c);
	else
		ipc_exception(c, L4_EXC_R_UNRESOLVED);
}

/* 1: no caller; 0: replied; < 0: error (the caller keeps waiting). */
static long do_reply(struct thread *th, uint64_t tag)
{
	struct thread *c = th->caller;
	long err;

	if (!c)
		return 1;
	if (c->exc) {
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
	if ((err = send_check(th, tag, true)) || (err = rcv_check(th, tag, c)))
		return err;
	transfer(th, tag, c, 0);
	ipc_cancel(c);
	sched_make_ready(c);
	return 0;
}

static long do_signal(struct thread *th, struct notification *n, const struct cap *c, uint64_t tag)
{
	uint64_t bits = c->badge;

	if (tag >> 48 || tag & L4_TAG_FLAGS_MASK || l4_tag_items(tag))
		return -L4_EINVAL;
	if (!bits) {
		if (l4_tag_words(tag) < 1)
			return -L4_EINVAL;
		bits = th->frame.regs[REG_A1];
	}
	th->frame.regs[REG_A0] = 0;
	n->bits |= bits;
	if (!n->bits)
		return 0;
	struct thread *w = n->waiters.head, *b = n->bound;
	if (w) {
		ipc_cancel(w);
		notify_deliver(w, n, 0);
		sched_make_ready(w);
	} else if (b && b->state == L4_THREAD_BLOCKED && b->ipc == IPC_RECV) {
		ipc_cancel(b);
		notify_deliver(b, n, L4_TAG_NOTIFY);
		sched_make_ready(b);
	}
	return 0;
}

static long do_wait(struct thread *th, struct notification *n, unsigned rcv_to)
{
	if (n->bits) {
		notify_deliver(th, n, 0);
		return 0;
	}
	if (timeout_is_zero(rcv_to))
		return -L4_ETIMEDOUT;
	block(th, IPC_NOTIFY, &n->waiters, rcv_to);
	return 0;
}

/* ---- the system call ---- */

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

	if (!flags || flags & ~(L4_IPC_SEND | L4_IPC_RECV | L4_IPC_REPLY) ||
	    (flags & (L4_IPC_SEND | L4_IPC_REPLY)) == (L4_IPC_SEND | L4_IPC_REPLY) || (snd_to | rcv_to) & 0x8000)
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
	}
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
	if (type == L4_OBJ_ENDPOINT) {
		struct endpoint *ep = (struct endpoint *)cap_obj(c);
		err = flags & L4_IPC_SEND ? do_send(th, ep, c, flags & L4_IPC_RECV, snd_to, rcv_to)
					  : do_recv(th, ep, rcv_to);
	} else {
		struct notification *n = (struct notification *)cap_obj(c);
		err = flags & L4_IPC_SEND ? do_signal(th, n, c, f->regs[REG_A0]) : do_wait(th, n, rcv_to);
	}
	if (!err)
		return;
fail:
	f->regs[REG_A0] = (uint64_t)err;
}

void ipc_fault(struct thread *th)
{
	uint64_t cause = th->frame.scause;
	struct cap *c = captab_lookup(&th->task->caps, th->pager_sel);

	ipc_pf_general[0]++;
	/* An access fault where the page table allows the access (PMP): no pager can help. */
	if ((cause == EXC_INSN_ACCESS || cause == EXC_LOAD_ACCESS || cause == EXC_STORE_ACCESS) && fault_resolved(th)) {
		ipc_exception(th, L4_EXC_R_ACCESS);
		return;
	}
	if (!c || cap_obj(c)->type != L4_OBJ_ENDPOINT || !(cap_rights(c) & L4_RIGHT_W)) {
		ipc_exception(th, L4_EXC_R_NO_PAGER);
		return;
	}
	th->exc = true;
	th->pf = (uint8_t)fault_access(cause);
	long err = do_send(th, (struct endpoint *)cap_obj(c), c, true, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER);
	if (err) {
		th->exc = false;
		th->pf = 0;
		ipc_exception(th, L4_EXC_R_NOT_SENT);
	}
}

void ipc_exception(struct thread *th, uint64_t reason)
{
	struct cap *c = captab_lookup(&th->task->caps, th->exc_sel);
	long err;

	th->exc_reason = reason;
	if (!c || cap_obj(c)->type != L4_OBJ_ENDPOINT || !(cap_rights(c) & L4_RIGHT_W)) {
		thread_fault(th, "no exception handler");
		return;
	}
	th->exc = true;
	err = do_send(th, (struct endpoint *)cap_obj(c), c, true, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER);
	if (err)
		thread_fault(th, exc_failure(err));
}
