/*
 * mapdb.h - the mapping database's tree: who derived what from whom.
 * Hardware-free (host-tested in test/host/test_mapdb.c and, with the page
 * tables on top, test/host/test_space.c).
 *
 * Every memory mapping (mem/space.h) is a node. A mapping made by the
 * kernel (sigma0's memory, a boot task's image) is a root; a mapping made
 * by map is a child of the mapping it was made from; grant puts the new
 * mapping in the old one's place. Revocation removes a whole subtree,
 * leaves first, without recursion (no kernel stack depth depends on user
 * input), so a chain or a fan-out of any length costs O(nodes).
 *
 *   root --child--> a --next--> b --next--> c        (a, b, c: children of root)
 *                   |
 *                   +--child--> d                    (d: derived from a)
 *
 * Invariants (mdb_check): n->child->parent == n; siblings are doubly linked
 * (first->prev == NULL) and share the parent; no cycles.
 * No locking here: the caller serialises.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct mdb_node {
	struct mdb_node *parent;        /* NULL for a root */
	struct mdb_node *child;         /* first child */
	struct mdb_node *next, *prev;   /* siblings */
};

/*
 * Where a walk that stopped at a preemption point goes on: the node it
 * would have looked at next, valid while no node was taken out of any tree
 * since (mdb_gen counts every unlink, move and replace; adding a node
 * leaves cursors valid). A stale cursor only costs a walk from the top
 * again. A zeroed cursor is "none".
 */
extern unsigned long mdb_gen;

struct mdb_cursor {
	const struct mdb_node *top;     /* the walk it belongs to */
	struct mdb_node *at;
	unsigned long gen;
};

/* The node where the walk of `top` goes on, or NULL (no valid cursor). */
static inline struct mdb_node *mdb_cursor_at(const struct mdb_cursor *c, const struct mdb_node *top)
{
	return c && c->at && c->top == top && c->gen == mdb_gen ? c->at : NULL;
}



/* A node on its own (a root, or not in the tree yet). */
void mdb_init(struct mdb_node *n);
/* Make the lone node n the first child of parent. */
void mdb_add_child(struct mdb_node *parent, struct mdb_node *n);
/* The lone node n takes old's place: its parent, siblings and children. old is left alone. */
void mdb_replace(struct mdb_node *old, struct mdb_node *n);
/* Take the childless node n out of the tree (it is left alone). */
void mdb_unlink(struct mdb_node *n);
/* Take n out of the tree; its children take its place (under n's parent, or
 * as roots of their own when n was a root). O(children). */
void mdb_lift(struct mdb_node *n);
/* Move n with everything derived from it under `parent` (NULL: n becomes a root). */
void mdb_move(struct mdb_node *n, struct mdb_node *parent);

/*
 * Remove n and everything derived from it, each node unlinked before
 * gone(node, arg) is called on it (children before parents): gone may free it.
 * With `stop` (may be NULL), stop() is asked after each node but the last:
 * when it says so the removal ends there, leaving a well-formed tree in
 * which n and what is left below it are untouched, and *cur (if not NULL)
 * says where to go on; removing n again (with the same cursor) goes on with
 * the rest (a preemption point: kernel/lib/preempt.h). Returns whether n is
 * gone (then *cur is cleared).
 */
bool mdb_remove_tree(struct mdb_node *n, void (*gone)(struct mdb_node *, void *), void *arg, bool (*stop)(void),
		     struct mdb_cursor *cur);

/*
 * Visit in post-order the nodes of top's subtree that need(node, arg) says
 * still need work (top itself only with self), skipping the whole subtree
 * of a node that does not: the callers' rule is that what a node does not
 * need, nothing derived from it needs (rights only shrink along a
 * derivation). visit(node, arg) does the work; it may take the node out of
 * the tree (then unlinked first with mdb_unlink: it is a leaf by then) and
 * free it. A walk from the top again finds only what is left, so it is
 * preemptible like mdb_remove_tree (stop, resume). Returns whether it is
 * complete.
 */
bool mdb_walk_post(struct mdb_node *top, bool self, bool (*need)(const struct mdb_node *, void *),
		   void (*visit)(struct mdb_node *, void *), void *arg, bool (*stop)(void), struct mdb_cursor *resume);

/* The next node of the subtree under `top` in pre-order after n (NULL at the end). */
struct mdb_node *mdb_next_in(const struct mdb_node *top, const struct mdb_node *n);

/* Whether the tree reachable from the root `r` is well-formed (tests; `limit` bounds the walk). */
bool mdb_check(const struct mdb_node *r, size_t limit);
