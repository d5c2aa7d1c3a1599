/*
 * factory.c - the factory object (factory.h): decode checks every argument,
 * then the operation runs and cannot fail for a reason the caller caused.
 */
#include <l4/errno.h>
#include <l4/kobj.h>

#include "lib/kassert.h"
#include "obj/factory.h"
#include "obj/invoke.h"
#include "obj/task.h"
#include "obj/thread.h"

/* Aligned like pool blocks: capabilities keep rights in the low pointer bits. */
struct factory root_factory __attribute__((aligned(KMEM_MIN_BLOCK)));

/* A new sub-factory takes `arg` bytes of its parent's quota (obj_types: init). */
static long factory_init(struct obj *o, uint64_t arg)
{
	struct factory *sub = (struct factory *)o;

	if (arg == 0)
		return -L4_EINVAL;
	if (!quota_charge(&o->owner->quota, arg))
		return -L4_ENOMEM;
	sub->quota.limit = arg;
	return 0;
}

static long create(struct factory *fa, uint64_t type, struct cap *dst, uint64_t arg)
{
	struct obj *o;
	long err;

	if (type >= L4_OBJ_TYPE_COUNT || !obj_types[type] || !obj_types[type]->factory_made)
		return -L4_EINVAL;
	if ((err = obj_new(fa, (unsigned)type, arg, &o)))
		return err;
	cap_insert(dst, o, L4_RIGHTS_ALL, 0);
	return 0;
}

static long factory_invoke(struct thread *caller, struct cap *c, uint64_t label, struct trapframe *f)
{
	struct factory *fa = (struct factory *)cap_obj(c);
	const struct captab *ct = &caller->task->caps;
	long err;

	switch (label) {
	case L4_FACTORY_CREATE: {
		if ((err = invoke_check(f, c, L4_RIGHT_W, 3)))
			return err;
		if (fa->o.dying)
			return -L4_ECANCELED;   /* being destroyed (obj/object.h) */
		struct cap *dst = captab_slot(ct, mr(f, 1));
		if (!dst)
			return -L4_EBADCAP;
		if (dst->objr)
			return -L4_EEXIST;
		return create(fa, mr(f, 0), dst, mr(f, 2));
	}
	case L4_FACTORY_DESTROY: {
		if ((err = invoke_check(f, c, L4_RIGHT_W, 1)))
			return err;
		/* The restart of a destroy a preemption point stopped goes on
		 * with its object (whose capabilities are gone by now); if it
		 * is no longer the caller's to destroy, someone finished it. */
		struct obj *o;
		if (resume_begin(caller, label, (uint64_t)fa, mr(f, 0), 0)) {
			if (!(o = caller->resume.destroying))
				return 0;
		} else {
			struct cap *victim = captab_lookup(ct, mr(f, 0));
			if (!victim)
				return -L4_EBADCAP;
			o = (struct obj *)cap_obj(victim);
			if (!(cap_rights(victim) & L4_RIGHT_D) || !obj_made_by(o, fa))
				return -L4_EPERM;
		}
		/* May destroy the caller: then no reply is written. */
		return obj_destroy(o, caller, preempt_point);
	}
	case L4_FACTORY_INFO:
		if ((err = invoke_check(f, c, L4_RIGHT_R, 0)))
			return err;
		set_mr(f, 0, fa->quota.limit);
		set_mr(f, 1, fa->quota.used);
		return 2;
	default:
		return invoke_bad_label(label, L4_OBJ_FACTORY);
	}
}

/* Return the factory's quota to its parent (the factory is empty). */
static bool factory_teardown(struct obj *o, bool (*stop)(void), struct mdb_cursor *mc)
{
	struct factory *fa = (struct factory *)o;

	kassert(!fa->objects.first && !fa->threads.first && !fa->factories.first && fa->quota.used == 0);
	quota_credit(&fa->o.owner->quota, fa->quota.limit);
	return true;
}

const struct obj_type factory_type = {
	.name = "factory",
	.size = sizeof(struct factory),
	.factory_made = true,
	.init = factory_init,
	.invoke = factory_invoke,
	.teardown = factory_teardown,
};
