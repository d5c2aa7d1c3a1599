/*
 * factory.h - the factory object: creates objects against its quota of
 * kernel memory and destroys them (l4/kobj.h, L4_FACTORY_*).
 *
 * A sub-factory's whole quota is charged to its parent when it is made, so
 * the quotas of a factory tree partition the root's, which is the pool.
 */
#pragma once

#include "lib/kmem.h"
#include "obj/object.h"

struct trapframe;
struct thread;

struct factory {
	struct obj o;
	struct quota quota;
	/* What this factory made, newest first, in three lists (obj_list_of):
	 * its threads, its sub-factories, everything else. Destroying the
	 * factory takes the threads of its whole tree first (object.h). */
	struct dlist threads, factories, objects;       /* through struct obj.link */
	bool threads_gone;      /* dying: no thread is left anywhere in its tree */
};

/* The root factory, owning the whole pool (bootstrap.c). */
extern struct factory root_factory;

extern const struct obj_type factory_type;
