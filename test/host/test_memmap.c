/*
 * test_memmap.c - host tests of kernel/lib/memmap.c, the free-physical-memory
 * map the boot code carves page tables and pages out of. A bug there hands
 * out memory twice or loses it, so besides directed tests of each operation's
 * edge cases (merging, splitting, clipping at 2^64, alignment, the map being
 * full) a randomized test checks thousands of operations against a bitmap model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/memmap.h"

#define PG 0x1000ULL

/* Expected ranges, as {base, size} pairs. */
static void expect_map(const struct memmap *m, unsigned n, const uint64_t *want)
{
	assert_true(memmap_check(m));
	assert_int_equal(m->n, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(m->r[i].base, want[2 * i]);
		assert_int_equal(m->r[i].size, want[2 * i + 1]);
	}
}

#define EXPECT_MAP(m, ...) do { \
	static const uint64_t want_[] = { __VA_ARGS__ }; \
	expect_map((m), sizeof(want_) / sizeof(want_[0]) / 2, want_); \
} while (0)

static bool same_map(const struct memmap *a, const struct memmap *b)
{
	return a->n == b->n && memcmp(a->r, b->r, a->n * sizeof(a->r[0])) == 0;
}

static void test_empty(void **state)
{
	struct memmap m;
	uint64_t out = 0;

	memmap_init(&m);
	assert_true(memmap_check(&m));
	assert_int_equal(m.n, 0);
	assert_int_equal(memmap_total(&m), 0);
	assert_true(memmap_contains(&m, 0x1234, 0));
	assert_false(memmap_contains(&m, 0, 1));
	assert_false(memmap_alloc(&m, PG, PG, &out));
	assert_int_equal(memmap_add(&m, 0x5000, 0), 0);
	assert_int_equal(memmap_remove(&m, 0x5000, PG), 0);
	assert_int_equal(m.n, 0);
}

static void test_add_merge(void **state)
{
	struct memmap m;

	memmap_init(&m);
	/* Out of order: kept sorted. */
	assert_int_equal(memmap_add(&m, 0x5000, PG), 0);
	assert_int_equal(memmap_add(&m, 0x1000, PG), 0);
	assert_int_equal(memmap_add(&m, 0x3000, PG), 0);
	EXPECT_MAP(&m, 0x1000, PG, 0x3000, PG, 0x5000, PG);
	/* Touching on the left and the right: one range. */
	assert_int_equal(memmap_add(&m, 0x2000, PG), 0);
	EXPECT_MAP(&m, 0x1000, 0x3000, 0x5000, PG);
	/* Touching only on the left of an existing range. */
	assert_int_equal(memmap_add(&m, 0x6000, PG), 0);
	EXPECT_MAP(&m, 0x1000, 0x3000, 0x5000, 0x2000);
	/* Overlapping the start. */
	assert_int_equal(memmap_add(&m, 0x800, 0x1000), 0);
	EXPECT_MAP(&m, 0x800, 0x3800, 0x5000, 0x2000);
	/* Overlapping the end. */
	assert_int_equal(memmap_add(&m, 0x6800, 0x1000), 0);
	EXPECT_MAP(&m, 0x800, 0x3800, 0x5000, 0x2800);
	/* Inside an existing range: nothing changes. */
	assert_int_equal(memmap_add(&m, 0x1000, 0x10), 0);
	EXPECT_MAP(&m, 0x800, 0x3800, 0x5000, 0x2800);
	/* Empty: nothing changes. */
	assert_int_equal(memmap_add(&m, 0x4800, 0), 0);
	EXPECT_MAP(&m, 0x800, 0x3800, 0x5000, 0x2800);
	/* Filling the gap exactly merges everything. */
	assert_int_equal(memmap_add(&m, 0x4000, 0x1000), 0);
	EXPECT_MAP(&m, 0x800, 0x7000);
	assert_int_equal(memmap_total(&m), 0x7000);

	/* One range swallowing several, with gaps and beyond both ends. */
	memmap_init(&m);
	for (uint64_t b = 0x10000; b < 0x20000; b += 0x2000)
		assert_int_equal(memmap_add(&m, b, 0x800), 0);
	assert_int_equal(m.n, 8);
	assert_int_equal(memmap_add(&m, 0x100000, PG), 0);
	assert_int_equal(memmap_add(&m, 0x8000, 0x20000), 0);
	EXPECT_MAP(&m, 0x8000, 0x20000, 0x100000, PG);
	/* Bridging two ranges while overlapping both. */
	assert_int_equal(memmap_add(&m, 0x27000, 0x100000 - 0x27000 + 1), 0);
	EXPECT_MAP(&m, 0x8000, 0x100000 - 0x8000 + PG);
	assert_true(memmap_contains(&m, 0x8000, 0x100000 - 0x8000 + PG));
	assert_false(memmap_contains(&m, 0x7fff, 2));
	assert_false(memmap_contains(&m, 0x100fff, 2));
}

static void test_remove(void **state)
{
	struct memmap m;

	memmap_init(&m);
	assert_int_equal(memmap_add(&m, 0x10000, 0x10000), 0);
	/* From the middle: split. */
	assert_int_equal(memmap_remove(&m, 0x14000, 0x1000), 0);
	EXPECT_MAP(&m, 0x10000, 0x4000, 0x15000, 0xb000);
	/* At the left edge. */
	assert_int_equal(memmap_remove(&m, 0x10000, 0x1000), 0);
	EXPECT_MAP(&m, 0x11000, 0x3000, 0x15000, 0xb000);
	/* At the right edge. */
	assert_int_equal(memmap_remove(&m, 0x1f000, 0x1000), 0);
	EXPECT_MAP(&m, 0x11000, 0x3000, 0x15000, 0xa000);
	/* Overlapping the left edge from outside. */
	assert_int_equal(memmap_remove(&m, 0x10000, 0x2000), 0);
	EXPECT_MAP(&m, 0x12000, 0x2000, 0x15000, 0xa000);
	/* Overlapping the right edge from outside. */
	assert_int_equal(memmap_remove(&m, 0x1e000, 0x5000), 0);
	EXPECT_MAP(&m, 0x12000, 0x2000, 0x15000, 0x9000);
	/* In a gap, and empty: nothing changes. */
	assert_int_equal(memmap_remove(&m, 0x14000, 0x1000), 0);
	assert_int_equal(memmap_remove(&m, 0x0, 0x12000), 0);
	assert_int_equal(memmap_remove(&m, 0x16000, 0), 0);
	EXPECT_MAP(&m, 0x12000, 0x2000, 0x15000, 0x9000);
	/* Spanning the end of one, a gap and the start of the next. */
	assert_int_equal(memmap_remove(&m, 0x13000, 0x3000), 0);
	EXPECT_MAP(&m, 0x12000, 0x1000, 0x16000, 0x8000);
	/* An exact range. */
	assert_int_equal(memmap_remove(&m, 0x12000, 0x1000), 0);
	EXPECT_MAP(&m, 0x16000, 0x8000);
	assert_int_equal(memmap_total(&m), 0x8000);

	/* Spanning several whole ranges and part of two others. */
	memmap_init(&m);
	for (uint64_t b = 0; b < 10; b++)
		assert_int_equal(memmap_add(&m, 0x100000 + b * 0x10000, 0x8000), 0);
	assert_int_equal(memmap_remove(&m, 0x104000, 0x70000), 0);
	EXPECT_MAP(&m, 0x100000, 0x4000, 0x174000, 0x4000, 0x180000, 0x8000, 0x190000, 0x8000);
	/* Everything (size clipped at 2^64). */
	assert_int_equal(memmap_remove(&m, 0, UINT64_MAX), 0);
	assert_int_equal(m.n, 0);
}

/* Ranges near the top of the address space are clipped, never wrapped. */
static void test_top_of_address_space(void **state)
{
	struct memmap m;
	uint64_t out;

	memmap_init(&m);
	assert_int_equal(memmap_add(&m, UINT64_MAX - 0xfff, 0x2000), 0);
	EXPECT_MAP(&m, UINT64_MAX - 0xfff, 0xfff);
	/* Starting at the last byte: empty after clipping. */
	assert_int_equal(memmap_add(&m, UINT64_MAX, 0x10), 0);
	EXPECT_MAP(&m, UINT64_MAX - 0xfff, 0xfff);
	/* A huge size from low down: everything up to the top, merged. */
	assert_int_equal(memmap_add(&m, 0x1000, UINT64_MAX), 0);
	EXPECT_MAP(&m, 0x1000, UINT64_MAX - 0x1000);
	assert_int_equal(memmap_total(&m), UINT64_MAX - 0x1000);
	assert_true(memmap_contains(&m, 0x1000, UINT64_MAX - 0x1000));
	/* The last byte is never in the map: a query that runs past it (or wraps) fails. */
	assert_false(memmap_contains(&m, 0x1000, UINT64_MAX - 0xfff));
	assert_false(memmap_contains(&m, UINT64_MAX - 0x10, 0x100));
	assert_false(memmap_contains(&m, UINT64_MAX, 1));
	/* Removing with a size running past 2^64 clips too. */
	assert_int_equal(memmap_remove(&m, UINT64_MAX - 0x2fff, 0x10000), 0);
	EXPECT_MAP(&m, 0x1000, UINT64_MAX - 0x2fff - 0x1000);
	/* Splitting near the top. */
	assert_int_equal(memmap_add(&m, UINT64_MAX - 0xfff, 0x1000), 0);
	assert_int_equal(memmap_remove(&m, 0x2000, UINT64_MAX - 0x3fff), 0);
	EXPECT_MAP(&m, 0x1000, 0x1000, UINT64_MAX - 0xfff, 0xfff);
	assert_int_equal(memmap_remove(&m, UINT64_MAX - 0x800, 0x100), 0);
	EXPECT_MAP(&m, 0x1000, 0x1000, UINT64_MAX - 0xfff, 0x7ff, UINT64_MAX - 0x700, 0x700);
	/* Alignment that would overflow: the aligned address wraps, nothing found there. */
	memmap_init(&m);
	assert_int_equal(memmap_add(&m, UINT64_MAX - 0xffff, 0x10000), 0);
	assert_false(memmap_alloc(&m, 0x10, 1ULL << 63, &out));
	assert_false(memmap_alloc(&m, 0x10, 0x100000, &out));
	EXPECT_MAP(&m, UINT64_MAX - 0xffff, 0xffff);
	/* The last page holds only 0xfff bytes. */
	assert_true(memmap_alloc(&m, 0x1000, 0x1000, &out));
	assert_int_equal(out, UINT64_MAX - 0xffff);
	assert_false(memmap_alloc(&m, 0x10000 - 0x1000, 0x1000, &out));
	assert_true(memmap_alloc(&m, 0xf000 - 1, 0x1000, &out));
	assert_int_equal(out, UINT64_MAX - 0xefff);
	assert_int_equal(m.n, 0);
}

static void test_alloc(void **state)
{
	struct memmap m, saved;
	uint64_t out;

	memmap_init(&m);
	assert_int_equal(memmap_add(&m, 0x1234, 0x800), 0);   /* no aligned page in it */
	assert_int_equal(memmap_add(&m, 0x3100, 0x2000), 0);  /* one aligned page, not at its start */
	assert_int_equal(memmap_add(&m, 0x10000, 0x40000), 0);
	/* Lowest aligned fit, splitting the range it comes from. */
	assert_true(memmap_alloc(&m, PG, PG, &out));
	assert_int_equal(out, 0x4000);
	EXPECT_MAP(&m, 0x1234, 0x800, 0x3100, 0xf00, 0x5000, 0x100, 0x10000, 0x40000);
	/* Unaligned request fits into the first range. */
	assert_true(memmap_alloc(&m, 0x10, 1, &out));
	assert_int_equal(out, 0x1234);
	assert_true(memmap_alloc(&m, 0x10, 0x100, &out));
	assert_int_equal(out, 0x1300);
	/* Larger alignment skips to where it can be met. */
	assert_true(memmap_alloc(&m, PG, 0x20000, &out));
	assert_int_equal(out, 0x20000);
	assert_true(memmap_alloc(&m, 0x10000, PG, &out));
	assert_int_equal(out, 0x10000);
	assert_true(memmap_contains(&m, 0x21000, 0x2f000));
	assert_false(memmap_contains(&m, 0x20000, 1));
	/* An exact fit removes the whole range. */
	EXPECT_MAP(&m, 0x1244, 0xbc, 0x1310, 0x724, 0x3100, 0xf00, 0x5000, 0x100, 0x21000, 0x2f000);
	assert_true(memmap_alloc(&m, 0x100, 0x1000, &out));
	assert_int_equal(out, 0x5000);
	assert_true(memmap_alloc(&m, 0xbc, 4, &out));
	assert_int_equal(out, 0x1244);
	EXPECT_MAP(&m, 0x1310, 0x724, 0x3100, 0xf00, 0x21000, 0x2f000);

	/* Failure leaves the map unchanged: too big for any one range though
	 * not for all together, an alignment nothing meets, size 0. */
	saved = m;
	assert_true(memmap_total(&m) > 0x2f000);
	assert_false(memmap_alloc(&m, 0x2f001, 1, &out));
	assert_false(memmap_alloc(&m, PG, 1ULL << 40, &out));
	assert_false(memmap_alloc(&m, 0, PG, &out));
	assert_true(same_map(&m, &saved));
	/* Draining it. */
	while (memmap_alloc(&m, 1, 1, &out))
		;
	assert_int_equal(m.n, 0);
	assert_int_equal(memmap_total(&m), 0);
}

/* A full map: 64 ranges of 0x1000 at 0x10000, 0x12000, ... */
static void fill_map(struct memmap *m)
{
	memmap_init(m);
	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		assert_int_equal(memmap_add(m, 0x10000 + i * 0x2000, 0x1000), 0);
	assert_int_equal(m->n, MEMMAP_MAX);
}

static void test_full(void **state)
{
	struct memmap m, saved;
	uint64_t out;

	fill_map(&m);
	saved = m;
	/* A new separate range does not fit. */
	assert_int_equal(memmap_add(&m, 0x1000, 0x1000), -1);
	assert_int_equal(memmap_add(&m, 0x10000000, 0x1000), -1);
	assert_int_equal(memmap_add(&m, 0x11800, 0x10), -1);
	assert_true(same_map(&m, &saved));
	/* Splitting a range does not fit. */
	assert_int_equal(memmap_remove(&m, 0x10400, 0x100), -1);
	assert_true(same_map(&m, &saved));
	/* Merging, growing, shrinking and deleting still work. */
	assert_int_equal(memmap_add(&m, 0x11000, 0x1000), 0);
	assert_int_equal(m.n, MEMMAP_MAX - 1);
	assert_int_equal(memmap_add(&m, 0xf000, 0x1000), 0);
	assert_int_equal(m.n, MEMMAP_MAX - 1);
	assert_int_equal(memmap_add(&m, 0x1000, 0x1000), 0);
	assert_int_equal(m.n, MEMMAP_MAX);
	saved = m;
	assert_int_equal(memmap_add(&m, 0x3000, 0x1000), -1);
	assert_true(same_map(&m, &saved));
	assert_int_equal(memmap_remove(&m, 0x1000, 0x800), 0);
	assert_int_equal(memmap_remove(&m, 0x1f00, 0x100), 0);
	assert_int_equal(m.n, MEMMAP_MAX);
	assert_int_equal(memmap_remove(&m, 0x1000, 0x1000), 0);
	assert_int_equal(m.n, MEMMAP_MAX - 1);
	assert_true(memmap_check(&m));

	/* A full map still gives out the start (or all) of a range. */
	fill_map(&m);
	assert_true(memmap_alloc(&m, 0x800, 0x800, &out));
	assert_int_equal(out, 0x10000);  /* at a range's start: no split */
	assert_int_equal(m.n, MEMMAP_MAX);
	assert_true(memmap_alloc(&m, 0x100, 0x100, &out));
	assert_int_equal(out, 0x10800);  /* what is left of the first range */
	/* Every fit would split a range: fails, unchanged... */
	memmap_init(&m);
	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		assert_int_equal(memmap_add(&m, 0x10000 + i * 0x2000 + 0x10, 0xfe0), 0);
	saved = m;
	assert_false(memmap_alloc(&m, 0x100, 0x100, &out));
	assert_true(same_map(&m, &saved));
	/* ...unless it ends a range: then it comes from there, not from lower down. */
	assert_int_equal(memmap_remove(&m, 0x10000 + 40 * 0x2000 + 0x200, 0xdf0), 0);
	assert_int_equal(m.n, MEMMAP_MAX);
	assert_true(memmap_alloc(&m, 0x100, 0x100, &out));
	assert_int_equal(out, 0x10000 + 40 * 0x2000 + 0x100);
	assert_int_equal(m.n, MEMMAP_MAX);
	assert_true(memmap_check(&m));
	/* Not full any more: the lowest fit again. */
	assert_int_equal(memmap_remove(&m, 0x10000, 0x2000), 0);
	assert_int_equal(m.n, MEMMAP_MAX - 1);
	assert_true(memmap_alloc(&m, 0x100, 0x100, &out));
	assert_int_equal(out, 0x12100);
	assert_int_equal(m.n, MEMMAP_MAX);
}

/*
 * Randomized test against a model: a bitmap of UNITS pages over a small
 * universe at base B. At the top of the address space the last unit holds
 * PG - 1 bytes (the byte at 2^64 - 1 is never in a map).
 */
#define UNITS 4096
#define STEPS 6000

struct model {
	uint64_t base;
	bool top;               /* the universe ends at 2^64 */
	uint8_t bit[UNITS];
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static uint64_t unit_addr(const struct model *md, unsigned k)
{
	return k == UNITS && md->top ? UINT64_MAX : md->base + (uint64_t)k * PG;
}

/* The model's ranges; returns how many (may exceed MEMMAP_MAX). */
static unsigned model_ranges(const struct model *md, struct memmap_range *r, unsigned max)
{
	unsigned n = 0;

	for (unsigned k = 0; k < UNITS;) {
		unsigned e;
		if (!md->bit[k]) {
			k++;
			continue;
		}
		for (e = k; e < UNITS && md->bit[e]; e++)
			;
		if (n < max) {
			r[n].base = unit_addr(md, k);
			r[n].size = unit_addr(md, e) - r[n].base;
		}
		n++;
		k = e;
	}
	return n;
}

static void expect_model(const struct memmap *m, const struct model *md, unsigned step)
{
	struct memmap_range r[MEMMAP_MAX];
	unsigned n = model_ranges(md, r, MEMMAP_MAX);
	uint64_t total = 0;

	if (!memmap_check(m) || m->n != n || memcmp(m->r, r, n * sizeof(r[0])) != 0) {
		print_error("step %u: map (%u ranges) differs from model (%u ranges)\n", step, m->n, n);
		for (unsigned i = 0; i < m->n || i < n; i++)
			print_error("  %2u: map %#llx+%#llx  model %#llx+%#llx\n", i,
				    i < m->n ? (unsigned long long)m->r[i].base : 0ULL,
				    i < m->n ? (unsigned long long)m->r[i].size : 0ULL,
				    i < n ? (unsigned long long)r[i].base : 0ULL,
				    i < n ? (unsigned long long)r[i].size : 0ULL);
		fail();
	}
	for (unsigned i = 0; i < n; i++)
		total += r[i].size;
	assert_int_equal(memmap_total(m), total);
}

static void random_range(unsigned *k0, unsigned *len, bool small)
{
	/* Mostly short ranges, sometimes long ones, sometimes up to the end. */
	unsigned r = rnd_below(16);

	*k0 = rnd_below(UNITS);
	if (small)
		*len = 1 + rnd_below(3);
	else if (r < 12)
		*len = rnd_below(24);
	else if (r < 15)
		*len = rnd_below(UNITS / 4);
	else
		*len = UNITS;
	if (*len > UNITS - *k0)
		*len = UNITS - *k0;
}

static void set_bits(struct model *md, unsigned k0, unsigned len, uint8_t v)
{
	memset(md->bit + k0, v, len);
}

/* Expected memmap_alloc() result on the model (the documented behaviour:
 * lowest aligned fit, but skipping ranges that would need a split when full). */
static bool model_alloc(const struct model *md, uint64_t size, uint64_t align, uint64_t *out)
{
	static struct memmap_range r[UNITS];
	unsigned n = model_ranges(md, r, UNITS);

	for (unsigned i = 0; i < n; i++) {
		uint64_t rb = r[i].base, re = rb + r[i].size;
		uint64_t a = (rb + align - 1) & ~(align - 1);

		if (a < rb || a >= re || re - a < size)
			continue;
		if (a > rb && a + size < re && n == MEMMAP_MAX)
			continue;
		*out = a;
		return true;
	}
	return false;
}

static void run_random(uint64_t base, bool top, uint64_t seed)
{
	static struct model md;
	struct memmap m, saved;
	unsigned full_rejects = 0, allocs = 0, alloc_fails = 0, max_n = 0;

	print_message("memmap random: base %#llx, seed %#llx (set MEMMAP_SEED to change)\n",
		      (unsigned long long)base, (unsigned long long)seed);
	rng_state = seed ^ base;
	memset(&md, 0, sizeof(md));
	md.base = base;
	md.top = top;
	memmap_init(&m);

	for (unsigned step = 0; step < STEPS; step++) {
		/* Phases: mixed operations, then fragmenting the map with many tiny
		 * ranges (so that it fills up), then mixed again, then mostly allocating. */
		unsigned phase = step / 500 % 4;
		unsigned op = phase == 3 ? 50 + rnd_below(50) : rnd_below(100), k0, len;
		static uint8_t before[UNITS];
		int rc;

		random_range(&k0, &len, phase == 1);
		memcpy(before, md.bit, UNITS);
		saved = m;
		if (op < 40) {
			uint64_t size = (uint64_t)len * PG;
			/* At the top, sometimes a size running far past 2^64: clipped. */
			if (top && len && k0 + len == UNITS && rnd_below(2))
				size = UINT64_MAX - rnd_below(1000);
			rc = memmap_add(&m, unit_addr(&md, k0), size);
			set_bits(&md, k0, len, 1);
			if (model_ranges(&md, NULL, 0) > MEMMAP_MAX) {
				assert_int_equal(rc, -1);
				memcpy(md.bit, before, UNITS);
				assert_true(same_map(&m, &saved));
				full_rejects++;
			} else {
				assert_int_equal(rc, 0);
			}
		} else if (op < 70) {
			uint64_t size = (uint64_t)len * PG;
			if (top && len && k0 + len == UNITS && rnd_below(2))
				size = UINT64_MAX - rnd_below(1000);
			rc = memmap_remove(&m, unit_addr(&md, k0), size);
			set_bits(&md, k0, len, 0);
			if (model_ranges(&md, NULL, 0) > MEMMAP_MAX) {
				assert_int_equal(rc, -1);
				memcpy(md.bit, before, UNITS);
				assert_true(same_map(&m, &saved));
				full_rejects++;
			} else {
				assert_int_equal(rc, 0);
			}
		} else if (op < 90) {
			uint64_t size = (uint64_t)(1 + rnd_below(32)) * PG, align = PG << rnd_below(10);
			uint64_t got = 0, want = 0;
			bool ok, wok;

			if (rnd_below(8) == 0)
				size = (uint64_t)(1 + rnd_below(UNITS)) * PG;
			wok = model_alloc(&md, size, align, &want);
			ok = memmap_alloc(&m, size, align, &got);
			assert_int_equal(ok, wok);
			if (ok) {
				assert_int_equal(got, want);
				assert_int_equal((got - base) % PG, 0);
				assert_int_equal(got & (align - 1), 0);
				set_bits(&md, (unsigned)((got - base) / PG), (unsigned)(size / PG), 0);
				allocs++;
			} else {
				assert_true(same_map(&m, &saved));
				alloc_fails++;
			}
		} else {
			bool want = true;
			for (unsigned k = k0; k < k0 + len; k++)
				want = want && md.bit[k];
			if (top && k0 + len == UNITS && len) {
				/* Ending at 2^64 includes the byte that is never in a map... */
				assert_false(memmap_contains(&m, unit_addr(&md, k0), (uint64_t)len * PG));
				/* ...ending one byte earlier is what the last unit holds. */
				assert_int_equal(memmap_contains(&m, unit_addr(&md, k0), (uint64_t)len * PG - 1), want);
			} else {
				assert_int_equal(memmap_contains(&m, unit_addr(&md, k0), (uint64_t)len * PG), want);
			}
			assert_true(same_map(&m, &saved));
		}
		expect_model(&m, &md, step);
		if (m.n > max_n)
			max_n = m.n;
	}
	print_message("memmap random: %u steps, %u allocs, %u failed allocs, %u rejected (map full), "
		      "up to %u ranges\n", STEPS, allocs, alloc_fails, full_rejects, max_n);
}

static uint64_t test_seed(void)
{
	const char *s = getenv("MEMMAP_SEED");
	return s ? strtoull(s, NULL, 0) : 0x6c3472766d656dULL;
}

static void test_random_low(void **state)
{
	run_random(0, false, test_seed());
}

static void test_random_2g(void **state)
{
	run_random(0x80000000ULL, false, test_seed());
}

static void test_random_odd(void **state)
{
	/* Aligned to a page only: larger alignments are not met at the universe's start. */
	run_random(0x12345000ULL, false, test_seed());
}

static void test_random_top(void **state)
{
	run_random(0 - (uint64_t)UNITS * PG, true, test_seed());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_add_merge),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_top_of_address_space),
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_random_low),
		cmocka_unit_test(test_random_2g),
		cmocka_unit_test(test_random_odd),
		cmocka_unit_test(test_random_top),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
