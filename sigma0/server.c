/*
 * server.c - sigma0's protocol (l4/sigma0.h, docs/sigma0.md): a bitmap per
 * free RAM range says which pages are handed out; device ranges have a mask
 * each. The bitmaps live in the first pages of the largest free range (all
 * of it is mapped here, at its physical address), which sigma0 keeps.
 *
 * Page faults of the tasks sigma0 pages (the roottask) are answered the
 * classic way: the free page of RAM, or the device page, at the fault
 * address itself (virtual = physical), handed out like any other.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/mem.h>
#include <l4/serve.h>
#include <l4/sigma0.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include <common/string.h>

#include "server.h"

#define PAGE 4096UL
#define MAX_RANGES L4_KIP_MAX_MEM
#define DEV_MAX_PAGES 64

struct ram {
	uint64_t base, pages;
	uint64_t *used;         /* bit i: page i handed out (or sigma0's own) */
	uint64_t hint;          /* no free page below this one */
};

struct dev {
	uint64_t base, pages;   /* at most DEV_MAX_PAGES are managed */
	uint64_t used;
};

static struct ram ram[MAX_RANGES];
static struct dev dev[MAX_RANGES];
static unsigned nram, ndev;
static uint64_t kip_pa, own_lo, own_hi;         /* the KIP; sigma0's bitmaps */
static uint64_t dtb_pa, dtb_size;               /* the device tree (read-only, L4_SIGMA0_DTB) */
static uint64_t total_pages, free_pages;

static bool bit(const struct ram *r, uint64_t i)
{
	return r->used[i / 64] >> (i % 64) & 1;
}

static void set_bits(struct ram *r, uint64_t i, uint64_t n, bool on)
{
	for (uint64_t j = i; j < i + n; j++) {
		if (on)
			r->used[j / 64] |= 1UL << (j % 64);
		else
			r->used[j / 64] &= ~(1UL << (j % 64));
	}
}

/* Whether pages [i, i+n) of r are all free (on = false) or all used (on = true). */
static bool all(const struct ram *r, uint64_t i, uint64_t n, bool on)
{
	for (uint64_t j = i; j < i + n;) {
		uint64_t w = r->used[j / 64];
		if (j % 64 == 0 && j + 64 <= i + n && w == (on ? ~0UL : 0)) {
			j += 64;
			continue;
		}
		if (bit(r, j) != on)
			return false;
		j++;
	}
	return true;
}

static void setup(void)
{
	const struct l4_kip *k = l4_kip();
	uint64_t bytes = 0, biggest = 0;

	for (unsigned i = 0; i < k->nmem; i++) {
		const struct l4_kip_mem *m = &k->mem[i];
		if (m->kind == L4_KIP_MEM_FREE && nram < MAX_RANGES) {
			ram[nram] = (struct ram){ m->base, m->size / PAGE, 0, 0 };
			bytes += (ram[nram].pages + 63) / 64 * 8;
			if (ram[nram].pages > ram[biggest].pages)
				biggest = nram;
			nram++;
		} else if (m->kind == L4_KIP_MEM_DEVICE && ndev < MAX_RANGES) {
			dev[ndev++] = (struct dev){ m->base, m->size / PAGE, 0 };
		} else if (m->kind == L4_KIP_MEM_KIP) {
			kip_pa = m->base;
		} else if (m->kind == L4_KIP_MEM_DTB) {
			dtb_pa = m->base;
			dtb_size = m->size;
		}
	}
	/* The bitmaps: at the start of the biggest range, which keeps them. */
	uint64_t own = (bytes + PAGE - 1) / PAGE;
	if (!nram || own >= ram[biggest].pages) {
		l4_puts("sigma0: no free memory to manage");
		nram = 0;
		return;
	}
	uint64_t *p = (uint64_t *)ram[biggest].base;
	own_lo = ram[biggest].base;
	own_hi = own_lo + own * PAGE;
	for (unsigned i = 0; i < nram; i++) {
		ram[i].used = p;
		memset(p, 0, (ram[i].pages + 63) / 64 * sizeof(uint64_t));
		/* Bits past the end count as used, so word-wise checks stay simple. */
		for (uint64_t j = ram[i].pages; j % 64; j++)
			ram[i].used[j / 64] |= 1UL << (j % 64);
		p += (ram[i].pages + 63) / 64;
		total_pages += ram[i].pages;
	}
	set_bits(&ram[biggest], 0, own, true);
	ram[biggest].hint = own;
	total_pages -= own;
	free_pages = total_pages;
	l4_printf("sigma0: %lu KiB of RAM in %u ranges, %u device ranges, to hand out\n",
		  (unsigned long)(total_pages * 4), nram, ndev);
}

/* The RAM range holding all of [pa, pa + size), or NULL. */
static struct ram *ram_of(uint64_t pa, uint64_t size)
{
	for (unsigned i = 0; i < nram; i++)
		if (pa >= ram[i].base && pa + size <= ram[i].base + ram[i].pages * PAGE && pa + size > pa)
			return &ram[i];
	return NULL;
}

static struct dev *dev_of(uint64_t pa, uint64_t size)
{
	for (unsigned i = 0; i < ndev; i++) {
		uint64_t n = dev[i].pages < DEV_MAX_PAGES ? dev[i].pages : DEV_MAX_PAGES;
		if (pa >= dev[i].base && pa + size <= dev[i].base + n * PAGE && pa + size > pa)
			return &dev[i];
	}
	return NULL;
}

static bool order_ok(uint64_t order)
{
	return order >= 12 && order <= 30;
}

static long rights_of(uint64_t r)
{
	if (!r)
		return L4_FP_RWX;
	if (r & ~(uint64_t)L4_FP_RWX || (r & (L4_FP_R | L4_FP_W)) == L4_FP_W)
		return -L4_EINVAL;
	return (long)r;
}

/* Any free naturally aligned 2^order bytes of RAM: its address, or 0. */
static uint64_t take_any(unsigned order)
{
	uint64_t size = 1UL << order, n = size / PAGE;

	for (unsigned i = 0; i < nram; i++) {
		struct ram *r = &ram[i];
		uint64_t p = (((r->base + size - 1) & ~(size - 1)) - r->base) / PAGE;
		if (n == 1 && r->hint > p)
			p = r->hint;
		for (; p + n <= r->pages; p += n) {
			if (n == 1 && r->used[p / 64] == ~0UL) {
				p = (p | 63) + 1 - n;   /* the whole word is used */
				continue;
			}
			if (all(r, p, n, false)) {
				set_bits(r, p, n, true);
				if (n == 1)
					r->hint = p + 1;
				free_pages -= n;
				return r->base + p * PAGE;
			}
		}
	}
	return 0;
}

/* The bits of d's pages in [pa, pa + size) (inside the range's first 64 pages). */
static uint64_t dev_mask(const struct dev *d, uint64_t pa, uint64_t size)
{
	return (size / PAGE == 64 ? ~0UL : (1UL << (size / PAGE)) - 1) << ((pa - d->base) / PAGE);
}

/* Take [pa, pa + 2^order) if it is free RAM or a free device range. */
static long take(uint64_t pa, unsigned order, bool device)
{
	uint64_t size = 1UL << order;

	if (!order_ok(order) || pa & (size - 1))
		return -L4_EINVAL;
	if (device) {
		struct dev *d = dev_of(pa, size);
		if (!d)
			return -L4_EINVAL;
		uint64_t mask = dev_mask(d, pa, size);
		if (d->used & mask)
			return -L4_EBUSY;
		d->used |= mask;
		return 0;
	}
	struct ram *r = ram_of(pa, size);
	if (!r || (pa < own_hi && pa + size > own_lo))
		return -L4_EINVAL;
	uint64_t i = (pa - r->base) / PAGE;
	if (!all(r, i, size / PAGE, false))
		return -L4_EBUSY;
	set_bits(r, i, size / PAGE, true);
	free_pages -= size / PAGE;
	return 0;
}

static void untake(uint64_t pa, unsigned order, bool device)
{
	uint64_t size = 1UL << order;

	if (device) {
		struct dev *d = dev_of(pa, size);
		d->used &= ~dev_mask(d, pa, size);
		return;
	}
	struct ram *r = ram_of(pa, size);
	uint64_t i = (pa - r->base) / PAGE;
	set_bits(r, i, size / PAGE, false);
	if (i < r->hint)
		r->hint = i;
	free_pages += size / PAGE;
}

static long give_back(uint64_t pa, uint64_t order)
{
	uint64_t size = 1UL << order;

	if (!order_ok(order) || pa & (size - 1))
		return -L4_EINVAL;
	struct ram *r = ram_of(pa, size);
	struct dev *d = r ? NULL : dev_of(pa, size);
	if ((!r && !d) || (r && pa < own_hi && pa + size > own_lo))
		return -L4_EINVAL;
	if (r ? !all(r, (pa - r->base) / PAGE, size / PAGE, true) : (d->used & dev_mask(d, pa, size)) != dev_mask(d, pa, size))
		return -L4_ENOENT;
	/* Everyone who has it loses it; sigma0 keeps its own mapping. */
	long err = l4_task_unmap(L4_CAP_TASK, l4_fpage(pa, (unsigned)order, L4_FP_RWX), 0);
	if (err)
		return err;
	untake(pa, (unsigned)order, d != NULL);
	return 0;
}

/* What a request turns into: an error label, a mapping of [pa, 2^order), or result words. */
struct answer {
	long err;
	uint64_t pa, hotspot;
	unsigned order, rights;
	bool map, taken, device;
	unsigned nwords;                /* without a mapping: result words */
	uint64_t words[2];
};

static struct answer handle(uint64_t tag, const struct l4_msg *m)
{
	struct answer a = { .order = 12, .rights = L4_FP_RWX };
	uint64_t label = l4_tag_label(tag);
	unsigned words = l4_tag_words(tag);
	long r;

	if (tag & ~((L4_TAG_LABEL_MASK << L4_TAG_LABEL_SHIFT) | L4_TAG_WORDS_MASK))
		label = 0;      /* items or flags: no request of ours */
	switch (label) {
	case L4_LABEL_PAGEFAULT: {
		uint64_t addr = l4_pf_addr(m->mr[0]) & ~(PAGE - 1);
		a.device = dev_of(addr, PAGE) != NULL;
		a.rights = a.device ? L4_FP_R | L4_FP_W : L4_FP_RWX;
		a.err = words < 2 ? -L4_EINVAL : take(addr, 12, a.device);
		a.pa = a.hotspot = addr;
		a.map = a.taken = !a.err;
		return a;
	}
	case L4_SIGMA0_ALLOC:
		if (words < 2 || !order_ok(m->mr[0]) || (r = rights_of(m->mr[1])) < 0) {
			a.err = -L4_EINVAL;
			return a;
		}
		a.order = (unsigned)m->mr[0];
		a.rights = (unsigned)r;
		a.pa = a.hotspot = take_any(a.order);
		a.err = a.pa ? 0 : -L4_ENOMEM;
		a.map = a.taken = !a.err;
		return a;
	case L4_SIGMA0_PHYS:
	case L4_SIGMA0_DEVICE:
		a.device = label == L4_SIGMA0_DEVICE;
		if (words < (a.device ? 2U : 3U) || !order_ok(m->mr[1]) ||
		    (r = a.device ? L4_FP_R | L4_FP_W : rights_of(m->mr[2])) < 0) {
			a.err = -L4_EINVAL;
			return a;
		}
		a.order = (unsigned)m->mr[1];
		a.rights = (unsigned)r;
		a.pa = a.hotspot = m->mr[0];
		a.err = take(a.pa, a.order, a.device);
		a.map = a.taken = !a.err;
		return a;
	case L4_SIGMA0_KIP:
		a.pa = a.hotspot = kip_pa;
		a.rights = L4_FP_R;
		a.map = true;
		return a;
	case L4_SIGMA0_DTB: {
		uint64_t first = dtb_pa & ~(PAGE - 1), pages = (dtb_pa + dtb_size + PAGE - 1) / PAGE - first / PAGE;
		if (!dtb_size)
			a.err = -L4_ENOENT;
		else if (words < 1 || m->mr[0] >= pages)
			a.err = -L4_EINVAL;
		a.pa = a.hotspot = first + m->mr[0] * PAGE;
		a.rights = L4_FP_R;
		a.map = !a.err;
		return a;
	}
	case L4_SIGMA0_FREE:
		a.err = words < 2 ? -L4_EINVAL : give_back(m->mr[0], m->mr[1]);
		return a;
	case L4_SIGMA0_STATS:
		a.nwords = 2;
		a.words[0] = total_pages;
		a.words[1] = free_pages;
		return a;
	default:
		a.err = -L4_ENOSYS;
		return a;
	}
}

/* The answer being sent: l4_serve's undo needs it. */
static struct answer last;

static uint64_t reply(struct l4_server *s, uint64_t tag, struct l4_msg *m)
{
	(void)s;
	last = handle(tag, m);
	if (last.err)
		return l4_server_error(last.err);
	if (last.map) {
		m->mr[0] = last.pa;
		m->mr[1] = l4_item_mem(last.hotspot, 0);
		m->mr[2] = l4_fpage(last.pa, last.order, last.rights);
		/* A page fault's reply carries only the item (its words go nowhere). */
		return l4_tag(0, 1, 1);
	}
	for (unsigned i = 0; i < last.nwords; i++)
		m->mr[i] = last.words[i];
	return l4_tag(0, last.nwords, 0);
}

/* The mapping could not be made (the caller's window): it is not given. */
static void undo(struct l4_server *s)
{
	(void)s;
	if (last.map && last.taken)
		untake(last.pa, last.order, last.device);
}

__attribute__((noreturn)) void sigma0_serve(uint64_t ep)
{
	struct l4_server srv = { .ep = ep, .handle = reply, .undo = undo, .name = "sigma0" };

	setup();
	long err = l4_serve(&srv);
	/* Its endpoint capability is gone (only the own task, or whoever holds
	 * its task capability, can do that): nothing to serve any more. */
	l4_printf("sigma0: cannot receive on its endpoint (%s): stopping\n", l4_strerror(err));
	for (;;) {
		l4_thread_stop(L4_CAP_THREAD);  /* its own thread */
		l4_yield();                     /* that slot gone too: only its own priority runs */
	}
}
