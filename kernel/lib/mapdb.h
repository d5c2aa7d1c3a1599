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
 */
void mdb_remove_tree(struct mdb_node *n, void (*gone)(struct mdb_node *, void *), void *arg);

/* The next node of the subtree under `top` in pre-order after n (NULL at the end). */
struct mdb_node *mdb_next_in(const struct mdb_node *top, const struct mdb_node *n);

/* Whether the tree reachable from the root `r` is well-formed (tests; `limit` bounds the walk). */
bool mdb_check(const struct mdb_node *r, size_t limit);
