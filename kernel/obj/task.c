/* task.c - the task object (task.h): address space and capability table. */
#include <arch/layout.h>

#include <l4/kip.h>
#include <l4/layout.h>
#include <l4/mem.h>

#include "smp.h"
#include "kip.h"
#include "lib/kassert.h"
#include <common/string.h>
#include "obj/factory.h"
#include "obj/invoke.h"
#include "obj/task.h"
#include "obj/thread.h"

/* A new task: 2^arg capability slots, an address space with the KIP (obj_types: init). */
static long task_init(struct obj *o, uint64_t arg)
{
	struct task *t = (struct task *)o;

	if (arg < L4_TASK_CAPS_MIN_LOG2 || arg > L4_TASK_CAPS_MAX_LOG2)
		return -L4_EINVAL;
	if (space_init(&t->space, &o->owner->quota) ||
	    !(t->caps.slot = obj_alloc_extra(o, sizeof(struct cap) << arg)))
		return -L4_ENOMEM;
	t->caps.nslots = 1U << arg;
	for (unsigned i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		t->space.root[i] = kernel_root[i];
	if (task_map(t, L4_KIP_ADDR, kip_page_pa(), PAGE_SIZE, L4_FP_R, false))
		return -L4_ENOMEM;
	t->space.asid = mmu_asid_alloc();
	t->satp = mmu_satp(t->space.root, t->space.asid);
	return 0;
}

struct task *task_create(struct factory *f, unsigned caps_log2)
{
	struct obj *o;

	return obj_new(f, L4_OBJ_TASK, caps_log2, &o) ? NULL : (struct task *)o;
}

long task_map(struct task *t, uintptr_t va, uint64_t pa, size_t size, unsigned rights, bool root)
{
	return space_map_kernel(&t->space, va, pa, size, rights, root);
}

bool task_range_free(struct task *t, uintptr_t va, size_t size)
{
	if (va < L4_USER_BASE || va >= L4_USER_END || size > L4_USER_END - va)
		return false;
	for (uintptr_t a = va; a < va + size; a += PAGE_SIZE) {
		uint64_t sz;
		struct mapping *m;
		if (space_lookup(&t->space, a, &sz, &m))
			return false;
	}
	return true;
}

/* L4_TASK_UNMAP of a capability flexpage: slots [first, first + 2^order) of
 * t, from r->slot on (preemptible: false when it stopped, r saying where). */
static bool unmap_caps(struct task *t, uint64_t first, unsigned order, unsigned rights, bool self,
		       struct thread_resume *r)
{
	uint64_t end = first + (1UL << order);

	if (!rights)
		return true;
	for (uint64_t sel = r->slot > first ? r->slot : first; sel < end && sel < t->caps.nslots; sel++) {
		struct cap *c = captab_lookup(&t->caps, sel);
		if (c && !cap_revoke(c, rights, self, preempt_point, &r->mc)) {
			r->slot = sel;
			return false;
		}
		if (sel + 1 < end && preempt_point()) {
			r->slot = sel + 1;
			return false;
		}
	}
	return true;
}

static long task_invoke(struct thread *caller, struct cap *c, uint64_t label, struct trapframe *f)
{
	struct task *t = (struct task *)cap_obj(c);
	struct captab *mine = &caller->task->caps;
	long err;

	switch (label) {
	case L4_TASK_CAP_COPY: {
		if ((err = invoke_check(f, c, L4_RIGHT_W, 4)))
			return err;
		struct cap *src = captab_lookup(mine, mr(f, 0));
		struct cap *dst = captab_slot(&t->caps, mr(f, 1));
		uint64_t badge = mr(f, 3);
		if (!src || !dst)
			return -L4_EBADCAP;
		if (dst->objr)
			return -L4_EEXIST;
		if (mr(f, 2) & ~(uint64_t)L4_RIGHTS_ALL)
			return -L4_EINVAL;
		if (cap_obj(src)->dying)
			return -L4_ECANCELED;   /* being destroyed: no new copies (obj/object.h) */
		if (badge) {
			unsigned type = cap_obj(src)->type;
			if ((type != L4_OBJ_ENDPOINT && type != L4_OBJ_NOTIFICATION) || src->badge)
				return -L4_EINVAL;
		} else {
			badge = src->badge;
		}
		cap_derive(dst, src, cap_rights(src) & (unsigned)mr(f, 2), badge);
		return 0;
	}
	case L4_TASK_CAP_MOVE: {
		if ((err = invoke_check(f, c, L4_RIGHT_W, 2)))
			return err;
		struct cap *src = captab_lookup(mine, mr(f, 0));
		struct cap *dst = captab_slot(&t->caps, mr(f, 1));
		if (!src || !dst)
			return -L4_EBADCAP;
		if (dst == src)
			return 0;
		if (dst->objr)
			return -L4_EEXIST;
		cap_move(dst, src);
		return 0;
	}
	case L4_TASK_CAP_DELETE: {
		if ((err = invoke_check(f, c, L4_RIGHT_W, 1)))
			return err;
		struct cap *slot = captab_slot(&t->caps, mr(f, 0));
		if (!slot)
			return -L4_EBADCAP;
		if (slot->objr)
			cap_remove(slot);
		return 0;
	}
	case L4_TASK_CAP_INFO: {
		if ((err = invoke_check(f, c, L4_RIGHT_R, 1)))
			return err;
		struct cap *slot = captab_slot(&t->caps, mr(f, 0));
		if (!slot)
			return -L4_EBADCAP;
		set_mr(f, 0, slot->objr ? cap_obj(slot)->type : L4_OBJ_NONE);
		set_mr(f, 1, slot->objr ? cap_rights(slot) : 0);
		return 2;
	}
	case L4_TASK_UNMAP: {
		if ((err = invoke_check(f, c, L4_RIGHT_W, 2)))
			return err;
		uint64_t fp = mr(f, 0);
		if (mr(f, 1) & ~L4_UNMAP_SELF)
			return -L4_EINVAL;
		if (fp & L4_FP_CAP ? !l4_cap_fpage_ok(fp) : !l4_fpage_ok(fp))
			return -L4_EINVAL;
		/* Long: preemptible, its restart goes on where it stopped. */
		resume_begin(caller, label, (uint64_t)t, fp, mr(f, 1));
		bool done = fp & L4_FP_CAP
			? unmap_caps(t, fp >> 12, fp & 0x3f, (unsigned)(fp >> 8) & L4_RIGHTS_ALL, mr(f, 1) & L4_UNMAP_SELF,
				     &caller->resume)
			: space_unmap(&t->space, l4_fpage_base(fp), l4_fpage_order(fp), l4_fpage_rights(fp),
				      mr(f, 1) & L4_UNMAP_SELF, &caller->resume.sr, preempt_point);
		return done ? 0 : -KERR_RESTART;
	}
	default:
		return invoke_bad_label(label, L4_OBJ_TASK);
	}
}

/* Its threads leave it, stopped (obj_types: quiesce). */
static bool task_quiesce(struct obj *o, bool (*stop)(void))
{
	struct task *t = (struct task *)o;

	for (struct thread *th; (th = dlist_first(&t->threads, struct thread, task_link));) {
		thread_leave_task(th);
		if (t->threads.first && stop && stop())
			return false;
	}
	return true;
}

/* Empty its table, free its tables and ASID: preemptible, the progress kept in t. */
static bool task_teardown(struct obj *o, bool (*stop)(void), struct mdb_cursor *mc)
{
	struct task *t = (struct task *)o;

	if (t->caps.slot) {
		if (!captab_clear(&t->caps, &t->clear_pos, stop, mc))
			return false;
		obj_free_extra(&t->o, t->caps.slot, sizeof(struct cap) * t->caps.nslots);
		t->caps.slot = NULL;
	}
	if (t->space.root) {
		mmu_leave(t->space.root);
		smp_space_gone(&t->space);
		if (!space_destroy(&t->space, stop, mc))
			return false;
	}
	mmu_asid_free(t->space.asid);
	return true;
}

const struct obj_type task_type = {
	.name = "task",
	.size = sizeof(struct task),
	.factory_made = true,
	.init = task_init,
	.quiesce = task_quiesce,
	.invoke = task_invoke,
	.teardown = task_teardown,
};
