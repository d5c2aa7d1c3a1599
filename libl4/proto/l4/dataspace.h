/*
 * l4/dataspace.h - the dataspace protocol: what a dataspace manager answers
 * (docs/pagers.md is the prose version). A dataspace is a range of memory
 * of some size, named by an endpoint capability of its manager; the badge
 * of that capability tells the manager which dataspace it is and what the
 * holder may do with it. The region mapper (l4/rm.h) attaches dataspaces to
 * address ranges and asks their managers for pages on page faults; the
 * memory server (l4/memsrv.h) is one manager, and any user program may be
 * another: it only has to answer these calls.
 *
 * Requests are calls on the dataspace capability. Reply label 0 is success;
 * otherwise the label is an L4_Exxx code and nothing happened. Offsets and
 * sizes are in bytes.
 *
 * L4_DS_MAP (rights of the capability must include MR2):
 *     MR0 = offset (rounded down to its page), MR1 = rights wanted at most
 *     (L4_FP_* bits), MR2 = the access the mapping must allow (L4_FP_*, a
 *     subset of MR1; the access of a page fault).
 *     The caller names a receive window (l4_utcb.rcv_mem) of one page; the
 *     reply maps that page of the dataspace there: 1 word, MR0 = the rights
 *     mapped (at least MR2, at most MR1 & the capability's rights), and one
 *     memory item. The window bounds what the manager can map: a manager
 *     that sends more, or something else, cannot put it anywhere else.
 *     The memory server maps a page shared copy-on-write without L4_FP_W
 *     unless MR2 asks for it; a write access gets a private copy first.
 *     Mapping around (managers whose INFO has L4_DS_F_AROUND): MR3 = the
 *     offset of a window's start, MR4 = its size (a power of two, 4 KiB ..
 *     1 MiB, holding MR0's page); the caller's receive window is that many
 *     bytes, aligned so, and the reply's first item is MR0's page as above,
 *     further items (hotspot = their offset - MR3) pages of the window the
 *     manager holds now. Managers without the flag ignore MR3 and MR4.
 *     ERANGE offset beyond the size; EINVAL bad rights bits, MR2 not within
 *     MR1, or W without R; EPERM the capability lacks a right of MR2;
 *     ENOMEM no memory (or the owner's quota is used up); the kernel's
 *     error for the reply's item (ENOSLOT no window, EEXIST another page
 *     already mapped there) comes back as the label.
 * L4_DS_INFO:
 *     results MR0 = size, MR1 = flags (L4_DS_F_*), MR2 = the rights of this
 *     capability (L4_DS_R/W/X/ADMIN), MR3 = physical address (contiguous
 *     dataspaces; else 0), MR4 = pages the dataspace holds now.
 * L4_DS_RELEASE (W): MR0 = offset, MR1 = size, both page-aligned, within
 *     the size: give back the pages of that range; they are unmapped from
 *     everyone and read as zero again on the next touch. EINVAL misaligned
 *     or a contiguous dataspace; ERANGE beyond the size.
 * L4_DS_CLONE (ADMIN): a copy-on-write clone: a new dataspace of the same
 *     size that shares the pages the original holds now, read-only; the
 *     first write on either side makes a private copy of that page. Pages
 *     the original does not hold yet are zero in the clone. Reply: one
 *     capability item (into the caller's rcv_caps window) with rights
 *     R|W|X|ADMIN. The clone belongs to the original's session. EINVAL for
 *     a contiguous dataspace; ENOMEM.
 * L4_DS_RESTRICT: MR0 = rights mask (L4_DS_*): a capability to the same
 *     dataspace with this capability's rights & mask (one capability item).
 * L4_DS_FREE (ADMIN): free the dataspace: every page is unmapped from
 *     everyone and given back; every capability to it is stale (EBADCAP).
 *
 * Every manager answers a capability it does not know, or no longer knows,
 * with EBADCAP, and an unknown label with ENOSYS.
 */
#pragma once

#include <stdint.h>

#include <l4/sys.h>
#include <l4/mem.h>
#include <l4/serve.h>

enum {
	L4_DS_MAP = 0x4401,
	L4_DS_INFO,
	L4_DS_RELEASE,
	L4_DS_CLONE,
	L4_DS_RESTRICT,
	L4_DS_FREE,
};

/* Rights of a dataspace capability (the low three are the L4_FP_* bits). */
#define L4_DS_R 0x1U
#define L4_DS_W 0x2U
#define L4_DS_X 0x4U
#define L4_DS_RWX 0x7U
#define L4_DS_ADMIN 0x8U        /* clone, free */
#define L4_DS_ALL 0xfU

/* L4_DS_INFO flags. */
#define L4_DS_F_ANON 0x1U       /* anonymous memory, zero until written */
#define L4_DS_F_CONTIG 0x2U     /* physically contiguous; MR3 of INFO is its physical address */
#define L4_DS_F_CLONE 0x4U      /* made by L4_DS_CLONE */
#define L4_DS_F_AROUND 0x8U     /* L4_DS_MAP maps the pages it holds around the one asked for (MR3, MR4) */

struct l4_ds_info {
	uint64_t size;
	unsigned flags, rights;
	uint64_t phys;
	uint64_t pages;
};

/*
 * Map the page at `offset` of the dataspace `ds` at `where` (page-aligned,
 * in the calling thread's task) with at most `rights` and at least
 * `access`. Uses the calling thread's UTCB at utcb. Returns the rights
 * mapped or -L4_Exxx.
 */
static inline long l4_ds_map(uint64_t ds, struct l4_utcb *utcb, uint64_t offset, uint64_t where, unsigned rights,
			     unsigned access)
{
	struct l4_msg m = { { offset, rights, access, 0, 0, 0 }, 0 };

	utcb->rcv_mem = l4_fpage(where, 12, 0);
	long tag = l4_call(ds, L4_DS_MAP, 3, &m);
	utcb->rcv_mem = 0;
	long r = l4_server_result(tag);
	return r < 0 ? r : (long)m.mr[0];
}

static inline long l4_ds_info(uint64_t ds, struct l4_ds_info *info)
{
	struct l4_msg m = { { 0 }, 0 };
	long r = l4_server_result(l4_call(ds, L4_DS_INFO, 0, &m));

	if (r < 0)
		return r;
	info->size = m.mr[0];
	info->flags = (unsigned)m.mr[1];
	info->rights = (unsigned)m.mr[2];
	info->phys = m.mr[3];
	info->pages = m.mr[4];
	return 0;
}

static inline long l4_ds_release(uint64_t ds, uint64_t offset, uint64_t size)
{
	struct l4_msg m = { { offset, size, 0, 0, 0, 0 }, 0 };
	return l4_server_result(l4_call(ds, L4_DS_RELEASE, 2, &m));
}

static inline long l4_ds_free(uint64_t ds)
{
	struct l4_msg m = { { 0 }, 0 };
	return l4_server_result(l4_call(ds, L4_DS_FREE, 0, &m));
}

/*
 * A call whose reply carries one capability item into the empty slot
 * `dst`: L4_DS_CLONE, L4_DS_RESTRICT, and the memory server's L4_MEM_ALLOC
 * and L4_MEM_SESSION. Returns 0 or -L4_Exxx; m holds the reply's words.
 */
static inline long l4_call_for_cap(uint64_t sel, struct l4_utcb *utcb, uint64_t label, unsigned words,
				   struct l4_msg *m, uint64_t dst)
{
	utcb->rcv_caps = l4_rcv_caps(dst, 1);
	long tag = l4_call(sel, label, words, m);
	utcb->rcv_caps = 0;
	long r = l4_server_result(tag);
	if (r < 0)
		return r;
	return l4_tag_items((uint64_t)tag) == 1 ? 0 : -L4_EINVAL;
}

static inline long l4_ds_clone(uint64_t ds, struct l4_utcb *utcb, uint64_t dst)
{
	struct l4_msg m = { { 0 }, 0 };
	return l4_call_for_cap(ds, utcb, L4_DS_CLONE, 0, &m, dst);
}

static inline long l4_ds_restrict(uint64_t ds, struct l4_utcb *utcb, unsigned mask, uint64_t dst)
{
	struct l4_msg m = { { mask, 0, 0, 0, 0, 0 }, 0 };
	return l4_call_for_cap(ds, utcb, L4_DS_RESTRICT, 1, &m, dst);
}
