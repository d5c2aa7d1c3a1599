/*
 * test_space.c - host tests of kernel/mem/space.c (Sv39 page tables with
 * the mapping database) against space.h and the rules of l4/mem.h.
 *
 * The environment space.c needs: the kernel pool (a malloc'd region; page
 * tables are host memory, so "physical" addresses of tables are their host
 * addresses, while the physical addresses of mapped frames are made-up
 * numbers never dereferenced) and space_flush, which records every call so
 * that tests can check a removed or reduced mapping was flushed.
 *
 * The tests read the page tables themselves (leaves_of: PTEs and the shadow
 * page behind each table) rather than trusting space.c's walkers.
 * Directed tests cover leaf sizes, map/grant/unmap rules and errors, the
 * all-or-nothing transfer steps, and destruction. A randomized test runs
 * map/grant/unmap steps on five spaces against a reference model and
 * compares everything after every step. Its seed is printed; set SPACE_SEED
 * to replay (SPACE_STEPS to change the number of steps).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4/errno.h>
#include <l4/layout.h>
#include <l4/mem.h>

#include "lib/kmem.h"
#include "lib/mapdb.h"
#include "mem/space.h"
#include "../lib/xorshift.h"
#include "preempt_fake.h"

#define KiB 1024UL
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define POOL_SIZE (16 * MiB)
#define R L4_FP_R
#define W L4_FP_W
#define X L4_FP_X
#define RW (R | W)
#define RX (R | X)
#define RWX L4_FP_RWX

/* ---- the environment ---- */

struct kmem kmem_pool;
static void *pool;
static size_t pool_free0;

void *space_pa_to_va(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

uint64_t space_va_to_pa(const void *va)
{
	return (uint64_t)(uintptr_t)va;
}

#define FLUSH_MAX 4096
static struct {
	const struct space *s;
	uint64_t va;
} flushes[FLUSH_MAX];
static size_t nflush;
static void (*flush_hook)(const struct space *s, uint64_t va);

void space_flush(const struct space *s, uint64_t va)
{
	if (nflush < FLUSH_MAX) {
		flushes[nflush].s = s;
		flushes[nflush].va = va;
	}
	nflush++;
	if (flush_hook)
		flush_hook(s, va);
}

/* Whole-space fences: the last space fenced and how many. */
static const struct space *flushed_all;
static size_t nflush_all;

void space_flush_all(const struct space *s)
{
	flushed_all = s;
	nflush_all++;
}

static bool flushed(const struct space *s, uint64_t va)
{
	for (size_t i = 0; i < nflush && i < FLUSH_MAX; i++)
		if (flushes[i].s == s && flushes[i].va == va)
			return true;
	return false;
}

#define NSPACES 6
static struct space sp[NSPACES];
static struct quota q[NSPACES];
static int nsp;

static int setup(void **state)
{
	assert_int_equal(posix_memalign(&pool, 4096, POOL_SIZE), 0);
	/* Garbage, as RAM is: what space.c does not zero (a table's shadow:
	 * table_alloc) it must never read before writing. */
	memset(pool, 0xa5, POOL_SIZE);
	assert_true(kmem_init(&kmem_pool, pool, POOL_SIZE));
	pool_free0 = kmem_pool.free_bytes;
	nflush = 0;
	flush_hook = NULL;
	nsp = 0;
	return 0;
}

static int teardown(void **state)
{
	free(pool);
	pool = NULL;
	return 0;
}

static void spaces_init(int n)
{
	nsp = n;
	for (int i = 0; i < n; i++) {
		q[i].limit = 1UL << 30;
		q[i].used = 0;
		assert_int_equal(space_init(&sp[i], &q[i]), 0);
		assert_int_equal(q[i].used, SPACE_TABLE_SIZE);
	}
}

/*
 * Preemption points (lib/preempt.h): unmap_ and destroy_ run space_unmap and
 * space_destroy in pieces, stopped after a random 0..7 steps; between the
 * pieces every space satisfies its invariants, and the cursor is kept,
 * dropped or made stale (as when others changed the trees meanwhile).
 */
#define stops fake_stops
/* Pool bytes freed between two asks: one mapping (64 B) or one table at most. */
static size_t free_at_ask, most_between, bad_between;

static bool stop_now(void)
{
	size_t f = kmem_pool.free_bytes, d = f > free_at_ask ? f - free_at_ask : 0;
	if (d > most_between)
		most_between = d;
	if (d > 64 && d != SPACE_TABLE_SIZE)
		bad_between = d;
	free_at_ask = f;
	return fake_stop();
}

static void between_pieces(struct mdb_cursor *mc)
{
	for (int i = 0; i < nsp; i++)
		if (sp[i].root)
			assert_true(space_check_all(&sp[i]));
	fake_cursor_games(mc);
}

static void unmap_(struct space *s, uint64_t va, unsigned order, unsigned rights, bool self)
{
	struct space_resume r = { 0 };

	free_at_ask = kmem_pool.free_bytes;
	while (!space_unmap(s, va, order, rights, self, &r, stop_now))
		between_pieces(&r.mc);
}

static void destroy_(struct space *s)
{
	struct mdb_cursor mc = { 0 };

	free_at_ask = kmem_pool.free_bytes;
	while (!space_destroy(s, stop_now, &mc))
		between_pieces(&mc);
}

/* The pool's free bytes, with the 64-byte blocks its stash holds for
 * mapping nodes (space.c takes them from there). */
static size_t pool_free(void)
{
	return kmem_pool.free_bytes + kmem_stashed(&kmem_pool) * KMEM_MIN_BLOCK;
}

/* Destroy every space: all quotas back to 0, the whole pool free again. */
static void spaces_fini(void)
{
	for (int i = 0; i < nsp; i++)
		destroy_(&sp[i]);
	for (int i = 0; i < nsp; i++) {
		assert_null(sp[i].root);
		assert_int_equal(q[i].used, 0);
	}
	assert_int_equal(pool_free(), pool_free0);
	assert_true(kmem_check(&kmem_pool));
}

/* ---- reading the page tables directly ---- */

struct leaf {
	uint64_t va, size;
	pte_t pte;
	struct mapping *m;
};

static size_t walk_tables(pte_t *t, int l, uint64_t base, unsigned n, struct leaf *out, size_t cap, size_t k,
			  size_t *tables)
{
	struct mapping **shadow = (struct mapping **)(t + PT_ENTRIES);

	for (unsigned i = 0; i < n; i++) {
		pte_t e = t[i];
		uint64_t va = base + ((uint64_t)i << (12 + 9 * l));
		if (!(e & PTE_V))
			continue;
		if (pte_is_leaf(e)) {
			if (k < cap) {
				out[k].va = va;
				out[k].size = 1UL << (12 + 9 * l);
				out[k].pte = e;
				out[k].m = shadow[i];
			}
			k++;
		} else {
			assert_true(l > 0);
			(*tables)++;
			k = walk_tables(space_pa_to_va(pte_pa(e)), l - 1, va, PT_ENTRIES, out, cap, k, tables);
		}
	}
	return k;
}

/* Every leaf of s's user half in address order; *tables: the tables (root included). */
static size_t leaves_of(const struct space *s, struct leaf *out, size_t cap, size_t *tables)
{
	size_t t = 1, n = walk_tables(s->root, 2, 0, PT_ENTRIES / 2, out, cap, 0, &t);

	assert_true(n <= cap);
	if (tables)
		*tables = t;
	return n;
}

#define LCAP 8192
static struct leaf lbuf[LCAP], lbuf2[LCAP];

static size_t mapping_block(void)
{
	return kmem_block_size(sizeof(struct mapping));
}

/* quota == tables + mappings of s, at block sizes. */
static void expect_quota(const struct space *s)
{
	size_t tables, n = leaves_of(s, lbuf, LCAP, &tables), maps = 0;

	for (size_t i = 0; i < n; i++)
		maps += lbuf[i].m != NULL;
	assert_int_equal(s->quota->used, tables * SPACE_TABLE_SIZE + maps * mapping_block());
}

static void check_all(void)
{
	for (int i = 0; i < nsp; i++) {
		assert_true(space_check_all(&sp[i]));
		size_t n = leaves_of(&sp[i], lbuf, LCAP, NULL);
		for (size_t k = 0; k < n; k++)
			if (lbuf[k].m && !lbuf[k].m->n.parent)
				assert_true(mdb_check(&lbuf[k].m->n, 1000000));
		expect_quota(&sp[i]);
	}
}

/* The mapping at va (NULL if none or kernel-kept); *size its leaf size (0 if none). */
static struct mapping *at(const struct space *s, uint64_t va, uint64_t *size)
{
	uint64_t sz = 0;
	struct mapping *m = NULL;

	if (!space_lookup(s, va, &sz, &m))
		sz = 0;
	if (size)
		*size = sz;
	return m;
}

/* The mapping at va, which must be there. */
static struct mapping *must(const struct space *s, uint64_t va)
{
	struct mapping *m = at(s, va, NULL);

	if (!m)
		fail_msg("no mapping at %#" PRIx64 " in space %d", va, (int)(s - sp));
	return m;
}

static unsigned pte_rights(const struct space *s, uint64_t va)
{
	uint64_t sz;
	struct mapping *m;
	pte_t *p = space_lookup(s, va, &sz, &m);

	assert_non_null(p);
	assert_true(*p & PTE_U);
	return (unsigned)((*p & (PTE_R | PTE_W | PTE_X)) >> 1);
}

static long xfer(struct space *from, uint64_t src, struct space *to, uint64_t dst, unsigned order, unsigned rights,
		 bool grant)
{
	struct space_xfer x = {from, to, src, dst, order, rights, grant, NULL};
	long e = space_check(&x);

	if (e)
		return e;
	e = space_install(&x);
	if (e) {
		space_undo(&x);
		return e;
	}
	space_commit(&x);
	return 0;
}

static long map(struct space *from, uint64_t src, struct space *to, uint64_t dst, unsigned order, unsigned rights)
{
	return xfer(from, src, to, dst, order, rights, false);
}

static long grant(struct space *from, uint64_t src, struct space *to, uint64_t dst, unsigned order, unsigned rights)
{
	return xfer(from, src, to, dst, order, rights, true);
}

/* Snapshot of s (leaves with their mappings' contents) to compare before/after. */
struct snap {
	size_t n, used;
	struct leaf l[64];
	struct mapping m[64];
};

static void snap_take(const struct space *s, struct snap *sn)
{
	sn->n = leaves_of(s, lbuf2, LCAP, NULL);
	assert_true(sn->n <= 64);
	sn->used = s->quota->used;
	memset(sn->l, 0, sizeof(sn->l));
	memset(sn->m, 0, sizeof(sn->m));
	for (size_t i = 0; i < sn->n; i++) {
		sn->l[i] = lbuf2[i];
		if (lbuf2[i].m)
			sn->m[i] = *lbuf2[i].m;
	}
}

static void snap_same(const struct space *s, const struct snap *a, bool quota_too)
{
	struct snap *b = malloc(sizeof(*b));

	assert_non_null(b);
	snap_take(s, b);
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->l, b->l, sizeof(a->l[0]) * a->n);
	assert_memory_equal(a->m, b->m, sizeof(a->m[0]) * a->n);
	if (quota_too)
		assert_int_equal(a->used, b->used);
	free(b);
}

/* ---- directed tests ---- */

static void test_kernel_leaves(void **state)
{
	uint64_t size;
	struct mapping *m;

	spaces_init(1);
	struct space *s = &sp[0];
	/* 1 GiB aligned, 1 GiB: one 1 GiB leaf */
	assert_int_equal(space_map_kernel(s, 1 * GiB, 2 * GiB, GiB, RWX, true), 0);
	m = at(s, 1 * GiB + 12345 * 4096, &size);
	assert_int_equal(size, GiB);
	assert_non_null(m);
	assert_int_equal(m->va, 1 * GiB);
	assert_int_equal(m->pa, 2 * GiB);
	assert_int_equal(m->order, 30);
	assert_int_equal(m->rights, RWX);
	assert_null(m->n.parent);
	assert_int_equal(pte_rights(s, 1 * GiB), RWX);

	/* 2 MiB aligned, 4 MiB: two 2 MiB leaves */
	assert_int_equal(space_map_kernel(s, 6 * MiB, 0x90000000, 4 * MiB, RW, true), 0);
	m = at(s, 6 * MiB, &size);
	assert_int_equal(size, 2 * MiB);
	assert_int_equal(m->order, 21);
	assert_int_equal(m->pa, 0x90000000);
	assert_int_equal(pte_rights(s, 6 * MiB), RW);
	m = at(s, 9 * MiB, &size);
	assert_int_equal(size, 2 * MiB);
	assert_int_equal(m->va, 8 * MiB);
	assert_int_equal(m->pa, 0x90200000);
	assert_null(at(s, 10 * MiB, &size));
	assert_int_equal(size, 0);

	/* va aligned, pa not: 4 KiB leaves */
	assert_int_equal(space_map_kernel(s, 16 * MiB, 0xa0001000, 2 * MiB, RX, true), 0);
	for (uint64_t o = 0; o < 2 * MiB; o += 4096) {
		m = at(s, 16 * MiB + o, &size);
		assert_int_equal(size, 4096);
		assert_int_equal(m->pa, 0xa0001000 + o);
		assert_int_equal(m->order, 12);
	}
	/* va not 2 MiB aligned: 4 KiB leaves (2 MiB + 4 KiB of them) */
	assert_int_equal(space_map_kernel(s, 20 * MiB + 4096, 0xb0000000, 2 * MiB + 4096, R, true), 0);
	at(s, 20 * MiB + 4096, &size);
	assert_int_equal(size, 4096);
	at(s, 22 * MiB, &size);
	assert_int_equal(size, 4096);
	assert_int_equal(at(s, 22 * MiB + 4096, &size)->pa, 0xb0000000 + 2 * MiB);
	assert_null(at(s, 22 * MiB + 8192, &size));

	/* a range whose first page lands in a slot with a table: a 4 KiB leaf, then a 2 MiB one */
	assert_int_equal(space_map_kernel(s, 24 * MiB, 0xc0000000, 4096, R, true), 0);
	assert_int_equal(space_map_kernel(s, 26 * MiB - 4096, 0xc0200000 - 4096, 2 * MiB + 4096, R, true), 0);
	at(s, 26 * MiB - 4096, &size);
	assert_int_equal(size, 4096);
	at(s, 26 * MiB, &size);
	assert_int_equal(size, 2 * MiB);

	/* kernel-kept: a PTE without mapping */
	assert_int_equal(space_map_kernel(s, 30 * MiB, 0xd0000000, 2 * MiB, R, false), 0);
	pte_t *p = space_lookup(s, 30 * MiB + 8192, &size, &m);
	assert_non_null(p);
	assert_null(m);
	assert_int_equal(size, 2 * MiB);
	assert_int_equal(space_map_kernel(s, 40 * MiB, 0xd1000000, 4096, RW, false), 0);
	assert_non_null(space_lookup(s, 40 * MiB, &size, &m));
	assert_null(m);
	/* space_unmap_kernel removes a kept 4 KiB page, not a mapping */
	nflush = 0;
	space_unmap_kernel(s, 40 * MiB);
	assert_null(space_lookup(s, 40 * MiB, &size, &m));
	assert_true(flushed(s, 40 * MiB));
	space_unmap_kernel(s, 16 * MiB);
	assert_non_null(at(s, 16 * MiB, NULL));
	check_all();
	spaces_fini();
}

static void test_map_basic(void **state)
{
	uint64_t size;

	spaces_init(3);
	struct space *s0 = &sp[0], *s1 = &sp[1], *s2 = &sp[2];
	assert_int_equal(space_map_kernel(s0, 2 * MiB, 0x80000000, 2 * MiB, RWX, true), 0);
	struct mapping *root = at(s0, 2 * MiB, NULL);

	/* 4 KiB out of the 2 MiB leaf, at page 5; new entries are fenced in the destination */
	size_t fa = nflush_all;
	assert_int_equal(map(s0, 2 * MiB + 5 * 4096, s1, 0x100000, 12, RWX), 0);
	assert_true(nflush_all > fa && flushed_all == s1);
	struct mapping *m = at(s1, 0x100000, &size);
	assert_non_null(m);
	assert_int_equal(size, 4096);
	assert_int_equal(m->pa, 0x80000000 + 5 * 4096);
	assert_ptr_equal(m->n.parent, &root->n);
	assert_int_equal(m->rights, RWX);
	assert_ptr_equal(m->space, s1);

	/* rights & mask */
	assert_int_equal(map(s0, 2 * MiB + 6 * 4096, s1, 0x101000, 12, RX), 0);
	assert_int_equal(must(s1, 0x101000)->rights, RX);
	assert_int_equal(pte_rights(s1, 0x101000), RX);
	assert_int_equal(map(s1, 0x101000, s2, 0x200000, 12, RWX), 0);  /* no more than the sender's */
	assert_int_equal(must(s2, 0x200000)->rights, RX);
	assert_int_equal(pte_rights(s2, 0x200000), RX);
	assert_int_equal(map(s0, 2 * MiB + 7 * 4096, s1, 0x102000, 12, X), 0);
	assert_int_equal(pte_rights(s1, 0x102000), X);

	/* W without R */
	struct space_xfer x = {s0, s1, 2 * MiB, 0x400000, 12, W, false, NULL};
	assert_int_equal(space_check(&x), -L4_EINVAL);
	assert_int_equal(map(s0, 2 * MiB, s1, 0x400000, 12, W), -L4_EINVAL);
	assert_int_equal(map(s0, 2 * MiB, s1, 0x400000, 12, W | X), -L4_EINVAL);
	assert_null(at(s1, 0x400000, &size));

	/* the whole 2 MiB: a 2 MiB leaf where aligned and free */
	assert_int_equal(map(s0, 2 * MiB, s2, 4 * MiB, 21, RW), 0);
	m = at(s2, 5 * MiB, &size);
	assert_int_equal(size, 2 * MiB);
	assert_int_equal(m->pa, 0x80000000);
	assert_int_equal(m->rights, RW);
	/* order 13 from 4 KiB leaves of s1: two leaves */
	assert_int_equal(map(s1, 0x100000, s2, 0x300000, 13, RWX), 0);
	assert_int_equal(must(s2, 0x300000)->pa, 0x80005000);
	assert_int_equal(must(s2, 0x301000)->pa, 0x80006000);
	assert_int_equal(must(s2, 0x301000)->rights, RX);
	assert_ptr_equal(must(s2, 0x301000)->n.parent, &must(s1, 0x101000)->n);
	check_all();
	spaces_fini();
}

static void test_map_errors(void **state)
{
	struct snap *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));

	spaces_init(3);
	struct space *s0 = &sp[0], *s1 = &sp[1], *s2 = &sp[2];
	assert_int_equal(space_map_kernel(s0, 2 * MiB, 0x80000000, 2 * MiB, RWX, true), 0);
	assert_int_equal(space_map_kernel(s0, 8 * MiB, 0x90000000, 4096, R, false), 0);     /* kept (KIP) */
	assert_int_equal(space_map_kernel(s0, 8 * MiB + 4096, 0x90001000, 4096, R, true), 0);

	/* source not mapped */
	assert_int_equal(map(s0, 16 * MiB, s1, 0x100000, 12, RWX), -L4_ENOENT);
	/* partly mapped: 8 KiB of which the second page is free */
	assert_int_equal(space_map_kernel(s0, 12 * MiB, 0x91000000, 4096, RWX, true), 0);
	assert_int_equal(map(s0, 12 * MiB, s1, 0x100000, 13, RWX), -L4_ENOENT);
	/* source kernel-kept */
	assert_int_equal(map(s0, 8 * MiB, s1, 0x100000, 12, R), -L4_ENOENT);
	assert_int_equal(map(s0, 8 * MiB, s1, 0x100000, 13, R), -L4_ENOENT);
	assert_int_equal(grant(s0, 8 * MiB, s1, 0x100000, 12, R), -L4_ENOENT);
	/* nothing was made */
	size_t t;
	assert_int_equal(leaves_of(s1, lbuf, LCAP, &t), 0);

	/* destination occupied: by another mapping, by a kept page, partly */
	assert_int_equal(map(s0, 2 * MiB, s1, 0x100000, 12, RW), 0);
	assert_int_equal(space_map_kernel(s1, 0x200000, 0xa0000000, 4096, R, false), 0);
	snap_take(s1, a);
	size_t f0 = nflush;
	assert_int_equal(map(s0, 2 * MiB + 4096, s1, 0x100000, 12, RW), -L4_EEXIST);   /* other memory */
	assert_int_equal(map(s0, 2 * MiB, s1, 0x200000, 12, R), -L4_EEXIST);          /* kept page */
	assert_int_equal(map(s0, 2 * MiB + 4 * 4096, s1, 0x100000, 14, RW), -L4_EEXIST); /* 1 of 4 pages: other memory */
	assert_int_equal(map(s0, 2 * MiB, s1, 0, 21, RW), -L4_EEXIST);                 /* inside a 2 MiB range */
	assert_int_equal(grant(s0, 2 * MiB, s1, 0, 21, RWX), -L4_EEXIST);
	/* same memory but from another source mapping (s1's own page, remapped to itself) */
	assert_int_equal(map(s1, 0x100000, s1, 0x100000, 12, R), -L4_EEXIST);
	snap_same(s1, a, true);
	assert_int_equal(nflush, f0);
	/* a 2 MiB leaf in the destination: 4 KiB inside it is occupied */
	assert_int_equal(map(s0, 2 * MiB, s2, 2 * MiB, 21, RW), 0);
	snap_take(s2, b);
	assert_int_equal(map(s0, 2 * MiB + 8192, s2, 2 * MiB + 8192, 12, RW), -L4_EEXIST);
	/* same memory, same source, other size: not the upgrade case */
	assert_int_equal(map(s0, 2 * MiB, s2, 2 * MiB, 12, RWX), -L4_EEXIST);
	snap_same(s2, b, true);
	check_all();
	spaces_fini();
	free(a);
	free(b);
}

/* Mapping the same page again from the same source adds the rights (l4/mem.h). */
static void test_map_upgrade(void **state)
{
	spaces_init(3);
	struct space *s0 = &sp[0], *s1 = &sp[1], *s2 = &sp[2];
	assert_int_equal(space_map_kernel(s0, 2 * MiB, 0x80000000, 2 * MiB, RWX, true), 0);
	assert_int_equal(space_map_kernel(s0, 4 * MiB, 0x80200000, 4096, RWX, true), 0);

	assert_int_equal(map(s0, 2 * MiB + 4096, s1, 0x100000, 12, R), 0);
	struct mapping *m = at(s1, 0x100000, NULL);
	assert_int_equal(m->rights, R);
	assert_int_equal(map(s1, 0x100000, s2, 0x100000, 12, R), 0);   /* a child of m */
	nflush = 0;
	assert_int_equal(map(s0, 2 * MiB + 4096, s1, 0x100000, 12, RW), 0);
	assert_ptr_equal(at(s1, 0x100000, NULL), m);                     /* the same mapping */
	assert_int_equal(m->rights, RW);
	assert_int_equal(pte_rights(s1, 0x100000), RW);
	assert_true(flushed(s1, 0x100000));
	assert_int_equal(must(s2, 0x100000)->rights, R);             /* children keep theirs */
	assert_ptr_equal(must(s2, 0x100000)->n.parent, &m->n);
	/* fewer rights: nothing taken away */
	assert_int_equal(map(s0, 2 * MiB + 4096, s1, 0x100000, 12, X), 0);
	assert_int_equal(m->rights, RWX);
	assert_int_equal(map(s0, 2 * MiB + 4096, s1, 0x100000, 12, R), 0);
	assert_int_equal(m->rights, RWX);
	/* an item whose page 0 would land on other memory there */
	assert_int_equal(map(s0, 2 * MiB, s1, 0x100000, 13, RWX), -L4_EEXIST);
	/* an item from 4 KiB source leaves, one page of it already there: that
	 * page upgraded, the others mapped */
	assert_int_equal(space_map_kernel(s0, 8 * MiB, 0x90001000, 4 * 4096, RWX, true), 0);
	assert_int_equal(map(s0, 8 * MiB + 8192, s1, 0x112000, 12, R), 0);
	m = at(s1, 0x112000, NULL);
	assert_int_equal(map(s0, 8 * MiB, s1, 0x110000, 14, RW), 0);
	assert_ptr_equal(at(s1, 0x112000, NULL), m);
	assert_int_equal(m->rights, RW);
	assert_int_equal(must(s1, 0x113000)->pa, 0x90004000);
	assert_int_equal(must(s1, 0x110000)->rights, RW);
	/* from another mapping of the same memory: no */
	assert_int_equal(map(s2, 0x100000, s1, 0x100000, 12, R), -L4_EEXIST);
	assert_int_equal(grant(s0, 4 * MiB, s1, 0x400000, 12, RWX), 0);
	check_all();
	spaces_fini();
}

/*
 * The same, with the item taken from a 2 MiB source leaf: l4/mem.h's rule is
 * per page ("a page already mapped there to the same memory, of the same
 * size, from the same source mapping, just gets the new rights added"), so
 * the result must not depend on the sender's leaf size. space.c compares
 * the whole item's chunk with the first leaf there and answers -L4_EEXIST.
 * KNOWN DISAGREEMENT (reported, not fixed here).
 */
static void test_map_upgrade_in_big_leaf(void **state)
{
	spaces_init(2);
	struct space *s0 = &sp[0], *s1 = &sp[1];
	assert_int_equal(space_map_kernel(s0, 2 * MiB, 0x80000000, 2 * MiB, RWX, true), 0);
	assert_int_equal(map(s0, 2 * MiB + 8192, s1, 0x112000, 12, R), 0);
	struct mapping *m = at(s1, 0x112000, NULL);
	assert_int_equal(map(s0, 2 * MiB, s1, 0x110000, 14, RW), 0);
	assert_ptr_equal(at(s1, 0x112000, NULL), m);
	assert_int_equal(m->rights, RW);
	assert_int_equal(must(s1, 0x113000)->pa, 0x80003000);
	check_all();
	spaces_fini();
}

/* Grant moves: the source leaf goes, its children follow the new mapping. */
static void test_grant(void **state)
{
	uint64_t size;

	spaces_init(4);
	struct space *s0 = &sp[0], *s1 = &sp[1], *s2 = &sp[2], *s3 = &sp[3];
	assert_int_equal(space_map_kernel(s0, 2 * MiB, 0x80000000, 2 * MiB, RWX, true), 0);
	struct mapping *root = at(s0, 2 * MiB, NULL);
	assert_int_equal(map(s0, 2 * MiB, s1, 4 * MiB, 21, RWX), 0);
	assert_int_equal(map(s1, 4 * MiB + 8192, s2, 0x100000, 12, RW), 0);
	struct mapping *c2 = at(s2, 0x100000, NULL);

	/* 4 KiB of a 2 MiB leaf cannot be granted */
	struct space_xfer x = {s1, s3, 4 * MiB, 0x100000, 12, RWX, true, NULL};
	assert_int_equal(space_check(&x), -L4_EINVAL);
	assert_int_equal(grant(s1, 4 * MiB + 4096, s3, 0x100000, 12, RWX), -L4_EINVAL);
	assert_int_equal(grant(s1, 4 * MiB, s3, 0, 20, RWX), -L4_EINVAL);

	nflush = 0;
	assert_int_equal(grant(s1, 4 * MiB, s3, 8 * MiB, 21, RWX), 0);
	assert_null(at(s1, 4 * MiB, &size));             /* gone from the granter */
	assert_int_equal(size, 0);
	assert_true(flushed(s1, 4 * MiB));
	struct mapping *g = at(s3, 8 * MiB, &size);
	assert_int_equal(size, 2 * MiB);
	assert_int_equal(g->pa, 0x80000000);
	assert_int_equal(g->rights, RWX);
	assert_ptr_equal(g->n.parent, &root->n);          /* in the granter's place */
	assert_ptr_equal(c2->n.parent, &g->n);            /* what was derived moved under it */
	check_all();

	/* grant of 4 KiB leaves (whole pages) from s2, then of a root */
	assert_int_equal(map(s3, 8 * MiB + 4096, s2, 0x101000, 12, R), 0);
	assert_int_equal(grant(s2, 0x100000, s1, 0x300000, 13, RWX), 0);
	assert_null(at(s2, 0x100000, NULL));
	assert_null(at(s2, 0x101000, NULL));
	assert_ptr_equal(must(s1, 0x300000)->n.parent, &g->n);
	assert_ptr_equal(must(s1, 0x301000)->n.parent, &g->n);
	assert_int_equal(must(s1, 0x300000)->rights, RW);
	assert_int_equal(must(s1, 0x301000)->pa, 0x80001000);
	check_all();

	/* still revocable from above: s0's unmap reaches s3 and s1 */
	unmap_(s0, 2 * MiB, 21, RWX, false);
	assert_null(at(s3, 8 * MiB, NULL));
	assert_null(at(s1, 0x300000, NULL));
	assert_null(at(s1, 0x301000, NULL));
	assert_ptr_equal(at(s0, 2 * MiB, NULL), root);

	/* a root granted becomes a root */
	assert_int_equal(map(s0, 2 * MiB, s1, 0, 21, R), 0);
	assert_int_equal(grant(s0, 2 * MiB, s2, 10 * MiB, 21, RWX), 0);
	g = at(s2, 10 * MiB, NULL);
	assert_null(g->n.parent);
	assert_ptr_equal(must(s1, 0)->n.parent, &g->n);
	check_all();
	spaces_fini();
}

/*
 * Grant with a smaller rights mask: the new mapping has the sender's rights &
 * the mask; what was derived from the granted mapping moves under it and
 * loses the rights it lacks, as by an unmap of them (rights never grow from
 * a mapping to one derived from it). (Found by this test: the first version
 * moved the children unchanged.)
 */
static void test_grant_fewer_rights(void **state)
{
	spaces_init(3);
	struct space *s0 = &sp[0], *s1 = &sp[1], *s2 = &sp[2];
	assert_int_equal(space_map_kernel(s0, 2 * MiB, 0x80000000, 4096, RWX, true), 0);
	assert_int_equal(map(s0, 2 * MiB, s1, 0x100000, 12, RW), 0);
	assert_int_equal(map(s1, 0x100000, s2, 0x100000, 12, RW), 0);
	assert_int_equal(grant(s1, 0x100000, s0, 4 * MiB, 12, R), 0);
	struct mapping *g = at(s0, 4 * MiB, NULL), *c = at(s2, 0x100000, NULL);
	assert_int_equal(g->rights, R);
	/* the child lost W (not R: it stays), below the new mapping */
	assert_non_null(c);
	assert_ptr_equal(c->n.parent, &g->n);
	assert_int_equal(c->rights, R);
	assert_int_equal(pte_rights(s2, 0x100000), R);
	assert_true(flushed(s2, 0x100000));
	/* granting the root with X only takes R from what was derived from it: all of it goes */
	assert_int_equal(map(s0, 4 * MiB, s1, 0x100000, 12, R), 0);
	assert_int_equal(grant(s0, 2 * MiB, s1, 0x200000, 12, X), 0);
	assert_null(at(s0, 2 * MiB, NULL));
	assert_int_equal(must(s1, 0x200000)->rights, X);
	assert_null(must(s1, 0x200000)->n.child);
	assert_null(at(s0, 4 * MiB, NULL));
	assert_null(at(s1, 0x100000, NULL));
	assert_null(at(s2, 0x100000, NULL));
	assert_true(space_check_all(s0));
	assert_true(space_check_all(s1));
	assert_true(space_check_all(s2));
	spaces_fini();
}

/*
 * Grant of a 2 MiB leaf to a destination whose 2 MiB slot already has a
 * table (something was mapped there once) would have to split the page
 * into 512 mappings, and a 2 MiB child of the granted leaf would then hang
 * below a 4 KiB one. Grant moves pages whole: -L4_EEXIST, nothing changes.
 * (Found by this test: the first version split the page.)
 */
static void test_grant_into_table(void **state)
{
	struct snap *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));

	spaces_init(4);
	struct space *s0 = &sp[0], *s1 = &sp[1], *s2 = &sp[2], *s3 = &sp[3];
	assert_int_equal(space_map_kernel(s0, 2 * MiB, 0x80000000, 2 * MiB, RWX, true), 0);
	assert_int_equal(map(s0, 2 * MiB, s1, 2 * MiB, 21, RWX), 0);
	assert_int_equal(map(s1, 2 * MiB, s2, 2 * MiB, 21, RWX), 0);     /* a 2 MiB child */
	/* a table at s3's [4 MiB, 6 MiB): map a page and unmap it again */
	assert_int_equal(space_map_kernel(s0, 8 * MiB, 0x90000000, 4096, RWX, true), 0);
	assert_int_equal(map(s0, 8 * MiB, s3, 4 * MiB, 12, R), 0);
	unmap_(s0, 8 * MiB, 12, RWX, false);
	assert_null(at(s3, 4 * MiB, NULL));
	snap_take(s1, a);
	snap_take(s3, b);
	assert_int_equal(grant(s1, 2 * MiB, s3, 4 * MiB, 21, RWX), -L4_EEXIST);
	snap_same(s1, a, true);
	snap_same(s3, b, true);
	/* into a slot without a table it is one 2 MiB page, the child below it */
	assert_int_equal(grant(s1, 2 * MiB, s3, 8 * MiB, 21, RWX), 0);
	assert_true(space_check_all(s3));
	assert_true(space_check_all(s2));
	unmap_(s3, 9 * MiB, 20, RWX, false);
	assert_null(at(s2, 2 * MiB, NULL));
	spaces_fini();
	free(a);
	free(b);
}

/*
 * Grant of a range that holds a mapping and one derived from it (an alias in
 * the same range, directly or through another space): -L4_EINVAL, nothing
 * changes. (The first version crashed in commit when the mask took R, and
 * made the alias's new mapping a root when the alias lay below its parent.)
 */
static void test_grant_alias_in_range(void **state)
{
	struct snap *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));

	spaces_init(3);
	struct space *s0 = &sp[0], *s1 = &sp[1], *s2 = &sp[2];
	/* Q derived from P, both in [4 MiB, 4 MiB + 8 KiB) */
	assert_int_equal(space_map_kernel(s0, 4 * MiB, 0x80000000, 4096, RWX, true), 0);
	assert_int_equal(map(s0, 4 * MiB, s0, 4 * MiB + 4096, 12, RWX), 0);
	snap_take(s0, a);
	snap_take(s1, b);
	assert_int_equal(grant(s0, 4 * MiB, s1, 8 * MiB, 13, X), -L4_EINVAL);
	assert_int_equal(grant(s0, 4 * MiB, s1, 8 * MiB, 13, RWX), -L4_EINVAL);
	snap_same(s0, a, true);
	snap_same(s1, b, true);
	/* the alias below its parent's address, and one through another space */
	assert_int_equal(space_map_kernel(s0, 16 * MiB + 4096, 0x90000000, 4096, RWX, true), 0);
	assert_int_equal(map(s0, 16 * MiB + 4096, s0, 16 * MiB, 12, RWX), 0);
	assert_int_equal(grant(s0, 16 * MiB, s1, 8 * MiB, 13, RWX), -L4_EINVAL);
	assert_int_equal(space_map_kernel(s0, 32 * MiB, 0xa0000000, 4096, RWX, true), 0);
	assert_int_equal(map(s0, 32 * MiB, s2, 4 * MiB, 12, RWX), 0);
	assert_int_equal(map(s2, 4 * MiB, s0, 32 * MiB + 4096, 12, RWX), 0);
	assert_int_equal(grant(s0, 32 * MiB, s1, 8 * MiB, 13, RWX), -L4_EINVAL);
	/* each page alone can be granted */
	assert_int_equal(grant(s0, 32 * MiB + 4096, s1, 8 * MiB, 12, RWX), 0);
	assert_true(space_check_all(s1));
	spaces_fini();
	free(a);
	free(b);
}

/* Install fails for want of memory: undo leaves the destination as it was. */
static void test_enomem_undo(void **state)
{
	struct snap *a = malloc(sizeof(*a));

	spaces_init(3);
	struct space *s0 = &sp[0], *s1 = &sp[1], *s2 = &sp[2];
	assert_int_equal(space_map_kernel(s0, 2 * MiB, 0x80000000, 4 * MiB, RWX, true), 0);
	assert_int_equal(space_map_kernel(s0, 8 * MiB, 0x90001000, 64 * 4096, RWX, true), 0);   /* 4 KiB leaves */

	/* The tables at s1's target exist (with two mappings in them);
	 * 16 pages need 16 mapping nodes but only 5 more fit. */
	assert_int_equal(map(s0, 8 * MiB, s1, 0x100000, 12, R), 0);
	assert_int_equal(map(s0, 8 * MiB + 4096, s1, 0x120000, 12, R), 0);
	snap_take(s1, a);
	size_t used = q[1].used;
	q[1].limit = used + 5 * mapping_block();
	struct space_xfer x = {s0, s1, 8 * MiB, 0x110000, 16, RW, false, NULL};
	assert_int_equal(space_check(&x), 0);
	assert_int_equal(space_install(&x), -L4_ENOMEM);
	space_undo(&x);
	snap_same(s1, a, true);                          /* quota used as before, too */
	assert_int_equal(q[1].used, used);
	/* a grant of the same fails too and the source keeps everything */
	struct snap *b = malloc(sizeof(*b));
	x.grant = true;
	assert_int_equal(space_check(&x), 0);
	assert_int_equal(space_install(&x), -L4_ENOMEM);
	space_undo(&x);
	snap_same(s1, a, true);
	for (uint64_t o = 0; o < 16 * 4096; o += 4096)
		assert_non_null(at(s0, 8 * MiB + o, NULL));
	check_all();

	/* An item that upgrades one page and maps others: undo keeps the old page as it was. */
	q[1].limit = 1UL << 30;
	assert_int_equal(map(s0, 8 * MiB + 16 * 4096, s1, 0x130000, 12, R), 0);
	snap_take(s1, a);
	used = q[1].used;
	q[1].limit = used + 2 * mapping_block();
	x = (struct space_xfer){s0, s1, 8 * MiB + 16 * 4096, 0x130000, 14, RW, false, NULL};
	assert_int_equal(space_check(&x), 0);
	assert_int_equal(space_install(&x), -L4_ENOMEM);
	space_undo(&x);
	snap_same(s1, a, true);
	assert_int_equal(must(s1, 0x130000)->rights, R);

	/* No room for a table: in a fresh space nothing fits but the root. */
	q[2].limit = q[2].used + SPACE_TABLE_SIZE + mapping_block();
	snap_take(s2, a);
	x = (struct space_xfer){s0, s2, 8 * MiB, 0x100000, 13, RW, false, NULL};
	assert_int_equal(space_check(&x), 0);
	assert_int_equal(space_install(&x), -L4_ENOMEM);
	space_undo(&x);
	/* The mappings are as before. Tables made on the way may stay
	 * (space.h: empty tables stay until the space is destroyed). */
	snap_same(s2, a, false);
	expect_quota(s2);
	q[2].limit = 1UL << 30;
	check_all();
	/* The message's budget (l4/mem.h, L4_MAP_MAX_PAGES): 16 source pages
	 * with room to look at 15 is -L4_ERANGE in the check, changing nothing;
	 * room to look at 16 but to make 15 leaves is -L4_ERANGE in the
	 * install, which undo takes back; 16 and 16 map. */
	q[1].limit = 1UL << 30;
	snap_take(s1, a);
	unsigned budget = 15;
	x = (struct space_xfer){s0, s1, 8 * MiB, 0x200000, 16, RW, false, &budget};
	assert_int_equal(space_check(&x), -L4_ERANGE);
	snap_same(s1, a, true);
	budget = 16;
	assert_int_equal(space_check(&x), 0);
	assert_int_equal(budget, 0);
	budget = 15;
	assert_int_equal(space_install(&x), -L4_ERANGE);
	space_undo(&x);
	snap_same(s1, a, false);        /* (a table made on the way stays) */
	budget = 16;
	assert_int_equal(space_check(&x), 0);
	budget = 16;
	assert_int_equal(space_install(&x), 0);
	space_commit(&x);
	assert_int_equal(budget, 0);
	check_all();
	free(a);
	free(b);
	spaces_fini();

}

/* Unmap is recursive across spaces; without self the caller's own mappings stay. */
static void test_unmap_recursive(void **state)
{
	spaces_init(5);
	struct space *s0 = &sp[0];
	assert_int_equal(space_map_kernel(s0, 2 * MiB, 0x80000000, 2 * MiB, RWX, true), 0);
	/* chain s0 -> s1 -> s2 -> s3 -> s4 of the page at 2 MiB + 16 KiB, and a fan-out in s1 */
	uint64_t va = 2 * MiB + 4 * 4096;
	assert_int_equal(map(s0, va, &sp[1], 0x100000, 12, RWX), 0);
	for (int i = 2; i < 5; i++)
		assert_int_equal(map(&sp[i - 1], 0x100000, &sp[i], 0x100000, 12, RWX), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(map(&sp[1], 0x100000, &sp[1], 0x200000 + i * 4096UL, 12, RX), 0);
	assert_int_equal(map(s0, va + 4096, &sp[2], 0x300000, 12, RWX), 0);   /* outside the range */
	check_all();

	/* from s1, without self: s2..s4 and s1's own fan-out (derived) go, s1's page stays */
	nflush = 0;
	unmap_(&sp[1], 0x100000, 12, RWX, false);
	assert_non_null(at(&sp[1], 0x100000, NULL));
	for (int i = 2; i < 5; i++) {
		assert_null(at(&sp[i], 0x100000, NULL));
		assert_true(flushed(&sp[i], 0x100000));
	}
	for (int i = 0; i < 8; i++)
		assert_null(at(&sp[1], 0x200000 + i * 4096UL, NULL));
	assert_false(flushed(&sp[1], 0x100000));
	assert_non_null(at(&sp[2], 0x300000, NULL));
	check_all();

	/* rebuild; from s0 over its whole 2 MiB page: all derived goes, s0 keeps its page */
	for (int i = 2; i < 5; i++)
		assert_int_equal(map(&sp[i - 1], 0x100000, &sp[i], 0x100000, 12, RWX), 0);
	unmap_(s0, 2 * MiB, 21, RWX, false);
	for (int i = 1; i < 5; i++) {
		size_t t;
		assert_int_equal(leaves_of(&sp[i], lbuf, LCAP, &t), 0);
	}
	assert_non_null(at(s0, 2 * MiB, NULL));

	/* with self on part of the 2 MiB page: derived of that part goes, the page stays */
	assert_int_equal(map(s0, va, &sp[1], 0x100000, 12, RWX), 0);
	assert_int_equal(map(s0, va + 8192, &sp[2], 0x100000, 12, RWX), 0);
	unmap_(s0, va, 12, RWX, true);
	assert_null(at(&sp[1], 0x100000, NULL));
	assert_non_null(at(&sp[2], 0x100000, NULL));
	assert_non_null(at(s0, va, NULL));
	/* self on s2's whole page: it goes (a page the caller has whole) */
	assert_int_equal(map(&sp[2], 0x100000, &sp[3], 0x100000, 12, RWX), 0);
	nflush = 0;
	unmap_(&sp[2], 0x100000, 12, RWX, true);
	assert_null(at(&sp[2], 0x100000, NULL));
	assert_null(at(&sp[3], 0x100000, NULL));
	assert_true(flushed(&sp[2], 0x100000));
	/* self on the whole 2 MiB: the root goes, with everything */
	assert_int_equal(map(s0, va, &sp[1], 0x100000, 12, RWX), 0);
	unmap_(s0, 0, 22, RWX, true);
	assert_null(at(s0, 2 * MiB, NULL));
	assert_null(at(&sp[1], 0x100000, NULL));
	/* no-ops: nothing there, kept pages */
	assert_int_equal(space_map_kernel(s0, 8 * MiB, 0x90000000, 4096, R, false), 0);
	unmap_(s0, 8 * MiB, 12, RWX, true);
	assert_non_null(space_lookup(s0, 8 * MiB, &(uint64_t){0}, &(struct mapping *){NULL}));
	unmap_(&sp[4], 0, L4_FP_ORDER_MAX, RWX, true);
	check_all();
	spaces_fini();
}

/* Unmap of rights only. */
static void test_unmap_rights(void **state)
{
	spaces_init(4);
	struct space *s0 = &sp[0], *s1 = &sp[1], *s2 = &sp[2], *s3 = &sp[3];
	assert_int_equal(space_map_kernel(s0, 2 * MiB, 0x80000000, 2 * MiB, RWX, true), 0);
	assert_int_equal(map(s0, 2 * MiB, s1, 0x100000, 12, RW), 0);
	assert_int_equal(map(s1, 0x100000, s2, 0x100000, 12, RW), 0);
	assert_int_equal(map(s2, 0x100000, s3, 0x100000, 12, R), 0);
	assert_int_equal(map(s0, 2 * MiB + 4096, s1, 0x101000, 12, RX), 0);

	/* take W from what s0 gave */
	nflush = 0;
	unmap_(s0, 2 * MiB, 21, W, false);
	assert_int_equal(must(s1, 0x100000)->rights, R);
	assert_int_equal(pte_rights(s1, 0x100000), R);
	assert_true(flushed(s1, 0x100000));
	assert_int_equal(must(s2, 0x100000)->rights, R);
	assert_int_equal(pte_rights(s2, 0x100000), R);
	assert_true(flushed(s2, 0x100000));
	assert_int_equal(must(s3, 0x100000)->rights, R);
	assert_int_equal(must(s1, 0x101000)->rights, RX);
	assert_int_equal(must(s0, 2 * MiB)->rights, RWX);       /* not self */
	check_all();

	/* with self: the caller's own page loses W too */
	unmap_(s0, 2 * MiB, 21, W, true);
	assert_int_equal(must(s0, 2 * MiB)->rights, RX);
	assert_int_equal(pte_rights(s0, 2 * MiB), RX);

	/* taking X from an X-only mapping removes it (it had nothing else) */
	assert_int_equal(map(s0, 2 * MiB + 8192, s2, 0x200000, 12, X), 0);
	assert_int_equal(map(s2, 0x200000, s3, 0x200000, 12, X), 0);
	unmap_(s0, 2 * MiB + 8192, 12, X, false);
	assert_null(at(s2, 0x200000, NULL));
	assert_null(at(s3, 0x200000, NULL));
	/* RX loses X and keeps R */
	unmap_(s0, 2 * MiB, 21, X, false);
	assert_int_equal(must(s1, 0x101000)->rights, R);
	/* taking R removes, whatever else it has */
	unmap_(s1, 0x100000, 12, R, false);
	assert_null(at(s2, 0x100000, NULL));
	assert_null(at(s3, 0x100000, NULL));
	assert_non_null(at(s1, 0x100000, NULL));
	/* no rights: nothing happens */
	unmap_(s0, 2 * MiB, 21, 0, true);
	assert_non_null(at(s1, 0x101000, NULL));
	check_all();
	spaces_fini();
}

/* Unmap of part of a big source leaf revokes only the children overlapping it. */
static void test_unmap_subrange(void **state)
{
	spaces_init(3);
	struct space *s0 = &sp[0], *s1 = &sp[1], *s2 = &sp[2];
	assert_int_equal(space_map_kernel(s0, 2 * MiB, 0x80000000, 2 * MiB, RWX, true), 0);
	assert_int_equal(map(s0, 2 * MiB, s1, 0x100000, 12, RWX), 0);              /* offset 0 */
	assert_int_equal(map(s0, 3 * MiB, s1, 0x101000, 12, RWX), 0);              /* offset 1 MiB */
	assert_int_equal(map(s0, 3 * MiB + 4096, s1, 0x102000, 12, RWX), 0);       /* offset 1 MiB + 4 KiB */
	assert_int_equal(map(s0, 2 * MiB, s2, 2 * MiB, 21, RWX), 0);               /* all of it */
	assert_int_equal(map(s0, 3 * MiB, s2, 0x100000, 20, RWX), 0);              /* the upper half */
	assert_int_equal(map(s0, 2 * MiB, s1, 0x200000, 20, RWX), 0);              /* the lower half */

	unmap_(s0, 3 * MiB, 12, RWX, true);
	assert_non_null(at(s1, 0x100000, NULL));
	assert_null(at(s1, 0x101000, NULL));
	assert_non_null(at(s1, 0x102000, NULL));
	assert_null(at(s2, 2 * MiB, NULL));
	assert_null(at(s2, 0x100000, NULL));
	assert_non_null(at(s1, 0x200000, NULL));
	assert_non_null(at(s0, 2 * MiB, NULL));    /* self on part of a page: kept */
	check_all();
	spaces_fini();
}

/* Destroying a space revokes what others derived from it and returns its quota. */
static void test_destroy(void **state)
{
	spaces_init(4);
	struct space *s0 = &sp[0], *s1 = &sp[1], *s2 = &sp[2], *s3 = &sp[3];
	assert_int_equal(space_map_kernel(s0, 4 * MiB, 0x80000000, 4 * MiB, RWX, true), 0);
	assert_int_equal(map(s0, 4 * MiB, s1, 4 * MiB, 22, RWX), 0);
	assert_int_equal(space_map_kernel(s1, 0x100000, 0x90000000, 4096, R, false), 0);   /* a UTCB */
	for (int i = 0; i < 32; i++)
		assert_int_equal(map(s1, 4 * MiB + i * 8192UL, i % 2 ? s2 : s3, 0x200000 + i * 4096UL, 12, RW), 0);
	assert_int_equal(map(s1, 4 * MiB, s1, 8 * MiB, 21, R), 0);                        /* s1 from itself */
	assert_int_equal(map(s1, 8 * MiB, s2, 8 * MiB, 21, R), 0);
	assert_int_equal(map(s0, 4 * MiB, s3, 0x400000, 12, R), 0);                        /* not from s1 */
	size_t used2 = q[2].used, used3 = q[3].used;
	check_all();

	nflush = 0;
	destroy_(s1);
	assert_int_equal(q[1].used, 0);
	assert_null(s1->root);
	size_t t;
	assert_int_equal(leaves_of(s2, lbuf, LCAP, &t), 0);
	assert_int_equal(q[2].used, used2 - 17 * mapping_block());
	assert_int_equal(leaves_of(s3, lbuf, LCAP, &t), 1);
	assert_int_equal(q[3].used, used3 - 16 * mapping_block());
	assert_true(flushed(s2, 0x200000 + 4096));
	assert_true(flushed(s3, 0x200000));
	assert_non_null(must(s0, 4 * MiB)->n.child);
	assert_null(must(s0, 4 * MiB)->n.child->next);   /* s0 keeps one child: s3's */
	assert_null(must(s0, 6 * MiB)->n.child);
	destroy_(s1);                                    /* twice: a no-op */
	nsp = 4;
	for (int i = 0; i < 4; i++)
		if (i != 1)
			assert_true(space_check_all(&sp[i]));

	/* the root space last: what is derived from roots goes with it */
	assert_int_equal(map(s0, 4 * MiB, s2, 2 * MiB, 21, RWX), 0);
	destroy_(s0);
	assert_int_equal(q[0].used, 0);
	assert_int_equal(leaves_of(s2, lbuf, LCAP, &t), 0);
	assert_int_equal(leaves_of(s3, lbuf, LCAP, &t), 0);
	destroy_(s2);
	destroy_(s3);
	assert_int_equal(q[2].used, 0);
	assert_int_equal(q[3].used, 0);
	assert_int_equal(pool_free(), pool_free0);
	nsp = 0;
}

static void test_init_enomem(void **state)
{
	struct space s;
	struct quota tiny = {SPACE_TABLE_SIZE - 1, 0};

	assert_int_equal(space_init(&s, &tiny), -L4_ENOMEM);
	assert_int_equal(tiny.used, 0);
	assert_null(s.root);
	destroy_(&s);       /* of a space that never was: nothing */
	/* the kernel map fails without room for tables */
	tiny.limit = SPACE_TABLE_SIZE;
	assert_int_equal(space_init(&s, &tiny), 0);
	assert_int_equal(space_map_kernel(&s, 2 * MiB, 0x80000000, 4096, R, false), -L4_ENOMEM);
	destroy_(&s);
	assert_int_equal(tiny.used, 0);
	assert_int_equal(pool_free(), pool_free0);
}

/* ---- the randomized test against a reference model ---- */

#define RS 5                                    /* spaces */
#define WIN (4 * MiB)                           /* every space's window */
#define WSIZE (8 * MiB)
#define NPG (WSIZE / 4096)
#define N2M (WSIZE / (2 * MiB))
#define PG(va) ((size_t)(((va) - WIN) >> 12))

struct mm {
	bool alive, kept, fresh;
	int sp;
	uint64_t va, pa;
	unsigned order, rights;
	int parent;                             /* -1: a root */
	int mark;                               /* scratch */
};

static struct mm *M;
static int nm, capm, *freeids, nfree;
static int pg[RS][NPG];                         /* the model mapping covering a page, or -1 */
static bool tab[RS][N2M];                       /* a 4 KiB-leaf table at that 2 MiB slot */
static bool l1[RS];                             /* the level-1 table of the window's GiB */
static int nmaps[RS];                           /* mapping nodes (not kept) per space */
static bool fl[RS][NPG];                        /* flushed during this step */
static uint64_t rng;
static int step;

static uint64_t rnd(uint64_t n)
{
	return xorshift64s(&rng) % n;
}

static int space_index(const struct space *s)
{
	for (int i = 0; i < RS; i++)
		if (s == &sp[i])
			return i;
	return -1;
}

static void rflush(const struct space *s, uint64_t va)
{
	int i = space_index(s);

	if (i >= 0 && va >= WIN && va < WIN + WSIZE)
		fl[i][PG(va)] = true;
}

static int mm_new(void)
{
	int id;

	if (nfree)
		id = freeids[--nfree];
	else {
		if (nm == capm) {
			capm = capm ? 2 * capm : 1024;
			M = realloc(M, sizeof(*M) * (size_t)capm);
			freeids = realloc(freeids, sizeof(int) * (size_t)capm);
			assert_non_null(M);
			assert_non_null(freeids);
		}
		id = nm++;
	}
	memset(&M[id], 0, sizeof(M[id]));
	return id;
}

static void mm_free(int id)
{
	struct mm *m = &M[id];

	for (uint64_t o = 0; o < (1UL << m->order); o += 4096)
		pg[m->sp][PG(m->va + o)] = -1;
	if (!m->kept)
		nmaps[m->sp]--;
	m->alive = false;
	freeids[nfree++] = id;
}

/* The model of add_leaves: the largest leaf alignment, size and the tables allow. */
static void model_add(int s, uint64_t va, uint64_t pa, uint64_t size, unsigned rights, int parent, bool kept,
		      bool fresh)
{
	l1[s] = true;
	while (size) {
		unsigned order = 12;
		size_t slot = (size_t)((va - WIN) / (2 * MiB));
		if (size >= 2 * MiB && !((va | pa) & (2 * MiB - 1)) && !tab[s][slot])
			order = 21;
		else
			tab[s][slot] = true;
		int id = mm_new();
		struct mm *m = &M[id];
		m->alive = true;
		m->kept = kept;
		m->fresh = fresh;
		m->sp = s;
		m->va = va;
		m->pa = pa;
		m->order = order;
		m->rights = rights;
		m->parent = parent;
		for (uint64_t o = 0; o < (1UL << order); o += 4096) {
			assert_int_equal(pg[s][PG(va + o)], -1);
			pg[s][PG(va + o)] = id;
		}
		if (!kept)
			nmaps[s]++;
		va += 1UL << order;
		pa += 1UL << order;
		size -= 1UL << order;
	}
}

struct mchunk {
	int m;                  /* source */
	uint64_t dst, pa, size;
	unsigned rights;
};
static struct mchunk ch[NPG];
/* how often the new rules were exercised: re-maps, re-maps with gaps filled, grants that took rights
 * from what moved, grants refused for a table in the way */
static unsigned long cover[4];

/*
 * l4/mem.h's rules, chunk by chunk in source order (space_check's order of
 * errors). A chunk is min(source leaf, 2^order). Its destination must be
 * free, except (map only) for leaves that lie inside it, map the same memory
 * there and are derived from the chunk's source mapping (re-map). Grant
 * moves a page whole: a table where its leaf would go is -EEXIST.
 */
static long model_check(int from, uint64_t src, int to, uint64_t dst, unsigned order, unsigned mask, bool grant,
			int *nch)
{
	uint64_t size = 1UL << order;
	int k = 0;

	for (uint64_t a = src; a < src + size;) {
		int id = pg[from][PG(a)];
		if (id < 0 || M[id].kept)
			return -L4_ENOENT;
		struct mm *m = &M[id];
		uint64_t lsize = 1UL << m->order;
		if (grant && lsize > size)
			return -L4_EINVAL;
		struct mchunk *c = &ch[k++];
		c->m = id;
		c->size = lsize < size ? lsize : size;
		c->dst = dst + (a - src);
		c->pa = m->pa + (a - m->va);
		c->rights = m->rights & mask;
		if (!c->rights || (c->rights & RW) == W)
			return -L4_EINVAL;
		for (uint64_t o = 0; o < c->size;) {
			int d = pg[to][PG(c->dst + o)];
			if (d < 0) {
				o += 4096;
				continue;
			}
			const struct mm *dm = &M[d];
			if (grant || dm->kept || dm->va < c->dst || dm->va + (1UL << dm->order) > c->dst + c->size ||
			    dm->pa != c->pa + (dm->va - c->dst) || dm->parent != id)
				return -L4_EEXIST;
			o = dm->va + (1UL << dm->order) - c->dst;
		}
		if (grant && c->size == 2 * MiB && tab[to][(c->dst - WIN) / (2 * MiB)]) {
			cover[3]++;
			return -L4_EEXIST;
		}
		a += c->size;
	}
	*nch = k;
	return 0;
}

static int mm_at(int s, uint64_t va)
{
	return pg[s][PG(va)];
}

static int revoked(int i);

/* revoke(): take `lost` from top and its subtree; losing R, or all a mapping has, removes it. */
static void model_revoke(int top, unsigned lost)
{
	for (int i = 0; i < nm; i++)
		M[i].mark = 0;
	M[top].mark = 1;
	for (int i = 0; i < nm; i++)
		if (M[i].alive)
			revoked(i);
	for (int i = 0; i < nm; i++) {
		struct mm *x = &M[i];
		if (!x->alive || x->mark != 1)
			continue;
		unsigned left = x->rights & ~lost;
		if ((lost & R) || !left)
			mm_free(i);
		else
			x->rights = left;
	}
}

static void model_apply(int from, int to, bool grant, int nch)
{
	for (int i = 0; i < nch; i++) {
		struct mchunk *c = &ch[i];
		/* re-mapped leaves get the rights added; the gaps between them are mapped fresh */
		bool kept = false, gaps = false;
		for (uint64_t o = 0; o < c->size;) {
			int d = pg[to][PG(c->dst + o)];
			if (d >= 0) {
				kept = true;
				M[d].rights |= c->rights;
				o = M[d].va + (1UL << M[d].order) - c->dst;
				continue;
			}
			uint64_t e = o;
			while (e < c->size && pg[to][PG(c->dst + e)] < 0)
				e += 4096;
			model_add(to, c->dst + o, c->pa + o, e - o, c->rights, c->m, false, true);
			gaps = true;
			o = e;
		}
		cover[0] += kept;
		cover[1] += kept && gaps;
	}
	if (grant) {
		/* sources marked with their chunk index + 1 */
		for (int i = 0; i < nm; i++)
			M[i].mark = 0;
		for (int i = 0; i < nch; i++)
			M[ch[i].m].mark = i + 1;
		/*
		 * New parents, from the parents before the grant: what was derived from a source goes under the
		 * source's new mapping; the new mappings (fresh) take their source's place, i.e. go under the
		 * source's parent, or under that parent's new mapping if the parent was granted too.
		 */
		static int moved[1 << 16], np[1 << 16];
		int nmoved = 0;
		if ((size_t)nm > sizeof(np) / sizeof(np[0]))
			fail_msg("model too large");
		for (int i = 0; i < nm; i++) {
			struct mm *x = &M[i];
			np[i] = x->parent;
			if (!x->alive || x->parent < 0 || !M[x->parent].mark)
				continue;
			struct mm *m = &M[x->parent];
			if (x->fresh) {
				int up = m->parent;
				if (up >= 0 && M[up].mark)
					up = mm_at(to, ch[M[up].mark - 1].dst + (x->pa - M[up].pa));
				np[i] = up;
			} else {
				np[i] = mm_at(to, ch[m->mark - 1].dst + (x->pa - m->pa));
				moved[nmoved++] = i;
			}
		}
		for (int i = 0; i < nm; i++)
			M[i].parent = np[i];
		for (int i = 0; i < nch; i++)
			mm_free(ch[i].m);
		/* what moved loses the rights its new parent lacks */
		for (int k = 0; k < nmoved; k++) {
			struct mm *x = &M[moved[k]];
			if (!x->alive)
				continue;
			unsigned lost = x->rights & ~M[x->parent].rights;
			if (lost) {
				cover[2]++;
				model_revoke(moved[k], lost);
			}
		}
	}
	for (int i = 0; i < nm; i++)
		M[i].fresh = false;
}

/* mark: 0 unknown, 1 revoked, 2 not */
static int revoked(int i)
{
	int chain[64], n = 0, r;

	for (int x = i;; x = M[x].parent) {
		if (M[x].mark) {
			r = M[x].mark;
			break;
		}
		if (M[x].parent < 0) {
			r = 2;
			chain[n++] = x;
			break;
		}
		if (n == 64) {          /* deep: resolve the rest first */
			r = revoked(x);
			break;
		}
		chain[n++] = x;
	}
	for (int k = 0; k < n; k++)
		M[chain[k]].mark = r;
	return r;
}

static void model_unmap(int s, uint64_t va, unsigned order, unsigned mask, bool self)
{
	uint64_t hi = va + (1UL << order);
	static uint64_t plo[1 << 16], phi[1 << 16];     /* per leaf of s in the range, by id */

	if ((size_t)nm > sizeof(plo) / sizeof(plo[0]))
		fail_msg("model too large");
	for (int i = 0; i < nm; i++)
		M[i].mark = 0;
	/* the leaves of s in the range: mark 3, with the part of their memory in it */
	uint64_t lo = va < WIN ? WIN : va, top = hi > WIN + WSIZE ? WIN + WSIZE : hi;
	int targets = 0;
	for (uint64_t a = lo; a < top;) {
		int id = pg[s][PG(a)];
		if (id < 0) {
			a += 4096;
			continue;
		}
		struct mm *m = &M[id];
		uint64_t end = m->va + (1UL << m->order);
		uint64_t l = m->va < va ? va : m->va, t = end > hi ? hi : end;
		if (!m->kept) {
			plo[id] = m->pa + (l - m->va);
			phi[id] = m->pa + (t - m->va);
			m->mark = 3;
			if (self && l == m->va && t == end)
				m->mark = 4;    /* itself too */
			targets++;
		}
		a = end;
	}
	if (!targets)
		return;
	/* the children overlapping the range, and whole pages with self */
	static int tl[1 << 16];
	int ntl = 0;
	for (int i = 0; i < nm; i++) {
		struct mm *x = &M[i];
		if (!x->alive)
			continue;
		if (x->mark == 4)
			tl[ntl++] = i;
		if (x->parent >= 0 && M[x->parent].mark >= 3 && x->pa < phi[x->parent] &&
		    x->pa + (1UL << x->order) > plo[x->parent])
			tl[ntl++] = i;
	}
	for (int i = 0; i < nm; i++)
		M[i].mark = 0;
	for (int k = 0; k < ntl; k++)
		M[tl[k]].mark = 1;
	for (int i = 0; i < nm; i++)
		if (M[i].alive)
			revoked(i);
	for (int i = 0; i < nm; i++) {
		struct mm *x = &M[i];
		if (!x->alive || x->mark != 1)
			continue;
		unsigned left = x->rights & ~mask;
		if ((mask & R) || !left)
			mm_free(i);
		else
			x->rights = left;
	}
}

/* Whether the real space s has a table for 4 KiB leaves at window slot k. */
static bool real_tab(int s, int k)
{
	uint64_t base = WIN + k * 2 * MiB;
	pte_t e2 = sp[s].root[VPN(base, 2)];

	if (!(e2 & PTE_V) || pte_is_leaf(e2))
		return false;
	pte_t e1 = ((pte_t *)space_pa_to_va(pte_pa(e2)))[VPN(base, 1)];
	return (e1 & PTE_V) && !pte_is_leaf(e1);
}

static bool real_l1(int s)
{
	pte_t e2 = sp[s].root[VPN(WIN, 2)];

	return (e2 & PTE_V) && !pte_is_leaf(e2);
}

/* Compare the real spaces with the model and check every invariant. */
static void compare(const char *what)
{
	size_t total = 0;

	for (int s = 0; s < RS; s++) {
		size_t tables, n = leaves_of(&sp[s], lbuf, LCAP, &tables), cnt = 0;
		for (size_t i = 0; i < n; i++) {
			const struct leaf *l = &lbuf[i];
			if (l->va < WIN || l->va + l->size > WIN + WSIZE)
				fail_msg("step %d (%s): space %d: leaf at %#" PRIx64 " outside the window", step, what,
					 s, l->va);
			int id = pg[s][PG(l->va)];
			if (id < 0)
				fail_msg("step %d (%s): space %d: %#" PRIx64 " mapped, not in the model", step, what, s,
					 l->va);
			const struct mm *m = &M[id];
			if (m->va != l->va || (1UL << m->order) != l->size || m->pa != pte_pa(l->pte) ||
			    m->rights != ((l->pte >> 1) & 7) || !(l->pte & PTE_U) || m->kept != !l->m)
				fail_msg("step %d (%s): space %d va %#" PRIx64 ": real size %#" PRIx64 " pa %#" PRIx64
					 " rights %u kept %d, model va %#" PRIx64 " size %#lx pa %#" PRIx64
					 " rights %u kept %d",
					 step, what, s, l->va, l->size, pte_pa(l->pte), (unsigned)((l->pte >> 1) & 7),
					 !l->m, m->va, 1UL << m->order, m->pa, m->rights, m->kept);
			cnt++;
			if (!l->m)
				continue;
			const struct mapping *r = l->m;
			assert_ptr_equal(r->space, &sp[s]);
			assert_int_equal(r->va, l->va);
			assert_int_equal(r->pa, m->pa);
			assert_int_equal(r->order, m->order);
			assert_int_equal(r->rights, m->rights);
			assert_false(r->fresh);
			const struct mapping *up = (const struct mapping *)r->n.parent;
			if (m->parent < 0) {
				if (up)
					fail_msg("step %d (%s): space %d va %#" PRIx64 ": a root in the model, real parent "
						 "in space %d at %#" PRIx64,
						 step, what, s, l->va, space_index(up->space), up->va);
				total += 1;
			} else {
				const struct mm *p = &M[m->parent];
				if (!up || up->space != &sp[p->sp] || up->va != p->va)
					fail_msg("step %d (%s): space %d va %#" PRIx64 ": model parent space %d va "
						 "%#" PRIx64 ", real %d %#" PRIx64,
						 step, what, s, l->va, p->sp, p->va, up ? space_index(up->space) : -1,
						 up ? up->va : 0);
				/* derived: inside the parent, no more rights */
				if (r->rights & ~up->rights)
					fail_msg("step %d (%s): rights grow from %u to %u", step, what, up->rights,
						 r->rights);
				if (r->pa < up->pa || r->pa + (1UL << r->order) > up->pa + (1UL << up->order))
					fail_msg("step %d (%s): space %d va %#" PRIx64 " outside its parent", step, what, s,
						 l->va);
			}
		}
		int mc = 0;
		for (int i = 0; i < nm; i++)
			mc += M[i].alive && M[i].sp == s;
		if ((size_t)mc != cnt)
			fail_msg("step %d (%s): space %d: %zu leaves, model %d", step, what, s, cnt, (size_t)mc);
		/* tables: root, the level-1 table, and the model's 4 KiB-leaf tables */
		size_t t0 = 0;
		for (int k = 0; k < (int)N2M; k++) {
			t0 += tab[s][k];
			if (tab[s][k] != real_tab(s, k))
				fail_msg("step %d (%s): space %d: table at slot %d: real %d, model %d", step, what, s, k,
					 real_tab(s, k), tab[s][k]);
		}
		if (tables != 1 + l1[s] + t0)
			fail_msg("step %d (%s): space %d: %zu tables, model %zu", step, what, s, tables, 1 + l1[s] + t0);
		if (q[s].used != tables * SPACE_TABLE_SIZE + (size_t)nmaps[s] * mapping_block())
			fail_msg("step %d (%s): space %d: quota used %zu, expected %zu", step, what, s, q[s].used,
				 tables * SPACE_TABLE_SIZE + (size_t)nmaps[s] * mapping_block());
		if (!space_check_all(&sp[s]))
			fail_msg("step %d (%s): space_check_all(space %d) fails", step, what, s);
	}
	/* every mapping is in a well-formed tree from a root */
	size_t nodes = 0, want = 0;
	for (int s = 0; s < RS; s++) {
		size_t n = leaves_of(&sp[s], lbuf, LCAP, NULL);
		want += (size_t)nmaps[s];
		for (size_t i = 0; i < n; i++) {
			struct mapping *r = lbuf[i].m;
			if (!r || r->n.parent)
				continue;
			if (!mdb_check(&r->n, 1000000))
				fail_msg("step %d (%s): mdb_check fails", step, what);
			for (const struct mdb_node *x = &r->n; x; x = mdb_next_in(&r->n, x))
				nodes++;
		}
	}
	if (nodes != want)
		fail_msg("step %d (%s): %zu nodes in trees, %zu mappings", step, what, nodes, want);
	(void)total;            /* roots */
}

/* A random order, mostly small. */
static unsigned rorder(void)
{
	uint64_t r = rnd(100);

	if (r < 55)
		return 12 + (unsigned)rnd(3);
	if (r < 85)
		return 15 + (unsigned)rnd(6);
	return 21 + (unsigned)rnd(2);
}

static uint64_t raddr(unsigned order)
{
	return WIN + (rnd(WSIZE >> order) << order);
}

/* A source: mostly inside an existing mapping (*order lowered to fit it, mostly). */
static void rsource(unsigned *order, int *s, uint64_t *a)
{
	if (nm && rnd(100) < 95) {
		for (int tries = 0; tries < 64; tries++) {
			int id = tries & 1 ? pg[rnd(RS)][rnd(NPG)] : (int)rnd((uint64_t)nm);
			if (id < 0 || !M[id].alive || M[id].kept)
				continue;
			const struct mm *m = &M[id];
			if (*order > m->order && rnd(100) < 90)
				*order = m->order;
			*s = m->sp;
			*a = (m->va + (rnd(1UL << m->order) & ~0xfffUL)) & ~((1UL << *order) - 1);
			return;
		}
	}
	*s = (int)rnd(RS);
	*a = raddr(*order);
}

/*
 * A map whose destination may hold leaves derived from its source (a re-map):
 * from a derived mapping d back to the memory of its parent, of an order
 * around d's (smaller: d sticks out; larger: the gaps around d are mapped).
 */
static bool rremap(unsigned *order, int *from, uint64_t *src, int *to, uint64_t *dst)
{
	for (int tries = 0; tries < 32; tries++) {
		int id = pg[rnd(RS)][rnd(NPG)];
		if (id < 0 || M[id].kept || M[id].parent < 0)
			continue;
		const struct mm *d = &M[id], *p = &M[d->parent];
		uint64_t a = p->va + (d->pa - p->pa);   /* d's memory in its parent's space */
		unsigned o = d->order + (unsigned)rnd(5);
		o = o > 12 ? o - 1 : o;
		o = o > 22 ? 22 : o;
		uint64_t s = a & ~((1UL << o) - 1), off = a - s;
		if (d->va < off || ((d->va - off) & ((1UL << o) - 1)) || d->va - off < WIN ||
		    d->va - off + (1UL << o) > WIN + WSIZE)
			continue;
		*order = o;
		*from = p->sp;
		*src = s;
		*to = d->sp;
		*dst = d->va - off;
		return true;
	}
	return false;
}

static const unsigned mask_choice[] = {R, RW, RX, RWX, RWX, RWX, RWX, RWX, R, RX, X, W, W | X, 0};

static uint64_t next_pa = 0x100000000UL;
static unsigned long stats[8], errs[16], fast_maps;

/*
 * The page-fault fast path's map (space_map_fast) instead of the general
 * one, for a 4 KiB map (model_check done: want, ch[0]): it must map exactly
 * when the general path would map it into a free slot under tables that are
 * there, with rights including the access `need`, and quota for the node
 * (and a mask that is not W alone, which the IPC layer refuses);
 * the result is then the general path's (the model's); otherwise nothing
 * changes. Returns whether it mapped.
 */
static bool step_fast(int from, uint64_t src, int to, uint64_t dst, unsigned mask, long want, bool tight)
{
	static const unsigned needs[] = {R, W, X};
	unsigned need = needs[rnd(3)];
	size_t limit = q[to].limit;

	if (tight)
		q[to].limit = q[to].used + rnd(2) * mapping_block();
	bool room = q[to].limit - q[to].used >= mapping_block();
	bool take = want == 0 && (mask & RW) != W && pg[to][PG(dst)] < 0 && tab[to][(dst - WIN) / (2 * MiB)] &&
		    (ch[0].rights & need) == need && room;
	nflush = 0;
	long got = space_map_fast(&sp[from], &sp[to], src, dst, mask, need);
	q[to].limit = limit;
	if (got != (take ? 0 : 1))
		fail_msg("step %d: fast map %d:%#" PRIx64 " -> %d:%#" PRIx64 " mask %u need %u: %ld, expected %d "
			 "(general path %ld)", step, from, src, to, dst, mask, need, got, take ? 0 : 1, want);
	if (got) {
		stats[7]++;
		compare("fast map refused");
		return false;
	}
	if (!flushed(&sp[to], dst))
		fail_msg("step %d: fast map to %d:%#" PRIx64 " without a fence for it", step, to, dst);
	model_apply(from, to, false, 1);
	stats[0]++;
	fast_maps++;
	compare("fast map");
	return true;
}

static void step_xfer(bool grant)
{
	unsigned order = rorder(), mask = mask_choice[rnd(sizeof(mask_choice) / sizeof(mask_choice[0]))];
	int from, to = (int)rnd(RS), nch = 0;
	uint64_t src;
	bool tight = rnd(100) < 4;

	if (grant && rnd(4) == 0)
		order = 21;                     /* whole 2 MiB pages, mostly */
	rsource(&order, &from, &src);
	uint64_t dst = raddr(order);
	if (!grant && rnd(100) < 20)
		rremap(&order, &from, &src, &to, &dst);
	if (grant && order == 21 && rnd(2))
		for (int tries = 0; tries < 16; tries++) {
			int t = (int)rnd(RS), k = (int)rnd(N2M);
			if (tab[t][k]) {
				to = t;
				dst = WIN + (uint64_t)k * 2 * MiB;
				break;
			}
		}
	struct space_xfer x = {&sp[from], &sp[to], src, dst, order, mask, grant, NULL};
	long want = model_check(from, src, to, dst, order, mask, grant, &nch);
	if (!grant && order == 12 && rnd(2) && step_fast(from, src, to, dst, mask, want, tight))
		return;
	long got = space_check(&x);
	if (got != want)
		fail_msg("step %d: %s %d:%#" PRIx64 " -> %d:%#" PRIx64 " order %u mask %u: space_check %ld, model %ld",
			 step, grant ? "grant" : "map", from, src, to, dst, order, mask, got, want);
	if (got) {
		stats[grant ? 3 : 2]++;
		errs[-got < 16 ? -got : 0]++;
		return;
	}
	size_t limit = q[to].limit;
	if (tight)
		q[to].limit = q[to].used + rnd(8) * mapping_block();
	got = space_install(&x);
	q[to].limit = limit;
	if (got) {
		assert_int_equal(got, -L4_ENOMEM);
		assert_true(tight);
		space_undo(&x);
		/* tables made on the way stay: learn them */
		l1[to] = real_l1(to);
		for (int k = 0; k < (int)N2M; k++)
			tab[to][k] = real_tab(to, k);
		stats[6]++;
		compare("undo");
		return;
	}
	space_commit(&x);
	model_apply(from, to, grant, nch);
	stats[grant ? 1 : 0]++;
	compare(grant ? "grant" : "map");
}

static void step_unmap(void)
{
	static const unsigned rights_choice[] = {RWX, RWX, RWX, R, W, X, W | X, RW};
	unsigned order = rorder(), mask = rights_choice[rnd(sizeof(rights_choice) / sizeof(rights_choice[0]))];
	int s;
	uint64_t va;
	bool self = rnd(2);

	if (rnd(100) < 30)
		order += (unsigned)rnd(3);      /* up to 8 MiB: the whole window */
	unsigned o = order > 22 ? 22 : order;
	rsource(&o, &s, &va);
	if (order <= 22 && rnd(2))
		order = o;
	va &= ~((1UL << order) - 1);
	if (s == 0 && rnd(100) < 80)
		self = false;                   /* keep the roots for a while */
	unmap_(&sp[s], va, order, mask, self);
	model_unmap(s, va, order, mask, self);
	stats[4]++;
	compare("unmap");
	/* nothing derived from the range is left */
	if (mask & R) {
		size_t n = leaves_of(&sp[s], lbuf, LCAP, NULL);
		uint64_t hi = va + (1UL << order);
		for (size_t i = 0; i < n; i++) {
			const struct mapping *m = lbuf[i].m;
			if (!m || lbuf[i].va + lbuf[i].size <= va || lbuf[i].va >= hi)
				continue;
			uint64_t l = m->va < va ? va : m->va, t = m->va + lbuf[i].size > hi ? hi : m->va + lbuf[i].size;
			for (const struct mdb_node *c = m->n.child; c; c = c->next) {
				const struct mapping *cm = (const struct mapping *)c;
				if (cm->pa < m->pa + (t - m->va) && cm->pa + (1UL << cm->order) > m->pa + (l - m->va))
					fail_msg("step %d: derived mapping left after unmap", step);
			}
		}
	}
}

/* New memory for the root space (roots), or a kept page somewhere. */
static void step_kernel(void)
{
	int s = rnd(100) < 80 ? 0 : (int)rnd(RS);
	bool big = rnd(2), root = s == 0 || rnd(100) < 30;
	uint64_t size = big ? 2 * MiB : 4096, va = raddr(big ? 21 : 12);
	static const unsigned rc[] = {R, RW, RX, RWX};
	unsigned rights = rc[rnd(4)];

	for (uint64_t o = 0; o < size; o += 4096)
		if (pg[s][PG(va + o)] >= 0)
			return;
	if (!root)
		rights = R;
	assert_int_equal(space_map_kernel(&sp[s], va, next_pa, size, rights, root), 0);
	model_add(s, va, next_pa, size, rights, -1, !root, false);
	next_pa += 2 * MiB;
	stats[5]++;
	compare("kernel");
}

static void test_random(void **state)
{
	const char *env = getenv("SPACE_SEED"), *st = getenv("SPACE_STEPS");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5ab39c0ffee1ULL;
	int steps = st ? atoi(st) : 20000;

	if (!seed)
		seed = 1;
	printf("test_random: seed 0x%" PRIx64 " (SPACE_SEED), %d steps\n", seed, steps);
	rng = seed;
	nm = nfree = 0;
	memset(nmaps, 0, sizeof(nmaps));
	memset(tab, 0, sizeof(tab));
	memset(stats, 0, sizeof(stats));
	memset(cover, 0, sizeof(cover));
	fast_maps = 0;
	for (int s = 0; s < RS; s++)
		for (size_t p = 0; p < NPG; p++)
			pg[s][p] = -1;
	spaces_init(RS);
	/* roots: 2 MiB RWX, 2 MiB RX, 2 MiB of 4 KiB leaves RW; a kept page; a kept page in space 2 */
	assert_int_equal(space_map_kernel(&sp[0], WIN, 0x80000000, 2 * MiB, RWX, true), 0);
	model_add(0, WIN, 0x80000000, 2 * MiB, RWX, -1, false, false);
	assert_int_equal(space_map_kernel(&sp[0], WIN + 2 * MiB, 0x80200000, 2 * MiB, RX, true), 0);
	model_add(0, WIN + 2 * MiB, 0x80200000, 2 * MiB, RX, -1, false, false);
	assert_int_equal(space_map_kernel(&sp[0], WIN + 4 * MiB, 0x90001000, 2 * MiB, RW | X, true), 0);
	model_add(0, WIN + 4 * MiB, 0x90001000, 2 * MiB, RWX, -1, false, false);
	assert_int_equal(space_map_kernel(&sp[0], WIN + 6 * MiB, 0xa0000000, 4096, R, false), 0);
	model_add(0, WIN + 6 * MiB, 0xa0000000, 4096, R, -1, true, false);
	assert_int_equal(space_map_kernel(&sp[2], WIN + 3 * MiB, 0xa0001000, 4096, R, false), 0);
	model_add(2, WIN + 3 * MiB, 0xa0001000, 4096, R, -1, true, false);
	compare("start");
	flush_hook = rflush;

	unsigned long live = 0, empty = 0;

	for (step = 1; step <= steps; step++) {
		memset(fl, 0, sizeof(fl));
		/* what may change: remember rights and the leaf of each page */
		static unsigned char before[RS][NPG];
		static uint16_t bleaf[RS][NPG];
		for (int s = 0; s < RS; s++)
			for (size_t p = 0; p < NPG; p++) {
				int id = pg[s][p];
				before[s][p] = id < 0 ? 0 : (unsigned char)(8 | M[id].rights);
				bleaf[s][p] = id < 0 ? 0 : (uint16_t)PG(M[id].va);
			}
		uint64_t r = rnd(100);
		unsigned long l0 = 0;
		for (int s = 0; s < RS; s++)
			l0 += (unsigned long)nmaps[s];
		live += l0;
		empty += l0 < 10;
		if (r < 50)
			step_xfer(false);
		else if (r < 70)
			step_xfer(true);
		else if (r < 96)
			step_unmap();
		else
			step_kernel();
		/* every page that lost its mapping or rights was flushed */
		for (int s = 0; s < RS; s++)
			for (size_t p = 0; p < NPG; p++) {
				int id = pg[s][p];
				unsigned now = id < 0 ? 0 : (8 | M[id].rights);
				if (before[s][p] && (before[s][p] & ~now) && !fl[s][bleaf[s][p]])
					fail_msg("step %d: space %d page %#lx lost rights %#x -> %#x unflushed", step, s,
						 WIN + p * 4096UL, before[s][p], now);
			}
	}
	flush_hook = NULL;
	printf("test_random: %lu maps, %lu grants, %lu/%lu failed (map/grant), %lu unmaps, %lu kernel maps, "
	       "%lu ENOMEM undos\n",
	       stats[0], stats[1], stats[2], stats[3], stats[4], stats[5], stats[6]);
	printf("test_random: %lu re-maps (%lu with gaps filled), %lu grants taking rights from what moved, "
	       "%lu grants refused for a table\n",
	       cover[0], cover[1], cover[2], cover[3]);
	printf("test_random: %lu mappings on average, %lu steps with < 10\n", live / (unsigned long)steps, empty);
	printf("test_random: errors: %lu ENOENT, %lu EINVAL, %lu EEXIST\n", errs[L4_ENOENT], errs[L4_EINVAL],
	       errs[L4_EEXIST]);
	printf("test_random: the fault fast path's map: %lu taken, %lu refused\n", fast_maps, stats[7]);
	assert_true(fast_maps > 100 && stats[7] > 100);
	printf("test_random: unmaps and destroys stopped %u times at preemption points; at most %zu bytes "
	       "freed between two asks\n", stops, most_between);
	assert_true(stops > 1000);
	/* A preemption point after every mapping (64 B) or table (8 KiB) freed. */
	assert_int_equal(bad_between, 0);
	spaces_fini();
	free(M);
	free(freeids);
	M = NULL;
	freeids = NULL;
	nm = capm = nfree = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kernel_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_upgrade_in_big_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_fewer_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_into_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_alias_in_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_recursive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_subrange, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
