/*
 * test_kmem.c - host tests of kernel/lib/kmem.c, the buddy allocator every
 * kernel object comes from, and the quotas charged for it. Directed tests
 * cover pool set-up on awkward region sizes and placements (blocks from a
 * page boundary, clear of the bitmaps, and free as the binary decomposition
 * of the usable size), every order's alignment, zeroing and exhaustion, exact
 * split and merge on a one-page pool, the size edges, the quota edges, and
 * that kmem_check() notices corruption. A randomized test runs thousands of allocations and
 * frees against a model (the live blocks, a 64-byte-granule ownership map and
 * a pattern in every live block) and checks the accounting, the quota and
 * kmem_check() after every step. The seed is printed; set KMEM_SEED to replay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/kmem.h"
#include "../lib/xorshift.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)
#define CANARY 0x5a

static struct kmem k;
/*
 * The region sits `misalign` bytes past a page boundary in an allocation that
 * ends exactly where it does (ASan sees overruns); the bytes before it and
 * those past the last block hold a canary nothing may overwrite.
 */
static unsigned char *buf, *region;
static size_t region_size, region_misalign;

static size_t bsize(unsigned order)
{
	return KMEM_MIN_BLOCK << order;
}

static size_t off_of(const void *p)
{
	return (size_t)((uintptr_t)p - k.base);
}

/* A new region of `size` bytes, `misalign` (a multiple of 64) past a page, every byte `fill`. */
static void region_new(size_t size, size_t misalign, int fill)
{
	void *p = NULL;

	free(buf);
	assert_int_equal(posix_memalign(&p, KMEM_BASE_ALIGN, misalign + size ? misalign + size : 1), 0);
	buf = p;
	region = buf + misalign;
	region_size = size;
	region_misalign = misalign;
	memset(buf, CANARY, misalign);
	memset(region, fill, size);
}

static int teardown(void **state)
{
	free(buf);
	buf = region = NULL;
	region_size = region_misalign = 0;
	return 0;
}

static bool all_bytes(const void *p, int c, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)c)
			return false;
	return true;
}

static bool is_zero(const void *p, size_t n)
{
	const uint64_t *w = p;

	for (size_t i = 0; i < n / 8; i++)
		if (w[i])
			return false;
	return true;
}

/* Whether a free block of at least `order` exists, i.e. an allocation of it must succeed. */
static bool can_alloc(unsigned order)
{
	for (unsigned o = order; o <= KMEM_MAX_ORDER; o++)
		if (k.free[o].first)
			return true;
	return false;
}

/* How many free blocks of `order` the lists hold (bounded: a cycle fails). */
static size_t free_count(unsigned order)
{
	size_t n = 0;

	for (const struct dlist_node *b = k.free[order].first; b; b = b->next)
		assert_true(++n <= k.size / bsize(order));
	return n;
}

static void check_canaries(void)
{
	uintptr_t end = (uintptr_t)region + region_size;

	assert_true(all_bytes(buf, CANARY, region_misalign));
	assert_true(all_bytes((void *)(k.base + k.size), CANARY, end - (k.base + k.size)));
}

/*
 * The layout of a fresh pool on `region`: blocks from a page boundary after
 * the bitmaps, inside the region, less than one 64-byte block wasted at the
 * end, the bitmaps (as large as the usable size needs) disjoint and between
 * the region start and the first block, a modest overhead, everything free.
 */
static void check_layout(void)
{
	uintptr_t r = (uintptr_t)region, end = r + region_size;
	size_t need[KMEM_MAX_ORDER + 1];

	assert_true(kmem_check(&k));
	assert_int_equal(k.base % KMEM_BASE_ALIGN, 0);
	assert_int_equal(k.size % 64, 0);
	assert_true(k.size > 0);
	assert_true(k.base > r);
	assert_true(k.base + k.size <= end);
	assert_true(end - (k.base + k.size) < 64);
	/* Overhead: about 2 bits per 64 bytes, rounding, and the way to the next page. */
	assert_true(k.base - r < region_size / 256 + (KMEM_MAX_ORDER + 1) * 8 + KMEM_BASE_ALIGN);
	for (unsigned o = 0; o <= KMEM_MAX_ORDER; o++) {
		uintptr_t b = (uintptr_t)k.bitmap[o];

		need[o] = ((k.size >> (KMEM_MIN_SHIFT + o)) + 63) / 64 * 8;
		if (!need[o])
			continue;
		assert_true(b >= r && b % 8 == 0);
		assert_true(b + need[o] <= k.base);
		for (unsigned p = 0; p < o; p++) {
			uintptr_t a = (uintptr_t)k.bitmap[p];

			if (need[p])
				assert_true(a + need[p] <= b || b + need[o] <= a);
		}
	}
	assert_int_equal(k.free_bytes, k.size);
	check_canaries();
}

/*
 * With nothing allocated, the free blocks must be the binary decomposition of
 * the pool: size >> 21 blocks of 2 MiB from offset 0, then one block for each
 * bit set in the rest, largest first. (A fresh pool, and any pool all of whose
 * blocks came back, so merging was complete.)
 */
static void check_canonical(void)
{
	size_t off = 0;

	assert_true(kmem_check(&k));
	assert_int_equal(k.free_bytes, k.size);
	for (unsigned o = KMEM_MAX_ORDER + 1; o-- > 0;) {
		size_t n = o == KMEM_MAX_ORDER ? k.size >> (KMEM_MIN_SHIFT + o)
					       : (k.size >> (KMEM_MIN_SHIFT + o)) & 1;

		assert_int_equal(free_count(o), n);
		/* Each expected block is on the list (kmem_check: bit <=> listed). */
		for (size_t i = 0; i < n; i++, off += bsize(o)) {
			size_t idx = off >> (KMEM_MIN_SHIFT + o);

			assert_true(k.bitmap[o][idx / 64] >> (idx % 64) & 1);
		}
	}
	assert_int_equal(off, k.size);
}

/* A pool over a fresh region of `size` bytes `misalign` past a page, garbage-filled first. */
static void pool_new(size_t size, size_t misalign)
{
	region_new(size, misalign, 0xff);
	assert_true(kmem_init(&k, region, size));
	/* A canary in the bytes past the last block: nothing may write there. */
	if ((uintptr_t)region + size > k.base + k.size)
		memset((void *)(k.base + k.size), CANARY, (uintptr_t)region + size - (k.base + k.size));
	check_layout();
	check_canonical();
}

/* Whether a region of `size` bytes `misalign` past a page makes a pool. */
static bool init_at(size_t size, size_t misalign)
{
	region_new(size, misalign, 0xee);
	return kmem_init(&k, region, size);
}

static void test_init_too_small(void **state)
{
	/* Page-aligned: the bitmaps take the first page, so one block needs a page + 64. */
	static const size_t sizes[] = { 0, 1, 63, 64, 65, 127, 128, 4095, 4096, 4096 + 63 };

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		assert_false(init_at(sizes[i], 0));
	assert_true(init_at(4096 + 64, 0));
	assert_int_equal(k.base, (uintptr_t)region + 4096);
	assert_int_equal(k.size, 64);
	assert_int_equal(k.free_bytes, 64);
	assert_true(kmem_check(&k));
	void *p = kmem_alloc(&k, 64);
	assert_ptr_equal(p, (void *)k.base);
	assert_true(is_zero(p, 64));
	assert_null(kmem_alloc(&k, 1));
	assert_int_equal(k.free_bytes, 0);
	assert_true(kmem_check(&k));
	kmem_free(&k, p, 64);
	assert_int_equal(k.free_bytes, 64);
	assert_true(kmem_check(&k));

	/* 64 bytes before a page: the bitmaps fit there and the blocks follow. */
	assert_false(init_at(0, 4032));
	assert_false(init_at(64, 4032));
	assert_false(init_at(127, 4032));
	assert_true(init_at(128, 4032));
	assert_int_equal(k.base, (uintptr_t)region + 64);
	assert_int_equal(k.size, 64);
	assert_true(kmem_check(&k));
	/* 191 bytes: the same, the 63 left over unused. */
	assert_true(init_at(191, 4032));
	assert_int_equal(k.size, 64);
	/* 192: one 128-byte block. */
	assert_true(init_at(192, 4032));
	assert_int_equal(k.size, 128);
	assert_ptr_equal(k.free[1].first, (void *)k.base);
	assert_null(k.free[0].first);
	assert_true(kmem_check(&k));

	/* 64 bytes past a page: the blocks start at the next one. */
	assert_false(init_at(4032 + 63, 64));
	assert_true(init_at(4032 + 64, 64));
	assert_int_equal(k.base, (uintptr_t)region + 4032);
	assert_int_equal(k.size, 64);
	assert_true(kmem_check(&k));
}

static void test_init_sizes(void **state)
{
	static const size_t sizes[] = {
		4096 + 64, 4096 + 65, 8192, 64 * KiB + 1, 1 * MiB, 1 * MiB + 63,
		2 * MiB, 2 * MiB + 8 * KiB, 3 * MiB + 4 * KiB + 192, 3 * MiB + 4 * KiB + 192 + 37,
		5 * MiB - 1, 8 * MiB + 12345, 16 * MiB + 64 * 1023,
	};
	static const size_t misaligns[] = { 0, 64, 2048, 4032 };

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]) * 4; i++) {
		unsigned top = KMEM_MAX_ORDER;

		pool_new(sizes[i / 4], misaligns[i % 4]);
		/* The largest block the pool holds can be had, zeroed despite the garbage. */
		while (!k.free[top].first)
			top--;
		void *p = kmem_alloc(&k, bsize(top));
		assert_non_null(p);
		assert_int_equal(off_of(p) % bsize(top), 0);
		assert_int_equal((uintptr_t)p % (top >= 6 ? KMEM_BASE_ALIGN : bsize(top)), 0);
		assert_true(is_zero(p, bsize(top)));
		assert_int_equal(k.free_bytes, k.size - bsize(top));
		assert_true(kmem_check(&k));
		kmem_free(&k, p, bsize(top));
		check_canonical();
	}
	/*
	 * Exact layouts worked out by hand. 1 MiB: 517 bitmap words (4136
	 * bytes): from a page, blocks start at the third; from 64 bytes
	 * before one, at the second, 4160 bytes in.
	 */
	pool_new(1 * MiB, 0);
	assert_int_equal(k.base - (uintptr_t)region, 8192);
	assert_int_equal(k.size, 1 * MiB - 8192);
	pool_new(1 * MiB, 4032);
	assert_int_equal(k.base - (uintptr_t)region, 4160);
	assert_int_equal(k.size, 1 * MiB - 4160);
	/* 8192 from a page, or 4096 + 64 from 64 bytes before one: exactly one 4 KiB block. */
	pool_new(8192, 0);
	assert_int_equal(k.base - (uintptr_t)region, 4096);
	assert_int_equal(k.size, 4096);
	assert_ptr_equal(k.free[6].first, (void *)k.base);
	pool_new(4096 + 64, 4032);
	assert_int_equal(k.base - (uintptr_t)region, 64);
	assert_int_equal(k.size, 4096);
	assert_ptr_equal(k.free[6].first, (void *)k.base);
	/* 3 MiB + 4 KiB + 192: one 2 MiB block, the rest as the binary digits of it. */
	pool_new(3 * MiB + 4 * KiB + 192, 64);
	assert_int_equal(free_count(KMEM_MAX_ORDER), 1);
	assert_ptr_equal(k.free[KMEM_MAX_ORDER].first, (void *)k.base);
	assert_int_equal(k.size, 3 * MiB + 4 * KiB + 192 - (k.base - (uintptr_t)region));
}

static void test_block_size(void **state)
{
	assert_int_equal(kmem_block_size(0), 0);
	assert_int_equal(kmem_block_size(1), 64);
	assert_int_equal(kmem_block_size(63), 64);
	assert_int_equal(kmem_block_size(64), 64);
	assert_int_equal(kmem_block_size(65), 128);
	assert_int_equal(kmem_block_size(128), 128);
	assert_int_equal(kmem_block_size(129), 256);
	assert_int_equal(kmem_block_size(4095), 4096);
	assert_int_equal(kmem_block_size(4096), 4096);
	assert_int_equal(kmem_block_size(4097), 8192);
	assert_int_equal(kmem_block_size(1 * MiB + 1), 2 * MiB);
	assert_int_equal(kmem_block_size(2 * MiB - 1), 2 * MiB);
	assert_int_equal(kmem_block_size(2 * MiB), 2 * MiB);
	assert_int_equal(kmem_block_size(2 * MiB + 1), 0);
	assert_int_equal(kmem_block_size(SIZE_MAX), 0);
	assert_int_equal(KMEM_MAX_BLOCK, 2 * MiB);
	for (unsigned o = 0; o <= KMEM_MAX_ORDER; o++) {
		assert_int_equal(kmem_block_size(bsize(o)), bsize(o));
		if (o)
			assert_int_equal(kmem_block_size(bsize(o - 1) + 1), bsize(o));
	}
}

static void test_bad_sizes(void **state)
{
	struct quota q = { .limit = SIZE_MAX, .used = 0 };

	pool_new(3 * MiB, 64);
	assert_null(kmem_alloc(&k, 0));
	assert_null(kmem_alloc(&k, KMEM_MAX_BLOCK + 1));
	assert_null(kmem_alloc(&k, SIZE_MAX));
	assert_null(kmem_alloc_q(&k, &q, 0));
	assert_null(kmem_alloc_q(&k, &q, KMEM_MAX_BLOCK + 1));
	assert_null(kmem_alloc_q(&k, &q, SIZE_MAX));
	assert_int_equal(q.used, 0);
	check_canonical();
	/* The maximum itself is fine. */
	void *p = kmem_alloc_q(&k, &q, KMEM_MAX_BLOCK);
	assert_non_null(p);
	assert_int_equal(q.used, KMEM_MAX_BLOCK);
	kmem_free_q(&k, &q, p, KMEM_MAX_BLOCK);
	assert_int_equal(q.used, 0);
	check_canonical();
}

/* Exact splitting and merging on a pool of a single 4 KiB block. */
static void test_split_merge(void **state)
{
	pool_new(8192, 0);
	assert_int_equal(k.size, 4096);
	char *a = kmem_alloc(&k, 1);
	assert_ptr_equal(a, (void *)k.base);
	/* Splitting 4 KiB down to 64 B left one free upper half at each order. */
	for (unsigned o = 0; o < 6; o++) {
		assert_ptr_equal(k.free[o].first, (void *)(k.base + bsize(o)));
		assert_null(k.free[o].first->next);
		assert_null(k.free[o].first->prev);
	}
	assert_null(k.free[6].first);
	assert_int_equal(k.free_bytes, 4096 - 64);
	assert_true(kmem_check(&k));

	char *b = kmem_alloc(&k, 64);           /* a's buddy */
	assert_ptr_equal(b, a + 64);
	char *c = kmem_alloc(&k, 2048);         /* the upper half */
	assert_ptr_equal(c, a + 2048);
	char *d = kmem_alloc(&k, 65);           /* the free 128 */
	assert_ptr_equal(d, a + 128);
	assert_int_equal(k.free_bytes, 4096 - 64 - 64 - 2048 - 128);
	assert_null(kmem_alloc(&k, 2048));
	assert_true(kmem_check(&k));

	/* a alone cannot merge: its buddy b is allocated. */
	kmem_free(&k, a, 1);
	assert_ptr_equal(k.free[0].first, a);
	assert_true(kmem_check(&k));
	/* b merges with a, then with nothing (d holds 128..255). */
	kmem_free(&k, b, 64);
	assert_null(k.free[0].first);
	assert_ptr_equal(k.free[1].first, a);
	assert_true(kmem_check(&k));
	/* d merges 0..127 into 0..255, then with 256..511, 512..1023 and 1024..2047. */
	kmem_free(&k, d, 65);
	for (unsigned o = 0; o < 5; o++)
		assert_null(k.free[o].first);
	assert_ptr_equal(k.free[5].first, a);
	assert_int_equal(k.free_bytes, 2048);
	assert_true(kmem_check(&k));
	/* c brings the whole page back. */
	kmem_free(&k, c, 2048);
	assert_ptr_equal(k.free[6].first, a);
	check_canonical();

	/* Freed in the other order, the merges happen as well. */
	a = kmem_alloc(&k, 64);
	b = kmem_alloc(&k, 64);
	c = kmem_alloc(&k, 128);
	memset(a, 0xaa, 64);
	memset(b, 0xaa, 64);
	memset(c, 0xaa, 128);
	kmem_free(&k, c, 128);
	kmem_free(&k, b, 64);
	kmem_free(&k, a, 64);
	check_canonical();
	/* The memory handed out again is zero, links and 0xAA alike. */
	a = kmem_alloc(&k, 4096);
	assert_non_null(a);
	assert_true(is_zero(a, 4096));
	assert_null(kmem_alloc(&k, 1));
	kmem_free(&k, a, 4096);
	check_canonical();
}

/*
 * Each order on a pool with a ragged end: exhaust it, every block aligned,
 * inside the pool, distinct and zero; then all freed (forwards, backwards or
 * shuffled) after scribbling 0xAA, and the pool must be whole again and give
 * out zeroed memory at another order.
 */
static void test_every_order(void **state)
{
	const size_t size = 2 * MiB + 100 * KiB + 320;
	uint64_t shuffle = 0x0de7e5;
	void **blk;
	unsigned char *seen;

	pool_new(size, 64);
	blk = calloc(k.size / 64 + 1, sizeof(*blk));
	seen = calloc(k.size / 64 + 1, 1);
	assert_non_null(blk);
	assert_non_null(seen);
	for (unsigned o = 0; o <= KMEM_MAX_ORDER; o++) {
		const size_t bs = bsize(o), want = k.size / bs;
		size_t n = 0;
		char *p;

		memset(seen, 0, k.size / 64 + 1);
		/* Sizes within (bs / 2, bs]: all take a block of this order. */
		while ((p = kmem_alloc(&k, o ? bs / 2 + 1 + (n % (bs / 2)) : 1 + n % 64))) {
			size_t off = off_of(p);

			assert_true((uintptr_t)p >= k.base);
			assert_true(off + bs <= k.size);
			assert_int_equal(off % bs, 0);
			assert_int_equal((uintptr_t)p % (o >= 6 ? KMEM_BASE_ALIGN : bs), 0);
			assert_false(seen[off / bs]);
			seen[off / bs] = 1;
			assert_true(is_zero(p, bs));
			assert_true(n < want);
			blk[n++] = p;
		}
		/* Every aligned block of this order fits, so all of them were handed out. */
		assert_int_equal(n, want);
		assert_int_equal(k.free_bytes, k.size - n * bs);
		assert_true(kmem_check(&k));
		assert_null(kmem_alloc(&k, bs));
		/* What is left over is smaller than one such block. */
		if (k.free_bytes) {
			assert_true(o > 0);
			p = kmem_alloc(&k, 64);
			assert_non_null(p);
			assert_true(off_of(p) >= n * bs);
			kmem_free(&k, p, 64);
		} else {
			assert_null(kmem_alloc(&k, 1));
		}
		for (size_t i = 0; i < n; i++)
			memset(blk[i], 0xaa, bs);
		switch (o % 3) {
		case 0:
			for (size_t i = 0; i < n; i++)
				kmem_free(&k, blk[i], bs);
			break;
		case 1:
			for (size_t i = n; i-- > 0;)
				kmem_free(&k, blk[i], bs);
			break;
		default:
			for (size_t i = n; i > 1; i--) {
				size_t j = xorshift64s(&shuffle) % i;
				void *t = blk[i - 1];

				blk[i - 1] = blk[j];
				blk[j] = t;
			}
			for (size_t i = 0; i < n; i++)
				kmem_free(&k, blk[i], bs / 2 + 1);
			break;
		}
		check_canonical();

		/* The scribbled memory comes back zeroed at another order. */
		const unsigned o2 = (o + 7) % (KMEM_MAX_ORDER + 1);
		n = 0;
		while ((p = kmem_alloc(&k, bsize(o2)))) {
			assert_true(is_zero(p, bsize(o2)));
			blk[n++] = p;
		}
		assert_int_equal(n, k.size / bsize(o2));
		while (n)
			kmem_free(&k, blk[--n], bsize(o2));
		check_canonical();
	}
	/* And after all that, the 2 MiB block is there. */
	void *big = kmem_alloc(&k, KMEM_MAX_BLOCK);
	assert_non_null(big);
	assert_null(kmem_alloc(&k, KMEM_MAX_BLOCK));
	kmem_free(&k, big, KMEM_MAX_BLOCK);
	check_canonical();
	free(blk);
	free(seen);
}

static void test_quota_charge(void **state)
{
	struct quota q = { .limit = 100, .used = 0 };

	assert_true(quota_charge(&q, 0));
	assert_int_equal(q.used, 0);
	assert_false(quota_charge(&q, 101));            /* one byte over */
	assert_int_equal(q.used, 0);
	assert_true(quota_charge(&q, 100));             /* exactly at the limit */
	assert_int_equal(q.used, 100);
	assert_false(quota_charge(&q, 1));
	assert_false(quota_charge(&q, SIZE_MAX));
	assert_true(quota_charge(&q, 0));
	assert_int_equal(q.used, 100);
	quota_credit(&q, 40);
	assert_int_equal(q.used, 60);
	assert_false(quota_charge(&q, 41));
	assert_int_equal(q.used, 60);
	assert_true(quota_charge(&q, 40));
	assert_int_equal(q.used, 100);
	quota_credit(&q, 100);
	assert_int_equal(q.used, 0);
	quota_credit(&q, 0);
	assert_int_equal(q.used, 0);

	/* A zero limit admits nothing but nothing. */
	q = (struct quota){ .limit = 0, .used = 0 };
	assert_false(quota_charge(&q, 1));
	assert_true(quota_charge(&q, 0));
	assert_int_equal(q.used, 0);

	/* No overflow at the top of size_t. */
	q = (struct quota){ .limit = SIZE_MAX, .used = 0 };
	assert_true(quota_charge(&q, SIZE_MAX - 1));
	assert_false(quota_charge(&q, 2));
	assert_false(quota_charge(&q, SIZE_MAX));
	assert_true(quota_charge(&q, 1));
	assert_int_equal(q.used, SIZE_MAX);
	assert_false(quota_charge(&q, 1));
	quota_credit(&q, SIZE_MAX);
	assert_int_equal(q.used, 0);
}

static void test_alloc_q(void **state)
{
	struct quota q = { .limit = 4096 + 64, .used = 0 };
	size_t fb;

	pool_new(1 * MiB + 1000, 0);       /* 254 pages and 960 bytes of blocks */
	fb = k.free_bytes;
	/* Charged at the block size, not the size asked for. */
	void *a = kmem_alloc_q(&k, &q, 4000);
	assert_non_null(a);
	assert_int_equal(q.used, 4096);
	assert_int_equal(k.free_bytes, fb - 4096);
	/* 64 bytes of quota left: 65 needs a 128-byte block. */
	assert_null(kmem_alloc_q(&k, &q, 65));
	assert_int_equal(q.used, 4096);
	assert_int_equal(k.free_bytes, fb - 4096);
	void *b = kmem_alloc_q(&k, &q, 1);
	assert_non_null(b);
	assert_int_equal(q.used, q.limit);              /* exactly at the limit */
	assert_null(kmem_alloc_q(&k, &q, 1));
	assert_int_equal(q.used, q.limit);
	assert_int_equal(k.free_bytes, fb - 4096 - 64);
	assert_true(kmem_check(&k));
	/* kmem_free_q credits the block size. */
	kmem_free_q(&k, &q, a, 4000);
	assert_int_equal(q.used, 64);
	kmem_free_q(&k, &q, b, 1);
	assert_int_equal(q.used, 0);
	check_canonical();

	/* A zero quota: nothing, and the pool untouched. */
	q = (struct quota){ .limit = 0, .used = 0 };
	assert_null(kmem_alloc_q(&k, &q, 1));
	assert_int_equal(q.used, 0);
	check_canonical();

	/* Quota to spare but the pool exhausted: NULL, and nothing stays charged. */
	q = (struct quota){ .limit = SIZE_MAX / 2, .used = 12345 };
	size_t n = k.size / 4096;
	void **blk = calloc(n, sizeof(*blk));
	assert_non_null(blk);
	for (size_t i = 0; i < n; i++) {
		blk[i] = kmem_alloc_q(&k, &q, 4096);
		assert_non_null(blk[i]);
	}
	assert_int_equal(q.used, 12345 + n * 4096);
	assert_int_equal(k.free_bytes, 960);
	assert_null(kmem_alloc_q(&k, &q, 4096));
	assert_null(kmem_alloc_q(&k, &q, KMEM_MAX_BLOCK));
	assert_int_equal(q.used, 12345 + n * 4096);
	/* The small tail still serves small requests. */
	void *t = kmem_alloc_q(&k, &q, 64);
	assert_non_null(t);
	assert_int_equal(q.used, 12345 + n * 4096 + 64);
	kmem_free_q(&k, &q, t, 64);
	for (size_t i = 0; i < n; i++)
		kmem_free_q(&k, &q, blk[i], 4096);
	assert_int_equal(q.used, 12345);
	check_canonical();
	free(blk);
}

/*
 * kmem_alloc_min_inline / kmem_alloc_min_raw (the page-fault fast path's
 * 64-byte blocks and their stash) in a random history of allocations and
 * frees of all sizes, where every 64-byte block is taken the fast way: no
 * block may overlap a live one (a 64-byte-granule ownership map), the stash
 * stays below 64 blocks, kmem_check holds (stash included); in the end,
 * with everything freed and the stash's blocks freed too, the pool is
 * exactly a fresh one again (every free list, in order: all merged).
 */
/* Three 2 MiB chunks (the last one partial): the lazy bitmaps (kmem.h) of
 * the two whole ones are garbage until a block there is first split. */
#define MPOOL (5 * MiB + 4 * KiB)
#define MLIVE 2048

static void same_pools(const struct kmem *a, const struct kmem *b)
{
	assert_int_equal(a->free_bytes, b->free_bytes);
	for (unsigned o = 0; o <= KMEM_MAX_ORDER; o++) {
		const struct dlist_node *x = a->free[o].first, *y = b->free[o].first;
		for (; x && y; x = x->next, y = y->next)
			assert_int_equal((uintptr_t)x - a->base, (uintptr_t)y - b->base);
		assert_true(!x && !y);
	}
}

static void own(unsigned char *map, const struct kmem *p, const void *b, size_t size, bool take)
{
	size_t g = ((uintptr_t)b - p->base) / KMEM_MIN_BLOCK, n = kmem_block_size(size) / KMEM_MIN_BLOCK;

	assert_true((uintptr_t)b >= p->base && (g + n) * KMEM_MIN_BLOCK <= p->size);
	for (size_t i = g; i < g + n; i++) {
		assert_int_equal(map[i], !take);
		map[i] = take;
	}
}

static void test_alloc_min(void **state)
{
	static void *lb[MLIVE];
	static size_t lsize[MLIVE];
	static unsigned char owner[MPOOL / KMEM_MIN_BLOCK];
	unsigned n = 0, inline_hits = 0, raw_hits = 0;
	size_t max_stash = 0;
	uint64_t r = 0x6b6d656d2d6d696eULL;
	struct kmem kb;
	void *rb = NULL;

	pool_new(MPOOL, 0);             /* k: the fresh pool to compare with at the end */
	assert_int_equal(posix_memalign(&rb, KMEM_BASE_ALIGN, MPOOL), 0);
	memset(rb, 0xff, MPOOL);
	assert_true(kmem_init(&kb, rb, MPOOL));
	same_pools(&k, &kb);
	memset(owner, 0, sizeof(owner));
	for (int step = 0; step < 20000; step++) {
		uint64_t x = xorshift64s(&r);
		void *b;
		size_t size = 64;
		if (n && (x % 100 < 40 || n == MLIVE)) {
			unsigned i = (unsigned)(x >> 8) % n;
			own(owner, &kb, lb[i], lsize[i], false);
			kmem_free(&kb, lb[i], lsize[i]);
			lb[i] = lb[--n];
			lsize[i] = lsize[n];
			continue;
		} else if (x % 100 < 75) {
			if ((b = kmem_alloc_min_inline(&kb)))
				inline_hits++;
			else if ((b = kmem_alloc_min_raw(&kb)))
				raw_hits++;
		} else {
			size = (size_t)1 << (6 + (x >> 8) % 12);
			size -= (x >> 20) % (size / 2);
			b = kmem_alloc(&kb, size);
		}
		if (!b)
			continue;
		own(owner, &kb, b, size, true);
		lb[n] = b;
		lsize[n++] = size;
		size_t st = kmem_stashed(&kb);
		assert_true(st < 64);
		max_stash = st > max_stash ? st : max_stash;
		if (step % 500 == 0)
			assert_true(kmem_check(&kb));
	}
	assert_true(kmem_check(&kb));
	while (n--)
		kmem_free(&kb, lb[n], lsize[n]);
	assert_true(kmem_check(&kb));
	size_t st = kmem_stashed(&kb);
	assert_int_equal(kb.free_bytes + st * KMEM_MIN_BLOCK, k.free_bytes);
	void *b;
	while ((b = kmem_alloc_min_inline(&kb)))
		kmem_free(&kb, b, 64);
	same_pools(&k, &kb);
	assert_true(kmem_check(&kb));
	/* Both ways were taken, often; the stash refilled from 4 KiB blocks. */
	printf("test_alloc_min: %u blocks inline, %u by kmem_alloc_min_raw, stash up to %zu\n", inline_hits,
	       raw_hits, max_stash);
	assert_true(inline_hits > 1000 && raw_hits > 50 && max_stash == 63);
	/* An exhausted pool: NULL from both once the stash is empty. */
	while ((b = kmem_alloc(&kb, 64)))
		;
	assert_null(kmem_alloc_min_raw(&kb));
	assert_null(kmem_alloc_min_inline(&kb));
	free(rb);
}

/*
 * The lazy bitmaps (kmem.h): in a garbage-filled pool of several chunks,
 * kmem_alloc alone (no stash) splits each chunk first: every block of the
 * pool can be taken and given back, kmem_check holding, and the pool ends
 * as a fresh one.
 */
static void test_lazy_bitmaps(void **state)
{
	static void *b[(6 * MiB) / (4 * KiB)];
	const size_t size = 6 * MiB + 4 * KiB;
	struct kmem kb;
	void *rb = NULL;
	size_t n = 0;

	pool_new(size, 0);              /* k: the fresh pool to compare with at the end */
	assert_int_equal(posix_memalign(&rb, KMEM_BASE_ALIGN, size), 0);
	memset(rb, 0xff, size);
	assert_true(kmem_init(&kb, rb, size));
	assert_int_equal(kb.ready[0], 1UL << 2);        /* only the partial last chunk */
	while (n < sizeof(b) / sizeof(b[0]) && (b[n] = kmem_alloc(&kb, 4 * KiB)))
		n++;
	assert_true(n > 1000);
	assert_int_equal(kb.ready[0], 7);
	assert_true(kmem_check(&kb));
	while (n--)
		kmem_free(&kb, b[n], 4 * KiB);
	assert_true(kmem_check(&kb));
	same_pools(&k, &kb);
	free(rb);
}

/* kmem_alloc_min_block: the block kmem_alloc_min_raw would carve, whole;
 * what the caller does not use goes on the stash; all of it comes back. */
static void test_min_block(void **state)
{
	size_t n, free0;
	uint8_t *b;

	pool_new(64 * KiB, 0);
	free0 = k.free_bytes;
	assert_non_null(b = kmem_alloc_min_block(&k, &n));
	assert_int_equal(n, 64);                        /* a 4 KiB block of a 64 KiB pool */
	assert_int_equal(k.free_bytes, free0 - 4 * KiB);
	assert_int_equal(kmem_stashed(&k), 0);
	kmem_stash_min(&k, b + 10 * KMEM_MIN_BLOCK, n - 10);    /* 10 used */
	assert_int_equal(kmem_stashed(&k), 54);
	assert_ptr_equal(kmem_alloc_min_inline(&k), b + 10 * KMEM_MIN_BLOCK);   /* lowest first, as min_raw */
	assert_true(kmem_check(&k));
	kmem_free(&k, b + 10 * KMEM_MIN_BLOCK, 64);
	for (size_t i = 0; i < 10; i++)
		kmem_free(&k, b + i * KMEM_MIN_BLOCK, 64);
	void *f;
	while ((f = kmem_alloc_min_inline(&k)))
		kmem_free(&k, f, 64);
	assert_int_equal(k.free_bytes, free0);
	assert_true(kmem_check(&k));
	check_canonical();
}

/* The stash in kmem_check: a block on it that is also free, or a cycle, is corruption. */
static void test_stash_check(void **state)
{
	pool_new(64 * KiB, 0);
	void *a = kmem_alloc_min_raw(&k);       /* carves a 4 KiB block: 63 stashed */
	assert_non_null(a);
	assert_int_equal(kmem_stashed(&k), 63);
	assert_true(kmem_check(&k));
	void *b = kmem_alloc_min_inline(&k);
	assert_int_equal((uintptr_t)b, (uintptr_t)a + 64);
	kmem_free(&k, b, 64);                   /* free and ... */
	struct kmem_free *f = b, *was = k.stash;
	k.stash = f;                            /* ... stashed as well */
	struct kmem_free saved = *f;
	f->link.next = &was->link;
	assert_false(kmem_check(&k));
	*f = saved;
	k.stash = was;
	assert_true(kmem_check(&k));
	struct dlist_node *last = &k.stash->link;       /* a cycle */
	while (last->next)
		last = last->next;
	last->next = &k.stash->link;
	assert_false(kmem_check(&k));
	last->next = NULL;
	assert_true(kmem_check(&k));
	k.stash = (struct kmem_free *)((uintptr_t)k.stash + 8);  /* not a block */
	assert_false(kmem_check(&k));
}

/* kmem_check() must notice corruption, or the random test proves little. */
static void test_check_detects(void **state)
{
	pool_new(64 * KiB + 4096, 0);           /* a page of bitmaps, one 64 KiB block */
	assert_int_equal(k.size, 64 * KiB);
	char *a = kmem_alloc(&k, 64);
	char *b = kmem_alloc(&k, 256);
	assert_true(kmem_check(&k));
	struct kmem saved = k;

	k.free_bytes += 64;                                     /* miscounted */
	assert_false(kmem_check(&k));
	k.free_bytes -= 128;
	assert_false(kmem_check(&k));
	k = saved;
	k.bitmap[0][0] ^= 1;                                    /* a marked free, not listed */
	assert_false(kmem_check(&k));
	k.bitmap[0][0] ^= 1;
	k.bitmap[0][0] ^= 2;                                    /* free buddy cleared, still listed */
	assert_false(kmem_check(&k));
	k.bitmap[0][0] ^= 2;
	assert_true(kmem_check(&k));
	k.bitmap[9][0] ^= 1;                                    /* a higher block over free ones */
	assert_false(kmem_check(&k));
	k.bitmap[9][0] ^= 1;
	k.free[0].first->prev = k.free[0].first;                /* bad back link */
	assert_false(kmem_check(&k));
	k.free[0].first->prev = NULL;
	assert_true(kmem_check(&k));
	struct dlist_node *f = k.free[0].first;                 /* a cycle */
	f->next = f;
	assert_false(kmem_check(&k));
	f->next = NULL;
	k.free[0].first = (struct dlist_node *)(k.base + 32);   /* misaligned */
	assert_false(kmem_check(&k));
	k.free[0].first = f;
	assert_true(kmem_check(&k));
	/* Two free buddies left unmerged (freed by hand, behind kmem_free's back). */
	k.bitmap[0][0] |= 1;
	((struct dlist_node *)a)->next = k.free[0].first;
	((struct dlist_node *)a)->prev = NULL;
	k.free[0].first->prev = (struct dlist_node *)a;
	k.free[0].first = (struct dlist_node *)a;
	k.free_bytes += 64;
	assert_false(kmem_check(&k));
	k.free[0].first = k.free[0].first->next;
	k.free[0].first->prev = NULL;
	k.bitmap[0][0] &= ~1UL;
	k.free_bytes -= 64;
	assert_true(kmem_check(&k));
	kmem_free(&k, b, 256);
	kmem_free(&k, a, 64);
	check_canonical();
}

/* The randomized test's model. */
#define RPOOL (3 * MiB + 4 * KiB + 192)
#define MAXLIVE 4096
#ifndef RSTEPS
#define RSTEPS 4000
#endif

struct live {
	uint64_t *p;
	size_t size, bs;                /* as asked for; its block's size */
	uint64_t tag;                   /* the pattern */
	bool q;                         /* charged to the quota */
};

static struct live live[MAXLIVE];
static unsigned nlive;
static unsigned char *owned;            /* per 64-byte granule of the pool */
static struct quota rq;
static size_t live_bytes, live_q_bytes;
static uint64_t rng;

static uint64_t rnd(void)
{
	return xorshift64s(&rng);
}

static uint64_t pattern(uint64_t tag, size_t i)
{
	return tag ^ (i * 0x9e3779b97f4a7c15ull);
}

static void verify_pattern(const struct live *l)
{
	for (size_t i = 0; i < l->bs / 8; i++)
		if (l->p[i] != pattern(l->tag, i))
			fail_msg("block at +%#zx (%zu bytes) corrupted at byte %zu",
				 off_of(l->p), l->bs, i * 8);
}

/* Mostly 1 B .. 64 KiB, one in 16 up to 2 MiB; often exactly a block or just over one. */
static size_t rnd_size(void)
{
	unsigned o = rnd() % 16 == 0 ? 11 + (unsigned)(rnd() % 5) : (unsigned)(rnd() % 11);
	size_t bs = bsize(o);

	switch (rnd() % 4) {
	case 0:
		return bs;
	case 1:
		return o ? bs / 2 + 1 : 1;
	default:
		return o ? bs / 2 + 1 + rnd() % (bs / 2) : 1 + rnd() % bs;
	}
}

/* Failures: for want of quota, or of a free block large enough. */
static unsigned qfails, pfails;

static void rand_alloc(unsigned *fails)
{
	const size_t size = rnd_size(), bs = kmem_block_size(size);
	const bool viaq = rnd() % 2;
	const size_t fb = k.free_bytes, used = rq.used;
	unsigned order = 0;
	bool expect;
	uint64_t *p;

	while (bsize(order) < bs)
		order++;
	expect = can_alloc(order) && (!viaq || bs <= rq.limit - rq.used);
	p = viaq ? kmem_alloc_q(&k, &rq, size) : kmem_alloc(&k, size);
	if (!p) {
		assert_false(expect);
		assert_int_equal(k.free_bytes, fb);
		assert_int_equal(rq.used, used);
		(*fails)++;
		if (can_alloc(order))
			qfails++;
		else
			pfails++;
		return;
	}
	assert_true(expect);
	assert_int_equal(k.free_bytes, fb - bs);
	assert_int_equal(rq.used, used + (viaq ? bs : 0));
	/* Inside the pool (so clear of the bitmaps), aligned, not overlapping anything live. */
	assert_true((uintptr_t)p >= k.base);
	assert_true(off_of(p) + bs <= k.size);
	assert_int_equal(off_of(p) % bs, 0);
	assert_int_equal((uintptr_t)p % (bs >= KMEM_BASE_ALIGN ? KMEM_BASE_ALIGN : bs), 0);
	for (size_t g = off_of(p) / 64; g < (off_of(p) + bs) / 64; g++) {
		assert_false(owned[g]);
		owned[g] = 1;
	}
	assert_true(is_zero(p, bs));
	struct live *l = &live[nlive++];
	*l = (struct live){ .p = p, .size = size, .bs = bs, .tag = rnd(), .q = viaq };
	for (size_t i = 0; i < bs / 8; i++)
		p[i] = pattern(l->tag, i);
	live_bytes += bs;
	live_q_bytes += viaq ? bs : 0;
}

static void rand_free(unsigned i)
{
	struct live l = live[i];
	const size_t fb = k.free_bytes, used = rq.used;

	verify_pattern(&l);
	for (size_t g = off_of(l.p) / 64; g < (off_of(l.p) + l.bs) / 64; g++) {
		assert_true(owned[g]);
		owned[g] = 0;
	}
	if (l.q)
		kmem_free_q(&k, &rq, l.p, l.size);
	else
		kmem_free(&k, l.p, l.size);
	assert_int_equal(k.free_bytes, fb + l.bs);
	assert_int_equal(rq.used, used - (l.q ? l.bs : 0));
	live[i] = live[--nlive];
	live_bytes -= l.bs;
	live_q_bytes -= l.q ? l.bs : 0;
}

/* The invariants after every step. */
static void rand_check(void)
{
	assert_true(kmem_check(&k));
	assert_int_equal(k.free_bytes + live_bytes, k.size);
	assert_int_equal(rq.used, live_q_bytes);
	assert_true(rq.used <= rq.limit);
	/* Free blocks and live ones are disjoint (so, by the sum, they tile the pool). */
	for (unsigned o = 0; o <= KMEM_MAX_ORDER; o++)
		for (const struct dlist_node *b = k.free[o].first; b; b = b->next)
			for (size_t g = off_of(b) / 64; g < (off_of(b) + bsize(o)) / 64; g++)
				if (owned[g])
					fail_msg("free block +%#zx of order %u overlaps a live block",
						 off_of(b), o);
}

static void test_random(void **state)
{
	static const unsigned palloc[] = { 80, 50, 65, 20, 95, 40 };
	const char *env = getenv("KMEM_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x6b6d656d5eedull;
	unsigned allocs = 0, frees = 0, fails = 0, maxlive = 0, resets = 0;

	qfails = pfails = 0;
	size_t maxbytes = 0;

	printf("test_random: seed 0x%llx\n", (unsigned long long)seed);
	rng = seed ? seed : 1;
	pool_new(RPOOL, 64);
	owned = calloc(k.size / 64, 1);
	assert_non_null(owned);
	nlive = 0;
	live_bytes = live_q_bytes = 0;
	rq = (struct quota){ .limit = 1 * MiB + 64 * KiB, .used = 0 };

	for (unsigned step = 0; step < RSTEPS; step++) {
		/* The allocation pressure changes in waves, so the pool both fills and drains. */
		const unsigned p = palloc[step / 400 % (sizeof(palloc) / sizeof(palloc[0]))];

		if (nlive == 0 || (nlive < MAXLIVE && rnd() % 100 < p)) {
			unsigned f = fails;

			rand_alloc(&fails);
			allocs += f == fails;
		} else {
			rand_free((unsigned)(rnd() % nlive));
			frees++;
		}
		rand_check();
		if (nlive > maxlive)
			maxlive = nlive;
		if (live_bytes > maxbytes)
			maxbytes = live_bytes;
		/* Now and then every live block is checked, or all are freed. */
		if (step % 500 == 499)
			for (unsigned i = 0; i < nlive; i++)
				verify_pattern(&live[i]);
		if (step % 1400 == 1399) {
			while (nlive)
				rand_free((unsigned)(rnd() % nlive));
			check_canonical();
			assert_int_equal(rq.used, 0);
			resets++;
		}
	}
	while (nlive)
		rand_free((unsigned)(rnd() % nlive));
	check_canonical();
	assert_int_equal(rq.used, 0);
	check_canaries();
	printf("test_random: %u steps: %u allocations, %u failed (%u quota, %u pool), %u frees, "
	       "%u drains; at most %u blocks, %zu of %zu bytes live\n",
	       RSTEPS, allocs, fails, qfails, pfails, frees, resets, maxlive, maxbytes, k.size);
	/* The run must have filled the pool and hit both kinds of failure. */
	assert_true(allocs > RSTEPS / 4 && frees > RSTEPS / 4);
	assert_true(qfails > 0 && pfails >= RSTEPS / 100);
	assert_true(maxbytes > k.size / 2);
	free(owned);
	owned = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_init_too_small, teardown),
		cmocka_unit_test_teardown(test_init_sizes, teardown),
		cmocka_unit_test_teardown(test_block_size, teardown),
		cmocka_unit_test_teardown(test_bad_sizes, teardown),
		cmocka_unit_test_teardown(test_split_merge, teardown),
		cmocka_unit_test_teardown(test_every_order, teardown),
		cmocka_unit_test_teardown(test_quota_charge, teardown),
		cmocka_unit_test_teardown(test_alloc_q, teardown),
		cmocka_unit_test_teardown(test_alloc_min, teardown),
		cmocka_unit_test_teardown(test_stash_check, teardown),
		cmocka_unit_test_teardown(test_lazy_bitmaps, teardown),
		cmocka_unit_test_teardown(test_min_block, teardown),
		cmocka_unit_test_teardown(test_check_detects, teardown),
		cmocka_unit_test_teardown(test_random, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
