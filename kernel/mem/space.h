/*
 * space.h - a task's address space: Sv39 page tables that know, for every
 * user page, the mapping it belongs to in the mapping database
 * (lib/mapdb.h), and the operations on them: map and grant between spaces,
 * unmap (recursive revocation) and lookup. Hardware-free but for three
 * functions the environment provides (below): the kernel (arch/riscv/mmu.c)
 * or the host test (test/host/test_space.c), which runs this very file.
 *
 * Every user page table is one 8 KiB block of the kernel pool, charged to
 * the space's quota: the 512 PTEs the MMU reads, then 512 pointers, the
 * "shadow", where entry i names the mapping (struct mapping) that PTE i
 * is a leaf of, or NULL for a page the kernel keeps (the KIP, a UTCB, the
 * roottask's boot modules), which cannot be passed on or unmapped by users.
 *
 *   table (4 KiB)      | pte[0] | pte[1] | ... | pte[511] |
 *   shadow (+4 KiB)    | map[0] | map[1] | ... | map[511] |
 *
 * Leaves are 1 GiB, 2 MiB or 4 KiB, the largest that alignment, size and
 * the tables already there allow. A mapping is one leaf. Empty tables stay
 * until the space is destroyed.
 *
 * Invariants (space_check): every leaf with a mapping m has m->space == s,
 * m->va == its address, m->pa and m->order == the leaf's, PTE rights ==
 * m->rights; rights never grow from a mapping to one derived from it, and
 * a derived mapping lies inside the memory of its parent.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <arch/layout.h>
#include <arch/mmu.h>

#include "lib/kmem.h"
#include "lib/mapdb.h"

struct space {
	pte_t *root;            /* a table block (PTEs + shadow); entries 256..511 are the kernel's */
	struct quota *quota;    /* pays for tables and mappings */
	uint16_t asid;          /* for TLB flushes: 0 = the hart has none */
	uint8_t ran_on[MAX_HARTS];      /* per hart (smp.h): it may hold this space's entries */
	uint16_t homed[MAX_HARTS];      /* per hart: the task's threads that run there (ran_on is set) */
	/*
	 * space_map_fast's memory of the level-0 tables it used last: the one
	 * it found a source page in and the one it put a destination in, each
	 * with its key va >> 21 (SPACE_NO_KEY: none). A table, once made, stays
	 * until space_destroy, so an entry never goes stale.
	 */
	uint64_t fast_src_key, fast_dst_key;
	pte_t *fast_src, *fast_dst;
	/* space_destroy's progress when a preemption point stopped it: the
	 * address it goes on from, in its leaves or (then) its tables. */
	uint64_t destroy_pos;
	bool destroy_tables;
};

/* Where an interrupted space_unmap goes on (zeroed: from the start). */
struct space_resume {
	uint64_t pos;                   /* the address of the leaf it was at */
	struct mdb_cursor mc;           /* in the tree of that leaf */
};

#define SPACE_NO_KEY (~0UL)     /* no user address has it: user addresses are below 2^38 */

struct mapping {
	struct mdb_node n;      /* first: a node is its mapping */
	struct space *space;
	uint64_t va, pa;
	uint8_t order;          /* 12, 21 or 30 */
	uint8_t rights;         /* L4_FP_R/W/X */
	bool fresh;             /* made by the transfer in progress (undone on failure) */
};

#define SPACE_TABLE_SIZE (2 * 4096UL)

/* ---- provided by the environment ---- */
extern struct kmem kmem_pool;                           /* tables and mappings come from here */
/* How tables are reached and TLB fences: arch/space.h (the host test has its own). */
#include <arch/space.h>

/* An empty space (its kernel half is the caller's): 0, or -L4_ENOMEM. */
long space_init(struct space *s, struct quota *q);
/* Revoke everything derived from s's mappings, then free its mappings and
 * tables. Preemptible (lib/preempt.h): false when stop() stopped it, with
 * its progress in s (and resume); called again it goes on. true: done. */
bool space_destroy(struct space *s, bool (*stop)(void), struct mdb_cursor *resume);

/*
 * Kernel-made mappings of [va, va+size) -> pa with rights (L4_FP_*): with
 * `root` true each leaf is a root of the mapping database (sigma0's memory,
 * boot images); otherwise the kernel keeps the pages (no mapping: KIP, UTCB,
 * boot modules). The range must be free and page-aligned. 0 or -L4_ENOMEM.
 */
long space_map_kernel(struct space *s, uint64_t va, uint64_t pa, uint64_t size, unsigned rights, bool root);
/* Remove the kernel-kept 4 KiB page at va (a UTCB), if there is one. */
void space_unmap_kernel(struct space *s, uint64_t va);

/* The leaf that maps va: its PTE (NULL if none), size and mapping (NULL if kernel-kept). */
pte_t *space_lookup(const struct space *s, uint64_t va, uint64_t *size, struct mapping **m);
/* Whether s's user mapping at va allows the access (L4_FP_R/W/X bits). */
bool space_allows(const struct space *s, uint64_t va, unsigned access);

/*
 * One memory transfer, in three steps so that a message with several items
 * is all or nothing:
 *   space_check   no change; the errors a transfer can have except -ENOMEM
 *   space_install new mappings marked fresh; -L4_ENOMEM possible
 *   space_commit  fresh marks cleared, same-memory rights added, grant's
 *                 sources removed (cannot fail)    or
 *   space_undo    every fresh mapping in the range removed
 * Source: [src, src + 2^order) of `from`, rights mask `rights`; destination
 * at dst of `to`. Addresses 2^order-aligned and in user space (the caller's
 * checks: l4/mem.h). Returns 0 or -L4_Exxx; -L4_ERANGE when the budget runs out.
 */
struct space_xfer {
	struct space *from, *to;
	uint64_t src, dst;
	unsigned order, rights;
	bool grant;
	/* NULL, or how many more source pages space_check may look at (and
	 * leaves space_install may make) for the whole message: at 0 they
	 * return -L4_ERANGE (a message's work is bounded: l4/mem.h). */
	unsigned *budget;
};
long space_check(const struct space_xfer *x);
long space_install(const struct space_xfer *x);
void space_commit(const struct space_xfer *x);
void space_undo(const struct space_xfer *x);

/*
 * The page-fault fast path's map (arch/riscv/fastpath.S): the transfer space_check +
 * space_install + space_commit make of one 4 KiB map (not grant) item from
 * src of `from` (a page of any size there) with rights mask `mask` to dst of
 * `to` -- in one pass, for the common case only: the destination's tables
 * are there and its 4 KiB slot is empty, and the rights the receiver gets
 * include `need` (L4_FP_R/W/X: the access that faulted), and the mask is
 * not W without R (l4/mem.h: such a flexpage is invalid). Returns 0 when it
 * mapped the page, 1 when the case is not that one (nothing changed: the
 * general path decides, with its errors). Addresses page-aligned, in user space.
 */
long space_map_fast(struct space *from, struct space *to, uint64_t src, uint64_t dst, unsigned mask,
		    unsigned need);

/*
 * Unmap [va, va + 2^order) of s (l4/mem.h, L4_TASK_UNMAP): `rights` are
 * taken from everything derived from s's mappings there, and with `self`
 * from s's own whole pages in the range as well. Preemptible
 * (lib/preempt.h): false when stop() stopped it, *res saying where to go on
 * (call again with the same arguments and res); true when done (res zeroed).
 * A zeroed res starts at the beginning.
 */
bool space_unmap(struct space *s, uint64_t va, unsigned order, unsigned rights, bool self,
		 struct space_resume *res, bool (*stop)(void));

/* Whether s satisfies the invariants above (tests; walks every leaf). */
bool space_check_all(const struct space *s);
