/*
 * kmem.h - kernel memory: a binary buddy allocator over the one pool the
 * kernel reserves at boot, and the quotas that charge every allocation to a
 * factory. Hardware-free (host-tested in test/host/test_kmem.c).
 *
 * Blocks are 64 B << order, order 0..KMEM_MAX_ORDER (64 B .. 2 MiB), each
 * aligned to its size relative to the pool's base, which is page-aligned
 * (so a block of 4 KiB or more is page-aligned: page tables come from here).
 * The region's first bytes hold the allocator's bitmaps; the rest, from the
 * next page boundary, is split into blocks.
 *
 * Invariants (kmem_check):
 *  - bit i of bitmap[k] is set <=> block i of order k (offset i << (6 + k))
 *    is free, whole, and on free[k]; no two free blocks overlap (the bits of
 *    a chunk not yet `ready`, below, count as clear: no block there is);
 *  - two free buddies of the same order never coexist (they are merged);
 *  - free_bytes == the sum of the sizes of all free blocks;
 *  - the stash's blocks are 64-byte blocks of the pool, none inside a free
 *    block or listed twice (for the lists and bitmaps they are allocated).
 * Free blocks carry the list links; the bitmaps, not those links, say what is
 * free, so the contents of allocated memory can never fool the allocator.
 *
 * A quota is a byte budget: `used` never exceeds `limit`. Allocations are
 * charged at their block size (kmem_block_size), so the quota counts what the
 * pool really gave up. No locking here: the caller serialises (the kernel
 * lock once there is SMP).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dlist.h"

#define KMEM_MIN_SHIFT 6
#define KMEM_MIN_BLOCK (1UL << KMEM_MIN_SHIFT)
#define KMEM_MAX_ORDER 15
#define KMEM_MAX_BLOCK (KMEM_MIN_BLOCK << KMEM_MAX_ORDER)
#define KMEM_BASE_ALIGN 4096UL  /* the first block's alignment */

/* A free block starts with its link: on free[order] (a lib/dlist.h list),
 * or on the stash (singly, through link.next). */
struct kmem_free {
	struct dlist_node link;
};
_Static_assert(offsetof(struct kmem_free, link) == 0, "a block, its free link and its stash link are one address");

/*
 * The bitmaps of orders 0..KMEM_LAZY_ORDER (almost all their bytes) are
 * zeroed per 2 MiB chunk of the pool (a block of the largest order), the
 * first time a block of that chunk is split (kmem_init zeroes only the
 * others): boot does not clear 120 KiB for a 30 MiB pool. A chunk's bits of
 * those orders are whole words. `ready` says which chunks are zeroed;
 * pools of more than KMEM_READY_CHUNKS chunks are zeroed whole at init.
 */
#define KMEM_LAZY_ORDER 9
#define KMEM_READY_CHUNKS 512

struct kmem {
	uintptr_t base;                         /* first block (after the bitmaps) */
	size_t size;                            /* bytes of blocks, multiple of 64 */
	uint64_t *bitmap[KMEM_MAX_ORDER + 1];
	uint64_t ready[KMEM_READY_CHUNKS / 64]; /* bit c: chunk c's lazy bitmaps are zeroed */
	struct dlist free[KMEM_MAX_ORDER + 1];
	size_t free_bytes;
	struct kmem_free *stash;                /* 64-byte blocks set aside (kmem_alloc_min_raw), by link.next */
};

struct quota {
	size_t limit;
	size_t used;
};

/*
 * Make [region, region + size) a pool: the bitmaps go at its start, the rest
 * from the next KMEM_BASE_ALIGN boundary (rounded down to 64 B) becomes free
 * blocks. region must be 64-byte aligned.
 * Returns false if the region is too small to hold anything.
 */
bool kmem_init(struct kmem *k, void *region, size_t size);

/* The size of the block an allocation of `size` bytes takes (0 if > max block). */
size_t kmem_block_size(size_t size);

/* A zeroed block of at least `size` bytes (1..KMEM_MAX_BLOCK), or NULL. */
void *kmem_alloc(struct kmem *k, size_t size);
/* Return a block from kmem_alloc(k, size) (same size). */
void kmem_free(struct kmem *k, void *p, size_t size);

/* Charge `bytes` to q: true, or false (and nothing charged) if over the limit. */
bool quota_charge(struct quota *q, size_t bytes);
void quota_credit(struct quota *q, size_t bytes);

/* kmem_alloc charged to q at the block size; NULL if the quota or the pool is exhausted. */
void *kmem_alloc_q(struct kmem *k, struct quota *q, size_t size);
void kmem_free_q(struct kmem *k, struct quota *q, void *p, size_t size);
/* kmem_alloc_q with only the first `zero` bytes zeroed: for a block whose
 * other bytes are written before they are read (a page table's shadow). */
void *kmem_alloc_q_part(struct kmem *k, struct quota *q, size_t size, size_t zero);

/* Whether k satisfies its invariants (tests and asserts; O(pool / 64)). */
bool kmem_check(const struct kmem *k);

/*
 * 64-byte blocks, not zeroed, for mapping nodes (mem/space.c: the
 * page-fault fast path's space_map_fast and every other mapping's
 * node_alloc), which must not pay for the buddy lists.
 *
 * kmem_alloc_min_inline pops the stash: NULL when it is empty. Then
 * kmem_alloc_min_raw: a free 64-byte block if there is one (as kmem_alloc
 * would take it), else it takes the smallest free block of 128 B or more
 * (split down to 4 KiB if larger), keeps its first 64 bytes for the caller
 * and puts the rest on the stash; NULL if the pool is empty. So the stash
 * holds at most 63 blocks (4 KiB - 64 B of the pool that only mapping nodes
 * use), and 63 of 64 nodes are a pop. Blocks from either are returned with
 * kmem_free(k, p, 64) as any other; the stash never gives blocks back.
 */
void *kmem_alloc_min_raw(struct kmem *k);
/*
 * The block kmem_alloc_min_raw takes (4 KiB at most), whole: *n 64-byte
 * blocks for a caller that needs many (mem/space.c's runs of leaves) and
 * puts those it does not use on the stash (kmem_stash_min), as
 * kmem_alloc_min_raw would have. NULL if the pool is empty.
 */
void *kmem_alloc_min_block(struct kmem *k, size_t *n);
/* Put the n 64-byte blocks at p on the stash (blocks of kmem_alloc_min_block). */
void kmem_stash_min(struct kmem *k, void *p, size_t n);

static inline void *kmem_alloc_min_inline(struct kmem *k)
{
	struct kmem_free *b = k->stash;

	if (b)
		k->stash = (struct kmem_free *)b->link.next;
	return b;
}

/* The stash's length (tests). */
size_t kmem_stashed(const struct kmem *k);
