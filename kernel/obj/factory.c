/*
 * factory.c - the factory object (factory.h): decode checks every argument,
 * then the operation runs and cannot fail for a reason the caller caused.
 */
#include <l4/errno.h>
#include <l4/kobj.h>

#include "lib/kassert.h"
#include "obj/endpoint.h"
#include "obj/factory.h"
#include "obj/invoke.h"
#include "obj/notification.h"
#include "obj/task.h"
#include "obj/thread.h"

/* Aligned like pool blocks: capabilities keep rights in the low pointer bits. */
struct factory root_factory __attribute__((aligned(KMEM_MIN_BLOCK)));

static long create(struct factory *fa, uint64_t type, struct cap *dst, uint64_t arg)
{
	struct obj *o;

	switch (type) {
	case L4_OBJ_FACTORY: {
		if (arg == 0)
			return -L4_EINVAL;
		if (!quota_charge(&fa->quota, arg))
			return -L4_ENOMEM;
		struct factory *sub = obj_create(fa, L4_OBJ_FACTORY, sizeof(*sub));
		if (!sub) {
			quota_credit(&fa->quota, arg);
			return -L4_ENOMEM;
		}
		sub->quota.limit = arg;
		o = &sub->o;
		break;
	}
	case L4_OBJ_TASK: {
		if (arg < L4_TASK_CAPS_MIN_LOG2 || arg > L4_TASK_CAPS_MAX_LOG2)
			return -L4_EINVAL;
		struct task *t = task_create(fa, (unsigned)arg);
		if (!t)
			return -L4_ENOMEM;
		o = &t->o;
		break;
	}
	case L4_OBJ_THREAD: {
		struct thread *t = thread_create(fa);
		if (!t)
			return -L4_ENOMEM;
		o = &t->o;
		break;
	}
	case L4_OBJ_ENDPOINT: {
		struct endpoint *e = endpoint_create(fa);
		if (!e)
			return -L4_ENOMEM;
		o = &e->o;
		break;
	}
	case L4_OBJ_NOTIFICATION: {
		struct notification *n = notification_create(fa);
		if (!n)
			return -L4_ENOMEM;
		o = &n->o;
		break;
	}
	default:
		return -L4_EINVAL;
	}
	cap_insert(dst, &o->k, L4_RIGHTS_ALL, 0);
	return 0;
}

long factory_invoke(struct thread *caller, struct cap *c, uint64_t label, struct trapframe *f)
{
	struct factory *fa = (struct factory *)cap_obj(c);
	const struct captab *ct = &caller->task->caps;
	long err;

	switch (label) {
	case L4_FACTORY_CREATE: {
		if ((err = invoke_check(f, c, L4_RIGHT_W, 3)))
			return err;
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
		struct cap *victim = captab_lookup(ct, mr(f, 0));
		if (!victim)
			return -L4_EBADCAP;
		struct obj *o = (struct obj *)cap_obj(victim);
		if (!(cap_rights(victim) & L4_RIGHT_D) || !obj_made_by(o, fa))
			return -L4_EPERM;
		obj_destroy(o);         /* may be the caller: then no reply is written */
		return 0;
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

void factory_teardown(struct factory *fa)
{
	kassert(!fa->objects && fa->quota.used == 0);
	quota_credit(&fa->o.owner->quota, fa->quota.limit);
}
