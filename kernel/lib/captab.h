/*
 * captab.h - capability tables: each task names kernel objects by a local
 * index (a capability selector) into its own table of slots. A slot holds an
 * object pointer, rights and (for endpoints and notifications) a badge.
 * Hardware-free (host-tested in test/host/test_captab.c).
 *
 * Every object keeps the list of all slots, in any table, that name it, so
 * destroying an object empties each of them (obj_revoke): no capability can
 * outlive its object.
 *
 *   obj->caps --> [slot in task A] <-> [slot in task B] <-> [slot in A]
 *                  (a lib/dlist.h list through struct cap.link)
 *
 * Capabilities also form derivation trees, like memory mappings (the same
 * lib/mapdb.h nodes): a capability made by a factory or by the kernel at boot
 * is a root; a copy (L4_TASK_CAP_COPY, a delegating capability item) is a
 * child of its source with at most its rights; a move (L4_TASK_CAP_MOVE, a
 * granting item) takes the source's place. cap_revoke removes what was
 * derived from a capability, or only some rights of it, in every table.
 * Deleting one slot (cap_remove) keeps what was derived from it, now derived
 * from its parent; emptying a whole table (a task's end, captab_clear)
 * revokes what other tables derived from it, as unmapping a task's memory does.
 *
 * Invariants (captab_check, obj_check):
 *  - a slot is empty <=> its object is NULL, and then rights, badge and links
 *    are zero; slot 0 of every table is always empty (the null selector);
 *  - a full slot has CAP_EP set exactly if its object is an endpoint, and
 *    CAP_NTF exactly if it is a notification;
 *  - a full slot is on exactly one list: its object's, and that list holds
 *    only slots naming that object; obj->ncaps is the list's length;
 *  - a full slot's derivation parent names the same object with at least its
 *    rights; the tree links are consistent (mdb_check's rules).
 * No locking here: the caller serialises.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dlist.h"
#include "mapdb.h"
#include "obj.h"

/* 64 bytes; objects are 64-byte aligned, so the rights live in the pointer's low bits. */
struct cap {
	uintptr_t objr;         /* struct obj * | CAP_EP or CAP_NTF | rights (CAP_RIGHTS_MASK) */
	uint64_t badge;
	struct dlist_node link;         /* in its object's list (obj->caps) */
	struct mdb_node mdb;            /* derivation: parent = what this was copied from */
};

#define CAP_RIGHTS_MASK 0xfUL
/* Set in objr when the object is an endpoint: a copy of its type that the
 * IPC fast path (trap.S) checks together with the rights. */
#define CAP_EP 0x10UL
/* Set in objr when the object is a notification: the same for the
 * notification fast path. */
#define CAP_NTF 0x20UL
#define CAP_LOW_MASK 0x3fUL     /* what is not the pointer */

struct captab {
	struct cap *slot;       /* nslots entries */
	uint32_t nslots;        /* a power of two */
};

static inline struct obj *cap_obj(const struct cap *c)
{
	return (struct obj *)(c->objr & ~CAP_LOW_MASK);
}

static inline unsigned cap_rights(const struct cap *c)
{
	return (unsigned)(c->objr & CAP_RIGHTS_MASK);
}

/* The full slot `sel` names, or NULL (out of the table, slot 0, or empty). */
static inline struct cap *captab_lookup(const struct captab *t, uint64_t sel)
{
	if (sel >= t->nslots)
		return NULL;
	struct cap *c = &t->slot[sel];
	return c->objr ? c : NULL;
}

/* The slot `sel` names whether full or not; NULL if out of the table or 0. */
static inline struct cap *captab_slot(const struct captab *t, uint64_t sel)
{
	if (sel == 0 || sel >= t->nslots)
		return NULL;
	return &t->slot[sel];
}

/* An object with no capabilities yet. */
void obj_init(struct obj *o, unsigned type);
/* Fill the empty slot c with (o, rights, badge), a root of derivation. rights <= CAP_RIGHTS_MASK. */
void cap_insert(struct cap *c, struct obj *o, unsigned rights, uint64_t badge);
/* Fill the empty slot dst with a copy of the full slot src, derived from it:
 * rights must be a subset of src's. */
void cap_derive(struct cap *dst, struct cap *src, unsigned rights, uint64_t badge);
/* Empty the full slot c; what was derived from it is now derived from c's
 * parent (O(c's direct children): each gets its new parent). */
void cap_remove(struct cap *c);
/* Move the full slot src into the empty slot dst (src becomes empty); dst
 * takes src's place in the derivation tree (O(src's direct children)). */
void cap_move(struct cap *dst, struct cap *src);
/* Take `rights` away from c and everything derived from it (not preemptible:
 * O(c's subtree)). */
void cap_restrict(struct cap *c, unsigned rights);
/*
 * Revoke `rights` from everything derived from the full slot c, in every
 * table (with self, from c too): with all of CAP_RIGHTS_MASK the derived
 * slots (and c) are emptied, otherwise they keep their place with fewer rights.
 *
 * These three are preemptible (lib/preempt.h): stop (may be NULL) is asked
 * between steps; when it says so they return false with the tables
 * consistent and what was done kept, and *resume (may be NULL) saying where
 * to go on; called again (the same cursor) they go on. true: done.
 */
bool cap_revoke(struct cap *c, unsigned rights, bool self, bool (*stop)(void), struct mdb_cursor *resume);
/* Empty every slot naming o. */
bool obj_revoke(struct obj *o, bool (*stop)(void), struct mdb_cursor *resume);
/* Empty every slot of t from *pos on (a table about to be freed) and what
 * other tables derived from them; *pos says where to go on. */
bool captab_clear(struct captab *t, uint32_t *pos, bool (*stop)(void), struct mdb_cursor *resume);

/* Invariant checks for tests and asserts. */
bool captab_check(const struct captab *t);
bool obj_check(const struct obj *o);
