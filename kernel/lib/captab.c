/* captab.c - capability slots, the per-object lists of them and their derivation trees (captab.h). */
#include "captab.h"
#include "kassert.h"

#include <l4/kobj.h>

static struct cap *cap_of(const struct mdb_node *n)
{
	return n ? (struct cap *)((uintptr_t)n - offsetof(struct cap, mdb)) : NULL;
}

void kobj_init(struct kobj *o, unsigned type)
{
	o->caps = NULL;
	o->ncaps = 0;
	o->type = (uint8_t)type;
}

void cap_insert(struct cap *c, struct kobj *o, unsigned rights, uint64_t badge)
{
	kassert(!c->objr && o && ((uintptr_t)o & CAP_LOW_MASK) == 0 && rights <= CAP_RIGHTS_MASK);
	c->objr = (uintptr_t)o | (o->type == L4_OBJ_ENDPOINT ? CAP_EP : 0) | rights;
	c->badge = badge;
	c->prev = NULL;
	c->next = o->caps;
	if (c->next)
		c->next->prev = c;
	o->caps = c;
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
	struct kobj *o = cap_obj(c);

	kassert(o && o->ncaps > 0);
	if (c->prev)
		c->prev->next = c->next;
	else
		o->caps = c->next;
	if (c->next)
		c->next->prev = c->prev;
	o->ncaps--;
	c->objr = 0;
	c->badge = 0;
	c->next = c->prev = NULL;
}

void cap_remove(struct cap *c)
{
	mdb_lift(&c->mdb);
	unlist(c);
}

void cap_move(struct cap *dst, struct cap *src)
{
	struct kobj *o = cap_obj(src);

	kassert(!dst->objr);
	cap_insert(dst, o, cap_rights(src), src->badge);
	mdb_replace(&src->mdb, &dst->mdb);
	unlist(src);
}

/* The pre-order walk of c's subtree from (and including) c: each node's rights &= keep. */
static void restrict_tree(struct cap *c, unsigned keep)
{
	for (struct mdb_node *n = &c->mdb; n; n = mdb_next_in(&c->mdb, n))
		cap_of(n)->objr &= ~(uintptr_t)CAP_RIGHTS_MASK | keep;
}

void cap_restrict(struct cap *c, unsigned rights)
{
	restrict_tree(c, ~rights & CAP_RIGHTS_MASK);
}

static void gone(struct mdb_node *n, void *arg)
{
	unlist(cap_of(n));
}

void cap_revoke(struct cap *c, unsigned rights, bool self)
{
	rights &= CAP_RIGHTS_MASK;
	if (rights != CAP_RIGHTS_MASK) {
		for (struct mdb_node *n = c->mdb.child; n; n = n->next)
			cap_restrict(cap_of(n), rights);
		if (self)
			c->objr &= ~(uintptr_t)rights;
		return;
	}
	if (self) {
		mdb_remove_tree(&c->mdb, gone, NULL);
		return;
	}
	while (c->mdb.child)
		mdb_remove_tree(c->mdb.child, gone, NULL);
}

void kobj_revoke(struct kobj *o)
{
	/* Every slot of every tree goes (a tree names one object): no relinking. */
	while (o->caps) {
		struct cap *c = o->caps;
		mdb_init(&c->mdb);
		unlist(c);
	}
}

void captab_clear(struct captab *t)
{
	for (uint32_t i = 0; i < t->nslots; i++)
		if (t->slot[i].objr)
			cap_revoke(&t->slot[i], CAP_RIGHTS_MASK, true);
}

bool captab_check(const struct captab *t)
{
	if (t->nslots == 0 || (t->nslots & (t->nslots - 1)))
		return false;
	for (uint32_t i = 0; i < t->nslots; i++) {
		const struct cap *c = &t->slot[i];
		if (!c->objr) {
			if (c->badge || c->next || c->prev || c->mdb.parent || c->mdb.child || c->mdb.next || c->mdb.prev)
				return false;
			continue;
		}
		if (i == 0)
			return false;
		const struct kobj *o = cap_obj(c);
		if (!(c->objr & CAP_EP) != (o->type != L4_OBJ_ENDPOINT) || (c->objr & CAP_LOW_MASK & ~CAP_EP & ~CAP_RIGHTS_MASK))
			return false;
		if (c->prev ? c->prev->next != c || cap_obj(c->prev) != o : o->caps != c)
			return false;
		if (c->next && (c->next->prev != c || cap_obj(c->next) != o))
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

bool kobj_check(const struct kobj *o)
{
	uint32_t n = 0;
	const struct cap *prev = NULL;

	for (const struct cap *c = o->caps; c; prev = c, c = c->next) {
		if (cap_obj(c) != o || c->prev != prev || ++n > o->ncaps)
			return false;
	}
	return n == o->ncaps;
}
