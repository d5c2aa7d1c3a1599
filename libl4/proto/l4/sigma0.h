/*
 * l4/sigma0.h - the protocol of sigma0, the root pager (docs/sigma0.md).
 *
 * sigma0 owns, mapped at their physical addresses, all RAM that was free
 * when the boot tasks started, the device registers the kernel found and
 * does not keep, and the KIP; the KIP's memory descriptors (L4_KIP_MEM_FREE,
 * L4_KIP_MEM_DEVICE, L4_KIP_MEM_KIP) list them. It hands each page of
 * memory and devices out once, as a memory item mapped into the caller's
 * receive window (l4_utcb.rcv_mem, l4/mem.h), until the page is given back.
 *
 * Requests are calls on sigma0's endpoint (the roottask's L4_CAP_SIGMA0).
 * Reply label 0 is success; otherwise the label is an L4_Exxx code and
 * nothing was mapped. A successful reply has 1 word, MR0 = the physical
 * address, and one memory item (MR1, MR2) saying where it landed.
 *
 * L4_SIGMA0_ALLOC:  MR0 = order (12..30: 4 KiB .. 1 GiB), MR1 = rights
 *                   (L4_FP_*; 0 = read-write-execute): any free RAM page of
 *                   that size, naturally aligned. ENOMEM: none left of that
 *                   size; EINVAL: another order or bad rights.
 * L4_SIGMA0_PHYS:   MR0 = physical address, MR1 = order (12..30), MR2 =
 *                   rights: that page. EINVAL: misaligned, bad order or
 *                   rights, or not all of it free RAM of sigma0's; EBUSY:
 *                   some of it is given out.
 * L4_SIGMA0_DEVICE: MR0 = physical address, MR1 = order: device registers
 *                   (read-write). EINVAL: not all inside one device range;
 *                   EBUSY: given out.
 * L4_SIGMA0_KIP:    the KIP page, read-only; any number of times.
 * L4_SIGMA0_DTB:    MR0 = i: page i of the device tree (the pages that hold
 *                   the KIP's L4_KIP_MEM_DTB range, from the one holding
 *                   its first byte), read-only; any number of times, to
 *                   anyone (shared, not handed out: FREE of it is EINVAL).
 *                   l4_sigma0_dtb_pages() says how many pages there are.
 *                   EINVAL: i beyond them; ENOENT: no device tree.
 * L4_SIGMA0_FREE:   MR0 = physical address, MR1 = order: give back RAM or
 *                   device pages handed out: sigma0 unmaps them from
 *                   everyone who has them (recursively) and may hand them
 *                   out again. EINVAL: misaligned or not sigma0's; ENOENT:
 *                   some page of it is not given out. No item in the reply.
 * L4_SIGMA0_STATS:  results MR0 = RAM pages sigma0 manages, MR1 = pages of
 *                   them free now. No item.
 * Any other label: ENOSYS. The request's rights may only be a subset of
 * L4_FP_RWX; W needs R.
 */
#pragma once

#include <stdint.h>

#include <l4/errno.h>
#include <l4/kip.h>
#include <l4/sys.h>
#include <l4/mem.h>

enum {
	L4_SIGMA0_ALLOC = 0x5301,
	L4_SIGMA0_PHYS,
	L4_SIGMA0_DEVICE,
	L4_SIGMA0_KIP,
	L4_SIGMA0_FREE,
	L4_SIGMA0_STATS,
	L4_SIGMA0_DTB,
};

/* The device tree's place (the KIP's L4_KIP_MEM_DTB): its physical base and
 * size, and how many pages L4_SIGMA0_DTB serves; 0 if the KIP lists none. */
static inline uint64_t l4_sigma0_dtb_pages(uint64_t *base, uint64_t *size)
{
	const struct l4_kip *k = l4_kip();

	for (unsigned i = 0; i < k->nmem && i < L4_KIP_MAX_MEM; i++)
		if (k->mem[i].kind == L4_KIP_MEM_DTB && k->mem[i].size) {
			uint64_t lo = k->mem[i].base & ~0xfffUL;
			if (base)
				*base = k->mem[i].base;
			if (size)
				*size = k->mem[i].size;
			return (k->mem[i].base + k->mem[i].size - lo + 0xfffUL) >> 12;
		}
	return 0;
}

/*
 * One sigma0 request with `nargs` arguments, the reply's mapping going to
 * the window `rcv` (a flexpage; it is written to this thread's UTCB, at
 * utcb). Returns the reply's MR0 (the physical address) or -L4_Exxx; *where
 * (if not NULL) gets the address it landed at.
 */
static inline long l4_sigma0_call(uint64_t ep, struct l4_utcb *utcb, uint64_t rcv, uint64_t label,
				  unsigned nargs, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *where)
{
	struct l4_msg m = { { a0, a1, a2, 0, 0, 0 }, 0 };

	utcb->rcv_mem = rcv;
	long tag = l4_call(ep, label, nargs, &m);
	utcb->rcv_mem = 0;
	if (tag < 0)
		return tag;
	if (l4_tag_label((uint64_t)tag))
		return -(long)l4_tag_label((uint64_t)tag);
	if (where)
		*where = l4_tag_items((uint64_t)tag) ? m.mr[1] & ~0xfffUL : 0;
	return (long)m.mr[0];
}
