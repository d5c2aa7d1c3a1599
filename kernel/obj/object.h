/*
 * object.h - what every kernel object has: its capability list and type
 * (struct kobj, lib/captab.h), the factory that paid for it, and its place in
 * that factory's list of objects. Objects live in the kernel-memory pool.
 *
 * Lifetime: an object lives until it is destroyed through a factory
 * (L4_FACTORY_DESTROY) or its factory is. Deleting capabilities never
 * destroys anything; destroying empties every capability to the object.
 */
#pragma once

#include <stddef.h>

#include "lib/captab.h"
#include "lib/kmem.h"

struct factory;

struct obj {
	struct kobj k;
	struct factory *owner;          /* whose quota paid; NULL for the root factory */
	struct obj *next, *prev;        /* in owner->objects */
};

/* The pool every object comes from (bootstrap.c reserves it). */
extern struct kmem kmem_pool;

/*
 * A zeroed object of `size` bytes and type `type`, charged to f and on its
 * list. Returns NULL if f's quota or the pool cannot hold it.
 */
void *obj_create(struct factory *f, unsigned type, size_t size);

/*
 * Destroy o and, for a factory, everything it made (iteratively: no kernel
 * stack depth depends on user input). Each object's teardown runs (threads
 * stop, waiters are cancelled, ...), every capability to it is emptied and
 * its memory returns to its factory's quota. Cannot fail.
 * If the current thread of this hart is destroyed, hart->current becomes NULL.
 */
void obj_destroy(struct obj *o);

/* Memory an object needs besides itself (tables, pages), charged to its factory. */
void *obj_alloc_extra(struct obj *o, size_t size);
void obj_free_extra(struct obj *o, void *p, size_t size);

/* Whether `o` was made by f or by a factory below f. */
bool obj_made_by(const struct obj *o, const struct factory *f);
