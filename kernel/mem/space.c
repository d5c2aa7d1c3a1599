/* space.c - address spaces with the mapping database (space.h). */
#include <stddef.h>

#include <l4/errno.h>
#include <l4/layout.h>
#include <l4/mem.h>

#include "lib/kassert.h"
#include "mem/space.h"

#define LEVEL_SIZE(l) (1UL << (12 + 9 * (l)))
#define PTE_RIGHTS (PTE_R | PTE_W | PTE_X)

static pte_t *table_at(pte_t e)
{
	return space_pa_to_va(pte_pa(e));
}

/* The shadow entry of a PTE: the same index in the block's second page. */
static struct mapping **shadow_of(pte_t *p)
{
	return (struct mapping **)(p + PT_ENTRIES);
}

static pte_t rights_pte(unsigned rights)
{
	return (pte_t)rights << 1 | PTE_U;      /* L4_FP_R/W/X are PTE_R/W/X >> 1 */
}

/* The leaf PTE mapping va and its level, or NULL. */
static pte_t *walk(const struct space *s, uint64_t va, int *level)
{
	pte_t *t = s->root;

	for (int l = 2; l >= 0; l--) {
		pte_t *p = &t[VPN(va, l)];
		if (!(*p & PTE_V))
			return NULL;
		if (pte_is_leaf(*p)) {
			*level = l;
			return p;
		}
		t = table_at(*p);
	}
	return NULL;
}

/* The first leaf below hi that ends after *va; *va becomes its start. Skips
 * the ranges of absent tables. */
static pte_t *next_leaf(const struct space *s, uint64_t *va, uint64_t hi, int *level)
{
	uint64_t a = *va;

	while (a < hi) {
		pte_t *t = s->root;
		for (int l = 2;; l--) {
			pte_t *p = &t[VPN(a, l)];
			uint64_t start = a & ~(LEVEL_SIZE(l) - 1);
			if (!(*p & PTE_V)) {
				/* This table's empty entries in one loop; at its end
				 * (or at hi) the walk starts again from the root. */
				pte_t *end = t + PT_ENTRIES;
				do {
					start += LEVEL_SIZE(l);
				} while (++p < end && start < hi && !(*p & PTE_V));
				a = start;
				if (p == end || start >= hi)
					break;
			}
			if (pte_is_leaf(*p)) {
				*va = start;
				*level = l;
				return p;
			}
			t = table_at(*p);
		}
	}
	return NULL;
}

/*
 * A table block with its PTEs zeroed. The shadow is not: an entry of it is
 * read only for a valid leaf (walk, next_leaf, space_map_fast check the PTE
 * first), and every leaf is made with its shadow entry (put_leaf,
 * add_run, map_fast_link), so the stale bytes there are never read.
 */
static pte_t *table_alloc(struct quota *q)
{
	return kmem_alloc_q_part(&kmem_pool, q, SPACE_TABLE_SIZE, PT_ENTRIES * sizeof(pte_t));
}

long space_init(struct space *s, struct quota *q)
{
	s->quota = q;
	s->asid = 0;
	s->fast_src_key = s->fast_dst_key = SPACE_NO_KEY;
	s->destroy_pos = 0;
	s->destroy_tables = false;
	s->root = table_alloc(q);
	return s->root ? 0 : -L4_ENOMEM;
}

/* ---- leaves ---- */

/*
 * A free slot for a leaf at va of the largest level that size, the
 * alignment of va and pa, and the tables already there allow; tables are
 * made on the way. NULL with *err = -L4_EEXIST (something mapped there) or
 * -L4_ENOMEM.
 */
static inline __attribute__((always_inline)) pte_t *leaf_slot(struct space *s, uint64_t va, uint64_t pa, uint64_t size,
							     int *level, long *err)
{
	int want = 0;

	for (int l = 2; l > 0; l--) {
		if (size < LEVEL_SIZE(l) || ((va | pa) & (LEVEL_SIZE(l) - 1)))
			continue;
		/* A table already in that slot: smaller leaves. */
		pte_t *t = s->root;
		int k = 2;
		for (; k > l; k--) {
			pte_t e = t[VPN(va, k)];
			if (!(e & PTE_V) || pte_is_leaf(e))
				break;
			t = table_at(e);
		}
		if (k > l || !(t[VPN(va, l)] & PTE_V) || pte_is_leaf(t[VPN(va, l)])) {
			want = l;
			break;
		}
	}
	pte_t *t = s->root;
	for (int l = 2; l > want; l--) {
		pte_t *p = &t[VPN(va, l)];
		if (!(*p & PTE_V)) {
			void *n = table_alloc(s->quota);
			if (!n) {
				*err = -L4_ENOMEM;
				return NULL;
			}
			*p = pte_table(space_va_to_pa(n));
		} else if (pte_is_leaf(*p)) {
			*err = -L4_EEXIST;
			return NULL;
		}
		t = table_at(*p);
	}
	pte_t *p = &t[VPN(va, want)];
	if (*p & PTE_V) {
		*err = -L4_EEXIST;
		return NULL;
	}
	*level = want;
	return p;
}

/*
 * A mapping node charged to q, from the pool's stash of 64-byte blocks (as
 * the fast path takes them, kmem.h): no walk of the buddy lists for each
 * node and no zeroing (the caller sets every field). NULL when q or the pool
 * is out. Freed with kmem_free_q as any block of its size.
 */
static inline __attribute__((always_inline)) struct mapping *node_alloc(struct quota *q)
{
	struct mapping *m;

	if (!quota_charge(q, KMEM_MIN_BLOCK))
		return NULL;
	if (!(m = kmem_alloc_min_inline(&kmem_pool)) && !(m = kmem_alloc_min_raw(&kmem_pool)))
		quota_credit(q, KMEM_MIN_BLOCK);
	return m;
}

/* The leaf p of level l: va -> pa with rights, and its mapping m (or none). */
static void put_leaf(struct space *s, pte_t *p, int l, struct mapping *m, uint64_t va, uint64_t pa, unsigned rights,
		     struct mapping *parent, bool fresh)
{
	if (m) {
		mdb_init(&m->n);
		if (parent)
			mdb_add_child(&parent->n, &m->n);
		m->space = s;
		m->va = va;
		m->pa = pa;
		m->order = (uint8_t)(12 + 9 * l);
		m->rights = (uint8_t)rights;
		m->fresh = fresh;
	}
	*shadow_of(p) = m;
	*p = pte_leaf(pa, rights_pte(rights));
}

/*
 * n 4 KiB leaves in the consecutive slots from p, the first for va -> pa,
 * as add_leaves_nofence makes them for the kernel's big ranges (sigma0's
 * memory, a boot task's pages, the boot modules): with `node` each a root of
 * the mapping database, else kernel-kept (no mapping). The quota has been
 * charged for all n nodes (the caller has), each node comes from the stash,
 * and no call is made per leaf. Returns how many it made: fewer than n when
 * a slot was taken (*err = -L4_EEXIST) or the pool ran out (-L4_ENOMEM);
 * the charge for the nodes not made is returned to q.
 */
static __attribute__((noinline)) uint64_t add_run(struct space *s, pte_t *p, uint64_t va, uint64_t pa, uint64_t n,
						  unsigned rights, bool node, long *err)
{
	pte_t bits = rights_pte(rights);
	uint32_t small = 12 | rights << 8;      /* order 12, rights, fresh = false (map_fast_link's store) */
	struct mapping *carve = NULL, *carve_end = NULL;        /* nodes of a block, not stashed */
	uint64_t i;

	for (i = 0; i < n; i++, p++, va += LEVEL_SIZE(0), pa += LEVEL_SIZE(0)) {
		struct mapping *m = NULL;
		if (*p & PTE_V) {
			*err = -L4_EEXIST;
			break;
		}
		if (node) {
			if (carve == carve_end && !(m = kmem_alloc_min_inline(&kmem_pool))) {
				/* The stash is empty: a block's nodes one after the other. */
				size_t nb;
				if (!(carve = kmem_alloc_min_block(&kmem_pool, &nb))) {
					carve_end = NULL;
					*err = -L4_ENOMEM;
					break;
				}
				carve_end = carve + nb;
			}
			if (!m)
				m = carve++;
			m->n.parent = m->n.child = m->n.next = m->n.prev = NULL;
			m->space = s;
			m->va = va;
			m->pa = pa;
			*(uint32_t *)&m->order = small;
		}
		*shadow_of(p) = m;
		*p = pte_leaf(pa, bits);
	}
	if (carve != carve_end)
		kmem_stash_min(&kmem_pool, carve, (size_t)(carve_end - carve));
	if (node && i < n)
		quota_credit(s->quota, (n - i) * KMEM_MIN_BLOCK);
	return i;
}

/*
 * add_leaves_nofence for the kernel's ranges (no parent: roots, or with no
 * `node` kernel-kept pages): each leaf as there, but the 4 KiB leaves to the
 * end of a table (or of the range) as one run (add_run), when the quota
 * covers the run (else leaf by leaf, which charges and fails the same way).
 */
static __attribute__((noinline)) long add_kernel_leaves(struct space *s, uint64_t va, uint64_t pa, uint64_t size,
							unsigned rights, bool node)
{
	while (size) {
		struct mapping *m = NULL;
		long err = 0;
		int l;
		if (node && !(m = node_alloc(s->quota)))
			return -L4_ENOMEM;
		pte_t *p = leaf_slot(s, va, pa, size, &l, &err);
		if (err) {
			if (m)
				kmem_free_q(&kmem_pool, s->quota, m, sizeof(*m));
			return err;
		}
		put_leaf(s, p, l, m, va, pa, rights, NULL, false);
		uint64_t n = 1;
		if (l == 0) {
			uint64_t run = (LEVEL_SIZE(1) - (va & (LEVEL_SIZE(1) - 1))) >> 12;
			if (run > size >> 12)
				run = size >> 12;
			if (run > 1 && (!node || quota_charge(s->quota, (run - 1) * KMEM_MIN_BLOCK))) {
				n += add_run(s, p + 1, va + LEVEL_SIZE(0), pa + LEVEL_SIZE(0), run - 1, rights, node, &err);
				if (err)
					return err;
			}
		}
		va += n * LEVEL_SIZE(l);
		pa += n * LEVEL_SIZE(l);
		size -= n * LEVEL_SIZE(l);
	}
	return 0;
}

/*
 * Map [va, va+size) -> pa with rights as leaves. With `node`, each leaf gets
 * a mapping, derived from parent (NULL: a root), marked fresh if asked.
 * Stops at the first error (what it made stays: the caller undoes it).
 * After a 4 KiB leaf the next ones up to the end of its table need no walk
 * (an address that is not 2 MiB-aligned allows no larger leaf).
 */
static long add_leaves_nofence(struct space *s, uint64_t va, uint64_t pa, uint64_t size, unsigned rights,
			       bool node, struct mapping *parent, bool fresh, unsigned *budget)
{
	pte_t *p = NULL;
	int l = 0;

	if (!parent && !fresh && !budget && size > LEVEL_SIZE(0))
		return add_kernel_leaves(s, va, pa, size, rights, node);

	while (size) {
		struct mapping *m = NULL;
		long err = 0;
		if (budget && !(*budget)--)
			return -L4_ERANGE;
		if (node && !(m = node_alloc(s->quota)))
			return -L4_ENOMEM;
		if (p && l == 0 && (va & (LEVEL_SIZE(1) - 1))) {
			p++;            /* the next entry of the same table */
			if (*p & PTE_V)
				err = -L4_EEXIST;
		} else {
			p = leaf_slot(s, va, pa, size, &l, &err);
		}
		if (err) {
			if (m)
				kmem_free_q(&kmem_pool, s->quota, m, sizeof(*m));
			return err;
		}
		put_leaf(s, p, l, m, va, pa, rights, parent, fresh);
		va += LEVEL_SIZE(l);
		pa += LEVEL_SIZE(l);
		size -= LEVEL_SIZE(l);
	}
	return 0;
}

/* add_leaves_nofence, then a fence for the new leaves and maybe new tables:
 * once for the whole range, also after a failure (what was written stays
 * until undone). */
static long add_leaves(struct space *s, uint64_t va, uint64_t pa, uint64_t size, unsigned rights, bool node,
		       struct mapping *parent, bool fresh, unsigned *budget)
{
	long err = add_leaves_nofence(s, va, pa, size, rights, node, parent, fresh, budget);

	space_flush_all(s);
	return err;
}

long space_map_kernel(struct space *s, uint64_t va, uint64_t pa, uint64_t size, unsigned rights, bool root)
{
	kassert(!((va | pa | size) & 0xfff));
	return add_leaves(s, va, pa, size, rights, root, NULL, false, NULL);
}

void space_unmap_kernel(struct space *s, uint64_t va)
{
	int l;
	pte_t *p = walk(s, va, &l);

	if (p && l == 0 && !*shadow_of(p)) {
		*p = 0;
		space_flush(s, va);
	}
}

pte_t *space_lookup(const struct space *s, uint64_t va, uint64_t *size, struct mapping **m)
{
	int l;
	pte_t *p = walk(s, va, &l);

	if (!p)
		return NULL;
	*size = LEVEL_SIZE(l);
	*m = *shadow_of(p);
	return p;
}

bool space_allows(const struct space *s, uint64_t va, unsigned access)
{
	int l;
	const pte_t *p = walk(s, va, &l);
	pte_t need = rights_pte(access);

	return p && (*p & need) == need;
}

/* ---- removing mappings ---- */

static void set_rights(struct mapping *m, unsigned rights)
{
	int l;
	pte_t *p = walk(m->space, m->va, &l);

	kassert(p && *shadow_of(p) == m);
	m->rights = (uint8_t)rights;
	*p = (*p & ~PTE_RIGHTS) | ((pte_t)rights << 1);
	space_flush(m->space, m->va);
}

/* mdb_remove_tree's callback: the mapping's leaf goes, then the mapping. */
static void gone(struct mdb_node *n, void *arg)
{
	struct mapping *m = (struct mapping *)n;
	int l;
	pte_t *p = walk(m->space, m->va, &l);

	(void)arg;
	kassert(p && *shadow_of(p) == m);
	*p = 0;
	*shadow_of(p) = NULL;
	space_flush(m->space, m->va);
	kmem_free_q(&kmem_pool, m->space->quota, m, sizeof(*m));
}

/*
 * Taking rights from a tree of mappings, post-order (mdb_walk_post): each
 * mapping loses `take` after everything derived from it, and goes when it
 * has no rights left (R taken takes all: W alone is no mapping). Among the
 * direct children of the walk's top only those overlapping [plo, phi)
 * count (the part of a large page being unmapped).
 */
struct revoke {
	unsigned take;
	const struct mdb_node *top;
	uint64_t plo, phi;
};

static bool revoke_need(const struct mdb_node *n, void *arg)
{
	const struct revoke *r = arg;
	const struct mapping *m = (const struct mapping *)n;

	if (!(m->rights & r->take))
		return false;
	return n->parent != r->top || (m->pa < r->phi && m->pa + (1UL << m->order) > r->plo);
}

static void revoke_visit(struct mdb_node *n, void *arg)
{
	const struct revoke *r = arg;
	struct mapping *m = (struct mapping *)n;
	unsigned left = m->rights & ~r->take;

	if (left) {
		set_rights(m, left);
		return;
	}
	mdb_unlink(n);          /* a leaf: what derived from it had no more rights and went first */
	gone(n, NULL);
}

/* Take `rights` from top and everything derived from it (preemptible: mdb_walk_post). */
static bool revoke(struct mapping *top, unsigned rights, bool (*stop)(void), struct mdb_cursor *resume)
{
	struct revoke r = { rights & L4_FP_R ? L4_FP_RWX : rights, NULL, 0, ~0UL };

	if (r.take == L4_FP_RWX)
		return mdb_remove_tree(&top->n, gone, NULL, stop, resume);
	return mdb_walk_post(&top->n, true, revoke_need, revoke_visit, &r, stop, resume);
}

/* r's rights from what was derived from m's part [r->plo, r->phi); all of
 * it when R goes (the common case, without mdb_walk_post's callbacks). */
static bool unmap_children(struct mapping *m, struct revoke *r, bool (*stop)(void), struct mdb_cursor *mc)
{
	if (r->take != L4_FP_RWX)
		return mdb_walk_post(&m->n, false, revoke_need, revoke_visit, r, stop, mc);
	for (struct mdb_node *c = m->n.child, *next; c; c = next) {
		const struct mapping *cm = (const struct mapping *)c;
		next = c->next;
		if (cm->pa < r->phi && cm->pa + (1UL << cm->order) > r->plo) {
			if (!mdb_remove_tree(c, gone, NULL, stop, mc) || (next && stop && stop()))
				return false;
		}
	}
	return true;
}

bool space_unmap(struct space *s, uint64_t va, unsigned order, unsigned rights, bool self,
		 struct space_resume *res, bool (*stop)(void))
{
	uint64_t hi = va + (1UL << order), a = res->pos > va && res->pos < hi ? res->pos : va;
	int l;

	for (pte_t *p; (p = next_leaf(s, &a, hi, &l));) {
		uint64_t end = a + LEVEL_SIZE(l);
		struct mapping *m = *shadow_of(p);
		if (m) {
			uint64_t lo = a < va ? va : a, top = end > hi ? hi : end;
			/* What others derived from the part of m in the range, then m itself. */
			struct revoke r = { rights & L4_FP_R ? L4_FP_RWX : rights, &m->n, m->pa + (lo - a),
					    m->pa + (top - a) };
			bool whole = self && lo == a && top == end;
			if (!unmap_children(m, &r, stop, &res->mc) || (whole && stop && stop()) ||
			    (whole && !revoke(m, rights, stop, &res->mc))) {
				res->pos = a;
				return false;
			}
		}
		a = end;
		if (a < hi && stop && stop()) {
			res->pos = a;
			return false;
		}
	}
	*res = (struct space_resume){ 0 };
	return true;
}

/* Whether e points to a next-level table (valid, not a leaf). */
static inline bool is_table(pte_t e)
{
	return (e & (PTE_V | PTE_RIGHTS)) == PTE_V;
}

bool space_destroy(struct space *s, bool (*stop)(void), struct mdb_cursor *resume)
{
	int l;

	if (!s->root)
		return true;
	if (!s->destroy_tables) {
		/* The leaves, and what others derived from them. */
		uint64_t a = s->destroy_pos;
		for (pte_t *p; (p = next_leaf(s, &a, L4_USER_END, &l));) {
			struct mapping *m = *shadow_of(p);
			uint64_t end = a + LEVEL_SIZE(l);
			if (m && !mdb_remove_tree(&m->n, gone, NULL, stop, resume)) {
				s->destroy_pos = a;
				return false;
			}
			if (!m)
				*p = 0;
			a = end;
			if (stop && stop()) {
				s->destroy_pos = a;
				return false;
			}
		}
		s->destroy_tables = true;
		s->destroy_pos = 0;
	}
	/* The tables of the user half (entries 256..511 are the kernel's): each
	 * freed and its entry cleared, level 0 before level 1. */
	for (uint64_t a = s->destroy_pos; a < L4_USER_END; a += LEVEL_SIZE(2)) {
		pte_t *e = &s->root[VPN(a, 2)];
		if (!is_table(*e))
			continue;
		pte_t *t = table_at(*e);
		for (unsigned j = 0; j < PT_ENTRIES; j++) {
			if (!is_table(t[j]))
				continue;
			kmem_free_q(&kmem_pool, s->quota, table_at(t[j]), SPACE_TABLE_SIZE);
			t[j] = 0;
			if (stop && stop()) {
				s->destroy_pos = a;
				return false;
			}
		}
		kmem_free_q(&kmem_pool, s->quota, t, SPACE_TABLE_SIZE);
		*e = 0;
		if (stop && stop()) {
			s->destroy_pos = a + LEVEL_SIZE(2);
			return false;
		}
	}
	kmem_free_q(&kmem_pool, s->quota, s->root, SPACE_TABLE_SIZE);
	s->root = NULL;
	return true;
}

/* ---- transfers ---- */

/* Each source leaf's part of the transfer, in order: what check, install and commit walk. */
struct chunk {
	struct mapping *m;      /* the sender's mapping */
	uint64_t src, dst, pa, size;
	unsigned rights;        /* what the receiver gets */
};

/* The chunk at src address a of x; -L4_ENOENT / -L4_EINVAL if it cannot be passed on. */
static long chunk_at(const struct space_xfer *x, uint64_t a, struct chunk *c)
{
	uint64_t size = 1UL << x->order;
	int l;
	pte_t *p = walk(x->from, a, &l);

	if (!p || !(c->m = *shadow_of(p)))
		return -L4_ENOENT;
	uint64_t lsize = LEVEL_SIZE(l), lbase = a & ~(lsize - 1);
	if (x->grant && lsize > size)
		return -L4_EINVAL;      /* grant moves whole pages only */
	c->size = lsize < size ? lsize : size;
	c->src = a;
	c->dst = x->dst + (a - x->src);
	c->pa = c->m->pa + (a - lbase);
	c->rights = c->m->rights & x->rights;
	if (!c->rights || (c->rights & (L4_FP_R | L4_FP_W)) == L4_FP_W)
		return -L4_EINVAL;
	return 0;
}

/*
 * Whether the leaf at va (size lsize, mapping d) in c's destination may stay:
 * a map (not grant) finding, page by page, the very memory it maps, derived
 * from the same source mapping, and not made by this message (re-map: its
 * rights are added at commit).
 */
static bool remap_ok(const struct space_xfer *x, const struct chunk *c, const struct mapping *d, uint64_t va,
		     uint64_t lsize)
{
	return !x->grant && d && !d->fresh && va >= c->dst && va + lsize <= c->dst + c->size &&
	       d->pa == c->pa + (va - c->dst) && d->n.parent == &c->m->n;
}

/* Whether every leaf already in c's destination may stay (remap_ok). */
static bool dst_ok(const struct space_xfer *x, const struct chunk *c)
{
	uint64_t a = c->dst, end = c->dst + c->size;
	int l;

	for (pte_t *p; (p = next_leaf(x->to, &a, end, &l)); a += LEVEL_SIZE(l))
		if (!remap_ok(x, c, *shadow_of(p), a, LEVEL_SIZE(l)))
			return false;
	return true;
}

/* Grant moves a page whole: the destination must take a leaf of its size (no table there). */
static bool grant_fits(const struct space_xfer *x, const struct chunk *c)
{
	pte_t *t = x->to->root;

	for (int l = 2; l >= 0; l--) {
		pte_t e = t[VPN(c->dst, l)];
		if (LEVEL_SIZE(l) == c->size)
			return !(e & PTE_V);
		if (!(e & PTE_V))
			return true;
		if (pte_is_leaf(e))
			return false;
		t = table_at(e);
	}
	return false;
}

/* Whether m derives, directly or not, from a mapping in x's own source range. */
static bool derived_within(const struct space_xfer *x, const struct mapping *m)
{
	uint64_t hi = x->src + (1UL << x->order);

	for (const struct mdb_node *n = m->n.parent; n; n = n->parent) {
		const struct mapping *a = (const struct mapping *)n;
		if (a->space == x->from && a->va >= x->src && a->va < hi)
			return true;
	}
	return false;
}

long space_check(const struct space_xfer *x)
{
	uint64_t hi = x->src + (1UL << x->order);
	struct chunk c;
	long err;

	for (uint64_t a = x->src; a < hi; a += c.size) {
		if (x->budget && !(*x->budget)--)
			return -L4_ERANGE;
		if ((err = chunk_at(x, a, &c)))
			return err;
		/* Granting a mapping together with one derived from it: which would be whose parent? */
		if (x->grant && derived_within(x, c.m))
			return -L4_EINVAL;
		if (!dst_ok(x, &c) || (x->grant && !grant_fits(x, &c)))
			return -L4_EEXIST;
	}
	return 0;
}

long space_install(const struct space_xfer *x)
{
	uint64_t hi = x->src + (1UL << x->order);
	struct chunk c;
	long err;

	for (uint64_t a = x->src; a < hi; a += c.size) {
		if ((err = chunk_at(x, a, &c)))
			return err;
		/* Fill the gaps between the leaves that stay. */
		uint64_t d = c.dst, end = c.dst + c.size;
		while (d < end) {
			uint64_t at = d;
			int l;
			pte_t *p = next_leaf(x->to, &at, end, &l);
			uint64_t gap_end = p ? at : end;
			if (p && !remap_ok(x, &c, *shadow_of(p), at, LEVEL_SIZE(l)))
				return -L4_EEXIST;      /* another item of this message put it there */
			if (gap_end > d &&
			    (err = add_leaves(x->to, d, c.pa + (d - c.dst), gap_end - d, c.rights, true, c.m, true,
					      x->budget)))
				return err;
			if (!p)
				break;
			d = at + LEVEL_SIZE(l);
		}
	}
	return 0;
}

/* space_map_fast's last step: m becomes the mapping of pa at dst (slot p of
 * `to`), derived from `from`, committed (what add_leaves and space_commit
 * leave); `used` is to's quota's before the charge. */
static inline long map_fast_link(struct space *to, struct quota *q, size_t used, struct mapping *from,
				 struct mapping *m, pte_t *p, uint64_t dst, uint64_t pa, unsigned rights)
{
	struct mdb_node *next = from->n.child;
	uint32_t small = 12 | rights << 8;      /* order 12, rights, fresh = false, a padding byte */

	q->used = used + KMEM_MIN_BLOCK;        /* kmem_alloc_q's charge */
	m->n.parent = &from->n;
	m->n.child = NULL;
	m->n.next = next;
	m->n.prev = NULL;
	if (next)
		next->prev = &m->n;
	from->n.child = &m->n;
	m->space = to;
	m->va = dst;
	m->pa = pa;
	*(uint32_t *)&m->order = small;
	*shadow_of(p) = m;
	*p = pte_leaf(pa, rights_pte(rights));
	space_flush_new(to, dst);               /* order the new entry before the thread's retry */
	return 0;
}

_Static_assert(offsetof(struct mapping, rights) == offsetof(struct mapping, order) + 1 &&
	       offsetof(struct mapping, fresh) == offsetof(struct mapping, order) + 2 &&
	       offsetof(struct mapping, order) % 4 == 0 && sizeof(struct mapping) >= offsetof(struct mapping, order) + 4 &&
	       sizeof(bool) == 1, "map_fast_link: order, rights, fresh in one 32-bit store (little-endian)");
_Static_assert(sizeof(struct mapping) <= KMEM_MIN_BLOCK, "a mapping is a block of the smallest size");

/* space_map_fast when the pool's stash is empty (once in 64 nodes, when it
 * refills): out of line, so that the common case calls nothing (and saves no
 * registers). */
static __attribute__((noinline)) long map_fast_refill(struct space *to, struct quota *q, size_t used,
						     struct mapping *from, pte_t *p, uint64_t dst, uint64_t pa,
						     unsigned rights)
{
	struct mapping *m = kmem_alloc_min_raw(&kmem_pool);

	if (!m)
		return 1;
	return map_fast_link(to, q, used, from, m, p, dst, pa, rights);
}

/* No frame pointer: every instruction counts here (a backtrace through it skips it, as any leaf). */
__attribute__((optimize("omit-frame-pointer")))
long space_map_fast(struct space *from, struct space *to, uint64_t src, uint64_t dst, unsigned mask,
		    unsigned need)
{
	/* The source: the leaf at src with a mapping, rights & mask (chunk_at);
	 * the walk only when src is not in the level-0 table used last. */
	pte_t *p;
	uint64_t key = src >> 21;
	if (from->fast_src_key == key) {
		p = &from->fast_src[VPN(src, 0)];
	} else {
		p = &from->root[VPN(src, 2)];
		if (is_table(*p)) {
			p = &table_at(*p)[VPN(src, 1)];
			if (is_table(*p)) {
				pte_t *t = table_at(*p);
				from->fast_src_key = key;
				from->fast_src = t;
				p = &t[VPN(src, 0)];
			}
		}
	}
	if (!(*p & PTE_V) || !pte_is_leaf(*p))
		return 1;
	struct mapping *from_m = *shadow_of(p);
	if (!from_m)
		return 1;
	unsigned rights = from_m->rights & mask;
	if ((rights & need) != need || (mask & (L4_FP_R | L4_FP_W)) == L4_FP_W)
		return 1;
	uint64_t pa = from_m->pa + (src - from_m->va);  /* its va is the leaf's start */

	/* The destination: tables down to level 0 and its entry free (so
	 * dst_ok has nothing to look at, leaf_slot allocates nothing); the
	 * walk only when dst is not in the level-0 table used last. */
	key = dst >> 21;
	if (to->fast_dst_key == key) {
		p = &to->fast_dst[VPN(dst, 0)];
	} else {
		pte_t e = to->root[VPN(dst, 2)];
		if (!is_table(e))
			return 1;
		e = table_at(e)[VPN(dst, 1)];
		if (!is_table(e))
			return 1;
		pte_t *t = table_at(e);
		to->fast_dst_key = key;
		to->fast_dst = t;
		p = &t[VPN(dst, 0)];
	}
	if (*p & PTE_V)
		return 1;

	/* The node (kmem_alloc_q's quota check first), then the mapping. */
	struct quota *q = to->quota;
	size_t used = q->used;
	if (q->limit - used < KMEM_MIN_BLOCK)
		return 1;
	struct mapping *m = kmem_alloc_min_inline(&kmem_pool);
	if (!m)
		return map_fast_refill(to, q, used, from_m, p, dst, pa, rights);
	return map_fast_link(to, q, used, from_m, m, p, dst, pa, rights);
}

/* Whether n is one of the mappings this transfer made. */
static bool made_by(const struct space_xfer *x, const struct mapping *n)
{
	return n->fresh && n->space == x->to && n->va >= x->dst && n->va < x->dst + (1UL << x->order);
}

/* Grant: m's new mappings take its place; what was derived from m moves under them. */
static void grant_move(const struct space_xfer *x, struct mapping *m)
{
	uint64_t dst = x->dst + (m->va - x->src);

	for (struct mdb_node *c = m->n.child, *next; c; c = next) {
		struct mapping *cm = (struct mapping *)c;
		next = c->next;
		if (made_by(x, cm)) {
			mdb_move(c, m->n.parent);
			continue;
		}
		uint64_t size;
		struct mapping *to = NULL;
		space_lookup(x->to, dst + (cm->pa - m->pa), &size, &to);
		kassert(to && made_by(x, to));
		mdb_move(c, &to->n);
		/* The new mapping may have fewer rights than m had: so may what hangs below it. */
		if (cm->rights & ~to->rights)
			revoke(cm, cm->rights & ~to->rights, NULL, NULL);
	}
	mdb_remove_tree(&m->n, gone, NULL, NULL, NULL); /* childless now */
}

void space_commit(const struct space_xfer *x)
{
	uint64_t hi = x->src + (1UL << x->order);
	struct chunk c;

	for (uint64_t a = x->src; a < hi; a += c.size) {
		long err = chunk_at(x, a, &c);
		kassert(!err);
		/* Re-mapped pages (not made now) get the new rights added. */
		uint64_t d = c.dst;
		int l;
		for (pte_t *p; (p = next_leaf(x->to, &d, c.dst + c.size, &l)); d += LEVEL_SIZE(l)) {
			struct mapping *m = *shadow_of(p);
			if (!m->fresh && (m->rights | c.rights) != m->rights)
				set_rights(m, m->rights | c.rights);
		}
		if (x->grant)
			grant_move(x, c.m);
	}
	uint64_t a = x->dst;
	int l;
	for (pte_t *p; (p = next_leaf(x->to, &a, x->dst + (1UL << x->order), &l)); a += LEVEL_SIZE(l))
		if (*shadow_of(p))
			(*shadow_of(p))->fresh = false;
}

void space_undo(const struct space_xfer *x)
{
	uint64_t a = x->dst;
	int l;

	for (pte_t *p; (p = next_leaf(x->to, &a, x->dst + (1UL << x->order), &l)); a += LEVEL_SIZE(l)) {
		struct mapping *m = *shadow_of(p);
		if (m && made_by(x, m))
			mdb_remove_tree(&m->n, gone, NULL, NULL, NULL);
	}
}

/* ---- checking ---- */

bool space_check_all(const struct space *s)
{
	uint64_t a = 0;
	int l;

	for (pte_t *p; (p = next_leaf(s, &a, L4_USER_END, &l)); a += LEVEL_SIZE(l)) {
		const struct mapping *m = *shadow_of(p);
		if (!(*p & PTE_U))
			return false;
		if (!m)
			continue;
		if (m->space != s || m->va != a || m->pa != pte_pa(*p) || m->order != 12 + 9 * l ||
		    m->rights != ((*p & PTE_RIGHTS) >> 1) || !m->rights || m->fresh)
			return false;
		const struct mapping *up = (const struct mapping *)m->n.parent;
		if (up && ((m->rights & ~up->rights) || m->pa < up->pa ||
			   m->pa + (1UL << m->order) > up->pa + (1UL << up->order)))
			return false;
	}
	return true;
}
