/*
 * test_captab.c - host tests of kernel/lib/captab.c, the capability tables and
 * the per-object lists of every slot naming an object, on which "no
 * capability outlives its object" rests. Directed tests cover insert, lookup
 * and remove (slot 0, out-of-range selectors, rights and badge at their
 * extremes, removal at each list position), cap_move within and across
 * tables, obj_revoke across tables, captab_clear, and that captab_check()
 * and obj_check() notice corruption. Revocation, obj_revoke and
 * captab_clear run in pieces stopped at random preemption points (with
 * cursors kept, dropped or stale), checked between the pieces. A randomized test runs thousands of
 * operations on several tables and objects against a model of every slot and
 * checks every slot, list and count after each step. The seed is printed;
 * set CAPTAB_SEED to replay a run.
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

#include "lib/captab.h"
#include "../lib/xorshift.h"
#include "preempt_fake.h"

#define NTAB 4
#define NOBJ 16
#define MAXSLOTS 128

/* Tables of different sizes, each its own allocation (ASan sees overruns). */
static const uint32_t tab_slots[NTAB] = { 64, 64, 16, MAXSLOTS };
static struct captab tab[NTAB];

/* A stand-in for a kernel object: 64-byte aligned, as in the kernel's pool. */
struct tobj {
	_Alignas(64) struct obj k;
	unsigned id;
};
_Static_assert(_Alignof(struct tobj) == 64 && sizeof(struct tobj) % 64 == 0,
	       "test objects must be 64-byte aligned");

static struct tobj obj[NOBJ];

static struct obj *ko(unsigned id)
{
	return &obj[id].k;
}

static struct cap *slot(unsigned t, unsigned s)
{
	return &tab[t].slot[s];
}

static int setup(void **state)
{
	for (unsigned t = 0; t < NTAB; t++) {
		tab[t].slot = calloc(tab_slots[t], sizeof(struct cap));
		assert_non_null(tab[t].slot);
		tab[t].nslots = tab_slots[t];
	}
	for (unsigned i = 0; i < NOBJ; i++) {
		/* Garbage first: obj_init must set every field it owns. */
		memset(&obj[i].k, 0xa5, sizeof(obj[i].k));
		obj_init(ko(i), 1 + i % 7);
		obj[i].id = i;
	}
	return 0;
}

static int teardown(void **state)
{
	for (unsigned t = 0; t < NTAB; t++) {
		free(tab[t].slot);
		tab[t].slot = NULL;
	}
	return 0;
}

static void check_all(void)
{
	for (unsigned t = 0; t < NTAB; t++)
		assert_true(captab_check(&tab[t]));
	for (unsigned i = 0; i < NOBJ; i++) {
		assert_true(obj_check(ko(i)));
		assert_int_equal(ko(i)->type, 1 + i % 7);
	}
}

/*
 * Preemption points (lib/preempt.h): stop_now says "stop" after a random
 * 0..7 steps, so each preemptible call runs in pieces; between pieces the
 * tables must be well-formed (check_all: rights never grow along a
 * derivation even halfway through taking them), and every other time the
 * cursor is dropped or made stale, as when others changed the trees
 * meanwhile: going on from the top must give the same end result.
 */
#define stop_now fake_stop
#define stops fake_stops

static void between_pieces(struct mdb_cursor *mc)
{
	check_all();
	fake_cursor_games(mc);
}

static void revoke_(struct cap *c, unsigned rights, bool self)
{
	struct mdb_cursor mc = { 0 };

	while (!cap_revoke(c, rights, self, stop_now, &mc))
		between_pieces(&mc);
}

static void obj_revoke_(struct obj *o)
{
	struct mdb_cursor mc = { 0 };

	while (!obj_revoke(o, stop_now, &mc))
		between_pieces(&mc);
}

static void clear_(struct captab *t)
{
	struct mdb_cursor mc = { 0 };
	uint32_t pos = 0;

	while (!captab_clear(t, &pos, stop_now, &mc))
		between_pieces(&mc);
}

static void expect_empty(const struct cap *c)
{
	assert_int_equal(c->objr, 0);
	assert_int_equal(c->badge, 0);
	assert_null(c->link.next);
	assert_null(c->link.prev);
}

static void expect_cap(const struct cap *c, unsigned id, unsigned rights, uint64_t badge)
{
	assert_ptr_equal(cap_obj(c), ko(id));
	assert_int_equal(cap_rights(c), rights);
	assert_int_equal(c->badge, badge);
}

/* Assert o's list is exactly caps[0..n), in order, with consistent back links. */
static void expect_list(unsigned id, struct cap *const *caps, unsigned n)
{
	const struct cap *c = dlist_first(&ko(id)->caps, struct cap, link), *prev = NULL;

	assert_true(obj_check(ko(id)));
	assert_int_equal(ko(id)->ncaps, n);
	for (unsigned i = 0; i < n; i++, prev = c, c = dlist_next(c, link)) {
		assert_ptr_equal(c, caps[i]);
		assert_ptr_equal(c->link.prev, prev ? &prev->link : NULL);
		assert_ptr_equal(cap_obj(c), ko(id));
	}
	assert_null(c);
}

#define EXPECT_LIST(id, ...) do { \
	struct cap *const want_[] = { __VA_ARGS__ }; \
	expect_list((id), want_, sizeof(want_) / sizeof(want_[0])); \
} while (0)
#define EXPECT_NONE(id) expect_list((id), NULL, 0)

static void test_empty(void **state)
{
	check_all();
	for (unsigned t = 0; t < NTAB; t++) {
		const struct captab *c = &tab[t];
		const uint32_t n = c->nslots;

		for (uint32_t s = 0; s < n; s++) {
			expect_empty(slot(t, s));
			assert_null(captab_lookup(c, s));
		}
		/* Out of the table, however far (no truncation to 32 bits). */
		assert_null(captab_lookup(c, n));
		assert_null(captab_lookup(c, n + 1));
		assert_null(captab_lookup(c, (uint64_t)1 << 32));
		assert_null(captab_lookup(c, ((uint64_t)1 << 32) + 1));
		assert_null(captab_lookup(c, UINT64_MAX));
		/* captab_slot: slot 0 and out of range are NULL, the rest the slot itself. */
		assert_null(captab_slot(c, 0));
		assert_ptr_equal(captab_slot(c, 1), slot(t, 1));
		assert_ptr_equal(captab_slot(c, n - 1), slot(t, n - 1));
		assert_null(captab_slot(c, n));
		assert_null(captab_slot(c, ((uint64_t)1 << 32) + 1));
		assert_null(captab_slot(c, UINT64_MAX));
	}
	for (unsigned i = 0; i < NOBJ; i++) {
		assert_null(ko(i)->caps.first);
		assert_int_equal(ko(i)->ncaps, 0);
	}
	/* Revoking or clearing nothing is harmless. */
	obj_revoke_(ko(3));
	clear_(&tab[2]);
	check_all();
}

static void test_insert_lookup_remove(void **state)
{
	struct cap *a = slot(0, 5), *b = slot(1, 7), *c = slot(0, 9);

	cap_insert(a, ko(0), 5, 0xdeadbeefcafef00dull);
	assert_ptr_equal(captab_lookup(&tab[0], 5), a);
	assert_ptr_equal(captab_slot(&tab[0], 5), a);
	assert_null(captab_lookup(&tab[0], 4));
	assert_null(captab_lookup(&tab[0], 6));
	assert_null(captab_lookup(&tab[1], 5));
	expect_cap(a, 0, 5, 0xdeadbeefcafef00dull);
	EXPECT_LIST(0, a);
	check_all();

	/* Rights 0 still make a full slot; rights 15 and badge ~0 don't spill. */
	cap_insert(slot(0, 1), ko(1), 0, 0);
	assert_ptr_equal(captab_lookup(&tab[0], 1), slot(0, 1));
	expect_cap(slot(0, 1), 1, 0, 0);
	cap_insert(slot(3, MAXSLOTS - 1), ko(1), CAP_RIGHTS_MASK, UINT64_MAX);
	assert_ptr_equal(captab_lookup(&tab[3], MAXSLOTS - 1), slot(3, MAXSLOTS - 1));
	expect_cap(slot(3, MAXSLOTS - 1), 1, 15, UINT64_MAX);
	EXPECT_LIST(1, slot(3, MAXSLOTS - 1), slot(0, 1));
	check_all();

	/* Three slots naming object 0, in two tables: newest first. */
	cap_insert(b, ko(0), 1, 1);
	cap_insert(c, ko(0), 2, 2);
	EXPECT_LIST(0, c, b, a);
	check_all();
	/* Removal from the middle, then the head, then the last. */
	cap_remove(b);
	expect_empty(b);
	assert_null(captab_lookup(&tab[1], 7));
	EXPECT_LIST(0, c, a);
	check_all();
	cap_remove(c);
	expect_empty(c);
	EXPECT_LIST(0, a);
	cap_insert(b, ko(0), 3, 3);
	EXPECT_LIST(0, b, a);
	cap_remove(a);                          /* the tail */
	expect_empty(a);
	EXPECT_LIST(0, b);
	expect_cap(b, 0, 3, 3);
	cap_remove(b);
	EXPECT_NONE(0);
	assert_null(ko(0)->caps.first);
	check_all();
	/* A slot emptied can be filled again, with another object. */
	cap_insert(a, ko(2), 7, 42);
	expect_cap(a, 2, 7, 42);
	assert_ptr_equal(captab_lookup(&tab[0], 5), a);
	EXPECT_LIST(2, a);
	EXPECT_LIST(1, slot(3, MAXSLOTS - 1), slot(0, 1));
	check_all();
}

static void test_move(void **state)
{
	struct cap *a = slot(0, 3), *b = slot(1, 2), *d = slot(2, 5), *e = slot(2, 15), *f = slot(3, 100);

	cap_insert(a, ko(0), 0xa, 77);
	cap_insert(b, ko(0), 0x3, 88);
	EXPECT_LIST(0, b, a);
	/* Across tables: object, rights and badge go along, the source empties. */
	cap_move(d, a);
	expect_empty(a);
	assert_null(captab_lookup(&tab[0], 3));
	assert_ptr_equal(captab_lookup(&tab[2], 5), d);
	expect_cap(d, 0, 0xa, 77);
	expect_cap(b, 0, 0x3, 88);
	assert_int_equal(ko(0)->ncaps, 2);
	assert_true(obj_check(ko(0)));
	check_all();
	/* Within a table. */
	cap_move(e, d);
	expect_empty(d);
	expect_cap(e, 0, 0xa, 77);
	assert_int_equal(ko(0)->ncaps, 2);
	check_all();
	/* Back into the slot it came from. */
	cap_move(a, e);
	expect_empty(e);
	expect_cap(a, 0, 0xa, 77);
	check_all();
	/* An object's only slot; rights 0 and badge 0 survive too. */
	cap_insert(slot(1, 1), ko(5), 0, 0);
	cap_move(f, slot(1, 1));
	expect_empty(slot(1, 1));
	expect_cap(f, 5, 0, 0);
	EXPECT_LIST(5, f);
	/* Rights 15 and the full badge survive. */
	cap_insert(slot(1, 1), ko(6), 15, UINT64_MAX);
	cap_move(slot(1, 63), slot(1, 1));
	expect_cap(slot(1, 63), 6, 15, UINT64_MAX);
	EXPECT_LIST(6, slot(1, 63));
	assert_int_equal(ko(0)->ncaps, 2);
	check_all();
}

static void test_revoke(void **state)
{
	struct cap *as[] = { slot(0, 1), slot(1, 1), slot(1, 2), slot(3, MAXSLOTS - 1), slot(2, 15) };
	struct cap *bs[] = { slot(0, 2), slot(1, 3), slot(3, 1) };

	/* Object 0 in five slots of four tables, object 1 interleaved with it. */
	for (unsigned i = 0; i < 5; i++) {
		cap_insert(as[i], ko(0), i, 100 + i);
		if (i < 3)
			cap_insert(bs[i], ko(1), 8 + i, 200 + i);
	}
	assert_int_equal(ko(0)->ncaps, 5);
	assert_int_equal(ko(1)->ncaps, 3);
	check_all();
	obj_revoke_(ko(0));
	for (unsigned i = 0; i < 5; i++)
		expect_empty(as[i]);
	assert_null(ko(0)->caps.first);
	assert_int_equal(ko(0)->ncaps, 0);
	for (unsigned i = 0; i < 3; i++)
		expect_cap(bs[i], 1, 8 + i, 200 + i);
	EXPECT_LIST(1, bs[2], bs[1], bs[0]);
	check_all();
	/* Again, and an object never named: nothing happens. */
	obj_revoke_(ko(0));
	obj_revoke_(ko(2));
	EXPECT_LIST(1, bs[2], bs[1], bs[0]);
	check_all();
	/* The emptied slots are usable. */
	cap_insert(as[0], ko(1), 1, 1);
	EXPECT_LIST(1, as[0], bs[2], bs[1], bs[0]);

	/* An object in every slot of every table: all of them go. */
	obj_revoke_(ko(1));
	uint32_t n = 0;
	for (unsigned t = 0; t < NTAB; t++)
		for (uint32_t s = 1; s < tab[t].nslots; s++, n++)
			cap_insert(slot(t, s), ko(7), s % 16, s);
	assert_int_equal(ko(7)->ncaps, n);
	assert_int_equal(n, 63 + 63 + 15 + 127);
	check_all();
	obj_revoke_(ko(7));
	assert_int_equal(ko(7)->ncaps, 0);
	for (unsigned t = 0; t < NTAB; t++)
		for (uint32_t s = 0; s < tab[t].nslots; s++)
			expect_empty(slot(t, s));
	check_all();
}

static void test_clear(void **state)
{
	cap_insert(slot(0, 1), ko(0), 1, 10);
	cap_insert(slot(0, 2), ko(1), 2, 20);
	cap_insert(slot(0, 63), ko(0), 3, 30);
	cap_insert(slot(1, 5), ko(0), 4, 40);
	cap_insert(slot(2, 3), ko(1), 5, 50);
	cap_insert(slot(2, 4), ko(2), 6, 60);
	assert_int_equal(ko(0)->ncaps, 3);
	clear_(&tab[0]);
	for (uint32_t s = 0; s < tab[0].nslots; s++)
		expect_empty(slot(0, s));
	EXPECT_LIST(0, slot(1, 5));
	EXPECT_LIST(1, slot(2, 3));
	EXPECT_LIST(2, slot(2, 4));
	expect_cap(slot(1, 5), 0, 4, 40);
	check_all();
	/* An empty table clears to itself. */
	clear_(&tab[0]);
	clear_(&tab[3]);
	check_all();
	clear_(&tab[2]);
	EXPECT_NONE(1);
	EXPECT_NONE(2);
	EXPECT_LIST(0, slot(1, 5));
	clear_(&tab[1]);
	EXPECT_NONE(0);
	check_all();
}

static struct cap *parent_of(const struct cap *c)
{
	return c->mdb.parent ? (struct cap *)((uintptr_t)c->mdb.parent - offsetof(struct cap, mdb)) : NULL;
}

/* Derivation: copies are children; revoke, delete, move and clear follow the tree. */
static void test_derive(void **state)
{
	struct cap *r = slot(0, 1), *a = slot(1, 1), *b = slot(2, 1), *c = slot(3, 1), *d = slot(1, 2), *e = slot(0, 2);

	/* r (RWGD) -> a (RWG) -> b (RW) -> c (R); r -> d (RW); a -> e (W). */
	cap_insert(r, ko(0), 15, 0);
	cap_derive(a, r, 7, 0);
	cap_derive(b, a, 3, 5);
	cap_derive(c, b, 1, 5);
	cap_derive(d, r, 3, 9);
	cap_derive(e, a, 2, 0);
	check_all();
	assert_null(parent_of(r));
	assert_ptr_equal(parent_of(a), r);
	assert_ptr_equal(parent_of(b), a);
	assert_ptr_equal(parent_of(c), b);
	assert_ptr_equal(parent_of(d), r);
	assert_ptr_equal(parent_of(e), a);
	expect_cap(b, 0, 3, 5);
	assert_int_equal(ko(0)->ncaps, 6);

	/* Revoking W from what derives from a: b, c, e lose it (c never had it); a keeps it. */
	revoke_(a, 2, false);
	expect_cap(a, 0, 7, 0);
	expect_cap(b, 0, 1, 5);
	expect_cap(c, 0, 1, 5);
	expect_cap(e, 0, 0, 0);
	expect_cap(d, 0, 3, 9);
	check_all();
	/* ... and with self, a too. */
	revoke_(a, 4, true);
	expect_cap(a, 0, 3, 0);
	expect_cap(r, 0, 15, 0);
	check_all();

	/* Moving a keeps its place: children follow, the parent sees the new slot. */
	struct cap *a2 = slot(3, 7);
	cap_move(a2, a);
	expect_empty(a);
	assert_ptr_equal(parent_of(a2), r);
	assert_ptr_equal(parent_of(b), a2);
	assert_ptr_equal(parent_of(e), a2);
	check_all();
	/* Restricting a moved capability (a grant that drops rights) restricts its subtree. */
	cap_restrict(a2, 1);
	expect_cap(a2, 0, 2, 0);
	expect_cap(b, 0, 0, 5);
	expect_cap(c, 0, 0, 5);
	check_all();

	/* Deleting b alone: c is now derived from a2. */
	cap_remove(b);
	expect_empty(b);
	assert_ptr_equal(parent_of(c), a2);
	check_all();
	/* Deleting the root alone: its children become roots. */
	cap_remove(r);
	assert_null(parent_of(a2));
	assert_null(parent_of(d));
	check_all();

	/* Revoking everything derived from a2 empties c and e in other tables; a2 stays. */
	revoke_(a2, 15, false);
	expect_empty(c);
	expect_empty(e);
	expect_cap(a2, 0, 2, 0);
	EXPECT_LIST(0, a2, d);
	check_all();
	/* With self a2 goes too, d (another root) stays. */
	cap_derive(c, a2, 2, 0);
	revoke_(a2, 15, true);
	expect_empty(a2);
	expect_empty(c);
	EXPECT_LIST(0, d);
	check_all();

	/* Clearing a table revokes what others derived from it, not what it derived from. */
	cap_derive(slot(2, 3), d, 1, 0);        /* table 2 from table 1 */
	cap_derive(slot(0, 5), slot(2, 3), 1, 0);
	cap_derive(slot(3, 9), slot(0, 5), 0, 0);
	cap_derive(slot(1, 9), d, 2, 0);
	clear_(&tab[2]);
	expect_empty(slot(2, 3));
	expect_empty(slot(0, 5));
	expect_empty(slot(3, 9));
	expect_cap(d, 0, 3, 9);
	expect_cap(slot(1, 9), 0, 2, 0);
	check_all();
	/* obj_revoke empties whole trees. */
	cap_derive(slot(2, 3), slot(1, 9), 2, 0);
	obj_revoke_(ko(0));
	EXPECT_NONE(0);
	check_all();
}

/* The checks must notice corruption, or the random test proves little. */
static void test_check_detects(void **state)
{
	struct cap *a = slot(0, 1), *b = slot(0, 2), *c = slot(1, 1);

	cap_insert(a, ko(0), 1, 1);
	cap_insert(b, ko(0), 2, 2);
	cap_insert(c, ko(1), 3, 3);
	check_all();

	slot(0, 3)->badge = 1;                             /* an empty slot with a badge */
	assert_false(captab_check(&tab[0]));
	slot(0, 3)->badge = 0;
	slot(0, 3)->link.next = &a->link;                 /* ... or a link */
	assert_false(captab_check(&tab[0]));
	slot(0, 3)->link.next = NULL;
	slot(0, 3)->link.prev = &a->link;
	assert_false(captab_check(&tab[0]));
	slot(0, 3)->link.prev = NULL;
	assert_true(captab_check(&tab[0]));

	tab[0].nslots = 63;                             /* not a power of two */
	assert_false(captab_check(&tab[0]));
	tab[0].nslots = 0;
	assert_false(captab_check(&tab[0]));
	tab[0].nslots = 64;

	/* Slot 0 full (put there by hand: the list is consistent, the slot not). */
	cap_insert(slot(1, 0), ko(2), 1, 0);
	assert_true(obj_check(ko(2)));
	assert_false(captab_check(&tab[1]));
	cap_remove(slot(1, 0));
	assert_true(captab_check(&tab[1]));

	ko(0)->ncaps++;                                  /* miscounted */
	assert_false(obj_check(ko(0)));
	ko(0)->ncaps -= 2;
	assert_false(obj_check(ko(0)));
	ko(0)->ncaps++;
	check_all();

	/* Object 0's list is b <-> a. A broken back link: */
	a->link.prev = NULL;
	assert_false(captab_check(&tab[0]));
	assert_false(obj_check(ko(0)));
	a->link.prev = &b->link;
	/* A slot on object 0's list naming object 1: */
	a->objr = (uintptr_t)ko(1) | 1;
	assert_false(captab_check(&tab[0]));
	assert_false(obj_check(ko(0)));
	a->objr = (uintptr_t)ko(0) | 1;
	/* The list head not pointing at the first slot: */
	ko(0)->caps.first = &a->link;
	assert_false(captab_check(&tab[0]));
	ko(0)->caps.first = &b->link;
	/* A cycle. */
	a->link.next = &b->link;
	assert_false(captab_check(&tab[0]));
	assert_false(obj_check(ko(0)));
	a->link.next = NULL;
	check_all();

	/* Derivation: more rights than the parent, another object, a dangling child link. */
	cap_derive(slot(2, 1), a, 1, 0);
	check_all();
	slot(2, 1)->objr |= 2;
	assert_false(captab_check(&tab[2]));
	slot(2, 1)->objr &= ~(uintptr_t)2;
	a->mdb.child = NULL;
	assert_false(captab_check(&tab[2]));
	a->mdb.child = &slot(2, 1)->mdb;
	cap_derive(slot(2, 2), c, 1, 0);
	slot(2, 2)->mdb.parent = &a->mdb;       /* names object 1, parent names 0 */
	assert_false(captab_check(&tab[2]));
	slot(2, 2)->mdb.parent = &c->mdb;
	check_all();
	slot(0, 4)->mdb.child = &a->mdb;        /* an empty slot with a link */
	assert_false(captab_check(&tab[0]));
	slot(0, 4)->mdb.child = NULL;
	check_all();
}

/* The randomized test's model: what each slot holds. */
struct mslot {
	int id;                 /* -1: empty */
	unsigned rights;
	uint64_t badge;
	int pt, ps;             /* derived from slot (pt, ps); pt = -1: a root */
};

static struct mslot m[NTAB][MAXSLOTS];
static uint64_t rng;

static uint64_t rnd(void)
{
	return xorshift64s(&rng);
}

/* A few objects get most capabilities, so some lists grow long. */
static unsigned rnd_obj(void)
{
	return (unsigned)(rnd() % 3 == 0 ? rnd() % 2 : rnd() % NOBJ);
}

/* A random slot (never 0) that is full or empty as asked; false if there is none. */
static bool pick(bool full, unsigned *pt, unsigned *ps)
{
	const unsigned total = NTAB * MAXSLOTS;
	unsigned start = (unsigned)(rnd() % total);

	for (unsigned i = 0; i < total; i++) {
		unsigned t = (start + i) / MAXSLOTS % NTAB, s = (start + i) % MAXSLOTS;

		if (s == 0 || s >= tab[t].nslots || (m[t][s].id >= 0) != full)
			continue;
		*pt = t;
		*ps = s;
		return true;
	}
	return false;
}

/* Which table and slot c is, asserting it is one of ours. */
static void where(const struct cap *c, unsigned *pt, unsigned *ps)
{
	for (unsigned t = 0; t < NTAB; t++)
		if (c >= tab[t].slot && c < tab[t].slot + tab[t].nslots) {
			*pt = t;
			*ps = (unsigned)(c - tab[t].slot);
			return;
		}
	fail_msg("a list holds %p, which is no slot of any table", (const void *)c);
}

/* Everything observable against the model. */
static void model_compare(unsigned *maxcaps)
{
	static bool seen[NTAB][MAXSLOTS];
	uint32_t count[NOBJ] = { 0 };

	check_all();
	for (unsigned t = 0; t < NTAB; t++) {
		const struct captab *c = &tab[t];

		for (unsigned s = 0; s < c->nslots; s++) {
			const struct mslot *ms = &m[t][s];

			assert_ptr_equal(captab_slot(c, s), s ? slot(t, s) : NULL);
			if (ms->id < 0) {
				expect_empty(slot(t, s));
				assert_null(captab_lookup(c, s));
				continue;
			}
			assert_ptr_equal(captab_lookup(c, s), slot(t, s));
			expect_cap(slot(t, s), (unsigned)ms->id, ms->rights, ms->badge);
			count[ms->id]++;
		}
		assert_null(captab_lookup(c, c->nslots));
		assert_null(captab_lookup(c, rnd() | c->nslots));
		assert_null(captab_slot(c, c->nslots + rnd() % 1000));
	}
	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < NOBJ; i++) {
		uint32_t n = 0;

		assert_int_equal(ko(i)->ncaps, count[i]);
		if (count[i] > *maxcaps)
			*maxcaps = count[i];
		/* Each list holds each of its object's slots once, and nothing else. */
		for (const struct cap *c = dlist_first(&ko(i)->caps, struct cap, link); c; c = dlist_next(c, link)) {
			unsigned t = 0, s = 0;

			where(c, &t, &s);
			assert_int_equal(m[t][s].id, (int)i);
			assert_false(seen[t][s]);
			seen[t][s] = true;
			assert_true(++n <= count[i]);
		}
		assert_int_equal(n, count[i]);
	}
}

/* Whether model slot (t, s) is (ta, sa) or derived from it. */
static bool m_under(int t, int s, int ta, int sa)
{
	for (unsigned hops = 0; t >= 0; hops++) {
		assert_true(hops <= NTAB * MAXSLOTS);
		if (t == ta && s == sa)
			return true;
		const struct mslot *x = &m[t][s];
		t = x->pt;
		s = x->ps;
	}
	return false;
}

/* Re-point the model's children of (t, s) at (nt, ns). */
static void m_reparent(int t, int s, int nt, int ns)
{
	for (unsigned i = 0; i < NTAB; i++)
		for (unsigned j = 0; j < MAXSLOTS; j++)
			if (m[i][j].id >= 0 && m[i][j].pt == t && m[i][j].ps == s) {
				m[i][j].pt = nt;
				m[i][j].ps = ns;
			}
}

/* The model of revoke_(slot(t, s), rights, self); returns slots emptied. */
static unsigned m_revoke(int t, int s, unsigned rights, bool self)
{
	static bool hit[NTAB][MAXSLOTS];
	unsigned gone = 0;

	for (unsigned i = 0; i < NTAB; i++)
		for (unsigned j = 0; j < MAXSLOTS; j++)
			hit[i][j] = m[i][j].id >= 0 && ((int)i != t || (int)j != s || self) && m_under((int)i, (int)j, t, s);
	for (unsigned i = 0; i < NTAB; i++)
		for (unsigned j = 0; j < MAXSLOTS; j++) {
			if (!hit[i][j])
				continue;
			if (rights == 15) {
				m[i][j].id = -1;
				gone++;
			} else {
				m[i][j].rights &= ~rights;
			}
		}
	return gone;
}

static void test_random(void **state)
{
	static const char *const names[] = { "insert", "remove", "move", "revoke", "clear", "derive", "unmap", "grant" };
	const char *env = getenv("CAPTAB_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0xca9ab5eedull;
	unsigned steps, ops[8] = { 0 }, maxcaps = 0, maxfull = 0, full = 0, maxdepth = 0;

	printf("test_random: seed 0x%llx\n", (unsigned long long)seed);
	rng = seed ? seed : 1;
	for (unsigned t = 0; t < NTAB; t++)
		for (unsigned s = 0; s < MAXSLOTS; s++)
			m[t][s] = (struct mslot){ .id = -1, .pt = -1 };

	for (steps = 0; steps < 40000; steps++) {
		unsigned r = (unsigned)(rnd() % 1000), op, t = 0, s = 0, t2 = 0, s2 = 0;

		/* Mostly insert, derive, move and remove; now and then revoke or clear. */
		op = r < 200 ? 0 : r < 420 ? 5 : r < 600 ? 1 : r < 850 ? 2 : r < 900 ? 7 : r < 985 ? 6 : r < 995 ? 3 : 4;
		if ((op == 0 || op == 5) && !pick(false, &t2, &s2))
			op = 1;                         /* all full */
		if (op != 0 && op != 3 && op != 4 && !pick(true, &t, &s))
			op = 3;                         /* all empty */
		if ((op == 2 || op == 7) && !pick(false, &t2, &s2))
			op = 1;                         /* nowhere to move to */
		ops[op]++;
		switch (op) {
		case 0: {
			unsigned id = rnd_obj(), rights = (unsigned)(rnd() % 16);
			uint64_t badge = rnd() % 4 == 0 ? 0 : rnd();

			cap_insert(slot(t2, s2), ko(id), rights, badge);
			m[t2][s2] = (struct mslot){ .id = (int)id, .rights = rights, .badge = badge, .pt = -1 };
			full++;
			break;
		}
		case 5: {
			unsigned rights = m[t][s].rights & (unsigned)(rnd() % 16);
			uint64_t badge = rnd() % 2 ? m[t][s].badge : rnd();

			cap_derive(slot(t2, s2), slot(t, s), rights, badge);
			m[t2][s2] = (struct mslot){ .id = m[t][s].id, .rights = rights, .badge = badge, .pt = (int)t, .ps = (int)s };
			full++;
			break;
		}
		case 1:
			cap_remove(slot(t, s));
			m_reparent((int)t, (int)s, m[t][s].pt, m[t][s].ps);
			m[t][s].id = -1;
			full--;
			break;
		case 2:
		case 7: {
			unsigned drop = op == 7 ? (unsigned)(rnd() % 16) : 0;

			cap_move(slot(t2, s2), slot(t, s));
			m[t2][s2] = m[t][s];
			m[t][s].id = -1;
			m_reparent((int)t, (int)s, (int)t2, (int)s2);
			if (drop) {
				cap_restrict(slot(t2, s2), drop);
				m_revoke((int)t2, (int)s2, drop == 15 ? 14 : drop, true);
				if (drop == 15)         /* restrict never empties: all rights go, slots stay */
					m_revoke((int)t2, (int)s2, 1, true);
			}
			break;
		}
		case 6: {
			unsigned rights = rnd() % 2 ? 15 : (unsigned)(rnd() % 16);
			bool self = rnd() % 3 == 0;

			revoke_(slot(t, s), rights, self);
			full -= m_revoke((int)t, (int)s, rights, self);
			break;
		}
		case 3: {
			unsigned id = rnd_obj();

			obj_revoke_(ko(id));
			for (unsigned i = 0; i < NTAB; i++)
				for (unsigned j = 0; j < MAXSLOTS; j++)
					if (m[i][j].id == (int)id) {
						m[i][j].id = -1;
						full--;
					}
			break;
		}
		default:
			t = (unsigned)(rnd() % NTAB);
			clear_(&tab[t]);
			for (unsigned j = 0; j < MAXSLOTS; j++)
				if (m[t][j].id >= 0)
					full -= m_revoke((int)t, (int)j, 15, true);
			break;
		}
		if (full > maxfull)
			maxfull = full;
		model_compare(&maxcaps);
		/* The tree: each full slot's parent is the model's. */
		for (unsigned i = 0; i < NTAB; i++)
			for (unsigned j = 1; j < tab[i].nslots; j++) {
				const struct mslot *x = &m[i][j];
				unsigned depth = 0;
				if (x->id < 0)
					continue;
				assert_ptr_equal(parent_of(slot(i, j)), x->pt < 0 ? NULL : slot((unsigned)x->pt, (unsigned)x->ps));
				for (int pt = x->pt, ps = x->ps; pt >= 0; depth++) {
					const struct mslot *y = &m[pt][ps];
					pt = y->pt;
					ps = y->ps;
				}
				if (depth > maxdepth)
					maxdepth = depth;
			}
	}
	printf("test_random: %u steps, %u stops at preemption points:", steps, stops);
	for (unsigned i = 0; i < 8; i++)
		printf(" %u %s", ops[i], names[i]);
	printf("; at most %u full slots, %u naming one object, derivation depth %u\n", maxfull, maxcaps, maxdepth);
	/* The mix must have exercised everything, with well-filled tables and long lists. */
	assert_true(ops[0] > steps / 10 && ops[1] > steps / 10 && ops[2] > steps / 10 && ops[5] > steps / 10);
	assert_true(ops[3] > steps / 400 && ops[4] > steps / 400 && ops[6] > steps / 40 && ops[7] > steps / 40);
	assert_true(maxfull > 100 && maxcaps > 20 && maxdepth > 5);
	assert_true(stops > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_lookup_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_derive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_detects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
