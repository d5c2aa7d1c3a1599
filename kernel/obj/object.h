/*
 * object.h - kernel objects: their types (obj_types[], the one place a type
 * is registered), creation and destruction. What every object starts with
 * is struct obj (lib/obj.h): its capability list and type, the factory that
 * paid for it and its place in that factory's lists. Objects live in the
 * kernel-memory pool.
 *
 * Lifetime: an object lives until it is destroyed through a factory
 * (L4_FACTORY_DESTROY) or its factory is. Deleting capabilities never
 * destroys anything; destroying empties every capability to the object.
 *
 * Destruction is preemptible (lib/preempt.h), in this order, each step in
 * bounded pieces: the object is marked dying (from then on no capability to
 * it can be copied, a dying thread cannot be started, no thread joins a
 * dying task), its type's quiesce stops what runs in it (a thread, a task's
 * threads), every capability to it is emptied (so no one can reach it any
 * more and nothing new can refer to it), its teardown undoes what still
 * refers to it (waiters, mappings, slots), then its memory returns to its
 * factory. A factory's tree goes depth-first, all of its threads before
 * anything else, so that no code of the tree sees its objects half gone.
 * When a preemption point stops it, the destroyer's call is restarted and
 * goes on through obj->destroyer / thread->resume.destroying (its
 * capability is gone by then). An object whose destroyer went away first
 * (destroyed by its own call, or sent elsewhere by exregs) stays dying,
 * unreachable and charged to its factory, until its factory is destroyed.
 */
#pragma once

#include <stddef.h>

#include "lib/captab.h"
#include "lib/kmem.h"
#include "lib/preempt.h"

struct factory;
struct thread;
struct trapframe;


/*
 * What the kernel knows of each object type: one entry per type in
 * obj_types[] (object.c), the only place a new type is registered.
 */
struct obj_type {
	const char *name;
	size_t size;
	bool factory_made;              /* L4_FACTORY_CREATE makes it (obj_new) */
	/* Finish a new object (zeroed, charged, on its factory's list; arg:
	 * L4_FACTORY_CREATE's MR2): 0, or -L4_Exxx and obj_new destroys it
	 * again (so teardown must cope with what init left). NULL: nothing. */
	long (*init)(struct obj *o, uint64_t arg);
	/* A call on a capability c to such an object (the decoder, obj/invoke.h):
	 * the number of result words, or -L4_Exxx. NULL: IPC objects (endpoint,
	 * notification), whose calls are IPC. */
	long (*invoke)(struct thread *caller, struct cap *c, uint64_t label, struct trapframe *f);
	/* Stop what runs in the object before its capabilities go (NULL:
	 * nothing runs in it). Preemptible, like teardown. */
	bool (*quiesce)(struct obj *o, bool (*stop)(void));
	/* Undo everything that still refers to the object, after its
	 * capabilities were emptied and before its memory is freed.
	 * Preemptible: false when stop() stopped it (its progress kept in the
	 * object, and in *mc for a tree), true when done. */
	bool (*teardown)(struct obj *o, bool (*stop)(void), struct mdb_cursor *mc);
};

/* Indexed by enum l4_obj_type; NULL for L4_OBJ_NONE. */
extern const struct obj_type *const obj_types[];

static inline const struct obj_type *obj_type_of(const struct obj *k)
{
	return obj_types[k->type];
}

/* The pool every object comes from (bootstrap.c reserves it). */
extern struct kmem kmem_pool;

/*
 * A new object of `type` charged to f (its type's init run with arg): 0
 * and *out, or -L4_ENOMEM (f's quota or the pool cannot hold it) or init's
 * error. For the kernel's own objects (bootstrap) and L4_FACTORY_CREATE.
 */
long obj_new(struct factory *f, unsigned type, uint64_t arg, struct obj **out);

/*
 * Destroy o and, for a factory, everything it made (iteratively: no kernel
 * stack depth depends on user input), as described above. 0 when done;
 * -KERR_RESTART when stop() stopped it: o is dying and its destroyer (who,
 * the current thread or NULL) goes on with it when its call restarts.
 * With stop NULL it runs to the end. Cannot fail otherwise. If the current
 * thread of this hart is destroyed, hart->current becomes NULL.
 */
long obj_destroy(struct obj *o, struct thread *who, bool (*stop)(void));
/* th goes away: the object it was destroying has no destroyer any more. */
void obj_forget_destroyer(struct thread *th);
/* The teardown of objects the kernel made at boot (no factory owns them,
 * so nothing can destroy them). */
bool obj_teardown_never(struct obj *o, bool (*stop)(void), struct mdb_cursor *mc);

/* Memory an object needs besides itself (tables, pages), charged to its factory. */
void *obj_alloc_extra(struct obj *o, size_t size);
void obj_free_extra(struct obj *o, void *p, size_t size);

/* Whether `o` was made by f or by a factory below f. */
bool obj_made_by(const struct obj *o, const struct factory *f);
