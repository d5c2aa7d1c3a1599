/* object.c - creating and destroying kernel objects (object.h). */
#include <l4/kobj.h>

#include "lib/kassert.h"
#include "obj/endpoint.h"
#include "obj/factory.h"
#include "obj/notification.h"
#include "obj/object.h"
#include "obj/task.h"
#include "obj/thread.h"

struct kmem kmem_pool;

static size_t obj_size(unsigned type)
{
	switch (type) {
	case L4_OBJ_FACTORY: return sizeof(struct factory);
	case L4_OBJ_TASK: return sizeof(struct task);
	case L4_OBJ_THREAD: return sizeof(struct thread);
	case L4_OBJ_ENDPOINT: return sizeof(struct endpoint);
	case L4_OBJ_NOTIFICATION: return sizeof(struct notification);
	}
	kassert(!"object type");
	return 0;
}

void *obj_create(struct factory *f, unsigned type, size_t size)
{
	struct obj *o = kmem_alloc_q(&kmem_pool, &f->quota, size);

	if (!o)
		return NULL;
	kassert(size == obj_size(type));
	kobj_init(&o->k, type);
	o->owner = f;
	o->prev = NULL;
	o->next = f->objects;
	if (o->next)
		o->next->prev = o;
	f->objects = o;
	return o;
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

	switch (o->k.type) {
	case L4_OBJ_FACTORY: factory_teardown((struct factory *)o); break;
	case L4_OBJ_TASK: task_teardown((struct task *)o); break;
	case L4_OBJ_THREAD: thread_teardown((struct thread *)o); break;
	case L4_OBJ_ENDPOINT: endpoint_teardown((struct endpoint *)o); break;
	case L4_OBJ_NOTIFICATION: notification_teardown((struct notification *)o); break;
	}
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
