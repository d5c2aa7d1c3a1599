/*
 * dlist.h - an intrusive doubly linked list: NULL-terminated, one head
 * pointer, O(1) insertion at the front or after a node and O(1) removal of
 * any node. A node in no list has next = prev = NULL.
 *
 * Used for a factory's objects, a task's threads, an object's capabilities,
 * the kmem free lists and a hart's timeouts. Not used for two lists whose
 * layout is part of a contract: the IPC wait queues (ipc/waitq.h: FIFO with
 * a tail, read and written by the assembly fast path) and the mapping
 * database (lib/mapdb.h: a tree with preemptible walks).
 */
#pragma once

#include <stddef.h>

struct dlist_node {
	struct dlist_node *next, *prev;
};

struct dlist {
	struct dlist_node *first;
};

/* n after pos (NULL: at the front of l). */
static inline void dlist_insert_after(struct dlist *l, struct dlist_node *pos, struct dlist_node *n)
{
	struct dlist_node *next = pos ? pos->next : l->first;

	n->prev = pos;
	n->next = next;
	if (next)
		next->prev = n;
	if (pos)
		pos->next = n;
	else
		l->first = n;
}

static inline void dlist_push(struct dlist *l, struct dlist_node *n)
{
	dlist_insert_after(l, NULL, n);
}

static inline void dlist_remove(struct dlist *l, struct dlist_node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		l->first = n->next;
	if (n->next)
		n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

/* The entry of `type` whose `member` is the node n; NULL for NULL. */
#define dlist_entry(n, type, member) \
	({ struct dlist_node *n_ = (n); n_ ? (type *)(void *)((char *)n_ - offsetof(type, member)) : (type *)NULL; })
/* The first entry of l, and the one after entry e; NULL at the end. */
#define dlist_first(l, type, member) dlist_entry((l)->first, type, member)
#define dlist_next(e, member) dlist_entry((e)->member.next, __typeof__(*(e)), member)
#define dlist_for_each(e, l, member) \
	for (e = dlist_first(l, __typeof__(*(e)), member); e; e = dlist_next(e, member))
