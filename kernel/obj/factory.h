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
	struct obj *objects;    /* everything this factory made, newest first */
};

/* The root factory, owning the whole pool (bootstrap.c). */
extern struct factory root_factory;

/* Decode and perform a call on the factory capability c (obj/invoke.h). */
long factory_invoke(struct thread *caller, struct cap *c, uint64_t label, struct trapframe *f);
/* Return the factory's quota to its parent (the factory is empty). */
void factory_teardown(struct factory *fa);
