/*
 * test_mapdb.c - host tests of kernel/lib/mapdb.c, the derivation tree of
 * the mapping database. Directed tests cover add/unlink/replace/move at
 * every position (first, middle, last child, roots), mdb_next_in's
 * pre-order (also below a subtree whose root has siblings), removal of
 * chains (a million deep: the removal must not recurse, a recursive one
 * overflows the 8 MiB stack at that depth), of fan-outs and of random trees (each node handed to the
 * callback exactly once, already unlinked, children before parents, the
 * rest of the tree untouched; the callback frees the node so ASan sees any
 * later use), and that mdb_check() rejects each kind of corruption. The
 * random trees' seed is printed; set MAPDB_SEED to replay.
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
#include <time.h>

#include "lib/mapdb.h"
#include "../lib/xorshift.h"

/* A node with an identity, so callbacks can be checked. */
struct tnode {
	struct mdb_node n;      /* first */
	int id;
	int parent;             /* the test's own record: -1 for none */
	int order;              /* position in the callback sequence, -1 before */
};

static struct tnode *nodes;
static size_t nnodes;

static void nodes_new(size_t n)
{
	nodes = calloc(n, sizeof(*nodes));
	assert_non_null(nodes);
	nnodes = n;
	for (size_t i = 0; i < n; i++) {
		mdb_init(&nodes[i].n);
		nodes[i].id = (int)i;
		nodes[i].parent = -1;
		nodes[i].order = -1;
	}
}

static int teardown(void **state)
{
	free(nodes);
	nodes = NULL;
	nnodes = 0;
	return 0;
}

static struct mdb_node *N(int i)
{
	return &nodes[i].n;
}

static bool lone(const struct mdb_node *n)
{
	return !n->parent && !n->child && !n->next && !n->prev;
}

/* The children of p, in list order, must be exactly ids[0..k). */
static void expect_children(int p, const int *ids, size_t k)
{
	const struct mdb_node *c = N(p)->child, *prev = NULL;

	for (size_t i = 0; i < k; i++) {
		assert_non_null(c);
		assert_ptr_equal(c, N(ids[i]));
		assert_ptr_equal(c->parent, N(p));
		assert_ptr_equal(c->prev, prev);
		prev = c;
		c = c->next;
	}
	assert_null(c);
}

/* ---- add / unlink / replace / move ---- */

static void test_init_add(void **state)
{
	nodes_new(5);
	assert_true(lone(N(0)));
	assert_true(mdb_check(N(0), 1));
	mdb_add_child(N(0), N(1));
	expect_children(0, (int[]){1}, 1);
	mdb_add_child(N(0), N(2));
	mdb_add_child(N(0), N(3));
	/* New children go first. */
	expect_children(0, (int[]){3, 2, 1}, 3);
	mdb_add_child(N(2), N(4));
	expect_children(2, (int[]){4}, 1);
	assert_null(N(0)->parent);
	assert_true(mdb_check(N(0), 5));
	assert_false(mdb_check(N(0), 4));       /* the limit bounds the walk */
	/* A non-root is no root. */
	assert_false(mdb_check(N(2), 5));
	/* A fresh init makes a lone node. */
	struct mdb_node x;
	memset(&x, 0xa5, sizeof(x));
	mdb_init(&x);
	assert_true(lone(&x));
}

static void test_unlink(void **state)
{
	nodes_new(6);
	for (int i = 1; i <= 4; i++)
		mdb_add_child(N(0), N(i));      /* list: 4 3 2 1 */
	/* middle */
	mdb_unlink(N(3));
	assert_true(lone(N(3)));
	expect_children(0, (int[]){4, 2, 1}, 3);
	/* first */
	mdb_unlink(N(4));
	assert_true(lone(N(4)));
	expect_children(0, (int[]){2, 1}, 2);
	/* last */
	mdb_unlink(N(1));
	assert_true(lone(N(1)));
	expect_children(0, (int[]){2}, 1);
	/* only */
	mdb_unlink(N(2));
	assert_true(lone(N(2)));
	assert_null(N(0)->child);
	assert_true(mdb_check(N(0), 10));
	/* a lone node (a root with no children) */
	mdb_unlink(N(5));
	assert_true(lone(N(5)));
	/* unlinked nodes can be added again */
	mdb_add_child(N(0), N(3));
	expect_children(0, (int[]){3}, 1);
	assert_true(mdb_check(N(0), 10));
}

static void test_replace(void **state)
{
	nodes_new(12);
	/* 0 -> {3, 2, 1}; 2 -> {5, 4}; 4 -> {6} */
	mdb_add_child(N(0), N(1));
	mdb_add_child(N(0), N(2));
	mdb_add_child(N(0), N(3));
	mdb_add_child(N(2), N(4));
	mdb_add_child(N(2), N(5));
	mdb_add_child(N(4), N(6));

	/* middle child with children */
	mdb_replace(N(2), N(7));
	assert_true(lone(N(2)));
	expect_children(0, (int[]){3, 7, 1}, 3);
	expect_children(7, (int[]){5, 4}, 2);
	expect_children(4, (int[]){6}, 1);
	assert_true(mdb_check(N(0), 20));

	/* first child, without children */
	mdb_replace(N(3), N(8));
	assert_true(lone(N(3)));
	expect_children(0, (int[]){8, 7, 1}, 3);
	/* last child */
	mdb_replace(N(1), N(9));
	expect_children(0, (int[]){8, 7, 9}, 3);
	/* a leaf deep down */
	mdb_replace(N(6), N(10));
	expect_children(4, (int[]){10}, 1);
	assert_true(mdb_check(N(0), 20));

	/* the root */
	mdb_replace(N(0), N(11));
	assert_true(lone(N(0)));
	assert_null(N(11)->parent);
	expect_children(11, (int[]){8, 7, 9}, 3);
	assert_true(mdb_check(N(11), 20));
	/* the old root is a lone root again */
	assert_true(mdb_check(N(0), 1));
}

static void test_move(void **state)
{
	nodes_new(8);
	/* 0 -> {2, 1}; 1 -> {3}; 3 -> {4}; 5 -> {6} */
	mdb_add_child(N(0), N(1));
	mdb_add_child(N(0), N(2));
	mdb_add_child(N(1), N(3));
	mdb_add_child(N(3), N(4));
	mdb_add_child(N(5), N(6));

	/* 1 with its subtree under 6 (another tree) */
	mdb_move(N(1), N(6));
	expect_children(0, (int[]){2}, 1);
	expect_children(6, (int[]){1}, 1);
	expect_children(1, (int[]){3}, 1);
	expect_children(3, (int[]){4}, 1);
	assert_true(mdb_check(N(0), 10));
	assert_true(mdb_check(N(5), 10));

	/* 3 (middle of a chain) to the root 0: first child there */
	mdb_move(N(3), N(0));
	expect_children(0, (int[]){3, 2}, 2);
	assert_null(N(1)->child);
	expect_children(3, (int[]){4}, 1);

	/* 2 (last child) becomes a root */
	mdb_move(N(2), NULL);
	assert_null(N(2)->parent);
	assert_null(N(2)->next);
	assert_null(N(2)->prev);
	expect_children(0, (int[]){3}, 1);
	assert_true(mdb_check(N(2), 1));

	/* a subtree becomes a root with its children */
	mdb_move(N(3), NULL);
	assert_null(N(0)->child);
	assert_true(mdb_check(N(3), 2));
	expect_children(3, (int[]){4}, 1);
	/* a root moved under another node */
	mdb_move(N(7), N(4));
	expect_children(4, (int[]){7}, 1);
	assert_true(mdb_check(N(3), 3));
	assert_true(mdb_check(N(0), 1));
	assert_true(mdb_check(N(5), 3));
}

/* ---- remove_tree ---- */

struct gone_log {
	int *seq;               /* ids in callback order */
	size_t n, cap;
	bool bad;               /* a node was not unlinked when handed over */
	bool free_it;           /* the nodes are malloc'd: free them */
};

static void record(struct mdb_node *n, void *arg)
{
	struct gone_log *g = arg;
	struct tnode *t = (struct tnode *)n;

	if (!lone(n))
		g->bad = true;
	if (g->n < g->cap)
		g->seq[g->n] = t->id;
	g->n++;
	t->order = (int)g->n - 1;
	if (g->free_it) {
		memset(t, 0xdd, sizeof(*t));
		free(t);
	}
}

static void log_new(struct gone_log *g, size_t cap)
{
	memset(g, 0, sizeof(*g));
	g->seq = calloc(cap ? cap : 1, sizeof(int));
	assert_non_null(g->seq);
	g->cap = cap;
}

static void test_remove_single(void **state)
{
	struct gone_log g;

	nodes_new(4);
	log_new(&g, 4);
	/* a lone root */
	mdb_remove_tree(N(0), record, &g, NULL, NULL);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.seq[0], 0);
	assert_false(g.bad);
	/* a leaf with siblings: the siblings stay */
	mdb_add_child(N(1), N(2));
	mdb_add_child(N(1), N(3));
	g.n = 0;
	mdb_remove_tree(N(3), record, &g, NULL, NULL);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.seq[0], 3);
	expect_children(1, (int[]){2}, 1);
	free(g.seq);
}

#define CHAIN_DEPTH 1000000

/* A chain 0 -> 1 -> ... -> CHAIN_DEPTH-1 below a parent that stays, removed
 * from node 0: a recursive removal (CHAIN_DEPTH frames, >= 32 MiB) would
 * overflow the 8 MiB main stack. */
static void test_remove_chain(void **state)
{
	struct gone_log g;
	struct mdb_node keep;

	nodes_new(CHAIN_DEPTH);
	mdb_init(&keep);
	mdb_add_child(&keep, N(0));
	for (int i = 1; i < CHAIN_DEPTH; i++)
		mdb_add_child(N(i - 1), N(i));
	assert_true(mdb_check(&keep, CHAIN_DEPTH + 1));
	/* pre-order of a chain: 0, 1, 2, ... */
	int i = 0;
	for (const struct mdb_node *n = N(0); n; n = mdb_next_in(N(0), n), i++)
		if (n != N(i))
			fail_msg("pre-order of the chain wrong at %d", i);
	assert_int_equal(i, CHAIN_DEPTH);

	log_new(&g, CHAIN_DEPTH);
	mdb_remove_tree(N(0), record, &g, NULL, NULL);
	assert_int_equal(g.n, CHAIN_DEPTH);
	assert_false(g.bad);
	for (int k = 0; k < CHAIN_DEPTH; k++)
		if (g.seq[k] != CHAIN_DEPTH - 1 - k)  /* deepest first */
			fail_msg("callback %d was node %d", k, g.seq[k]);
	assert_true(lone(&keep));
	free(g.seq);
}

/* A chain removed from its middle: the upper half stays intact. */
static void test_remove_chain_middle(void **state)
{
	struct gone_log g;
	const int n = 1000, mid = 400;

	nodes_new((size_t)n);
	for (int i = 1; i < n; i++)
		mdb_add_child(N(i - 1), N(i));
	log_new(&g, (size_t)n);
	mdb_remove_tree(N(mid), record, &g, NULL, NULL);
	assert_int_equal(g.n, n - mid);
	assert_false(g.bad);
	for (int k = 0; k < n - mid; k++)
		assert_int_equal(g.seq[k], n - 1 - k);
	assert_null(N(mid - 1)->child);
	assert_true(mdb_check(N(0), (size_t)n));
	int cnt = 0;
	for (const struct mdb_node *x = N(0); x; x = mdb_next_in(N(0), x))
		cnt++;
	assert_int_equal(cnt, mid);
	free(g.seq);
}

/* A root with many children, each with two children (a fan-out of fan-outs). */
static void test_remove_fanout(void **state)
{
	const int kids = 20000;
	struct gone_log g;

	nodes_new(1 + 3 * (size_t)kids);
	for (int i = 0; i < kids; i++) {
		int c = 1 + 3 * i;
		mdb_add_child(N(0), N(c));
		mdb_add_child(N(c), N(c + 1));
		mdb_add_child(N(c), N(c + 2));
		nodes[c].parent = 0;
		nodes[c + 1].parent = nodes[c + 2].parent = c;
	}
	assert_true(mdb_check(N(0), nnodes));
	log_new(&g, nnodes);
	mdb_remove_tree(N(0), record, &g, NULL, NULL);
	assert_int_equal(g.n, nnodes);
	assert_false(g.bad);
	assert_int_equal(g.seq[nnodes - 1], 0);
	for (size_t i = 0; i < nnodes; i++) {
		assert_true(nodes[i].order >= 0);
		if (nodes[i].parent >= 0)
			assert_true(nodes[i].order < nodes[nodes[i].parent].order);
	}
	free(g.seq);
}

/* ---- random trees (nodes malloc'd, freed by the callback) ---- */

static uint64_t rng;

static uint64_t rnd(uint64_t n)
{
	return xorshift64s(&rng) % n;
}

/* Preemption points (lib/preempt.h): "stop" after a random 0..7 steps. */
static unsigned stop_left, pieces;

static bool stop_now(void)
{
	if (stop_left--)
		return false;
	stop_left = (unsigned)rnd(8);
	return true;
}

/* Between pieces the cursor is kept, dropped, or made stale (as when a node
 * went elsewhere meanwhile): the walk must end the same either way. */
static void cursor_games(struct mdb_cursor *mc)
{
	switch (rnd(4)) {
	case 0: *mc = (struct mdb_cursor){ 0 }; break;
	case 1: mdb_gen++; break;
	default: break;
	}
}

struct rtree {
	struct tnode **t;       /* NULL once freed */
	int n;
};

/* n nodes: node 0 a root, node i a child of a random earlier node (some
 * deep chains, some wide fan-outs); parent[] records the shape. */
static void rtree_new(struct rtree *r, int n)
{
	r->n = n;
	r->t = calloc((size_t)n, sizeof(*r->t));
	assert_non_null(r->t);
	for (int i = 0; i < n; i++) {
		r->t[i] = malloc(sizeof(struct tnode));
		assert_non_null(r->t[i]);
		mdb_init(&r->t[i]->n);
		r->t[i]->id = i;
		r->t[i]->order = -1;
		r->t[i]->parent = -1;
		if (i) {
			int p;
			switch (rnd(3)) {
			case 0: p = i - 1; break;                       /* chains */
			case 1: p = (int)rnd((uint64_t)(i < 8 ? i : 8)); break;   /* fan-outs near the top */
			default: p = (int)rnd((uint64_t)i); break;
			}
			r->t[i]->parent = p;
			mdb_add_child(&r->t[p]->n, &r->t[i]->n);
		}
	}
}

/* Whether i lies in the subtree of top (by the recorded parents). */
static bool below(const struct rtree *r, const int *par, int i, int top)
{
	for (; i >= 0; i = par[i])
		if (i == top)
			return true;
	return false;
}

/* Reference pre-order of the subtree of `top` from the recorded shape
 * (children in list order: newest first). */
static int preorder(const struct rtree *r, int top, int *out)
{
	int k = 0;

	for (const struct mdb_node *n = &r->t[top]->n; n; n = mdb_next_in(&r->t[top]->n, n))
		out[k++] = ((const struct tnode *)n)->id;
	return k;
}

static int ref_preorder(const struct rtree *r, const int *par, int top, int *out, int *stack)
{
	int k = 0, sp = 0;

	stack[sp++] = top;
	while (sp) {
		int x = stack[--sp];
		out[k++] = x;
		/* children in list order are newest (highest id) first; push
		 * them so that the newest is popped first */
		for (int c = 0; c < r->n; c++)
			if (par[c] == x)
				stack[sp++] = c;
	}
	return k;
}

static void test_random_trees(void **state)
{
	const char *env = getenv("MAPDB_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x6d617064622d31ULL;

	if (!seed)
		seed = 1;
	printf("test_random_trees: seed 0x%" PRIx64 " (MAPDB_SEED)\n", seed);
	rng = seed;
	for (int round = 0; round < 200; round++) {
		struct rtree r;
		int n = 1 + (int)rnd(round < 100 ? 40 : 600);
		rtree_new(&r, n);
		int *par = malloc(sizeof(int) * (size_t)n), *a = malloc(sizeof(int) * (size_t)n),
		    *b = malloc(sizeof(int) * (size_t)n), *st = malloc(sizeof(int) * (size_t)n);
		assert_non_null(par);
		assert_non_null(a);
		assert_non_null(b);
		assert_non_null(st);
		for (int i = 0; i < n; i++)
			par[i] = r.t[i]->parent;
		assert_true(mdb_check(&r.t[0]->n, (size_t)n));
		assert_false(mdb_check(&r.t[0]->n, (size_t)n - 1));

		/* pre-order of the whole tree and of a random subtree */
		int top = (int)rnd((uint64_t)n);
		for (int t = 0; t < 2; t++) {
			int x = t ? top : 0;
			int k1 = preorder(&r, x, a), k2 = ref_preorder(&r, par, x, b, st);
			assert_int_equal(k1, k2);
			assert_memory_equal(a, b, sizeof(int) * (size_t)k1);
		}

		/* remove the subtree of `top` */
		struct gone_log g;
		log_new(&g, (size_t)n);
		g.free_it = true;
		int expect = 0;
		for (int i = 0; i < n; i++)
			expect += below(&r, par, i, top);
		int *ord = malloc(sizeof(int) * (size_t)n);
		assert_non_null(ord);
		for (int i = 0; i < n; i++)
			ord[i] = -1;
		if (round % 2) {
			mdb_remove_tree(&r.t[top]->n, record, &g, NULL, NULL);
		} else {
			/* in pieces: the rest of the tree well-formed between them */
			struct mdb_cursor mc = { 0 };
			while (!mdb_remove_tree(&r.t[top]->n, record, &g, stop_now, &mc)) {
				pieces++;
				assert_true(mdb_check(&r.t[0]->n, (size_t)n));
				cursor_games(&mc);
			}
		}
		assert_int_equal(g.n, expect);
		assert_false(g.bad);
		for (size_t k = 0; k < g.n; k++) {
			int id = g.seq[k];
			assert_true(id >= 0 && id < n);
			assert_int_equal(ord[id], -1);          /* exactly once */
			assert_true(below(&r, par, id, top));
			ord[id] = (int)k;
			r.t[id] = NULL;                          /* freed */
		}
		/* children before parents */
		for (int i = 0; i < n; i++)
			if (ord[i] >= 0 && i != top)
				assert_true(ord[i] < ord[par[i]]);
		assert_int_equal(g.seq[g.n - 1], top);
		/* the rest of the tree is intact, with the same shape */
		if (top != 0) {
			assert_true(mdb_check(&r.t[0]->n, (size_t)n));
			int k = 0;
			for (const struct mdb_node *x = &r.t[0]->n; x; x = mdb_next_in(&r.t[0]->n, x)) {
				const struct tnode *t = (const struct tnode *)x;
				assert_ptr_equal(t, r.t[t->id]);
				if (t->id)
					assert_ptr_equal(x->parent, &r.t[par[t->id]]->n);
				k++;
			}
			assert_int_equal(k, n - expect);
			/* remove the rest (root last) */
			struct gone_log g2;
			log_new(&g2, (size_t)n);
			g2.free_it = true;
			mdb_remove_tree(&r.t[0]->n, record, &g2, NULL, NULL);
			assert_int_equal(g2.n, n - expect);
			assert_false(g2.bad);
			assert_int_equal(g2.seq[g2.n - 1], 0);
			free(g2.seq);
		}
		free(g.seq);
		free(ord);
		free(par);
		free(a);
		free(b);
		free(st);
		free(r.t);
	}
}

static bool stop_every(void)
{
	return true;
}

/* A chain of CHAIN_DEPTH removed with a stop after every node: with the
 * cursor each piece goes on where the last stopped (linear); descending
 * from the top every time would take CHAIN_DEPTH^2 / 2 steps (minutes). */
static void test_remove_chain_pieces(void **state)
{
	const int n = 200000;
	struct gone_log g;
	struct mdb_cursor mc = { 0 };
	unsigned long k = 0;

	nodes_new((size_t)n);
	for (int i = 1; i < n; i++)
		mdb_add_child(N(i - 1), N(i));
	log_new(&g, (size_t)n);
	time_t t0 = time(NULL);
	while (!mdb_remove_tree(N(0), record, &g, stop_every, &mc))
		k++;
	assert_int_equal(k, n - 1);
	assert_int_equal(g.n, n);
	assert_false(g.bad);
	for (int i = 0; i < n; i++)
		assert_int_equal(g.seq[i], n - 1 - i);
	assert_true(time(NULL) - t0 < 10);
	free(g.seq);
}

/*
 * mdb_walk_post on random trees: need[] is a random set closed downwards
 * (a node needs work only if its parent does), visit marks a node done or,
 * for leaves now and then, takes it out. Each needing node below the top
 * (and the top with self) is visited exactly once, children before
 * parents, never a node that does not need; in pieces, with the cursor
 * kept, dropped or stale, and between pieces every visited node has all of
 * its needing subtree visited (post-order: what a stop leaves is closed).
 */
struct walk {
	int n;
	bool *needs, *done, *freed;
	int *order, seq;
	struct tnode **t;
};

static struct walk *wk;

static bool walk_need(const struct mdb_node *x, void *arg)
{
	const struct tnode *t = (const struct tnode *)x;
	return wk->needs[t->id] && !wk->done[t->id];
}

static void walk_visit(struct mdb_node *x, void *arg)
{
	struct tnode *t = (struct tnode *)x;

	assert_true(wk->needs[t->id] && !wk->done[t->id]);
	wk->done[t->id] = true;
	wk->order[t->id] = wk->seq++;
	if (!x->child && rnd(3) == 0) {
		mdb_unlink(x);
		wk->freed[t->id] = true;
	}
}

static void test_walk_post(void **state)
{
	rng = 0x77616c6b2d706fULL;
	for (int round = 0; round < 300; round++) {
		struct rtree r;
		int n = 1 + (int)rnd(round < 150 ? 40 : 500);
		rtree_new(&r, n);
		struct walk w = { n, calloc((size_t)n, 1), calloc((size_t)n, 1), calloc((size_t)n, 1),
				  calloc((size_t)n, sizeof(int)), 0, r.t };
		wk = &w;
		int top = (int)rnd((uint64_t)n);
		bool self = rnd(2);
		for (int i = 0; i < n; i++)
			w.needs[i] = (i == 0 || w.needs[r.t[i]->parent]) && rnd(10) != 0;
		struct mdb_cursor mc = { 0 };
		bool pieces_ok = round % 3 != 0;
		while (!mdb_walk_post(&r.t[top]->n, self, walk_need, walk_visit, NULL, pieces_ok ? stop_now : NULL,
				      &mc)) {
			pieces++;
			/* closed: a visited node's needing descendants are visited */
			for (int j = 0; j < n; j++) {
				if (!w.needs[j] || w.done[j])
					continue;
				for (int a = r.t[j]->parent; a >= 0 && j != top; a = r.t[a]->parent) {
					assert_false(w.done[a]);
					if (a == top)
						break;
				}
			}
			assert_true(mdb_check(&r.t[0]->n, (size_t)n) || w.freed[0]);
			cursor_games(&mc);
		}
		/* exactly the needing nodes of the subtree (top only with self), children first */
		for (int i = 0; i < n; i++) {
			bool in = false;
			for (int a = i; a >= 0; a = r.t[a]->parent)
				if (a == top) {
					in = true;
					break;
				}
			bool want = in && w.needs[i] && (i != top || self);
			assert_int_equal(w.done[i], want);
			if (want && i != top && r.t[i]->parent >= 0 && w.done[r.t[i]->parent])
				assert_true(w.order[i] < w.order[r.t[i]->parent]);
		}
		for (int i = 0; i < n; i++)
			free(r.t[i]);
		free(r.t);
		free(w.needs);
		free(w.done);
		free(w.freed);
		free(w.order);
	}
	printf("test_walk_post: %u pieces\n", pieces);
	assert_true(pieces > 150);
}

/* ---- mdb_next_in ---- */

static void test_next_in(void **state)
{
	/* 0 -> {3, 1, 7}; 1 -> {2}; 3 -> {5, 4}; 4 -> {6} (children in list order) */
	nodes_new(8);
	mdb_add_child(N(0), N(7));
	mdb_add_child(N(0), N(1));
	mdb_add_child(N(1), N(2));
	mdb_add_child(N(0), N(3));
	mdb_add_child(N(3), N(4));
	mdb_add_child(N(4), N(6));
	mdb_add_child(N(3), N(5));
	/* list order: 0: 3 1 7; 3: 5 4; 4: 6; 1: 2 */
	const int all[] = {0, 3, 5, 4, 6, 1, 2, 7};
	int k = 0;
	for (const struct mdb_node *n = N(0); n; n = mdb_next_in(N(0), n))
		assert_ptr_equal(n, N(all[k++]));
	assert_int_equal(k, 8);
	/* below 3 only, although 3 has siblings after it */
	const int sub[] = {3, 5, 4, 6};
	k = 0;
	for (const struct mdb_node *n = N(3); n; n = mdb_next_in(N(3), n))
		assert_ptr_equal(n, N(sub[k++]));
	assert_int_equal(k, 4);
	/* a leaf with siblings as top: just itself */
	assert_null(mdb_next_in(N(5), N(5)));
	assert_null(mdb_next_in(N(7), N(7)));
	/* from the middle: after 6 (last in 4, 4 last in 3) inside 3: end */
	assert_null(mdb_next_in(N(3), N(6)));
	assert_ptr_equal(mdb_next_in(N(0), N(6)), N(1));
}

/* ---- mdb_check on corrupted trees ---- */

/* 0 -> {3, 2, 1}; 2 -> {5, 4} */
static void build_small(void)
{
	for (size_t i = 0; i < nnodes; i++)
		mdb_init(N((int)i));
	mdb_add_child(N(0), N(1));
	mdb_add_child(N(0), N(2));
	mdb_add_child(N(0), N(3));
	mdb_add_child(N(2), N(4));
	mdb_add_child(N(2), N(5));
	assert_true(mdb_check(N(0), 100));
}

static void test_check_rejects(void **state)
{
	nodes_new(7);

	build_small();
	N(4)->parent = N(0);                    /* a child naming the wrong parent */
	assert_false(mdb_check(N(0), 100));

	build_small();
	N(5)->parent = NULL;                    /* first child without parent */
	assert_false(mdb_check(N(0), 100));

	build_small();
	N(3)->prev = N(6);                      /* the first child with a prev */
	assert_false(mdb_check(N(0), 100));

	build_small();
	N(2)->prev = N(1);                      /* a broken back link */
	assert_false(mdb_check(N(0), 100));

	build_small();
	N(1)->next = N(6);                      /* a sibling from nowhere */
	assert_false(mdb_check(N(0), 100));

	build_small();
	N(0)->parent = N(6);                    /* the root has a parent */
	assert_false(mdb_check(N(0), 100));

	build_small();
	N(4)->child = N(0);                     /* a cycle through the root */
	assert_false(mdb_check(N(0), 100));

	build_small();
	N(4)->child = N(2);                     /* a cycle below the root */
	assert_false(mdb_check(N(0), 100));

	build_small();
	N(1)->next = N(3);                      /* a sibling cycle */
	N(3)->prev = N(1);
	assert_false(mdb_check(N(0), 100));

	build_small();
	assert_true(mdb_check(N(0), 6));
	assert_false(mdb_check(N(0), 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_init_add, teardown),
		cmocka_unit_test_teardown(test_unlink, teardown),
		cmocka_unit_test_teardown(test_replace, teardown),
		cmocka_unit_test_teardown(test_move, teardown),
		cmocka_unit_test_teardown(test_next_in, teardown),
		cmocka_unit_test_teardown(test_remove_single, teardown),
		cmocka_unit_test_teardown(test_remove_chain, teardown),
		cmocka_unit_test_teardown(test_remove_chain_middle, teardown),
		cmocka_unit_test_teardown(test_remove_fanout, teardown),
		cmocka_unit_test_teardown(test_random_trees, teardown),
		cmocka_unit_test_teardown(test_remove_chain_pieces, teardown),
		cmocka_unit_test_teardown(test_walk_post, teardown),
		cmocka_unit_test_teardown(test_check_rejects, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
