/*
 * l4/mem.h - memory between address spaces: flexpages, memory items in IPC
 * (map and grant), the receive window, unmap, and page-fault messages.
 * docs/abi.md ("Memory") is the prose version.
 *
 * A flexpage (one word) is a size-aligned power-of-two range of a task's
 * address space with rights:
 *
 *   63                     12 11 10  8 7  6 5      0
 *  | base (aligned to 2^order) | 0 | rwx | 0 | 0 | order |
 *
 * order 12 (4 KiB) .. 38 (all of user space); order 0 is the nil flexpage.
 * rights: L4_FP_R | L4_FP_W | L4_FP_X (W without R is not a valid mapping).
 */
#pragma once

#include <stdint.h>

#define L4_FP_R 0x1U
#define L4_FP_W 0x2U
#define L4_FP_X 0x4U
#define L4_FP_RWX 0x7U
#define L4_FP_RIGHTS_SHIFT 8
#define L4_FP_ORDER_MASK 0x3fUL
#define L4_FP_ORDER_MIN 12
#define L4_FP_ORDER_MAX 38              /* 2^38 = L4_USER_END: the whole user range */
#define L4_FP_ALL_SPACE ((uint64_t)L4_FP_ORDER_MAX)   /* base 0, order 38 */

static inline uint64_t l4_fpage(uint64_t base, unsigned order, unsigned rights)
{
	return (base & ~0xfffUL) | (uint64_t)(rights & L4_FP_RWX) << L4_FP_RIGHTS_SHIFT | (order & L4_FP_ORDER_MASK);
}
static inline uint64_t l4_fpage_base(uint64_t fp) { return fp & ~0xfffUL; }
/* Whether fp is a well-formed flexpage of user space (bits 6, 7 and 11 zero). */
static inline int l4_fpage_ok(uint64_t fp)
{
	unsigned o = (unsigned)(fp & L4_FP_ORDER_MASK);
	uint64_t base = fp & ~0xfffUL;

	return o >= L4_FP_ORDER_MIN && o <= L4_FP_ORDER_MAX && !(fp & 0x8c0) && !(base & ((1UL << o) - 1)) &&
	       base + (1UL << o) <= (1UL << L4_FP_ORDER_MAX);
}
static inline unsigned l4_fpage_order(uint64_t fp) { return (unsigned)(fp & L4_FP_ORDER_MASK); }
static inline unsigned l4_fpage_rights(uint64_t fp) { return (unsigned)(fp >> L4_FP_RIGHTS_SHIFT) & L4_FP_RWX; }

/*
 * What one message's memory items may do, all of them together: look at up
 * to L4_MAP_MAX_PAGES of the sender's pages (leaves of any size: one 1 GiB
 * page counts one) and make up to L4_MAP_MAX_PAGES leaves in the receiver;
 * beyond, the transfer fails with -L4_ERANGE and nothing changes. The
 * transfer cannot be interrupted (it is all or nothing), so its length is
 * bounded here, not by the quotas involved.
 */
#define L4_MAP_MAX_PAGES 1024U

/*
 * Memory item: two message words after the untyped ones, in the same place
 * and count as capability items (l4/ipc.h):
 *   word 0: L4_ITEM_MEM | L4_ITEM_GRANT (bit 4) | hotspot (bits 12..63)
 *   word 1: a flexpage of the sender's address space (rights = at most)
 * Map: the receiver gets a mapping of the same memory with the sender's
 * rights & the flexpage's rights, recorded as derived from the sender's
 * (unmap by the sender revokes it). Grant: the same, and the sender's
 * mapping goes away (what was derived from it is kept, now derived from the
 * receiver's, losing any rights the receiver's lacks). Grant moves pages
 * whole: a flexpage smaller than the sender's page (e.g. 4 KiB of a 2 MiB
 * page) is -L4_EINVAL, a destination that cannot take a page of that size
 * (a page table is already there) -L4_EEXIST; a flexpage holding both a
 * mapping and one derived from it (an alias in the same range) -L4_EINVAL.
 *
 * Where it lands: the receiver's window (l4_utcb.rcv_mem, a flexpage; 0 =
 * none) of order w at W, the item's flexpage of order f at F, hotspot h:
 *   f <= w: at W + ((h mod 2^w) rounded down to 2^f), all 2^f bytes;
 *   f >  w: the 2^w bytes of the item at F + ((h mod 2^f) rounded down to 2^w), at W.
 * A page-fault reply's window is the whole user range, order 38 at 0 (the
 * hotspot is normally the fault address; one beyond L4_USER_END lands at
 * its offset modulo 2^38).
 *
 * Rules (the message is delivered with all items or with none, and no
 * mapping changes on an error; page tables made on the way may stay, like
 * all empty tables, until the task is destroyed):
 *  - every page of the source range must be mapped in the sender by a
 *    mapping that can be passed on (not the KIP's or a UTCB's page, which
 *    the kernel keeps): else -L4_ENOENT;
 *  - the destination range must lie in [L4_USER_BASE, L4_USER_END) and be
 *    free, except that for map (not grant) pages already mapped there, each
 *    to the very memory this map puts there and derived from the same source
 *    mapping, stay and get the new rights added (a pager answering a write
 *    fault on a page it mapped read-only); the rest of the range is mapped.
 *    Anything else already mapped there is -L4_EEXIST;
 *  - misaligned or out-of-range flexpages, or rights W without R: -L4_EINVAL;
 *  - no window: -L4_ENOSLOT; no memory for page tables: -L4_ENOMEM.
 * The receiver sees each item rewritten: word 0 = L4_ITEM_MEM | grant |
 * destination address, word 1 = the flexpage it received (its base and
 * order in the receiver's space, rights = the item's mask: each page got
 * the sender's rights for it & that mask). Capability items and memory
 * items may be mixed: the k-th capability item goes to slot rcv_caps + k.
 */
#define L4_ITEM_MEM 2UL

static inline uint64_t l4_item_mem(uint64_t hotspot, int grant)
{
	return L4_ITEM_MEM | (grant ? 0x10UL : 0) | (hotspot & ~0xfffUL);
}

/*
 * Unmap: L4_TASK_UNMAP on a task capability (W) (l4/kobj.h): MR0 = a
 * flexpage of that task's address space, MR1 = flags. Every mapping derived,
 * directly or not, from the task's mappings in the range loses the
 * flexpage's rights, in every task; with L4_UNMAP_SELF the task's own
 * mappings in the range too. Losing R removes a mapping; so does losing
 * every right it had. Pages the task does not have, and kernel-kept pages
 * (KIP, UTCBs), are skipped: a no-op, not an error. Only whole pages of the
 * task are removed from itself: L4_UNMAP_SELF on part of a larger page
 * revokes what was derived from that part but keeps the page. Results: none.
 */
#define L4_UNMAP_SELF 0x1UL

/*
 * Page faults: a load, store or instruction page fault of a user thread
 * becomes a call from the thread to its pager (the endpoint its pager
 * selector names in its task, W right), label L4_LABEL_PAGEFAULT, 2 words:
 *   MR0 = fault address with bits 0..2 replaced by the access (L4_FP_R
 *         read, L4_FP_W write, L4_FP_X execute), MR1 = pc.
 * The pager replies with label 0 and memory items (window: the whole user
 * range of the faulting task); the kernel maps them and resumes the thread,
 * which retries the access. If the access is still not possible after the
 * reply, or the reply has another label, or there is no usable pager, the
 * fault goes on as an exception message (l4/ipc.h) to the exception
 * handler, or stops the thread. An access fault (PMP) where the page table
 * allows the access goes straight to the exception handler.
 */
#define L4_LABEL_PAGEFAULT 0xffff0002UL
#define L4_PF_WORDS 2

static inline uint64_t l4_pf_addr(uint64_t mr0) { return mr0 & ~7UL; }
static inline unsigned l4_pf_access(uint64_t mr0) { return (unsigned)(mr0 & 7); }
