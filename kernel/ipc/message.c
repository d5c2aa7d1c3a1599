/*
 * ipc/message.c - the checks of a message on the sender's side (send_check)
 * and the receiver's (rcv_items: UTCB, capability slots, the memory window,
 * which it maps), and its transfer, which cannot fail after both.
 */
#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>

#include "ipc/message.h"
#include "lib/captab.h"
#include "obj/task.h"

static void put_word(struct thread *r, unsigned i, uint64_t v)
{
	if (i < L4_MSG_REG_WORDS)
		r->frame.regs[REG_A1 + i] = v;
	else
		r->utcb->mr[i] = v;
}

static uint64_t item_type(const struct thread *s, uint64_t tag, unsigned k)
{
	return msg_word(s, l4_tag_words(tag) + 2 * k) & L4_ITEM_TYPE_MASK;
}

/* (message.h) Capability items name capabilities,
 * memory items are flexpages of user space (what they name is checked
 * against the receiver's window: mem_items). */
long check_items(const struct thread *s, uint64_t tag)
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

long send_check(const struct thread *s, uint64_t tag, bool may_grant)
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
long rcv_items(struct thread *s, uint64_t tag, struct thread *r)
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

void transfer(struct thread *s, uint64_t tag, struct thread *r, uint64_t badge)
{
	unsigned words = l4_tag_words(tag), items = l4_tag_items(tag), len = msg_len(tag);

	if (!s->exc && !items) {
		transfer_plain(s, tag, r, badge);
		return;
	}
	if (s->exc) {
		for (unsigned i = 0; i < words; i++)
			put_word(r, i, msg_word(s, i));
	} else {
		for (unsigned i = 0; i < words && i < L4_MSG_REG_WORDS; i++)
			r->frame.regs[REG_A1 + i] = s->frame.regs[REG_A1 + i];
		if (words > L4_MSG_REG_WORDS)
			mr_copy(&r->utcb->mr[L4_MSG_REG_WORDS], &s->utcb->mr[L4_MSG_REG_WORDS], words - L4_MSG_REG_WORDS);
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

