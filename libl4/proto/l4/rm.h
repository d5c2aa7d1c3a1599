/*
 * l4/rm.h - the region mapper's protocol (pager/rm/, docs/pagers.md).
 *
 * A region mapper runs as a thread in a task and is the pager of the
 * task's other threads. It keeps the task's address ranges: **regions**,
 * each a part of a dataspace (l4/dataspace.h) attached at an address with
 * rights, and **areas**, ranges reserved so that nothing is attached there
 * unless asked for explicitly. On a page fault it finds the region and
 * calls the dataspace's manager (L4_DS_MAP) with a receive window of just
 * the faulting page of its own task, then replies so the thread goes on. A
 * fault outside every region, an access the region's rights do not allow,
 * or a manager's error is reported on the console naming the address, and
 * the reply's error label sends the fault on to the thread's exception
 * handler.
 *
 * Requests are calls on the region mapper's endpoint (reply label 0 =
 * success, else L4_Exxx). Addresses, sizes and offsets are page-aligned.
 *
 * L4_RM_ATTACH: MR0 = address, MR1 = size, MR2 = offset in the dataspace,
 *     MR3 = flags: rights (L4_FP_R/W/X, bits 0..2; W needs R) |
 *     L4_RM_SEARCH (MR0 = 0 or the lowest address wanted: the mapper picks
 *     a free range) | L4_RM_IN_AREA (the range lies in a reserved area) |
 *     alignment order << L4_RM_ALIGN_SHIFT (with SEARCH; 0 = a page);
 *     and one capability item: the dataspace (use L4_ITEM_GRANT to hand it
 *     over, or delegate a copy). Reply MR0 = the address.
 *     The mapper asks the manager L4_DS_INFO: the rights must be within the
 *     capability's and offset + size within the dataspace.
 *     EINVAL misaligned, size 0, beyond user space, bad flags or rights,
 *     no capability item, or not inside one area with IN_AREA; EEXIST
 *     overlaps a region, or an area without IN_AREA; ENOMEM no free range
 *     (SEARCH) or the region table is full; ERANGE beyond the dataspace;
 *     EPERM rights beyond the capability's; the manager's error if
 *     L4_DS_INFO fails (ETIMEDOUT if it does not answer in time).
 * L4_RM_DETACH: MR0 = any address in the region, MR1 = flags:
 *     L4_RM_DETACH_RELEASE (L4_DS_RELEASE the region's range: its pages go
 *     back to the manager) or L4_RM_DETACH_FREE (L4_DS_FREE: the whole
 *     dataspace; needs ADMIN). The region's pages are unmapped from the
 *     task (L4_TASK_UNMAP, self), the mapper's capability deleted.
 *     Results MR0 = start, MR1 = size, MR2 = the manager's result for
 *     RELEASE/FREE (0 or -L4_Exxx; the detach happened either way).
 *     ENOENT no region there; EINVAL unknown flags.
 * L4_RM_FIND: MR0 = an address: results MR0 = start, MR1 = size, MR2 =
 *     offset, MR3 = flags (rights) of the region holding it. ENOENT.
 * L4_RM_RESERVE: MR0 = address, MR1 = size, MR2 = flags (L4_RM_SEARCH,
 *     alignment as for ATTACH): reserve an area. Reply MR0 = its start.
 *     EINVAL, EEXIST (overlaps a region or area), ENOMEM.
 * L4_RM_UNRESERVE: MR0 = an address in the area: remove it. ENOENT; EBUSY
 *     a region is still attached in it.
 * Page faults (L4_LABEL_PAGEFAULT, l4/mem.h) are handled as above.
 * Any other label: ENOSYS. Messages with capability items other than one
 * ATTACH's dataspace are refused (the capability is deleted).
 */
#pragma once

#include <stdint.h>

#include <l4/dataspace.h>
#include <l4/sys.h>

enum {
	L4_RM_ATTACH = 0x5201,
	L4_RM_DETACH,
	L4_RM_FIND,
	L4_RM_RESERVE,
	L4_RM_UNRESERVE,
};

#define L4_RM_RIGHTS 0x7UL
#define L4_RM_SEARCH 0x100UL
#define L4_RM_IN_AREA 0x200UL
#define L4_RM_ALIGN_SHIFT 16
#define L4_RM_ALIGN_MASK (0x3fUL << L4_RM_ALIGN_SHIFT)
#define L4_RM_DETACH_RELEASE 0x1UL
#define L4_RM_DETACH_FREE 0x2UL

/* Attach `size` bytes of the dataspace `ds` from `offset` at `addr` (or, with
 * L4_RM_SEARCH in flags, wherever there is room); grant = move the
 * capability to the region mapper. Returns the address or -L4_Exxx. */
static inline long l4_rm_attach(uint64_t rm, uint64_t addr, uint64_t size, uint64_t offset, uint64_t flags,
				uint64_t ds, int grant)
{
	struct l4_msg m = { { addr, size, offset, flags, l4_item_cap(0xf, grant), ds }, 0 };
	long r = l4_server_result(l4_ipc(l4_ipc_word(L4_IPC_CALL, rm, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
					 l4_tag(L4_RM_ATTACH, 4, 1), &m));
	return r < 0 ? r : (long)m.mr[0];
}

/* Detach the region holding addr; *mgr (if not NULL) gets the manager's result. */
static inline long l4_rm_detach(uint64_t rm, uint64_t addr, uint64_t flags, long *mgr)
{
	struct l4_msg m = { { addr, flags, 0, 0, 0, 0 }, 0 };
	long r = l4_server_result(l4_call(rm, L4_RM_DETACH, 2, &m));

	if (!r && mgr)
		*mgr = (long)m.mr[2];
	return r;
}

struct l4_rm_region {
	uint64_t start, size, offset, flags;
};

static inline long l4_rm_find(uint64_t rm, uint64_t addr, struct l4_rm_region *reg)
{
	struct l4_msg m = { { addr, 0, 0, 0, 0, 0 }, 0 };
	long r = l4_server_result(l4_call(rm, L4_RM_FIND, 1, &m));

	if (r < 0)
		return r;
	reg->start = m.mr[0];
	reg->size = m.mr[1];
	reg->offset = m.mr[2];
	reg->flags = m.mr[3];
	return 0;
}

static inline long l4_rm_reserve(uint64_t rm, uint64_t addr, uint64_t size, uint64_t flags)
{
	struct l4_msg m = { { addr, size, flags, 0, 0, 0 }, 0 };
	long r = l4_server_result(l4_call(rm, L4_RM_RESERVE, 3, &m));
	return r < 0 ? r : (long)m.mr[0];
}

static inline long l4_rm_unreserve(uint64_t rm, uint64_t addr)
{
	struct l4_msg m = { { addr, 0, 0, 0, 0, 0 }, 0 };
	return l4_server_result(l4_call(rm, L4_RM_UNRESERVE, 1, &m));
}
