/*
 * rm.c - the region mapper (l4/rm.h; the library interface is rm.h): the
 * regions and areas of one task, and the pager of its threads.
 *
 * A page fault at address a in region r: the mapper calls r's manager,
 * L4_DS_MAP(r.offset + page(a) - r.start, r.rights, access), with its
 * receive window set to the one faulting page of its own task (the task
 * the faulting thread runs in). Whatever the manager sends can land only
 * there. Then it replies to the fault without items: the page is there,
 * the kernel lets the thread retry. If the manager answers EEXIST (another
 * page is mapped there: e.g. the task got one by IPC), the mapper unmaps
 * its page and asks once more.
 *
 * Calls to managers (L4_DS_INFO at attach, L4_DS_MAP, L4_DS_RELEASE,
 * L4_DS_FREE) have the configured timeout on both phases, so a manager
 * that never answers holds the mapper for at most that long; with timeout
 * 0 the mapper waits for ever (and so do the task's other faults).
 */
#include <stdbool.h>
#include <stdint.h>

#include <l4/dataspace.h>
#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/sys.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/rm.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/task.h>

#include "rm.h"

#define PAGE 4096UL

/* ---- capability slots ---- */

static uint64_t slot_alloc(struct rm *rm)
{
	uint64_t n = rm->cfg.slot_hi - rm->cfg.slot_lo;

	for (uint64_t i = 0; i < n; i++)
		if (!(rm->slots[i / 64] >> (i % 64) & 1)) {
			rm->slots[i / 64] |= 1UL << (i % 64);
			return rm->cfg.slot_lo + i;
		}
	return 0;
}

static void slot_free(struct rm *rm, uint64_t sel)
{
	uint64_t i = sel - rm->cfg.slot_lo;

	l4_task_cap_delete(rm->cfg.task, sel);
	rm->slots[i / 64] &= ~(1UL << (i % 64));
}

/* ---- lookup ---- */

static struct rm_region *find(struct rm *rm, uint64_t a)
{
	unsigned lo = 0, hi = rm->nregions;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		struct rm_region *r = &rm->reg[mid];
		if (a < r->start)
			hi = mid;
		else if (a - r->start >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return 0;
}

static struct rm_area *find_area(struct rm *rm, uint64_t a)
{
	for (unsigned i = 0; i < rm->nareas; i++)
		if (a >= rm->area[i].start && a - rm->area[i].start < rm->area[i].size)
			return &rm->area[i];
	return 0;
}

static bool overlaps(uint64_t s, uint64_t n, uint64_t t, uint64_t m)
{
	return s < t + m && t < s + n;
}

/* The end of the first region (and, with areas, area) overlapping [s, s+n), or 0. */
static uint64_t obstacle(struct rm *rm, uint64_t s, uint64_t n, bool areas)
{
	for (unsigned i = 0; i < rm->nregions; i++)
		if (overlaps(s, n, rm->reg[i].start, rm->reg[i].size))
			return rm->reg[i].start + rm->reg[i].size;
	if (areas)
		for (unsigned i = 0; i < rm->nareas; i++)
			if (overlaps(s, n, rm->area[i].start, rm->area[i].size))
				return rm->area[i].start + rm->area[i].size;
	return 0;
}

/* A free range of n bytes aligned to 2^order in [lo, hi): its start, or 0. */
static uint64_t search(struct rm *rm, uint64_t lo, uint64_t hi, uint64_t n, unsigned order, bool areas)
{
	uint64_t align = 1UL << order;
	uint64_t c = (lo + align - 1) & ~(align - 1);

	while (c >= lo && c < hi && n <= hi - c) {
		uint64_t end = obstacle(rm, c, n, areas);
		if (!end)
			return c;
		c = (end + align - 1) & ~(align - 1);
	}
	return 0;
}

static bool range_ok(uint64_t a, uint64_t n)
{
	return a >= L4_USER_BASE && a < L4_USER_END && n <= L4_USER_END - a;
}

/* ---- managers ---- */

static long mgr_call(struct rm *rm, uint64_t ds, uint64_t label, unsigned words, struct l4_msg *m)
{
	unsigned to = rm->cfg.timeout_us ? l4_timeout_us(rm->cfg.timeout_us) : L4_TIMEOUT_NEVER;

	rm->cfg.utcb->rcv_caps = 0;     /* a manager's reply must not fill our receive slot */
	return l4_server_result(l4_ipc(l4_ipc_word(L4_IPC_CALL, ds, to, to), l4_tag(label, words, 0), m));
}

/* Unmap [s, s + n) of the task from itself (and whatever was derived from it). */
static void unmap_range(struct rm *rm, uint64_t s, uint64_t n)
{
	uint64_t e = s + n;

	while (s < e) {
		unsigned o = 12;
		while (o < L4_FP_ORDER_MAX && !(s & ((2UL << o) - 1)) && s + (2UL << o) <= e)
			o++;
		l4_task_unmap(rm->cfg.task, l4_fpage(s, o, L4_FP_RWX), L4_UNMAP_SELF);
		s += 1UL << o;
	}
}

#define RM_AROUND_ORDER 16
#define RM_AROUND (1UL << RM_AROUND_ORDER)     /* 64 KiB: 16 pages a fault at most */

static const char *access_name(unsigned a)
{
	return a == L4_FP_W ? "write" : a == L4_FP_X ? "execute" : "read";
}

/* ---- operations ---- */

static long fault(struct rm *rm, uint64_t mr0, uint64_t pc)
{
	uint64_t addr = l4_pf_addr(mr0), page = addr & ~(PAGE - 1);
	unsigned acc = l4_pf_access(mr0);
	struct rm_region *r = find(rm, addr);

	rm->faults++;
	if (!acc || (acc & (acc - 1)))
		acc = L4_FP_R;
	if (!r) {
		l4_log("rm %s: page fault at %#lx (%s, pc %#lx): outside every region\n", rm->cfg.name,
		       (unsigned long)addr, access_name(acc), (unsigned long)pc);
		rm->unresolved++;
		return -L4_ENOENT;
	}
	if (acc & ~r->rights) {
		l4_log("rm %s: page fault at %#lx (%s, pc %#lx): region [%#lx, %#lx) does not allow it\n", rm->cfg.name,
		       (unsigned long)addr, access_name(acc), (unsigned long)pc, (unsigned long)r->start,
		       (unsigned long)(r->start + r->size));
		rm->unresolved++;
		return -L4_EPERM;
	}
	long err = 0;
	/* A manager that maps around (L4_DS_F_AROUND) gets the RM_AROUND-aligned
	 * block holding the page as its window, if the region covers it: what
	 * it maps there saves the faults that would come. After an EEXIST
	 * (something else in the block) the page alone. */
	uint64_t win = page & ~(RM_AROUND - 1);
	int around = (r->ds_flags & L4_DS_F_AROUND) && win >= r->start && win + RM_AROUND <= r->start + r->size;
	for (int tries = 0; tries < 2; tries++, around = 0) {
		struct l4_msg m = { { r->offset + (page - r->start), r->rights, acc, r->offset + (win - r->start), RM_AROUND,
				      0 }, 0 };
		rm->cfg.utcb->rcv_mem = around ? l4_fpage(win, RM_AROUND_ORDER, 0) : l4_fpage(page, 12, 0);
		err = mgr_call(rm, r->ds, L4_DS_MAP, around ? 5 : 3, &m);
		rm->cfg.utcb->rcv_mem = 0;
		if (err != -L4_EEXIST)
			break;
		l4_task_unmap(rm->cfg.task, l4_fpage(page, 12, L4_FP_RWX), L4_UNMAP_SELF);
	}
	if (err) {
		l4_log("rm %s: page fault at %#lx (%s, pc %#lx): no page from the region's manager: %s\n", rm->cfg.name,
		       (unsigned long)addr, access_name(acc), (unsigned long)pc, l4_strerror(err));
		rm->unresolved++;
		return err;
	}
	rm->resolved++;
	return 0;
}

static long place(struct rm *rm, uint64_t *addr, uint64_t size, uint64_t flags, bool attach)
{
	unsigned order = (unsigned)((flags & L4_RM_ALIGN_MASK) >> L4_RM_ALIGN_SHIFT);
	uint64_t a = *addr;

	if (!order)
		order = 12;
	if (order < 12 || order > L4_FP_ORDER_MAX || !size || (size | a) & (PAGE - 1))
		return -L4_EINVAL;
	if (flags & L4_RM_SEARCH) {
		uint64_t lo = a > rm->cfg.search_lo ? a : rm->cfg.search_lo, hi = rm->cfg.search_hi;
		bool areas = true;
		if (flags & L4_RM_IN_AREA) {
			struct rm_area *ar = find_area(rm, a);
			if (!ar)
				return -L4_EINVAL;
			lo = ar->start;
			hi = ar->start + ar->size;
			areas = false;
		}
		a = search(rm, lo, hi, size, order, areas);
		if (!a)
			return -L4_ENOMEM;
		*addr = a;
		return 0;
	}
	if (!range_ok(a, size))
		return -L4_EINVAL;
	if (obstacle(rm, a, size, false))
		return -L4_EEXIST;
	if (attach && (flags & L4_RM_IN_AREA)) {
		struct rm_area *ar = find_area(rm, a);
		if (!ar || size > ar->start + ar->size - a)
			return -L4_EINVAL;
	} else if (obstacle(rm, a, size, true)) {
		return -L4_EEXIST;
	}
	return 0;
}

static long attach(struct rm *rm, unsigned words, const struct l4_msg *m, uint64_t cap, uint64_t *out)
{
	uint64_t addr = m->mr[0], size = m->mr[1], off = m->mr[2], flags = m->mr[3];
	unsigned rights = (unsigned)(flags & L4_RM_RIGHTS);
	struct l4_ds_info info;

	if (words < 4 || !cap || (flags & ~(L4_RM_RIGHTS | L4_RM_SEARCH | L4_RM_IN_AREA | L4_RM_ALIGN_MASK)) ||
	    !rights || (rights & (L4_FP_R | L4_FP_W)) == L4_FP_W || off & (PAGE - 1) || !size || size & (PAGE - 1))
		return -L4_EINVAL;
	if (rm->nregions == RM_MAX_REGIONS)
		return -L4_ENOMEM;
	struct l4_msg q = { { 0 }, 0 };
	long err = mgr_call(rm, cap, L4_DS_INFO, 0, &q);
	if (err)
		return err;
	info.size = q.mr[0];
	info.rights = (unsigned)q.mr[2];
	if (rights & ~info.rights)
		return -L4_EPERM;
	if (off >= info.size || size > info.size - off)
		return -L4_ERANGE;
	/* A manager that maps around: searched room 64 KiB-aligned like the
	 * offset, so that its aligned blocks are the faults' windows whole. */
	if ((flags & L4_RM_SEARCH) && !(flags & L4_RM_ALIGN_MASK) && (q.mr[1] & L4_DS_F_AROUND) && !(off & (RM_AROUND - 1)))
		flags |= (uint64_t)RM_AROUND_ORDER << L4_RM_ALIGN_SHIFT;
	if ((err = place(rm, &addr, size, flags, true)))
		return err;
	unsigned i = rm->nregions;
	while (i > 0 && rm->reg[i - 1].start > addr) {
		rm->reg[i] = rm->reg[i - 1];
		i--;
	}
	rm->reg[i] = (struct rm_region){ addr, size, off, cap, rights, (unsigned)q.mr[1] };
	rm->nregions++;
	*out = addr;
	return 0;
}

static long detach(struct rm *rm, unsigned words, struct l4_msg *m)
{
	uint64_t flags = m->mr[1];

	if (words < 2 || (flags & ~(L4_RM_DETACH_RELEASE | L4_RM_DETACH_FREE)) ||
	    flags == (L4_RM_DETACH_RELEASE | L4_RM_DETACH_FREE))
		return -L4_EINVAL;
	struct rm_region *r = find(rm, m->mr[0]);
	if (!r)
		return -L4_ENOENT;
	struct rm_region g = *r;
	unsigned i = (unsigned)(r - rm->reg);
	for (; i + 1 < rm->nregions; i++)
		rm->reg[i] = rm->reg[i + 1];
	rm->nregions--;
	unmap_range(rm, g.start, g.size);
	long mgr = 0;
	if (flags) {
		struct l4_msg q = { { g.offset, g.size, 0, 0, 0, 0 }, 0 };
		mgr = flags & L4_RM_DETACH_FREE ? mgr_call(rm, g.ds, L4_DS_FREE, 0, &q)
						: mgr_call(rm, g.ds, L4_DS_RELEASE, 2, &q);
	}
	slot_free(rm, g.ds);
	m->mr[0] = g.start;
	m->mr[1] = g.size;
	m->mr[2] = (uint64_t)mgr;
	return 0;
}

long rm_reserve(struct rm *rm, uint64_t addr, uint64_t size, uint64_t flags)
{
	if (flags & ~(L4_RM_SEARCH | L4_RM_ALIGN_MASK))
		return -L4_EINVAL;
	if (rm->nareas == RM_MAX_AREAS)
		return -L4_ENOMEM;
	long err = place(rm, &addr, size, flags, false);
	if (err)
		return err;
	unsigned i = rm->nareas;
	while (i > 0 && rm->area[i - 1].start > addr) {
		rm->area[i] = rm->area[i - 1];
		i--;
	}
	rm->area[i] = (struct rm_area){ addr, size };
	rm->nareas++;
	return (long)addr;
}

static long unreserve(struct rm *rm, uint64_t a)
{
	struct rm_area *ar = find_area(rm, a);

	if (!ar)
		return -L4_ENOENT;
	for (unsigned i = 0; i < rm->nregions; i++)
		if (overlaps(ar->start, ar->size, rm->reg[i].start, rm->reg[i].size))
			return -L4_EBUSY;
	unsigned i = (unsigned)(ar - rm->area);
	for (; i + 1 < rm->nareas; i++)
		rm->area[i] = rm->area[i + 1];
	rm->nareas--;
	return 0;
}

/* One request: the reply's tag; m gets the reply's words. *cap is the
 * capability the request brought (0 if none); set to 0 if it was kept. */
static uint64_t handle(struct rm *rm, uint64_t tag, struct l4_msg *m, uint64_t *cap)
{
	unsigned words = l4_tag_words(tag);
	long err = 0;
	unsigned n = 0;

	if (l4_tag_label(tag) != L4_LABEL_PAGEFAULT)
		rm->requests++;
	switch (l4_tag_label(tag)) {
	case L4_LABEL_PAGEFAULT:
		if (*cap || words < 2) {
			err = -L4_EINVAL;
			break;
		}
		err = fault(rm, m->mr[0], m->mr[1]);
		break;
	case L4_RM_ATTACH: {
		uint64_t a = 0;
		err = attach(rm, words, m, *cap, &a);
		if (!err) {
			*cap = 0;
			m->mr[0] = a;
			n = 1;
		}
		break;
	}
	case L4_RM_DETACH:
		err = *cap ? -L4_EINVAL : detach(rm, words, m);
		n = 3;
		break;
	case L4_RM_FIND: {
		struct rm_region *r = words < 1 || *cap ? 0 : find(rm, m->mr[0]);
		if (!r) {
			err = words < 1 || *cap ? -L4_EINVAL : -L4_ENOENT;
			break;
		}
		m->mr[0] = r->start;
		m->mr[1] = r->size;
		m->mr[2] = r->offset;
		m->mr[3] = r->rights;
		n = 4;
		break;
	}
	case L4_RM_RESERVE: {
		long a = words < 3 || *cap ? -L4_EINVAL : rm_reserve(rm, m->mr[0], m->mr[1], m->mr[2]);
		if (a < 0)
			err = a;
		m->mr[0] = (uint64_t)a;
		n = 1;
		break;
	}
	case L4_RM_UNRESERVE:
		err = words < 1 || *cap ? -L4_EINVAL : unreserve(rm, m->mr[0]);
		break;
	default:
		err = -L4_ENOSYS;
	}
	if (err) {
		if (l4_tag_label(tag) != L4_LABEL_PAGEFAULT)
			rm->errors++;
		return l4_tag((uint64_t)-err, 0, 0);
	}
	return l4_tag(0, n, 0);
}

void rm_init(struct rm *rm, const struct rm_config *cfg)
{
	rm->cfg = *cfg;
	if (rm->cfg.slot_hi - rm->cfg.slot_lo > RM_MAX_SLOTS)
		rm->cfg.slot_hi = rm->cfg.slot_lo + RM_MAX_SLOTS;
	if (!rm->cfg.name)
		rm->cfg.name = "?";
	rm->nregions = rm->nareas = 0;
	for (unsigned i = 0; i < RM_MAX_SLOTS / 64; i++)
		rm->slots[i] = 0;
	rm->rcv_slot = 0;
	rm->faults = rm->resolved = rm->unresolved = rm->requests = rm->errors = 0;
}

void rm_serve(struct rm *rm)
{
	struct l4_utcb *u = rm->cfg.utcb;
	struct l4_msg m = { { 0 }, 0 };
	uint64_t rtag = 0;
	uint64_t flags = L4_IPC_RECV;

	for (;;) {
		if (!rm->rcv_slot)
			rm->rcv_slot = slot_alloc(rm);
		u->rcv_caps = rm->rcv_slot ? l4_rcv_caps(rm->rcv_slot, 1) : 0;
		u->rcv_mem = 0;
		long tag = l4_ipc(l4_ipc_word(flags, rm->cfg.ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), rtag, &m);
		rtag = 0;
		if (tag < 0) {
			/* A failed reply (the caller went away, or its window): wait
			 * for the next message. A failed plain receive for lack of
			 * the endpoint: there is nothing left to serve. */
			if (flags == L4_IPC_REPLY_WAIT || (tag != -L4_EBADCAP && tag != -L4_ETYPE && tag != -L4_EPERM)) {
				flags = L4_IPC_RECV;
				continue;
			}
			return;
		}
		flags = L4_IPC_REPLY_WAIT;
		uint64_t cap = 0;
		if (l4_tag_items((uint64_t)tag) == 1 && rm->rcv_slot) {
			cap = rm->rcv_slot;     /* it landed in our one-slot window */
			rm->rcv_slot = 0;
		}
		rtag = handle(rm, (uint64_t)tag, &m, &cap);
		if (cap)
			slot_free(rm, cap);     /* brought but not kept */
	}
}
