/* mapdb.c - the derivation tree of mappings (mapdb.h). */
#include "mapdb.h"
#include "kassert.h"

unsigned long mdb_gen;

void mdb_init(struct mdb_node *n)
{
	n->parent = n->child = n->next = n->prev = NULL;
}

void mdb_add_child(struct mdb_node *parent, struct mdb_node *n)
{
	kassert(!n->parent && !n->next && !n->prev);
	n->parent = parent;
	n->next = parent->child;
	if (n->next)
		n->next->prev = n;
	parent->child = n;
}

void mdb_replace(struct mdb_node *old, struct mdb_node *n)
{
	kassert(!n->parent && !n->child && !n->next && !n->prev);
	mdb_gen++;
	*n = *old;
	if (n->prev)
		n->prev->next = n;
	else if (n->parent)
		n->parent->child = n;
	if (n->next)
		n->next->prev = n;
	for (struct mdb_node *c = n->child; c; c = c->next)
		c->parent = n;
	mdb_init(old);
}

/* Out of its parent's list of children; its own children stay. */
static void detach(struct mdb_node *n)
{
	mdb_gen++;
	if (n->prev)
		n->prev->next = n->next;
	else if (n->parent)
		n->parent->child = n->next;
	if (n->next)
		n->next->prev = n->prev;
	n->parent = n->next = n->prev = NULL;
}

void mdb_unlink(struct mdb_node *n)
{
	kassert(!n->child);
	detach(n);
}

void mdb_lift(struct mdb_node *n)
{
	struct mdb_node *parent = n->parent;

	while (n->child)
		mdb_move(n->child, parent);
	detach(n);
}

void mdb_move(struct mdb_node *n, struct mdb_node *parent)
{
	detach(n);
	if (parent)
		mdb_add_child(parent, n);
}

bool mdb_remove_tree(struct mdb_node *n, void (*gone)(struct mdb_node *, void *), void *arg, bool (*stop)(void),
		     struct mdb_cursor *resume)
{
	struct mdb_node *cur = mdb_cursor_at(resume, n);

	if (!cur)
		cur = n;

	/* Post-order: go down first children to a leaf, remove it, continue
	 * with its next sibling (now the first child) or, when it was the
	 * last, with its parent, which has become a leaf. */
	for (;;) {
		while (cur->child)
			cur = cur->child;
		struct mdb_node *up = cur->parent, *next = cur->next;
		bool last = cur == n;
		mdb_unlink(cur);
		gone(cur, arg);
		if (last) {
			if (resume)
				*resume = (struct mdb_cursor){ 0 };
			return true;
		}
		cur = next ? next : up;
		if (stop && stop()) {
			if (resume)
				*resume = (struct mdb_cursor){ n, cur, mdb_gen };
			return false;
		}
	}
}

static struct mdb_node *first_needing(struct mdb_node *n, bool (*need)(const struct mdb_node *, void *), void *arg)
{
	while (n && !need(n, arg))
		n = n->next;
	return n;
}

bool mdb_walk_post(struct mdb_node *top, bool self, bool (*need)(const struct mdb_node *, void *),
		   void (*visit)(struct mdb_node *, void *), void *arg, bool (*stop)(void), struct mdb_cursor *resume)
{
	struct mdb_node *cur = mdb_cursor_at(resume, top);

	if (!cur) {
		if (self && !need(top, arg))
			return true;
		cur = top;
	}
	for (;;) {
		for (struct mdb_node *d; (d = first_needing(cur->child, need, arg));)
			cur = d;
		if (cur == top) {
			if (self)
				visit(cur, arg);
			if (resume)
				*resume = (struct mdb_cursor){ 0 };
			return true;
		}
		/* Where to go on, found before visit may free cur. */
		struct mdb_node *next = first_needing(cur->next, need, arg), *up = cur->parent;
		visit(cur, arg);
		cur = next ? next : up;
		if (stop && stop()) {
			if (resume)
				*resume = (struct mdb_cursor){ top, cur, mdb_gen };
			return false;
		}
	}
}

struct mdb_node *mdb_next_in(const struct mdb_node *top, const struct mdb_node *n)
{
	if (n->child)
		return n->child;
	while (n != top) {
		if (n->next)
			return n->next;
		n = n->parent;
	}
	return NULL;
}

bool mdb_check(const struct mdb_node *r, size_t limit)
{
	size_t seen = 0;

	if (r->parent)
		return false;
	for (const struct mdb_node *n = r; n; n = mdb_next_in(r, n)) {
		if (++seen > limit)
			return false;
		if (n->child && (n->child->parent != n || n->child->prev))
			return false;
		for (const struct mdb_node *c = n->child; c; c = c->next)
			if (c->parent != n || (c->next && c->next->prev != c))
				return false;
	}
	return true;
}
