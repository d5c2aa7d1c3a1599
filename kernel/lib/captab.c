/* captab.c - capability slots, the per-object lists of them and their derivation trees (captab.h). */
#include "captab.h"
#include "kassert.h"

#include <l4/kobj.h>

static struct cap *cap_of(const struct mdb_node *n)
{
	return n ? (struct cap *)((uintptr_t)n - offsetof(struct cap, mdb)) : NULL;
}

void obj_init(struct obj *o, unsigned type)
{
	o->caps.first = NULL;
	o->ncaps = 0;
	o->type = (uint8_t)type;
	o->dying = false;
}

void cap_insert(struct cap *c, struct obj *o, unsigned rights, uint64_t badge)
{
	kassert(!c->objr && o && ((uintptr_t)o & CAP_LOW_MASK) == 0 && rights <= CAP_RIGHTS_MASK);
	/* CAP_EP for an endpoint, CAP_NTF for a notification (the next type, the next bit) */
	unsigned k = (unsigned)o->type - L4_OBJ_ENDPOINT;
	_Static_assert(L4_OBJ_NOTIFICATION == L4_OBJ_ENDPOINT + 1 && CAP_NTF == CAP_EP << 1, "k");

	c->objr = (uintptr_t)o | (k < 2 ? CAP_EP << k : 0) | rights;
	c->badge = badge;
	dlist_push(&o->caps, &c->link);
	o->ncaps++;
	mdb_init(&c->mdb);
}

void cap_derive(struct cap *dst, struct cap *src, unsigned rights, uint64_t badge)
{
	kassert(src->objr && !(rights & ~cap_rights(src)));
	cap_insert(dst, cap_obj(src), rights, badge);
	mdb_add_child(&src->mdb, &dst->mdb);
}

/* Off its object's list and zeroed; the derivation links are the caller's. */
static void unlist(struct cap *c)
{
	struct obj *o = cap_obj(c);

	kassert(o && o->ncaps > 0);
	dlist_remove(&o->caps, &c->link);
	o->ncaps--;
	c->objr = 0;
	c->badge = 0;
}

void cap_remove(struct cap *c)
{
	mdb_lift(&c->mdb);
	unlist(c);
}

void cap_move(struct cap *dst, struct cap *src)
{
	struct obj *o = cap_obj(src);

	kassert(!dst->objr);
	cap_insert(dst, o, cap_rights(src), src->badge);
	mdb_replace(&src->mdb, &dst->mdb);
	unlist(src);
}

/* mdb_walk_post's callbacks for taking rights `*take` (arg). */
static bool has_take(const struct mdb_node *n, void *take)
{
	return cap_of(n)->objr & *(unsigned *)take;
}

static void drop_take(struct mdb_node *n, void *take)
{
	cap_of(n)->objr &= ~(uintptr_t)*(unsigned *)take;
}

/*
 * Take the rights `take` from everything derived from c, and with `self`
 * from c too. Post-order (mdb_walk_post): a node loses its rights after
 * everything below it, so at any stop each node without them has its whole
 * subtree done (rights never grow along a derivation). No links change.
 */
static bool restrict_tree(struct cap *c, unsigned take, bool self, bool (*stop)(void), struct mdb_cursor *resume)
{
	return mdb_walk_post(&c->mdb, self, has_take, drop_take, &take, stop, resume);
}

void cap_restrict(struct cap *c, unsigned rights)
{
	restrict_tree(c, rights & CAP_RIGHTS_MASK, true, NULL, NULL);
}

static void gone(struct mdb_node *n, void *arg)
{
	unlist(cap_of(n));
}

bool cap_revoke(struct cap *c, unsigned rights, bool self, bool (*stop)(void), struct mdb_cursor *resume)
{
	rights &= CAP_RIGHTS_MASK;
	if (rights != CAP_RIGHTS_MASK)
		return restrict_tree(c, rights, self, stop, resume);
	if (self)
		return mdb_remove_tree(&c->mdb, gone, NULL, stop, resume);
	for (struct mdb_node *ch; (ch = c->mdb.child);) {
		if (!mdb_remove_tree(ch, gone, NULL, stop, resume))
			return false;
		if (c->mdb.child && stop && stop())
			return false;
	}
	return true;
}

bool obj_revoke(struct obj *o, bool (*stop)(void), struct mdb_cursor *resume)
{
	/* Whole trees (a tree names one object), each properly unlinked, so
	 * that the trees left after a stop are well-formed. */
	for (struct cap *c; (c = dlist_first(&o->caps, struct cap, link));) {
		if (!mdb_remove_tree(&c->mdb, gone, NULL, stop, resume))
			return false;
		if (o->caps.first && stop && stop())
			return false;
	}
	return true;
}

bool captab_clear(struct captab *t, uint32_t *pos, bool (*stop)(void), struct mdb_cursor *resume)
{
	for (; *pos < t->nslots; ++*pos) {
		if (!t->slot[*pos].objr)
			continue;
		if (!cap_revoke(&t->slot[*pos], CAP_RIGHTS_MASK, true, stop, resume))
			return false;
		if (stop && stop()) {
			++*pos;
			return false;
		}
	}
	return true;
}

bool captab_check(const struct captab *t)
{
	if (t->nslots == 0 || (t->nslots & (t->nslots - 1)))
		return false;
	for (uint32_t i = 0; i < t->nslots; i++) {
		const struct cap *c = &t->slot[i];
		if (!c->objr) {
			if (c->badge || c->link.next || c->link.prev || c->mdb.parent || c->mdb.child || c->mdb.next || c->mdb.prev)
				return false;
			continue;
		}
		if (i == 0)
			return false;
		const struct obj *o = cap_obj(c);
		if (!(c->objr & CAP_EP) != (o->type != L4_OBJ_ENDPOINT) ||
		    !(c->objr & CAP_NTF) != (o->type != L4_OBJ_NOTIFICATION) ||
		    (c->objr & CAP_LOW_MASK & ~CAP_EP & ~CAP_NTF & ~CAP_RIGHTS_MASK))
			return false;
		const struct cap *lp = dlist_entry(c->link.prev, struct cap, link);
		const struct cap *ln = dlist_entry(c->link.next, struct cap, link);
		if (lp ? lp->link.next != &c->link || cap_obj(lp) != o : o->caps.first != &c->link)
			return false;
		if (ln && (ln->link.prev != &c->link || cap_obj(ln) != o))
			return false;
		/* Derivation: the parent names the same object with at least these
		 * rights; links as mdb_check wants them. */
		const struct cap *p = cap_of(c->mdb.parent);
		if (p && (!p->objr || cap_obj(p) != o || (cap_rights(c) & ~cap_rights(p))))
			return false;
		if (c->mdb.prev ? c->mdb.prev->next != &c->mdb || c->mdb.prev->parent != c->mdb.parent
				: p ? p->mdb.child != &c->mdb : c->mdb.next != NULL)
			return false;
		if (c->mdb.next && (c->mdb.next->prev != &c->mdb || c->mdb.next->parent != c->mdb.parent))
			return false;
		if (c->mdb.child && (c->mdb.child->parent != &c->mdb || c->mdb.child->prev))
			return false;
	}
	return true;
}

bool obj_check(const struct obj *o)
{
	uint32_t n = 0;
	const struct cap *prev = NULL;

	for (const struct cap *c = dlist_first(&o->caps, struct cap, link); c; prev = c, c = dlist_next(c, link)) {
		if (cap_obj(c) != o || c->link.prev != (prev ? &prev->link : NULL) || ++n > o->ncaps)
			return false;
	}
	return n == o->ncaps;
}
