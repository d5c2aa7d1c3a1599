/* kmem.c - the kernel-memory buddy allocator and quotas (kmem.h). */
#include "kassert.h"
#include "kmem.h"
#include <common/string.h>

static size_t block_bytes(unsigned order)
{
	return KMEM_MIN_BLOCK << order;
}

static size_t blocks_of_order(size_t size, unsigned order)
{
	return size >> (KMEM_MIN_SHIFT + order);
}

static size_t bitmap_words(size_t size, unsigned order)
{
	return (blocks_of_order(size, order) + 63) / 64;
}

static bool bit_test(const struct kmem *k, unsigned order, size_t i)
{
	return k->bitmap[order][i / 64] >> (i % 64) & 1;
}

#define CHUNK_SHIFT (KMEM_MIN_SHIFT + KMEM_MAX_ORDER)

static bool chunk_ready(const struct kmem *k, size_t chunk)
{
	return chunk >= KMEM_READY_CHUNKS || (k->ready[chunk / 64] >> (chunk % 64) & 1);
}

/* Zero the lazy bitmaps' words of the chunk holding offset off, once. */
static void chunk_prepare(struct kmem *k, size_t off)
{
	size_t c = off >> CHUNK_SHIFT;

	if (chunk_ready(k, c))
		return;
	for (unsigned o = 0; o <= KMEM_LAZY_ORDER; o++) {
		size_t w = 1UL << (KMEM_LAZY_ORDER - o), first = c * w, words = bitmap_words(k->size, o);
		if (first < words)
			memset(&k->bitmap[o][first], 0, (first + w <= words ? w : words - first) * sizeof(uint64_t));
	}
	k->ready[c / 64] |= 1UL << (c % 64);
}

/* bit_test, where the bits of a chunk not yet ready are clear (kmem_check). */
static bool bit_live(const struct kmem *k, unsigned order, size_t i)
{
	if (order <= KMEM_LAZY_ORDER && !chunk_ready(k, i >> (KMEM_MAX_ORDER - order)))
		return false;
	return bit_test(k, order, i);
}

static void bit_flip(struct kmem *k, unsigned order, size_t i)
{
	k->bitmap[order][i / 64] ^= 1UL << (i % 64);
}

static void free_push(struct kmem *k, size_t off, unsigned order)
{
	struct kmem_free *b = (struct kmem_free *)(k->base + off);

	kassert(!bit_test(k, order, off >> (KMEM_MIN_SHIFT + order)));
	bit_flip(k, order, off >> (KMEM_MIN_SHIFT + order));
	dlist_push(&k->free[order], &b->link);
	k->free_bytes += block_bytes(order);
}

static void free_unlink(struct kmem *k, size_t off, unsigned order)
{
	struct kmem_free *b = (struct kmem_free *)(k->base + off);

	kassert(bit_test(k, order, off >> (KMEM_MIN_SHIFT + order)));
	bit_flip(k, order, off >> (KMEM_MIN_SHIFT + order));
	dlist_remove(&k->free[order], &b->link);
	k->free_bytes -= block_bytes(order);
}

bool kmem_init(struct kmem *k, void *region, size_t size)
{
	uintptr_t r = (uintptr_t)region;
	size_t meta = 0;

	kassert(r % KMEM_MIN_BLOCK == 0);
	memset(k, 0, sizeof(*k));
	/* Bitmaps sized for the whole region: a slight over-estimate. */
	for (unsigned o = 0; o <= KMEM_MAX_ORDER; o++)
		meta += bitmap_words(size, o) * sizeof(uint64_t);
	/* Blocks start page-aligned, so blocks of 4 KiB and up are pages. */
	uintptr_t base = (r + meta + KMEM_BASE_ALIGN - 1) & ~(KMEM_BASE_ALIGN - 1);
	if (base - r + KMEM_MIN_BLOCK > size)
		return false;
	uint64_t *words = region;
	for (unsigned o = 0; o <= KMEM_MAX_ORDER; o++) {
		k->bitmap[o] = words;
		words += bitmap_words(size, o);
	}
	k->base = base;
	k->size = (size - (base - r)) & ~(KMEM_MIN_BLOCK - 1);
	/* The lazy orders' words as far as the blocks need them (chunk_prepare
	 * zeroes them); the rest now. Too many chunks to track: all now. */
	size_t lazy = 0;
	if ((k->size >> CHUNK_SHIFT) < KMEM_READY_CHUNKS)
		for (unsigned o = 0; o <= KMEM_LAZY_ORDER; o++)
			lazy += bitmap_words(size, o) * sizeof(uint64_t);
	else
		memset(k->ready, 0xff, sizeof(k->ready));
	memset((char *)region + lazy, 0, meta - lazy);

	/* Cover [0, size) with the largest aligned blocks that fit. */
	for (size_t off = 0; off < k->size;) {
		unsigned o = KMEM_MAX_ORDER;
		while (off % block_bytes(o) || off + block_bytes(o) > k->size)
			o--;
		if (o < KMEM_MAX_ORDER)
			chunk_prepare(k, off);
		free_push(k, off, o);
		off += block_bytes(o);
	}
	return true;
}

static unsigned order_of(size_t size)
{
	unsigned o = 0;

	while (block_bytes(o) < size)
		o++;
	return o;
}

size_t kmem_block_size(size_t size)
{
	if (size == 0 || size > KMEM_MAX_BLOCK)
		return 0;
	return block_bytes(order_of(size));
}

/* A block of at least size bytes, not zeroed, or NULL; kmem_alloc's own
 * (inline there: every object creation goes through it). */
static inline __attribute__((always_inline)) void *alloc_block(struct kmem *k, size_t size, size_t *bytes)
{
	if (size == 0 || size > KMEM_MAX_BLOCK)
		return NULL;
	unsigned want = order_of(size), o = want;
	while (o <= KMEM_MAX_ORDER && !k->free[o].first)
		o++;
	if (o > KMEM_MAX_ORDER)
		return NULL;
	size_t off = (uintptr_t)k->free[o].first - k->base;
	free_unlink(k, off, o);
	if (o == KMEM_MAX_ORDER && o > want)
		chunk_prepare(k, off);
	/* Split: keep the lower half, free the upper, until the size fits. */
	while (o > want) {
		o--;
		free_push(k, off + block_bytes(o), o);
	}
	*bytes = block_bytes(want);
	return (void *)(k->base + off);
}

void *kmem_alloc(struct kmem *k, size_t size)
{
	size_t bytes;
	void *p = alloc_block(k, size, &bytes);

	if (p)
		memset(p, 0, bytes);
	return p;
}

#define STASH_ORDER 6     /* the stash is refilled from a block of 4 KiB at most */

/* The smallest free block of at most 4 KiB, or the first 4 KiB of the
 * smallest larger one (the rest freed): its offset, its order in *o. */
static inline __attribute__((always_inline)) bool take_small(struct kmem *k, size_t *off, unsigned *order)
{
	unsigned o = 0;

	while (!k->free[o].first)
		if (++o > KMEM_MAX_ORDER)
			return false;
	*off = (uintptr_t)k->free[o].first - k->base;
	free_unlink(k, *off, o);
	if (o == KMEM_MAX_ORDER)
		chunk_prepare(k, *off);
	while (o > STASH_ORDER) {
		o--;
		free_push(k, *off + block_bytes(o), o);
	}
	*order = o;
	return true;
}

void *kmem_alloc_min_raw(struct kmem *k)
{
	size_t off;
	unsigned o;

	if (!take_small(k, &off, &o))
		return NULL;
	/* off is a block of order o: the first 64 bytes for the caller, the rest stashed */
	uintptr_t b = k->base + off;
	for (uintptr_t p = b + block_bytes(o) - KMEM_MIN_BLOCK; p > b; p -= KMEM_MIN_BLOCK) {
		struct kmem_free *f = (struct kmem_free *)p;
		f->link.next = (struct dlist_node *)k->stash;
		k->stash = f;
	}
	return (void *)b;
}

void *kmem_alloc_min_block(struct kmem *k, size_t *n)
{
	size_t off;
	unsigned o;

	if (!take_small(k, &off, &o))
		return NULL;
	*n = block_bytes(o) / KMEM_MIN_BLOCK;
	return (void *)(k->base + off);
}

void kmem_stash_min(struct kmem *k, void *p, size_t n)
{
	for (uintptr_t b = (uintptr_t)p, q = b + n * KMEM_MIN_BLOCK; q > b;) {
		struct kmem_free *f = (struct kmem_free *)(q -= KMEM_MIN_BLOCK);
		f->link.next = (struct dlist_node *)k->stash;
		k->stash = f;
	}
}

size_t kmem_stashed(const struct kmem *k)
{
	size_t n = 0;

	for (const struct dlist_node *b = (const struct dlist_node *)k->stash; b; b = b->next)
		n++;
	return n;
}

void kmem_free(struct kmem *k, void *p, size_t size)
{
	unsigned o = order_of(size);
	size_t off = (uintptr_t)p - k->base;

	kassert(size > 0 && size <= KMEM_MAX_BLOCK);
	kassert((uintptr_t)p >= k->base && off < k->size && off % block_bytes(o) == 0);
	/* Merge with the buddy while it is free and whole at the same order. */
	while (o < KMEM_MAX_ORDER) {
		size_t buddy = off ^ block_bytes(o);
		if (buddy + block_bytes(o) > k->size || !bit_test(k, o, buddy >> (KMEM_MIN_SHIFT + o)))
			break;
		free_unlink(k, buddy, o);
		off &= ~block_bytes(o);
		o++;
	}
	free_push(k, off, o);
}

bool quota_charge(struct quota *q, size_t bytes)
{
	if (bytes > q->limit - q->used)
		return false;
	q->used += bytes;
	return true;
}

void quota_credit(struct quota *q, size_t bytes)
{
	kassert(bytes <= q->used);
	q->used -= bytes;
}

void *kmem_alloc_q(struct kmem *k, struct quota *q, size_t size)
{
	size_t b = kmem_block_size(size);

	if (!b || !quota_charge(q, b))
		return NULL;
	void *p = kmem_alloc(k, size);
	if (!p)
		quota_credit(q, b);
	return p;
}

void *kmem_alloc_q_part(struct kmem *k, struct quota *q, size_t size, size_t zero)
{
	size_t b = kmem_block_size(size);

	if (!b || !quota_charge(q, b))
		return NULL;
	size_t bytes;
	void *p = alloc_block(k, size, &bytes);
	if (!p)
		quota_credit(q, b);
	else
		memset(p, 0, zero < bytes ? zero : bytes);
	return p;
}

void kmem_free_q(struct kmem *k, struct quota *q, void *p, size_t size)
{
	kmem_free(k, p, size);
	quota_credit(q, kmem_block_size(size));
}

bool kmem_check(const struct kmem *k)
{
	size_t free_bytes = 0;

	for (unsigned o = 0; o <= KMEM_MAX_ORDER; o++) {
		size_t listed = 0, marked = 0;
		const struct dlist_node *prev = NULL;

		for (const struct dlist_node *b = k->free[o].first; b; prev = b, b = b->next) {
			size_t off = (uintptr_t)b - k->base;
			if ((uintptr_t)b < k->base || off % block_bytes(o) || off + block_bytes(o) > k->size)
				return false;
			if (b->prev != prev || !bit_live(k, o, off >> (KMEM_MIN_SHIFT + o)))
				return false;
			if (++listed > blocks_of_order(k->size, o))
				return false;   /* a cycle */
		}
		for (size_t i = 0; i < blocks_of_order(k->size, o); i++) {
			if (!bit_live(k, o, i))
				continue;
			marked++;
			/* Unmerged free buddies. */
			if (o < KMEM_MAX_ORDER && (i ^ 1) < blocks_of_order(k->size, o) && bit_live(k, o, i ^ 1))
				return false;
			/* Overlap with a free block of a higher order containing it. */
			for (unsigned h = o + 1; h <= KMEM_MAX_ORDER; h++) {
				size_t j = i >> (h - o);
				if (j < blocks_of_order(k->size, h) && bit_live(k, h, j))
					return false;
			}
		}
		if (listed != marked)
			return false;
		free_bytes += marked * block_bytes(o);
	}
	/* The stash: 64-byte blocks of the pool inside no free block, no cycle
	 * (all of them fit in what is not free). Two entries for one block would
	 * make a cycle or a list longer than that. */
	size_t stashed = 0;
	for (const struct dlist_node *b = (const struct dlist_node *)k->stash; b; b = b->next) {
		size_t off = (uintptr_t)b - k->base;
		if ((uintptr_t)b < k->base || off % KMEM_MIN_BLOCK || off >= k->size)
			return false;
		for (unsigned h = 0; h <= KMEM_MAX_ORDER; h++) {
			size_t j = off >> (KMEM_MIN_SHIFT + h);
			if (j < blocks_of_order(k->size, h) && bit_live(k, h, j))
				return false;
		}
		if (++stashed > (k->size - free_bytes) / KMEM_MIN_BLOCK)
			return false;
	}
	return free_bytes == k->free_bytes && free_bytes <= k->size;
}
