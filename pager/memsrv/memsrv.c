/*
 * memsrv.c - the memory server (l4/memsrv.h, l4/dataspace.h, docs/pagers.md):
 * sessions and dataspaces over memory taken from sigma0.
 *
 * Memory. The pool is 2 MiB chunks from sigma0 (L4_SIGMA0_ALLOC order 21),
 * chunk k mapped here at POOL_BASE + k * 2 MiB. Page p (a 32-bit number,
 * k * 512 + i) is at POOL_BASE + p * 4 KiB. Page 0 of each chunk holds the
 * reference counts of the chunk's pages (uint16_t each); pages 1..511 are
 * handed out. Free pages form a stack linked through their first word.
 * Chunks are kept once taken. Contiguous dataspaces are separate blocks
 * from sigma0 of their own size, mapped at CONTIG_BASE + physical address,
 * and given back to sigma0 when freed.
 *
 * Dataspaces. A dataspace of n pages has n page entries (page number, 0 =
 * not there yet): inline for n <= INLINE, in one table page for n <= 1024,
 * else a directory page of 1024 leaf page numbers, each leaf a page of
 * 1024 entries, made on first use.
 * A page's reference count is the number of dataspace entries naming it;
 * above 1 it is shared copy-on-write and mapped to nobody with W.
 *
 * Mappings. Everything handed out is mapped from this server's pool
 * mapping, so L4_TASK_UNMAP of a page here (not self) takes it from every
 * client that has it: used when a page leaves a dataspace (free, release,
 * a copy-on-write break) and, W only, when a page becomes shared (clone).
 *
 * Every request is decoded and checked against the caller's badge first;
 * a bad one gets an error label and changes nothing. The server calls only
 * sigma0 and the kernel, never a client, so no client can stall it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <l4/env.h>
#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/sys.h>
#include <l4/kobj.h>
#include <l4/mem.h>
#include <l4/memsrv.h>
#include <l4/serve.h>
#include <l4/sigma0.h>
#include <l4/stdio.h>
#include <l4/task.h>

#include "memsrv.h"

#define PAGE 4096UL
#define CHUNK_ORDER 21
#define CHUNK_PAGES 512U
#define MAX_CHUNKS 2048U                /* 4 GiB of pool */
#define POOL_BASE 0x100000000UL
#define CONTIG_BASE 0x1000000000UL      /* 2^36: the receive window for contiguous blocks */
#define CONTIG_WINDOW_ORDER 36
#define MAX_DS 4096U
#define MAX_SESSIONS 256U
#define INLINE 4U
#define LEAF 1024U                      /* entries per leaf page, leaves per directory */
#define REF_MAX 0xffffU
#define MINT_SLOT L4_ENV_CAP_FIRST_FREE /* a capability being handed out */

struct ds {
	bool used;
	bool contig;
	uint8_t flags;                  /* L4_DS_F_* */
	uint16_t session;
	uint16_t snext, sprev;          /* the session's list of dataspaces (index + 1, 0 = none) */
	uint32_t gen;
	uint64_t npages;
	uint64_t resident;              /* pages referenced */
	uint64_t meta;                  /* directory and leaf pages */
	union {
		uint32_t inl[INLINE];
		uint32_t dir;           /* npages > INLINE: the table (<= LEAF) or directory page */
	};
	uint64_t pa;                    /* contiguous: physical address, 2^order bytes */
	unsigned order;
};

struct session {
	bool used;
	uint8_t depth;
	uint16_t parent;
	uint16_t child, sibling;        /* first sub-session, next sibling (index + 1) */
	uint16_t first_ds;              /* index + 1 */
	uint32_t gen;
	uint64_t limit, charged;        /* pages, with the sub-sessions' */
	uint32_t objects, max_objects;  /* dataspaces and sub-sessions, with the sub-sessions' */
};

static uint64_t sigma0_ep, ep;
static struct l4_utcb *utcb;
static uint64_t chunk_pa[MAX_CHUNKS];
static unsigned nchunks;
static uint64_t pool_pages, pool_free;
static uint32_t free_head;              /* a free page, 0 = none (page 0 is never handed out) */
static struct ds dss[MAX_DS];
static struct session sessions[MAX_SESSIONS];
static unsigned nds, nsessions;

/* ---- pages ---- */

static uint64_t page_va(uint32_t p)
{
	return POOL_BASE + (uint64_t)p * PAGE;
}

static uint16_t *refs(uint32_t p)
{
	return (uint16_t *)page_va(p & ~(CHUNK_PAGES - 1)) + (p & (CHUNK_PAGES - 1));
}

static void page_zero(uint32_t p)
{
	uint64_t *d = (uint64_t *)page_va(p);

	for (unsigned i = 0; i < PAGE / 8; i += 8) {
		d[i] = 0; d[i + 1] = 0; d[i + 2] = 0; d[i + 3] = 0;
		d[i + 4] = 0; d[i + 5] = 0; d[i + 6] = 0; d[i + 7] = 0;
	}
}

static void page_copy(uint32_t to, uint32_t from)
{
	uint64_t *d = (uint64_t *)page_va(to);
	const uint64_t *s = (const uint64_t *)page_va(from);

	for (unsigned i = 0; i < PAGE / 8; i += 4) {
		d[i] = s[i]; d[i + 1] = s[i + 1]; d[i + 2] = s[i + 2]; d[i + 3] = s[i + 3];
	}
}

/* Take another 2 MiB chunk from sigma0. */
static bool pool_grow(void)
{
	if (nchunks == MAX_CHUNKS)
		return false;
	uint64_t va = POOL_BASE + (uint64_t)nchunks * (CHUNK_PAGES * PAGE);
	long pa = l4_sigma0_call(sigma0_ep, utcb, l4_fpage(va, CHUNK_ORDER, 0), L4_SIGMA0_ALLOC, 2, CHUNK_ORDER,
				 L4_FP_RWX, 0, 0);
	if (pa <= 0)
		return false;
	chunk_pa[nchunks] = (uint64_t)pa;
	uint32_t first = nchunks * CHUNK_PAGES;
	nchunks++;
	page_zero(first);               /* the reference counts */
	for (uint32_t p = first + CHUNK_PAGES - 1; p > first; p--) {
		*(uint64_t *)page_va(p) = free_head;
		free_head = p;
	}
	pool_pages += CHUNK_PAGES - 1;
	pool_free += CHUNK_PAGES - 1;
	return true;
}

/* A page with reference count 1, or 0: a copy of page `from`, or zeroed (from = 0). */
static uint32_t page_alloc_from(uint32_t from)
{
	if (!free_head && !pool_grow())
		return 0;
	uint32_t p = free_head;
	free_head = (uint32_t)*(uint64_t *)page_va(p);
	pool_free--;
	*refs(p) = 1;
	if (from)
		page_copy(p, from);
	else
		page_zero(p);
	return p;
}

static uint32_t page_alloc(void)
{
	return page_alloc_from(0);
}

/* Take page p from every client that has it (this server keeps it). */
static void page_revoke(uint32_t p, unsigned rights)
{
	l4_task_unmap(L4_ENV_CAP_TASK, l4_fpage(page_va(p), 12, rights), 0);
}

static void page_unref(uint32_t p)
{
	if (--*refs(p))
		return;
	*(uint64_t *)page_va(p) = free_head;
	free_head = p;
	pool_free++;
}

/* ---- sessions ---- */

static struct session *session_at(unsigned i)
{
	return &sessions[i];
}

static long charge(unsigned s, uint64_t n)
{
	for (unsigned t = s;; t = sessions[t].parent) {
		if (sessions[t].charged + n > sessions[t].limit || sessions[t].charged + n < n)
			return -L4_ENOMEM;
		if (!t)
			break;
	}
	for (unsigned t = s;; t = sessions[t].parent) {
		sessions[t].charged += n;
		if (!t)
			break;
	}
	return 0;
}

static void uncharge(unsigned s, uint64_t n)
{
	for (unsigned t = s;; t = sessions[t].parent) {
		sessions[t].charged -= n;
		if (!t)
			break;
	}
}

/* One object more (a dataspace or a sub-session) for s and its ancestors:
 * 0, or ENOMEM if one of them has its limit. */
static long charge_obj(unsigned s)
{
	for (unsigned t = s;; t = sessions[t].parent) {
		if (sessions[t].objects >= sessions[t].max_objects)
			return -L4_ENOMEM;
		if (!t)
			break;
	}
	for (unsigned t = s;; t = sessions[t].parent) {
		sessions[t].objects++;
		if (!t)
			break;
	}
	return 0;
}

static void uncharge_obj(unsigned s)
{
	for (unsigned t = s;; t = sessions[t].parent) {
		sessions[t].objects--;
		if (!t)
			break;
	}
}

/* ---- dataspace page entries ---- */

/* The entry of page i of d; with create, a missing leaf is made (charged;
 * *err = ENOMEM if it cannot be), else NULL when the leaf is not there. */
static uint32_t *entry(struct ds *d, uint64_t i, bool create, long *err)
{
	if (d->npages <= INLINE)
		return &d->inl[i];
	if (d->npages <= LEAF)
		return (uint32_t *)page_va(d->dir) + i;
	uint32_t *dir = (uint32_t *)page_va(d->dir);
	uint32_t leaf = dir[i / LEAF];
	if (!leaf) {
		if (!create)
			return NULL;
		if (charge(d->session, 1)) {
			*err = -L4_ENOMEM;
			return NULL;
		}
		if (!(leaf = page_alloc())) {
			uncharge(d->session, 1);
			*err = -L4_ENOMEM;
			return NULL;
		}
		dir[i / LEAF] = leaf;
		d->meta++;
	}
	return (uint32_t *)page_va(leaf) + i % LEAF;
}

/* Call fn(d, i, entry, arg) for every page i in [lo, hi) of d that is there. */
static void for_each_page(struct ds *d, uint64_t lo, uint64_t hi,
			  void (*fn)(struct ds *, uint64_t, uint32_t *, void *), void *arg)
{
	if (d->npages <= LEAF) {
		uint32_t *t = d->npages <= INLINE ? d->inl : (uint32_t *)page_va(d->dir);
		for (uint64_t i = lo; i < hi; i++)
			if (t[i])
				fn(d, i, &t[i], arg);
		return;
	}
	const uint32_t *dir = (const uint32_t *)page_va(d->dir);
	for (uint64_t j = lo / LEAF; j * LEAF < hi; j++) {
		if (!dir[j])
			continue;
		uint32_t *leaf = (uint32_t *)page_va(dir[j]);
		uint64_t a = j * LEAF > lo ? j * LEAF : lo, b = (j + 1) * LEAF < hi ? (j + 1) * LEAF : hi;
		for (uint64_t i = a; i < b; i++)
			if (leaf[i % LEAF])
				fn(d, i, &leaf[i % LEAF], arg);
	}
}

static void drop_page(struct ds *d, uint64_t i, uint32_t *e, void *arg)
{
	(void)i;
	(void)arg;
	page_revoke(*e, L4_FP_RWX);
	page_unref(*e);
	*e = 0;
	d->resident--;
	uncharge(d->session, 1);
}

/* ---- dataspaces ---- */

static unsigned ds_index(const struct ds *d)
{
	return (unsigned)(d - dss);
}

/* A new dataspace of s with npages entries (a directory page too when
 * table and npages > INLINE), or NULL. */
static struct ds *ds_new(unsigned s, uint64_t npages, bool table)
{
	if (charge_obj(s))
		return NULL;
	for (unsigned i = 0; i < MAX_DS; i++) {
		struct ds *d = &dss[i];
		if (d->used)
			continue;
		uint32_t gen = d->gen;
		*d = (struct ds){ .used = true, .session = (uint16_t)s, .gen = gen, .npages = npages };
		if (table && npages > INLINE) {
			if (charge(s, 1))
				goto fail;
			if (!(d->dir = page_alloc())) {
				uncharge(s, 1);
				goto fail;
			}
			d->meta = 1;
		}
		/* Into the session's list. */
		struct session *ss = session_at(s);
		d->snext = ss->first_ds;
		if (ss->first_ds)
			dss[ss->first_ds - 1].sprev = (uint16_t)(i + 1);
		ss->first_ds = (uint16_t)(i + 1);
		nds++;
		return d;
fail:
		d->used = false;
		uncharge_obj(s);
		return NULL;
	}
	uncharge_obj(s);
	return NULL;
}

static void ds_free(struct ds *d)
{
	if (d->contig) {
		if (d->pa)
			l4_sigma0_call(sigma0_ep, utcb, 0, L4_SIGMA0_FREE, 2, d->pa, d->order, 0, 0);
		uncharge(d->session, d->resident);
	} else {
		for_each_page(d, 0, d->npages, drop_page, 0);
		if (d->npages > LEAF) {
			uint32_t *dir = (uint32_t *)page_va(d->dir);
			for (unsigned j = 0; j < LEAF; j++)
				if (dir[j])
					page_unref(dir[j]);
		}
		if (d->npages > INLINE)
			page_unref(d->dir);
		uncharge(d->session, d->meta);
	}
	struct session *ss = session_at(d->session);
	if (d->sprev)
		dss[d->sprev - 1].snext = d->snext;
	else
		ss->first_ds = d->snext;
	if (d->snext)
		dss[d->snext - 1].sprev = d->sprev;
	d->used = false;
	d->gen = (d->gen + 1) & 0xfffff;
	nds--;
	uncharge_obj(d->session);
}

/* The dataspace a badge names, or NULL (*err: EBADCAP unknown or stale, ETYPE a session). */
static struct ds *ds_of(uint64_t badge, unsigned *rights, long *err)
{
	*err = -L4_EBADCAP;
	if (badge >> 44)
		return NULL;
	if (L4_MEM_BADGE_KIND(badge) != L4_MEM_KIND_DS) {
		if (L4_MEM_BADGE_KIND(badge) == L4_MEM_KIND_SESSION)
			*err = -L4_ETYPE;
		return NULL;
	}
	uint64_t i = L4_MEM_BADGE_IDX(badge);
	if (i >= MAX_DS || !dss[i].used || dss[i].gen != L4_MEM_BADGE_GEN(badge))
		return NULL;
	*rights = L4_MEM_BADGE_RIGHTS(badge);
	return &dss[i];
}

static long session_of(uint64_t badge, long *err)
{
	*err = -L4_EBADCAP;
	if (badge >> 44)
		return -1;
	if (L4_MEM_BADGE_KIND(badge) != L4_MEM_KIND_SESSION) {
		if (L4_MEM_BADGE_KIND(badge) == L4_MEM_KIND_DS)
			*err = -L4_ETYPE;
		return -1;
	}
	uint64_t i = L4_MEM_BADGE_IDX(badge);
	if (i >= MAX_SESSIONS || !sessions[i].used || sessions[i].gen != L4_MEM_BADGE_GEN(badge) ||
	    L4_MEM_BADGE_RIGHTS(badge))
		return -1;
	return (long)i;
}

static void session_close(unsigned s)
{
	struct session *ss = session_at(s);

	while (ss->child)
		session_close(ss->child - 1U);
	while (ss->first_ds)
		ds_free(&dss[ss->first_ds - 1]);
	/* Out of the parent's list of children. */
	struct session *p = session_at(ss->parent);
	if (p->child == s + 1)
		p->child = ss->sibling;
	else
		for (unsigned c = p->child; c; c = sessions[c - 1].sibling)
			if (sessions[c - 1].sibling == s + 1) {
				sessions[c - 1].sibling = ss->sibling;
				break;
			}
	ss->used = false;
	ss->gen = (ss->gen + 1) & 0xfffff;
	nsessions--;
	uncharge_obj(ss->parent);
}

/* ---- requests ---- */

/* What a request turns into. */
struct answer {
	long err;
	unsigned nwords;
	uint64_t w[6];
	bool map;                       /* a memory item: the page at map_va with map_rights */
	uint64_t map_va;
	unsigned map_rights;
	bool cap;                       /* a capability item: the endpoint with badge cap_badge */
	uint64_t cap_badge;
	struct ds *undo_ds;             /* if the reply fails: free this dataspace ... */
	long undo_session;              /* ... or close this session (-1: none) */
};

static bool rights_ok(uint64_t r)
{
	return !(r & ~(uint64_t)L4_FP_RWX) && (r & (L4_FP_R | L4_FP_W)) != L4_FP_W;
}

static void do_map(struct answer *a, struct ds *d, unsigned rights, const struct l4_msg *m)
{
	uint64_t off = m->mr[0], want = m->mr[1], acc = m->mr[2];

	if (!rights_ok(want) || (acc & ~want) || !want) {
		a->err = -L4_EINVAL;
		return;
	}
	if (off >= d->npages * PAGE) {
		a->err = -L4_ERANGE;
		return;
	}
	unsigned max = (unsigned)want & rights & L4_FP_RWX;
	if ((max & (L4_FP_R | L4_FP_W)) == L4_FP_W)
		max &= ~L4_FP_W;
	if ((acc & ~max) || !max) {
		a->err = -L4_EPERM;
		return;
	}
	uint64_t i = off / PAGE;
	a->map = true;
	a->map_rights = max;
	if (d->contig) {
		a->map_va = CONTIG_BASE + d->pa + i * PAGE;
		return;
	}
	long err = 0;
	uint32_t *e = entry(d, i, true, &err), p;
	if (!e) {
		a->map = false;
		a->err = err;
		return;
	}
	p = *e;
	if (!p) {
		/* First touch: a zero page. */
		if (charge(d->session, 1)) {
			a->map = false;
			a->err = -L4_ENOMEM;
			return;
		}
		if (!(p = page_alloc())) {
			uncharge(d->session, 1);
			a->map = false;
			a->err = -L4_ENOMEM;
			return;
		}
		*e = p;
		d->resident++;
	} else if (*refs(p) > 1) {
		if (acc & L4_FP_W) {
			/* Copy-on-write: a private copy for this dataspace; everyone
			 * loses the shared page and gets the right one on the next fault. */
			uint32_t q = page_alloc_from(p);
			if (!q) {
				a->map = false;
				a->err = -L4_ENOMEM;
				return;
			}
			*e = q;
			page_revoke(p, L4_FP_RWX);
			page_unref(p);
			p = q;
		} else {
			a->map_rights &= ~L4_FP_W;
		}
	}
	a->map_va = page_va(p);
}

struct clone_ctx {
	struct ds *to;
	long err;
};

static void clone_page(struct ds *d, uint64_t i, uint32_t *e, void *arg)
{
	struct clone_ctx *c = arg;
	uint32_t p = *e;

	(void)d;
	if (c->err)
		return;
	uint32_t *ne = entry(c->to, i, true, &c->err);
	if (!ne)
		return;
	if (*refs(p) == REF_MAX) {
		uint32_t q = page_alloc_from(p);
		if (!q) {
			c->err = -L4_ENOMEM;
			return;
		}
		p = q;
	} else if (++*refs(p) == 2) {
		page_revoke(p, L4_FP_W);        /* shared from now on: nobody writes it */
	}
	*ne = p;
	c->to->resident++;
}

static void do_clone(struct answer *a, struct ds *d, unsigned rights)
{
	if (!(rights & L4_DS_ADMIN)) {
		a->err = -L4_EPERM;
		return;
	}
	if (d->contig) {
		a->err = -L4_EINVAL;
		return;
	}
	if (charge(d->session, d->resident)) {
		a->err = -L4_ENOMEM;
		return;
	}
	struct ds *n = ds_new(d->session, d->npages, true);
	if (!n) {
		uncharge(d->session, d->resident);
		a->err = -L4_ENOMEM;
		return;
	}
	n->flags = L4_DS_F_ANON | L4_DS_F_CLONE;
	struct clone_ctx c = { n, 0 };
	uint64_t want = d->resident;
	for_each_page(d, 0, d->npages, clone_page, &c);
	/* The clone's pages were charged above; ds_free uncharges what it holds. */
	uncharge(d->session, want - n->resident);
	if (c.err) {
		ds_free(n);
		a->err = c.err;
		return;
	}
	a->cap = true;
	a->cap_badge = L4_MEM_BADGE(L4_MEM_KIND_DS, L4_DS_ALL, n->gen, ds_index(n));
	a->undo_ds = n;
}

static void do_release(struct answer *a, struct ds *d, unsigned rights, const struct l4_msg *m)
{
	uint64_t off = m->mr[0], size = m->mr[1];

	if (!(rights & L4_DS_W)) {
		a->err = -L4_EPERM;
		return;
	}
	if (d->contig || (off | size) & (PAGE - 1) || !size) {
		a->err = -L4_EINVAL;
		return;
	}
	if (off + size < off || off + size > d->npages * PAGE) {
		a->err = -L4_ERANGE;
		return;
	}
	for_each_page(d, off / PAGE, (off + size) / PAGE, drop_page, 0);
}

static void do_alloc(struct answer *a, unsigned s, const struct l4_msg *m)
{
	uint64_t size = m->mr[0], flags = m->mr[1];

	if (!size || size > L4_MEM_DS_MAX || (flags & ~L4_MEM_CONTIG)) {
		a->err = -L4_EINVAL;
		return;
	}
	if (flags & L4_MEM_CONTIG) {
		unsigned order = 12;
		while ((1UL << order) < size)
			order++;
		if (order > L4_MEM_CONTIG_MAX_ORDER) {
			a->err = -L4_EINVAL;
			return;
		}
		if (charge(s, 1UL << (order - 12))) {
			a->err = -L4_ENOMEM;
			return;
		}
		struct ds *d = ds_new(s, 1UL << (order - 12), false);
		long pa = -L4_ENOMEM;
		if (d) {
			d->contig = true;
			d->order = order;
			pa = l4_sigma0_call(sigma0_ep, utcb, l4_fpage(CONTIG_BASE, CONTIG_WINDOW_ORDER, 0),
					    L4_SIGMA0_ALLOC, 2, order, L4_FP_RWX, 0, 0);
			if (pa > 0 && (uint64_t)pa >> CONTIG_WINDOW_ORDER) {
				/* Beyond the window: it landed elsewhere; not usable here. */
				l4_sigma0_call(sigma0_ep, utcb, 0, L4_SIGMA0_FREE, 2, (uint64_t)pa, order, 0, 0);
				pa = -L4_ENOMEM;
			}
		}
		if (pa <= 0) {
			if (d)
				ds_free(d);
			uncharge(s, 1UL << (order - 12));
			a->err = -L4_ENOMEM;
			return;
		}
		d->flags = L4_DS_F_CONTIG;
		d->pa = (uint64_t)pa;
		d->resident = d->npages;
		uint64_t *z = (uint64_t *)(CONTIG_BASE + (uint64_t)pa);
		for (uint64_t i = 0; i < (1UL << order) / 8; i++)
			z[i] = 0;
		a->w[0] = 1UL << order;
		a->w[1] = (uint64_t)pa;
		a->undo_ds = d;
	} else {
		struct ds *d = ds_new(s, (size + PAGE - 1) / PAGE, true);
		if (!d) {
			a->err = -L4_ENOMEM;
			return;
		}
		d->flags = L4_DS_F_ANON;
		a->w[0] = d->npages * PAGE;
		a->w[1] = 0;
		a->undo_ds = d;
	}
	a->nwords = 2;
	a->cap = true;
	a->cap_badge = L4_MEM_BADGE(L4_MEM_KIND_DS, L4_DS_ALL, a->undo_ds->gen, ds_index(a->undo_ds));
}

static void do_session(struct answer *a, unsigned s, unsigned words, const struct l4_msg *m)
{
	uint64_t limit = m->mr[0], objects = words >= 2 && m->mr[1] ? m->mr[1] : L4_MEM_DEFAULT_OBJECTS;

	if (!limit || objects > 0xffffffffUL) {
		a->err = -L4_EINVAL;
		return;
	}
	if (sessions[s].depth >= L4_MEM_SESSION_DEPTH || charge_obj(s)) {
		a->err = -L4_ENOMEM;
		return;
	}
	for (unsigned i = 1; i < MAX_SESSIONS; i++) {
		struct session *n = &sessions[i];
		if (n->used)
			continue;
		uint32_t gen = n->gen;
		*n = (struct session){ .used = true, .depth = (uint8_t)(sessions[s].depth + 1), .parent = (uint16_t)s,
				       .sibling = sessions[s].child, .gen = gen, .limit = limit,
				       .max_objects = (uint32_t)objects };
		sessions[s].child = (uint16_t)(i + 1);
		nsessions++;
		a->cap = true;
		a->cap_badge = L4_MEM_BADGE(L4_MEM_KIND_SESSION, 0, gen, i);
		a->undo_session = (long)i;
		return;
	}
	uncharge_obj(s);
	a->err = -L4_ENOMEM;
}

/* The answer to one request, into *a-> */
static void handle(uint64_t tag, const struct l4_msg *m, struct answer *a)
{
	*a = (struct answer){ .undo_session = -1 };
	uint64_t label = l4_tag_label(tag), badge = m->badge;
	unsigned words = l4_tag_words(tag), rights = 0;
	long err;

	if (l4_tag_items(tag) || (tag & L4_TAG_FLAGS_MASK)) {
		a->err = -L4_EINVAL;
		return;
	}
	switch (label) {
	case L4_DS_MAP: case L4_DS_INFO: case L4_DS_RELEASE: case L4_DS_CLONE: case L4_DS_RESTRICT: case L4_DS_FREE: {
		static const unsigned need[] = { 3, 0, 2, 0, 1, 0 };
		struct ds *d = ds_of(badge, &rights, &err);
		if (!d) {
			a->err = err;
			return;
		}
		if (words < need[label - L4_DS_MAP]) {
			a->err = -L4_EINVAL;
			return;
		}
		switch (label) {
		case L4_DS_MAP:
			do_map(a, d, rights, m);
			break;
		case L4_DS_INFO:
			a->nwords = 5;
			a->w[0] = d->npages * PAGE;
			a->w[1] = d->flags;
			a->w[2] = rights;
			a->w[3] = d->contig ? d->pa : 0;
			a->w[4] = d->resident;
			break;
		case L4_DS_RELEASE:
			do_release(a, d, rights, m);
			break;
		case L4_DS_CLONE:
			do_clone(a, d, rights);
			break;
		case L4_DS_RESTRICT:
			if (m->mr[0] & ~(uint64_t)L4_DS_ALL) {
				a->err = -L4_EINVAL;
				break;
			}
			a->cap = true;
			a->cap_badge = L4_MEM_BADGE(L4_MEM_KIND_DS, rights & m->mr[0], d->gen, ds_index(d));
			break;
		case L4_DS_FREE:
			if (!(rights & L4_DS_ADMIN))
				a->err = -L4_EPERM;
			else
				ds_free(d);
			break;
		}
		return;
	}
	case L4_MEM_ALLOC: case L4_MEM_SESSION: case L4_MEM_CLOSE: case L4_MEM_STATS: {
		static const unsigned need[] = { 2, 1, 0, 0 };
		long s = session_of(badge, &err);
		if (s < 0) {
			a->err = err;
			return;
		}
		if (words < need[label - L4_MEM_ALLOC]) {
			a->err = -L4_EINVAL;
			return;
		}
		switch (label) {
		case L4_MEM_ALLOC:
			do_alloc(a, (unsigned)s, m);
			break;
		case L4_MEM_SESSION:
			do_session(a, (unsigned)s, words, m);
			break;
		case L4_MEM_CLOSE:
			if (!s)
				a->err = -L4_EPERM;
			else
				session_close((unsigned)s);
			break;
		case L4_MEM_STATS:
			a->nwords = 6;
			a->w[0] = pool_pages;
			a->w[1] = pool_free;
			a->w[2] = nds;
			a->w[3] = nsessions;
			a->w[4] = sessions[s].charged;
			a->w[5] = sessions[s].limit;
			break;
		}
		return;
	}
	default:
		a->err = -L4_ENOSYS;
		return;
	}
}

static void undo(const struct answer *a)
{
	if (a->undo_ds && a->undo_ds->used)
		ds_free(a->undo_ds);
	if (a->undo_session >= 0 && sessions[a->undo_session].used)
		session_close((unsigned)a->undo_session);
}

void memsrv_init(uint64_t sigma0, uint64_t endpoint, struct l4_utcb *u)
{
	sigma0_ep = sigma0;
	ep = endpoint;
	utcb = u;
	sessions[0] = (struct session){ .used = true, .limit = ~0UL, .max_objects = ~0U };
	nsessions = 1;
}


/* The answer being sent: l4_serve's undo and after need it. */
static struct answer last;

static uint64_t reply(struct l4_server *s, uint64_t tag, struct l4_msg *m)
{
	(void)s;
	handle(tag, m, &last);
	if (last.err)
		return l4_server_error(last.err);
	unsigned n = last.nwords;
	for (unsigned i = 0; i < n; i++)
		m->mr[i] = last.w[i];
	if (last.map) {
		m->mr[0] = last.map_rights;
		m->mr[1] = l4_item_mem(0, 0);
		m->mr[2] = l4_fpage(last.map_va, 12, last.map_rights);
		return l4_tag(0, 1, 1);
	}
	if (last.cap) {
		long r = l4_task_cap_copy(L4_ENV_CAP_TASK, ep, MINT_SLOT, L4_RIGHT_W, last.cap_badge);
		if (r) {
			undo(&last);
			last.cap = false;
			return l4_server_error(r);
		}
		m->mr[n] = l4_item_cap(L4_RIGHT_W, 1);
		m->mr[n + 1] = MINT_SLOT;
		return l4_tag(0, n, 1);
	}
	return l4_tag(0, n, 0);
}

static void reply_failed(struct l4_server *s)
{
	(void)s;
	undo(&last);
}

/* The minted capability was granted (moved) by a good reply; after a failed
 * one it is still here. */
static void after(struct l4_server *s)
{
	(void)s;
	if (last.cap)
		l4_task_cap_delete(L4_ENV_CAP_TASK, MINT_SLOT);
}

long memsrv_serve(void)
{
	struct l4_server srv = { .ep = ep, .handle = reply, .undo = reply_failed, .after = after, .name = "memsrv" };

	utcb->rcv_caps = 0;
	utcb->rcv_mem = 0;
	return l4_serve(&srv);
}
