/* object.c - creating and destroying kernel objects (object.h). */
#include <l4/errno.h>
#include <l4/kobj.h>

#include "lib/kassert.h"
#include "obj/endpoint.h"
#include "obj/factory.h"
#include "obj/kdebug.h"
#include "obj/notification.h"
#include "obj/object.h"
#include "obj/task.h"
#include "obj/thread.h"

struct kmem kmem_pool;

/* The object types: a new type is a file pair in obj/ and a line here. */
const struct obj_type *const obj_types[L4_OBJ_TYPE_COUNT] = {
	[L4_OBJ_FACTORY] = &factory_type,
	[L4_OBJ_TASK] = &task_type,
	[L4_OBJ_THREAD] = &thread_type,
	[L4_OBJ_ENDPOINT] = &endpoint_type,
	[L4_OBJ_NOTIFICATION] = &notification_type,
	[L4_OBJ_DEBUG] = &kdebug_type,
};

static size_t obj_size(unsigned type)
{
	kassert(type < L4_OBJ_TYPE_COUNT && obj_types[type]);
	return obj_types[type]->size;
}

long obj_new(struct factory *f, unsigned type, uint64_t arg, struct obj **out)
{
	const struct obj_type *ot = obj_types[type];
	struct obj *o = kmem_alloc_q(&kmem_pool, &f->quota, obj_size(type));
	long err;

	if (!o)
		return -L4_ENOMEM;
	kobj_init(&o->k, type);
	o->owner = f;
	o->prev = NULL;
	o->next = f->objects;
	if (o->next)
		o->next->prev = o;
	f->objects = o;
	if (ot->init && (err = ot->init(o, arg))) {
		obj_destroy(o);         /* nothing refers to it yet */
		return err;
	}
	*out = o;
	return 0;
}

void *obj_alloc_extra(struct obj *o, size_t size)
{
	return kmem_alloc_q(&kmem_pool, &o->owner->quota, size);
}

void obj_free_extra(struct obj *o, void *p, size_t size)
{
	kmem_free_q(&kmem_pool, &o->owner->quota, p, size);
}

bool obj_made_by(const struct obj *o, const struct factory *f)
{
	for (const struct factory *p = o->owner; p; p = p->o.owner)
		if (p == f)
			return true;
	return false;
}

/* Tear down and free one object that owns nothing any more. */
static void destroy_one(struct obj *o)
{
	struct factory *f = o->owner;

	obj_type_of(&o->k)->teardown(o);
	kobj_revoke(&o->k);
	if (o->prev)
		o->prev->next = o->next;
	else
		f->objects = o->next;
	if (o->next)
		o->next->prev = o->prev;
	kmem_free_q(&kmem_pool, &f->quota, o, obj_size(o->k.type));
}

void obj_destroy(struct obj *o)
{
	struct obj *cur = o;

	kassert(o->owner);      /* the root factory is never destroyed */
	/* Depth-first through factories, without recursion: descend while the
	 * factory still has objects, destroy leaves, climb back via owner. */
	for (;;) {
		if (cur->k.type == L4_OBJ_FACTORY && ((struct factory *)cur)->objects) {
			cur = ((struct factory *)cur)->objects;
			continue;
		}
		struct obj *up = &cur->owner->o;
		bool last = cur == o;
		destroy_one(cur);
		if (last)
			return;
		cur = up;
	}
}
