/* captab.c - capability slots and the per-object lists of them (captab.h). */
#include "captab.h"
#include "kassert.h"

#include <l4/kobj.h>

void kobj_init(struct kobj *o, unsigned type)
{
	o->caps = NULL;
	o->ncaps = 0;
	o->type = (uint8_t)type;
}

void cap_insert(struct cap *c, struct kobj *o, unsigned rights, uint64_t badge)
{
	kassert(!c->objr && o && ((uintptr_t)o & CAP_LOW_MASK) == 0 && rights <= CAP_RIGHTS_MASK);
	c->objr = (uintptr_t)o | (o->type == L4_OBJ_ENDPOINT ? CAP_EP : 0) | rights;
	c->badge = badge;
	c->prev = NULL;
	c->next = o->caps;
	if (c->next)
		c->next->prev = c;
	o->caps = c;
	o->ncaps++;
}

void cap_remove(struct cap *c)
{
	struct kobj *o = cap_obj(c);

	kassert(o && o->ncaps > 0);
	if (c->prev)
		c->prev->next = c->next;
	else
		o->caps = c->next;
	if (c->next)
		c->next->prev = c->prev;
	o->ncaps--;
	c->objr = 0;
	c->badge = 0;
	c->next = c->prev = NULL;
}

void cap_move(struct cap *dst, struct cap *src)
{
	struct kobj *o = cap_obj(src);
	unsigned rights = cap_rights(src);
	uint64_t badge = src->badge;

	kassert(!dst->objr);
	cap_remove(src);
	cap_insert(dst, o, rights, badge);
}

void kobj_revoke(struct kobj *o)
{
	while (o->caps)
		cap_remove(o->caps);
}

void captab_clear(struct captab *t)
{
	for (uint32_t i = 0; i < t->nslots; i++)
		if (t->slot[i].objr)
			cap_remove(&t->slot[i]);
}

bool captab_check(const struct captab *t)
{
	if (t->nslots == 0 || (t->nslots & (t->nslots - 1)))
		return false;
	for (uint32_t i = 0; i < t->nslots; i++) {
		const struct cap *c = &t->slot[i];
		if (!c->objr) {
			if (c->badge || c->next || c->prev)
				return false;
			continue;
		}
		if (i == 0)
			return false;
		const struct kobj *o = cap_obj(c);
		if (!(c->objr & CAP_EP) != (o->type != L4_OBJ_ENDPOINT) || (c->objr & CAP_LOW_MASK & ~CAP_EP & ~CAP_RIGHTS_MASK))
			return false;
		if (c->prev ? c->prev->next != c || cap_obj(c->prev) != o : o->caps != c)
			return false;
		if (c->next && (c->next->prev != c || cap_obj(c->next) != o))
			return false;
	}
	return true;
}

bool kobj_check(const struct kobj *o)
{
	uint32_t n = 0;
	const struct cap *prev = NULL;

	for (const struct cap *c = o->caps; c; prev = c, c = c->next) {
		if (cap_obj(c) != o || c->prev != prev || ++n > o->ncaps)
			return false;
	}
	return n == o->ncaps;
}
