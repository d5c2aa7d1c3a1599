/* object.c - creating and destroying kernel objects (object.h). */
#include <l4/errno.h>
#include <l4/kobj.h>

#include "lib/kassert.h"
#include "obj/endpoint.h"
#include "obj/factory.h"
#include "obj/irq.h"
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
	[L4_OBJ_IRQ_CONTROL] = &irq_control_type,
	[L4_OBJ_IRQ] = &irq_type,
};

static size_t obj_size(unsigned type)
{
	kassert(type < L4_OBJ_TYPE_COUNT && obj_types[type]);
	return obj_types[type]->size;
}

/* The list of f's where an object of `type` is kept. */
static struct dlist *list_of(struct factory *f, unsigned type)
{
	return type == L4_OBJ_THREAD ? &f->threads : type == L4_OBJ_FACTORY ? &f->factories : &f->objects;
}

long obj_new(struct factory *f, unsigned type, uint64_t arg, struct obj **out)
{
	const struct obj_type *ot = obj_types[type];
	struct obj *o = kmem_alloc_q(&kmem_pool, &f->quota, obj_size(type));
	long err;

	if (!o)
		return -L4_ENOMEM;
	obj_init(o, type);
	o->owner = f;
	dlist_push(list_of(f, type), &o->link);
	if (ot->init && (err = ot->init(o, arg))) {
		obj_destroy(o, NULL, NULL);     /* nothing refers to it yet: to the end at once */
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

/* Quiesce o, empty its capabilities, tear it down, unlink and free it;
 * false if stop() stopped it (o dying, what was done kept). A factory must
 * be empty. */
static bool destroy_one(struct obj *o, bool (*stop)(void), struct mdb_cursor *mc)
{
	const struct obj_type *ot = obj_type_of(o);
	struct factory *f = o->owner;

	o->dying = true;
	if ((ot->quiesce && !ot->quiesce(o, stop)) || !obj_revoke(o, stop, mc) || !ot->teardown(o, stop, mc))
		return false;
	if (o->destroyer)
		o->destroyer->resume.destroying = NULL;
	dlist_remove(list_of(f, o->type), &o->link);
	kmem_free_q(&kmem_pool, &f->quota, o, obj_size(o->type));
	return true;
}

bool obj_teardown_never(struct obj *o, bool (*stop)(void), struct mdb_cursor *mc)
{
	(void)o;
	(void)stop;
	(void)mc;
	kassert(!"an object the kernel made at boot is never destroyed");
	return true;
}

void obj_forget_destroyer(struct thread *th)
{
	if (th->resume.destroying)
		th->resume.destroying->destroyer = NULL;
	th->resume.destroying = NULL;
}

/* A sub-factory of f whose tree still has threads, or NULL. */
static struct factory *sub_with_threads(const struct factory *f)
{
	struct obj *o;

	dlist_for_each(o, &f->factories, link)
		if (!((struct factory *)o)->threads_gone)
			return (struct factory *)o;
	return NULL;
}

/*
 * The first pass of destroying the factory top: every thread of its tree,
 * depth-first (a factory whose tree has none left is marked threads_gone,
 * so that going on after a stop skips it). false: stopped.
 */
static bool destroy_threads(struct factory *top, bool (*stop)(void), struct mdb_cursor *mc)
{
	struct factory *cur = top;

	while (!top->threads_gone) {
		cur->o.dying = true;
		if (cur->threads.first) {
			if (!destroy_one(dlist_first(&cur->threads, struct obj, link), stop, mc))
				return false;
		} else {
			struct factory *sub = sub_with_threads(cur);
			if (sub) {
				cur = sub;
				continue;
			}
			cur->threads_gone = true;
			if (cur == top)
				return true;
			cur = cur->o.owner;
		}
		if (stop && stop())
			return false;
	}
	return true;
}

/* The first object of the factory f to destroy in the second pass. */
static struct obj *first_of(const struct factory *f)
{
	const struct dlist *l = f->factories.first ? &f->factories : f->objects.first ? &f->objects : &f->threads;

	return dlist_first(l, struct obj, link);
}

long obj_destroy(struct obj *o, struct thread *who, bool (*stop)(void))
{
	struct mdb_cursor mc = { 0 };
	struct obj *cur = o;

	kassert(o->owner);      /* the root factory is never destroyed */
	/* who destroys o now (the restart of its call goes on through this). */
	if (o->destroyer != who) {
		if (o->destroyer)
			o->destroyer->resume.destroying = NULL;
		if (who) {
			obj_forget_destroyer(who);
			who->resume.destroying = o;
		}
		o->destroyer = who;
	} else if (who) {
		mc = who->resume.mc;
	}
	if (o->type == L4_OBJ_FACTORY && !destroy_threads((struct factory *)o, stop, &mc))
		goto stopped;
	/* Depth-first through factories, without recursion: descend while a
	 * factory still has objects, destroy leaves, climb back via owner. */
	for (;;) {
		cur->dying = true;
		if (cur->type == L4_OBJ_FACTORY && first_of((struct factory *)cur)) {
			cur = first_of((struct factory *)cur);
			continue;
		}
		struct obj *up = &cur->owner->o;
		bool last = cur == o;
		if (!destroy_one(cur, stop, &mc))
			break;
		if (last)
			return 0;
		cur = up;
		if (stop && stop())
			break;
	}
stopped:
	/* o is dying; its destroyer (if still there) goes on later. */
	if (who && o->destroyer == who)
		who->resume.mc = mc;
	return -KERR_RESTART;
}
