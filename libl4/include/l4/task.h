/*
 * l4/task.h - calls on a task: its capability table (protocol in l4/kobj.h).
 * Each returns 0 or -L4_Exxx.
 */
#pragma once

#include <stdint.h>

#include <l4/sys.h>
#include <l4/kobj.h>

/* Copy the caller's capability `src` into slot `dst` of `task` with rights
 * (source rights & mask) and, for an unbadged endpoint/notification, a badge. */
static inline long l4_task_cap_copy(uint64_t task, uint64_t src, uint64_t dst, unsigned rights, uint64_t badge)
{
	struct l4_msg m = { .mr = { src, dst, rights, badge } };
	long r = l4_call(task, L4_TASK_CAP_COPY, 4, &m);
	return r < 0 ? r : 0;
}

/* Move the caller's capability `src` into slot `dst` of `task`. */
static inline long l4_task_cap_move(uint64_t task, uint64_t src, uint64_t dst)
{
	struct l4_msg m = { .mr = { src, dst } };
	long r = l4_call(task, L4_TASK_CAP_MOVE, 2, &m);
	return r < 0 ? r : 0;
}

/* Empty slot `sel` of `task`. */
static inline long l4_task_cap_delete(uint64_t task, uint64_t sel)
{
	struct l4_msg m = { .mr = { sel } };
	long r = l4_call(task, L4_TASK_CAP_DELETE, 1, &m);
	return r < 0 ? r : 0;
}

/* The type (L4_OBJ_NONE if empty) and rights in slot `sel` of `task`. */
static inline long l4_task_cap_info(uint64_t task, uint64_t sel, unsigned *type, unsigned *rights)
{
	struct l4_msg m = { .mr = { sel } };
	long r = l4_call(task, L4_TASK_CAP_INFO, 1, &m);
	if (r < 0)
		return r;
	*type = (unsigned)m.mr[0];
	*rights = (unsigned)m.mr[1];
	return 0;
}

/* Unmap the flexpage fp (l4/mem.h) of `task`: flags L4_UNMAP_SELF or 0. */
static inline long l4_task_unmap(uint64_t task, uint64_t fp, uint64_t flags)
{
	struct l4_msg m = { .mr = { fp, flags } };
	long r = l4_call(task, L4_TASK_UNMAP, 2, &m);
	return r < 0 ? r : 0;
}
