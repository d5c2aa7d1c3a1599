/*
 * t_task.c - a task's capability table (l4/kobj.h, L4_TASK_CAP_*): copy
 * (rights masks, badges, into another task's table), move (also onto
 * itself), delete and info, with every bad selector, right, type and word
 * count; that capability operations cost no kernel memory and never
 * destroy objects; and that a destroyed task's table no longer holds
 * anything. At the end the root factory's `used` is where it started.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/sys.h>
#include <l4/kobj.h>
#include <l4/task.h>

#include "area.h"
#include "tap.h"
#include "util.h"

#define SMALL_LOG2 4
#define SMALL_SLOTS (1UL << SMALL_LOG2)

/* Type and rights in slot sel of task: type * 16 + rights, or -1 on error
 * (one value to compare against). */
static long info(uint64_t task, uint64_t sel)
{
	unsigned t = 99, r = 99;
	long err = l4_task_cap_info(task, sel, &t, &r);

	return err ? err : (long)(t * 16 + r);
}

#define TR(type, rights) ((long)((type) * 16 + (rights)))

/* An IPC call with `words` words, the first two w0 and w1. */
static long raw_call_words(uint64_t sel, uint64_t label, unsigned words, uint64_t w0, uint64_t w1)
{
	struct l4_msg m = { .mr = { w0, w1 } };

	return l4_call(sel, label, words, &m);
}

static void test_copy(uint64_t small)
{
	uint64_t ep = cap_get(), ntf = cap_get(), a = cap_get(), b = cap_get(), c = cap_get(), d = cap_get();
	uint64_t before;

	tap_note("task: copy");
	tap_ok(l4_factory_create_endpoint(L4_CAP_FACTORY, ep) == 0 &&
	       l4_factory_create_notification(L4_CAP_FACTORY, ntf) == 0,
	       "an endpoint and a notification to copy");
	before = used_of(L4_CAP_FACTORY);
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, ep, a, L4_RIGHTS_ALL, 0), 0, "copy with the full mask");
	tap_eq(info(L4_CAP_TASK, a), TR(L4_OBJ_ENDPOINT, L4_RIGHTS_ALL), "... the copy has all rights");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, ep, b, L4_RIGHT_R | L4_RIGHT_G, 0), 0, "copy with mask R|G");
	tap_eq(info(L4_CAP_TASK, b), TR(L4_OBJ_ENDPOINT, L4_RIGHT_R | L4_RIGHT_G), "... the copy has R|G");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, b, c, L4_RIGHTS_ALL, 0), 0, "copy the R|G copy with the full mask");
	tap_eq(info(L4_CAP_TASK, c), TR(L4_OBJ_ENDPOINT, L4_RIGHT_R | L4_RIGHT_G), "... rights never grow: still R|G");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, b, d, L4_RIGHT_W, 0), 0, "copy the R|G copy with mask W");
	tap_eq(info(L4_CAP_TASK, d), TR(L4_OBJ_ENDPOINT, 0), "... the copy has no rights at all (R|G & W)");
	tap_eq(info(L4_CAP_TASK, ep), TR(L4_OBJ_ENDPOINT, L4_RIGHTS_ALL), "the source keeps all its rights");
	tap_ok(used_of(L4_CAP_FACTORY) == before, "copies cost no kernel memory");
	l4_task_cap_delete(L4_CAP_TASK, a);
	l4_task_cap_delete(L4_CAP_TASK, b);
	l4_task_cap_delete(L4_CAP_TASK, c);
	l4_task_cap_delete(L4_CAP_TASK, d);

	tap_eq(l4_task_cap_copy(L4_CAP_TASK, ep, a, L4_RIGHTS_ALL | 0x10, 0), -L4_EINVAL,
	       "copy with a mask bit beyond RWGD (0x1f): EINVAL");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, ep, a, ~0U, 0), -L4_EINVAL, "copy with mask 0xffffffff: EINVAL");
	struct l4_msg m = { .mr = { ep, a, 1UL << 32 | L4_RIGHTS_ALL, 0 } };
	tap_eq(l4_call(L4_CAP_TASK, L4_TASK_CAP_COPY, 4, &m), -L4_EINVAL,
	       "copy with mask 2^32 | RWGD (the mask is the whole word): EINVAL");
	tap_eq(info(L4_CAP_TASK, a), TR(L4_OBJ_NONE, 0), "... none of them filled the slot");

	tap_note("task: badges");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, ep, a, L4_RIGHTS_ALL, 0x1234), 0, "copy an unbadged endpoint with a badge");
	tap_eq(info(L4_CAP_TASK, a), TR(L4_OBJ_ENDPOINT, L4_RIGHTS_ALL), "... an endpoint capability with all rights");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, a, b, L4_RIGHTS_ALL, 0x5678), -L4_EINVAL,
	       "re-badge the badged copy: EINVAL");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, a, b, L4_RIGHTS_ALL, 0x1234), -L4_EINVAL,
	       "badge the badged copy with its own badge: EINVAL");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, a, b, L4_RIGHT_W, 0), 0, "copy the badged copy with badge 0 (keeps it)");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, b, c, L4_RIGHTS_ALL, 1), -L4_EINVAL,
	       "... and that copy carries the badge: badging it is EINVAL");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, ntf, c, L4_RIGHTS_ALL, ~0UL), 0,
	       "copy an unbadged notification with badge 2^64-1");
	tap_eq(info(L4_CAP_TASK, c), TR(L4_OBJ_NOTIFICATION, L4_RIGHTS_ALL), "... a notification capability");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, c, d, L4_RIGHTS_ALL, 2), -L4_EINVAL, "re-badge the badged notification: EINVAL");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, L4_CAP_THREAD, d, L4_RIGHTS_ALL, 1), -L4_EINVAL,
	       "a badge on a thread capability: EINVAL");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, L4_CAP_TASK, d, L4_RIGHTS_ALL, 1), -L4_EINVAL,
	       "a badge on a task capability: EINVAL");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, L4_CAP_FACTORY, d, L4_RIGHTS_ALL, 1), -L4_EINVAL,
	       "a badge on a factory capability: EINVAL");
	tap_eq(info(L4_CAP_TASK, d), TR(L4_OBJ_NONE, 0), "... none of them filled the slot");
	l4_task_cap_delete(L4_CAP_TASK, a);
	l4_task_cap_delete(L4_CAP_TASK, b);
	l4_task_cap_delete(L4_CAP_TASK, c);

	tap_note("task: bad copies");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, 0, a, L4_RIGHTS_ALL, 0), -L4_EBADCAP, "copy from selector 0: EBADCAP");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, d, a, L4_RIGHTS_ALL, 0), -L4_EBADCAP, "copy from an empty slot: EBADCAP");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, 1UL << L4_ROOTTASK_CAPS_LOG2, a, L4_RIGHTS_ALL, 0), -L4_EBADCAP,
	       "copy from selector 4096 (beyond the table): EBADCAP");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, ~0UL, a, L4_RIGHTS_ALL, 0), -L4_EBADCAP,
	       "copy from selector 2^64-1: EBADCAP");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, ep, 0, L4_RIGHTS_ALL, 0), -L4_EBADCAP, "copy into slot 0: EBADCAP");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, ep, 1UL << L4_ROOTTASK_CAPS_LOG2, L4_RIGHTS_ALL, 0), -L4_EBADCAP,
	       "copy into slot 4096: EBADCAP");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, ep, L4_CAP_FACTORY, L4_RIGHTS_ALL, 0), -L4_EEXIST,
	       "copy onto an occupied slot (the root factory's): EEXIST");
	tap_eq(info(L4_CAP_TASK, L4_CAP_FACTORY), TR(L4_OBJ_FACTORY, L4_RIGHTS_ALL), "... which still holds the factory");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, ep, ep, L4_RIGHTS_ALL, 0), -L4_EEXIST, "copy a slot onto itself: EEXIST");
	tap_eq(raw_call_words(L4_CAP_TASK, L4_TASK_CAP_COPY, 3, ep, a), -L4_EINVAL, "copy with 3 words (needs 4): EINVAL");
	tap_eq(info(L4_CAP_TASK, a), TR(L4_OBJ_NONE, 0), "... and nothing was copied");

	tap_note("task: copy into another task");
	tap_eq(l4_task_cap_copy(small, ep, 5, L4_RIGHT_R, 0), 0, "copy the endpoint into slot 5 of a small task");
	tap_eq(info(small, 5), TR(L4_OBJ_ENDPOINT, L4_RIGHT_R), "... cap_info on that task shows it with R");
	tap_eq(info(L4_CAP_TASK, L4_CAP_SIGMA0_THREAD), TR(L4_OBJ_THREAD, L4_RIGHTS_ALL),
	       "... slot 5 of the own table (sigma0's thread) is unchanged");
	tap_eq(l4_task_cap_copy(small, ep, SMALL_SLOTS - 1, L4_RIGHTS_ALL, 0), 0, "copy into its last slot (15)");
	tap_eq(l4_task_cap_copy(small, ep, SMALL_SLOTS, L4_RIGHTS_ALL, 0), -L4_EBADCAP,
	       "copy into slot 16 (beyond its 16 slots): EBADCAP");
	tap_eq(l4_task_cap_copy(small, ep, L4_SEL_MAX, L4_RIGHTS_ALL, 0), -L4_EBADCAP,
	       "copy into slot 2^20-1 of it: EBADCAP");
	tap_eq(l4_task_cap_copy(small, ep, 0, L4_RIGHTS_ALL, 0), -L4_EBADCAP, "copy into its slot 0: EBADCAP");
	tap_eq(l4_task_cap_copy(small, ep, 5, L4_RIGHTS_ALL, 0), -L4_EEXIST, "copy into its occupied slot 5: EEXIST");
	tap_eq(l4_task_cap_copy(small, d, 6, L4_RIGHTS_ALL, 0), -L4_EBADCAP,
	       "the source is in the caller's table: an empty slot there is EBADCAP");
	tap_eq(l4_task_cap_copy(small, L4_CAP_TASK, 6, L4_RIGHT_R, 0), 0,
	       "the source is in the caller's table: its own task (slot 1) copies into the small task");
	tap_eq(info(small, 6), TR(L4_OBJ_TASK, L4_RIGHT_R), "... the small task holds a task capability");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, ep), 0, "destroy the endpoint");
	tap_ok(info(small, 5) == TR(L4_OBJ_NONE, 0) && info(small, SMALL_SLOTS - 1) == TR(L4_OBJ_NONE, 0),
	       "its capabilities in the other task are empty too");
	tap_ok(l4_task_cap_delete(small, 6) == 0 && info(small, 6) == TR(L4_OBJ_NONE, 0) &&
	       info(L4_CAP_TASK, L4_CAP_TASK) == TR(L4_OBJ_TASK, L4_RIGHTS_ALL),
	       "deleting the small task's copy of the testroot's task leaves the testroot's own");
	l4_factory_destroy(L4_CAP_FACTORY, ntf);
	cap_put(ep);
	cap_put(ntf);
	cap_put(a);
	cap_put(b);
	cap_put(c);
	cap_put(d);
}

static void test_move_delete(uint64_t small)
{
	uint64_t ep = cap_get(), a = cap_get(), b = cap_get(), keep = cap_get();
	uint64_t before;

	tap_note("task: move");
	l4_factory_create_endpoint(L4_CAP_FACTORY, ep);
	l4_task_cap_copy(L4_CAP_TASK, ep, keep, L4_RIGHTS_ALL, 0);
	before = used_of(L4_CAP_FACTORY);
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, ep, a, L4_RIGHT_R | L4_RIGHT_W, 0x99), 0, "a badged R|W copy to move");
	tap_eq(l4_task_cap_move(L4_CAP_TASK, a, b), 0, "move it to another slot");
	tap_ok(info(L4_CAP_TASK, a) == TR(L4_OBJ_NONE, 0) &&
	       info(L4_CAP_TASK, b) == TR(L4_OBJ_ENDPOINT, L4_RIGHT_R | L4_RIGHT_W),
	       "the source is empty, the destination holds it with its rights");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, b, a, L4_RIGHTS_ALL, 1), -L4_EINVAL, "... and its badge (re-badging: EINVAL)");
	tap_eq(l4_task_cap_move(L4_CAP_TASK, b, b), 0, "move a slot onto itself: ok");
	tap_eq(info(L4_CAP_TASK, b), TR(L4_OBJ_ENDPOINT, L4_RIGHT_R | L4_RIGHT_W), "... it still holds the capability");
	tap_eq(l4_task_cap_move(L4_CAP_TASK, b, L4_CAP_FACTORY), -L4_EEXIST, "move onto an occupied slot: EEXIST");
	tap_eq(info(L4_CAP_TASK, b), TR(L4_OBJ_ENDPOINT, L4_RIGHT_R | L4_RIGHT_W), "... the source keeps it");
	tap_eq(l4_task_cap_move(L4_CAP_TASK, a, b), -L4_EBADCAP, "move from an empty slot: EBADCAP");
	tap_eq(l4_task_cap_move(L4_CAP_TASK, 0, a), -L4_EBADCAP, "move from selector 0: EBADCAP");
	tap_eq(l4_task_cap_move(L4_CAP_TASK, 1UL << L4_ROOTTASK_CAPS_LOG2, a), -L4_EBADCAP,
	       "move from selector 4096: EBADCAP");
	tap_eq(l4_task_cap_move(L4_CAP_TASK, b, 0), -L4_EBADCAP, "move into slot 0: EBADCAP");
	tap_eq(l4_task_cap_move(L4_CAP_TASK, b, 1UL << L4_ROOTTASK_CAPS_LOG2), -L4_EBADCAP,
	       "move into slot 4096: EBADCAP");
	tap_eq(raw_call_words(L4_CAP_TASK, L4_TASK_CAP_MOVE, 1, b, a), -L4_EINVAL, "move with 1 word (needs 2): EINVAL");
	tap_eq(info(L4_CAP_TASK, b), TR(L4_OBJ_ENDPOINT, L4_RIGHT_R | L4_RIGHT_W), "... the failed moves left it in place");
	tap_eq(l4_task_cap_move(small, b, 3), 0, "move it into slot 3 of the small task");
	tap_ok(info(L4_CAP_TASK, b) == TR(L4_OBJ_NONE, 0) && info(small, 3) == TR(L4_OBJ_ENDPOINT, L4_RIGHT_R | L4_RIGHT_W),
	       "... it left the own table and is in the small task's");
	tap_eq(l4_task_cap_move(small, keep, SMALL_SLOTS), -L4_EBADCAP, "move into slot 16 of the small task: EBADCAP");
	tap_eq(l4_task_cap_move(small, keep, 3), -L4_EEXIST, "move into its occupied slot 3: EEXIST");
	tap_eq(info(L4_CAP_TASK, keep), TR(L4_OBJ_ENDPOINT, L4_RIGHTS_ALL), "... the source stays");
	tap_ok(used_of(L4_CAP_FACTORY) == before, "moves cost no kernel memory");

	tap_note("task: delete");
	tap_eq(l4_task_cap_delete(small, 3), 0, "delete the moved capability in the small task");
	tap_eq(info(small, 3), TR(L4_OBJ_NONE, 0), "... its slot is empty");
	tap_eq(l4_task_cap_delete(small, 3), 0, "delete the now empty slot again: ok");
	tap_eq(l4_task_cap_delete(L4_CAP_TASK, a), 0, "delete an empty slot of the own table: ok");
	tap_eq(l4_task_cap_delete(L4_CAP_TASK, 0), -L4_EBADCAP, "delete slot 0: EBADCAP");
	tap_eq(l4_task_cap_delete(L4_CAP_TASK, 1UL << L4_ROOTTASK_CAPS_LOG2), -L4_EBADCAP, "delete slot 4096: EBADCAP");
	tap_eq(l4_task_cap_delete(L4_CAP_TASK, ~0UL), -L4_EBADCAP, "delete slot 2^64-1: EBADCAP");
	tap_eq(l4_task_cap_delete(small, SMALL_SLOTS), -L4_EBADCAP, "delete slot 16 of the small task: EBADCAP");
	tap_eq(l4_task_cap_delete(small, 0), -L4_EBADCAP, "delete slot 0 of the small task: EBADCAP");
	tap_eq(raw_call_words(L4_CAP_TASK, L4_TASK_CAP_DELETE, 0, keep, 0), -L4_EINVAL,
	       "delete with 0 words (needs 1): EINVAL");
	tap_eq(info(L4_CAP_TASK, keep), TR(L4_OBJ_ENDPOINT, L4_RIGHTS_ALL), "... which deleted nothing");
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, keep, a, L4_RIGHTS_ALL, 0), 0, "a copy of the endpoint");
	uint64_t used = used_of(L4_CAP_FACTORY);
	tap_eq(l4_task_cap_delete(L4_CAP_TASK, keep), 0, "delete the capability the endpoint was created into");
	tap_ok(info(L4_CAP_TASK, a) == TR(L4_OBJ_ENDPOINT, L4_RIGHTS_ALL) && used_of(L4_CAP_FACTORY) == used,
	       "deleting a capability does not destroy the object (the copy works, memory unchanged)");
	tap_eq(l4_task_cap_delete(L4_CAP_TASK, ep), 0, "delete another capability to it");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, a), 0, "destroy the endpoint through its last capability (a copy with D)");
	tap_ok(info(L4_CAP_TASK, a) == TR(L4_OBJ_NONE, 0) && used_of(L4_CAP_FACTORY) < used,
	       "... now its memory is freed");
	cap_put(ep);
	cap_put(a);
	cap_put(b);
	cap_put(keep);
}

static void test_info(uint64_t small)
{
	unsigned empty = 0;

	tap_note("task: info");
	for (uint64_t s = 1; s < SMALL_SLOTS; s++)
		empty += info(small, s) == TR(L4_OBJ_NONE, 0);
	tap_ok(empty == SMALL_SLOTS - 1, "a new task's slots 1..15 are all empty (%u of 15)", empty);
	tap_eq(info(small, 0), -L4_EBADCAP, "info on its slot 0: EBADCAP");
	tap_eq(info(small, SMALL_SLOTS), -L4_EBADCAP, "info on its slot 16 (beyond its table): EBADCAP");
	tap_eq(info(small, L4_SEL_MAX), -L4_EBADCAP, "info on its slot 2^20-1: EBADCAP");
	tap_eq(info(small, 1UL << 63), -L4_EBADCAP, "info on its slot 2^63: EBADCAP");
	tap_eq(info(L4_CAP_TASK, (1UL << L4_ROOTTASK_CAPS_LOG2) - 1), TR(L4_OBJ_NONE, 0),
	       "info on the own table's last slot (4095): empty");
	tap_eq(info(L4_CAP_TASK, 1UL << L4_ROOTTASK_CAPS_LOG2), -L4_EBADCAP, "info on the own slot 4096: EBADCAP");
	tap_eq(info(L4_CAP_TASK, L4_CAP_SIGMA0), TR(L4_OBJ_ENDPOINT, L4_RIGHT_W | L4_RIGHT_G),
	       "info on sigma0's endpoint slot: an endpoint with W|G");
	tap_eq(info(L4_CAP_SIGMA0_TASK, 1), TR(L4_OBJ_TASK, L4_RIGHTS_ALL), "info on slot 1 of sigma0's task: its task");
	struct l4_msg m = { .mr = { L4_CAP_TASK } };
	tap_ok(l4_call(L4_CAP_TASK, L4_TASK_CAP_INFO, 1, &m) == (long)l4_tag(0, 2, 0) && m.mr[0] == L4_OBJ_TASK &&
	       m.mr[1] == L4_RIGHTS_ALL && m.badge == 0,
	       "the raw reply to info: tag with label 0 and 2 words, MR0 type, MR1 rights, badge 0");
	tap_eq(raw_call_words(L4_CAP_TASK, L4_TASK_CAP_INFO, 0, L4_CAP_TASK, 0), -L4_EINVAL,
	       "info with 0 words (needs 1): EINVAL");
	m = (struct l4_msg){ .mr = { L4_CAP_TASK } };
	tap_eq(l4_ipc(l4_ipc_word(L4_IPC_CALL, L4_CAP_TASK, 0, 0), l4_tag(L4_TASK_CAP_INFO, 1, 1), &m), -L4_EINVAL,
	       "info with a typed item: EINVAL");
	m = (struct l4_msg){ .mr = { L4_CAP_TASK } };
	tap_eq(l4_ipc(l4_ipc_word(L4_IPC_SEND, L4_CAP_TASK, 0, 0), l4_tag(L4_TASK_CAP_INFO, 1, 0), &m), -L4_ETYPE,
	       "info sent without RECV (not a call): ETYPE");
}

static void test_rights_types(uint64_t small)
{
	uint64_t rt = cap_get(), wt = cap_get(), nt = cap_get(), rs = cap_get(), ep = cap_get(), a = cap_get(),
		 b = cap_get();
	unsigned t, r;

	tap_note("task: rights and types");
	l4_factory_create_endpoint(L4_CAP_FACTORY, ep);
	tap_ok(l4_task_cap_copy(L4_CAP_TASK, L4_CAP_TASK, rt, L4_RIGHT_R, 0) == 0 &&
	       l4_task_cap_copy(L4_CAP_TASK, L4_CAP_TASK, wt, L4_RIGHT_W, 0) == 0 &&
	       l4_task_cap_copy(L4_CAP_TASK, L4_CAP_TASK, nt, 0, 0) == 0 &&
	       l4_task_cap_copy(L4_CAP_TASK, small, rs, L4_RIGHT_R, 0) == 0,
	       "copies of the own task with R, W and no rights; of the small task with R");
	tap_eq(l4_task_cap_copy(rt, ep, a, L4_RIGHTS_ALL, 0), -L4_EPERM, "copy through the R-only task: EPERM");
	tap_eq(l4_task_cap_move(rt, ep, a), -L4_EPERM, "move through the R-only task: EPERM");
	tap_eq(l4_task_cap_delete(rt, ep), -L4_EPERM, "delete through the R-only task: EPERM");
	tap_eq(l4_task_cap_delete(rt, 0), -L4_EPERM, "delete of slot 0 through it: EPERM (rights come before arguments)");
	tap_ok(info(L4_CAP_TASK, ep) == TR(L4_OBJ_ENDPOINT, L4_RIGHTS_ALL) && info(L4_CAP_TASK, a) == TR(L4_OBJ_NONE, 0),
	       "... nothing changed");
	tap_eq(info(rt, L4_CAP_FACTORY), TR(L4_OBJ_FACTORY, L4_RIGHTS_ALL), "info through the R-only task works");
	tap_eq(info(wt, L4_CAP_FACTORY), -L4_EPERM, "info through the W-only task: EPERM");
	tap_eq(l4_task_cap_copy(wt, ep, a, L4_RIGHT_R, 0), 0, "copy through the W-only task works");
	tap_eq(l4_task_cap_move(wt, a, b), 0, "move through the W-only task works");
	tap_eq(l4_task_cap_delete(wt, b), 0, "delete through the W-only task works");
	tap_ok(info(L4_CAP_TASK, a) == TR(L4_OBJ_NONE, 0) && info(L4_CAP_TASK, b) == TR(L4_OBJ_NONE, 0),
	       "... and they acted on the own table");
	tap_eq(info(nt, 1), -L4_EPERM, "info through the task capability without rights: EPERM");
	tap_eq(l4_task_cap_delete(nt, a), -L4_EPERM, "delete through it: EPERM");
	tap_eq(l4_task_cap_copy(rs, ep, 7, L4_RIGHTS_ALL, 0), -L4_EPERM, "copy into the small task through an R-only copy: EPERM");
	tap_eq(info(rs, 7), TR(L4_OBJ_NONE, 0), "... info on the small task through it works: slot 7 empty");

	tap_eq(l4_task_cap_info(L4_CAP_FACTORY, 1, &t, &r), -L4_ETYPE, "task info on a factory: ETYPE");
	tap_eq(l4_task_cap_info(L4_CAP_THREAD, 1, &t, &r), -L4_ETYPE, "task info on a thread: ETYPE");
	tap_eq(l4_task_cap_copy(L4_CAP_THREAD, ep, a, L4_RIGHTS_ALL, 0), -L4_ETYPE, "task copy on a thread: ETYPE");
	tap_eq(l4_task_cap_move(L4_CAP_FACTORY, ep, a), -L4_ETYPE, "task move on a factory: ETYPE");
	tap_eq(l4_task_cap_delete(L4_CAP_FACTORY, ep), -L4_ETYPE, "task delete on a factory: ETYPE");
	tap_eq(info(L4_CAP_TASK, ep), TR(L4_OBJ_ENDPOINT, L4_RIGHTS_ALL), "... the endpoint is still there");
	tap_eq(raw_call_words(L4_CAP_TASK, L4_TASK_UNMAP + 1, 1, 1, 0), -L4_ENOSYS,
	       "the label after TASK_UNMAP (no such task operation): ENOSYS");
	tap_eq(raw_call_words(L4_CAP_TASK, 0x7f, 1, 1, 0), -L4_ENOSYS, "label 0x7f (type 0) on a task: ENOSYS");
	tap_eq(raw_call_words(L4_CAP_TASK, L4_FACTORY_CREATE, 3, L4_OBJ_ENDPOINT, a), -L4_ETYPE,
	       "a factory label on a task: ETYPE");
	tap_eq(info(L4_CAP_TASK, a), TR(L4_OBJ_NONE, 0), "... which created nothing");
	l4_factory_destroy(L4_CAP_FACTORY, ep);
	cap_put(rt);
	cap_put(wt);
	cap_put(nt);
	cap_put(rs);
	cap_put(ep);
	cap_put(a);
	cap_put(b);
}

static void test_big_and_destroy(uint64_t small)
{
	uint64_t big = cap_get(), ep = cap_get(), before = used_of(L4_CAP_FACTORY);

	tap_note("task: the largest table, destroying a task");
	tap_eq(l4_factory_create_task(L4_CAP_FACTORY, big, L4_TASK_CAPS_MAX_LOG2), 0, "a task with 2^15 slots");
	l4_factory_create_endpoint(L4_CAP_FACTORY, ep);
	tap_eq(l4_task_cap_copy(big, ep, (1UL << 15) - 1, L4_RIGHTS_ALL, 0), 0, "copy into its last slot (32767)");
	tap_eq(info(big, (1UL << 15) - 1), TR(L4_OBJ_ENDPOINT, L4_RIGHTS_ALL), "... info shows it there");
	tap_eq(l4_task_cap_copy(big, ep, 1UL << 15, L4_RIGHTS_ALL, 0), -L4_EBADCAP, "copy into slot 32768: EBADCAP");
	tap_eq(l4_task_cap_copy(big, big, 1, L4_RIGHTS_ALL, 0), 0, "give the task a capability to itself");
	tap_eq(l4_task_cap_copy(small, big, 2, L4_RIGHT_R, 0), 0, "and the small task one to it");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, big), 0, "destroy the big task");
	tap_ok(info(L4_CAP_TASK, big) == TR(L4_OBJ_NONE, 0) && info(small, 2) == TR(L4_OBJ_NONE, 0),
	       "every capability to it is empty (own table, the small task's)");
	tap_eq(info(L4_CAP_TASK, ep), TR(L4_OBJ_ENDPOINT, L4_RIGHTS_ALL),
	       "the endpoint it held a capability to lives on");
	l4_factory_destroy(L4_CAP_FACTORY, ep);
	tap_ok(used_of(L4_CAP_FACTORY) == before, "the big task and the endpoint gave back all their memory");
	cap_put(big);
	cap_put(ep);
}

static void test_task(void)
{
	uint64_t start = used_of(L4_CAP_FACTORY), small = cap_get();

	tap_note("task: capability tables");
	tap_eq(l4_factory_create_task(L4_CAP_FACTORY, small, SMALL_LOG2), 0, "a small task with 16 slots");
	test_info(small);
	test_copy(small);
	test_move_delete(small);
	test_rights_types(small);
	test_big_and_destroy(small);
	uint64_t ep = cap_get();
	l4_factory_create_endpoint(L4_CAP_FACTORY, ep);
	l4_task_cap_copy(small, ep, 9, L4_RIGHTS_ALL, 0);
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, small), 0, "destroy the small task (holding an endpoint capability)");
	tap_ok(info(L4_CAP_TASK, small) == TR(L4_OBJ_NONE, 0) && info(L4_CAP_TASK, ep) == TR(L4_OBJ_ENDPOINT, L4_RIGHTS_ALL),
	       "its slot is empty; the endpoint is untouched");
	tap_eq(l4_task_cap_copy(small, ep, 9, L4_RIGHTS_ALL, 0), -L4_EBADCAP, "copy into the destroyed task: EBADCAP");
	l4_factory_destroy(L4_CAP_FACTORY, ep);
	cap_put(ep);
	cap_put(small);
	tap_ok(used_of(L4_CAP_FACTORY) == start, "task tests leaked no kernel memory (used %lu, at start %lu)",
	       (unsigned long)used_of(L4_CAP_FACTORY), (unsigned long)start);
}

TEST_AREA(task, 50, test_task);
