/*
 * t_factory.c - the factory (l4/kobj.h, L4_FACTORY_*): creating each object
 * type and what it costs in kernel memory; every bad selector, label, right,
 * destination, type, argument, word count and flag; quotas of sub-factories
 * (exhaustion, nesting, handing back everything); and what destroying does:
 * every capability to the object empties, threads waiting on it get
 * -L4_ECANCELED, a task's threads stop and can be bound again, a destroyed
 * thread never runs again. At the end the root factory's `used` is where it
 * started: nothing leaked.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "area.h"
#include "tap.h"
#include "util.h"

#define SENTINEL 0x5e5e5e5eL
#define MAX_EPS 512

/* Bytes used of factory f (~0 if the info call fails). */
static uint64_t limit_of(uint64_t f)
{
	uint64_t limit = 0, used = 0;

	if (l4_factory_info(f, &limit, &used))
		return ~0UL;
	return limit;
}

/* Type in slot sel of the own table (99 if cap_info fails). */
static unsigned type_of(uint64_t sel)
{
	unsigned t = 99, r = 99;

	return l4_task_cap_info(L4_CAP_TASK, sel, &t, &r) ? 99 : t;
}

static unsigned rights_of(uint64_t sel)
{
	unsigned t = 99, r = 99;

	return l4_task_cap_info(L4_CAP_TASK, sel, &t, &r) ? 99 : r;
}

/* One IPC with an explicit flag set and tag, words w0..w2 (the rest 0). */
static long raw_ipc(uint64_t sel, uint64_t flags, uint64_t tag, uint64_t w0, uint64_t w1, uint64_t w2)
{
	struct l4_msg m = { .mr = { w0, w1, w2 } };

	return l4_ipc(l4_ipc_word(flags, sel, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), tag, &m);
}

static const char *const type_name[] = { "nothing", "a factory", "a task", "a thread", "an endpoint", "a notification" };

/* Create one object of `type` through the root factory, check its capability
 * and the memory it takes, destroy it; returns the bytes it cost. */
static uint64_t create_one(unsigned type, uint64_t arg, const char *what)
{
	uint64_t sel = cap_get(), before = used_of(L4_CAP_FACTORY);
	unsigned t = 99, r = 99;

	tap_eq(l4_factory_create(L4_CAP_FACTORY, type, sel, arg), 0, what);
	uint64_t after = used_of(L4_CAP_FACTORY);
	l4_task_cap_info(L4_CAP_TASK, sel, &t, &r);
	tap_ok(t == type && r == L4_RIGHTS_ALL, "... its capability names %s with all rights (type %u, rights %#x)",
	       type_name[type], t, r);
	tap_ok(after > before && after != ~0UL, "... the root factory's used grows (%lu -> %lu)",
	       (unsigned long)before, (unsigned long)after);
	tap_note("kernel memory of %s: %lu bytes", what, (unsigned long)(after - before));
	long err = l4_factory_destroy(L4_CAP_FACTORY, sel);
	uint64_t back = used_of(L4_CAP_FACTORY);
	tap_ok(err == 0 && back == before && type_of(sel) == L4_OBJ_NONE,
	       "... destroying it gives back exactly what it took and empties its slot (err %ld, used %lu)", err,
	       (unsigned long)back);
	cap_put(sel);
	return after - before;
}

static void test_create(void)
{
	tap_note("factory: creating each type");
	uint64_t t4 = create_one(L4_OBJ_TASK, L4_TASK_CAPS_MIN_LOG2, "create a task with 2^4 slots (minimum)");
	create_one(L4_OBJ_TASK, 8, "create a task with 2^8 slots");
	create_one(L4_OBJ_TASK, L4_ROOTTASK_CAPS_LOG2, "create a task with 2^12 slots");
	uint64_t t15 = create_one(L4_OBJ_TASK, L4_TASK_CAPS_MAX_LOG2, "create a task with 2^15 slots (maximum)");
	tap_ok(t15 - t4 == 64UL * ((1UL << 15) - (1UL << 4)),
	       "a task's table costs 64 bytes a slot (2^15 slots cost %lu bytes more than 2^4)",
	       (unsigned long)(t15 - t4));
	create_one(L4_OBJ_THREAD, 0, "create a thread");
	create_one(L4_OBJ_ENDPOINT, 0, "create an endpoint");
	create_one(L4_OBJ_NOTIFICATION, 0, "create a notification");
	create_one(L4_OBJ_ENDPOINT, 0xdeadbeef, "create an endpoint with a (ignored) non-zero argument");
	uint64_t fq = 8192;
	uint64_t fc = create_one(L4_OBJ_FACTORY, fq, "create a sub-factory with an 8 KiB quota");
	tap_ok(fc > fq, "a sub-factory costs its parent its quota plus its own object (%lu + %lu bytes)",
	       (unsigned long)fq, (unsigned long)(fc - fq));
}

static void test_bad_input(void)
{
	uint64_t slot = cap_get(), empty = cap_get(), limit = 0, used = 0;
	uint64_t before = used_of(L4_CAP_FACTORY);
	struct l4_msg m = { 0 };

	tap_note("factory: bad selectors, labels, rights");
	tap_eq(l4_factory_create_endpoint(0, slot), -L4_EBADCAP, "create through selector 0: EBADCAP");
	tap_eq(l4_factory_info(0, &limit, &used), -L4_EBADCAP, "info through selector 0: EBADCAP");
	tap_eq(l4_factory_create_endpoint(1UL << L4_ROOTTASK_CAPS_LOG2, slot), -L4_EBADCAP,
	       "create through selector 4096 (beyond the table): EBADCAP");
	tap_eq(l4_factory_create_endpoint(L4_SEL_MAX, slot), -L4_EBADCAP,
	       "create through selector 2^20-1: EBADCAP");
	tap_eq(l4_factory_create_endpoint(empty, slot), -L4_EBADCAP, "create through an empty slot: EBADCAP");
	tap_eq(l4_factory_destroy(empty, slot), -L4_EBADCAP, "destroy through an empty slot: EBADCAP");
	tap_eq(l4_factory_info(L4_CAP_TASK, &limit, &used), -L4_ETYPE, "factory info on a task capability: ETYPE");
	tap_eq(l4_factory_create_endpoint(L4_CAP_THREAD, slot), -L4_ETYPE,
	       "factory create on a thread capability: ETYPE");
	tap_eq(l4_factory_destroy(L4_CAP_TASK, slot), -L4_ETYPE, "factory destroy on a task capability: ETYPE");
	tap_eq(l4_call(L4_CAP_FACTORY, L4_FACTORY_INFO + 1, 0, &m), -L4_ENOSYS,
	       "the label after FACTORY_INFO (no such factory operation): ENOSYS");
	m = (struct l4_msg){ 0 };
	tap_eq(l4_call(L4_CAP_FACTORY, 0, 0, &m), -L4_ENOSYS, "label 0 on a factory: ENOSYS");
	m = (struct l4_msg){ 0 };
	tap_eq(l4_call(L4_CAP_FACTORY, (uint64_t)L4_OBJ_TYPE_COUNT << L4_LABEL_TYPE_SHIFT, 0, &m), -L4_ENOSYS,
	       "a label of no object type (type bits = L4_OBJ_TYPE_COUNT): ENOSYS");
	m = (struct l4_msg){ 0 };
	tap_eq(l4_call(L4_CAP_FACTORY, 0xffffffffUL, 0, &m), -L4_ENOSYS, "label 0xffffffff on a factory: ENOSYS");
	m = (struct l4_msg){ .mr = { L4_CAP_TASK } };
	tap_eq(l4_call(L4_CAP_FACTORY, L4_TASK_CAP_INFO, 1, &m), -L4_ETYPE, "a task label on a factory: ETYPE");
	m = (struct l4_msg){ 0 };
	tap_eq(l4_call(L4_CAP_FACTORY, L4_THREAD_EXREGS, 4, &m), -L4_ETYPE, "a thread label on a factory: ETYPE");

	/* Copies of the root factory with fewer rights. */
	uint64_t rf = cap_get(), wf = cap_get(), nf = cap_get();
	tap_ok(l4_task_cap_copy(L4_CAP_TASK, L4_CAP_FACTORY, rf, L4_RIGHT_R, 0) == 0 &&
	       l4_task_cap_copy(L4_CAP_TASK, L4_CAP_FACTORY, wf, L4_RIGHT_W | L4_RIGHT_D, 0) == 0 &&
	       l4_task_cap_copy(L4_CAP_TASK, L4_CAP_FACTORY, nf, 0, 0) == 0 && type_of(rf) == L4_OBJ_FACTORY &&
	       rights_of(rf) == L4_RIGHT_R && rights_of(wf) == (L4_RIGHT_W | L4_RIGHT_D) && rights_of(nf) == 0,
	       "copies of the root factory with rights R, W|D and none");
	tap_eq(l4_factory_create_endpoint(rf, slot), -L4_EPERM, "create through a factory copy without W: EPERM");
	tap_ok(type_of(slot) == L4_OBJ_NONE, "... and nothing was created");
	uint64_t rl = 0, ru = 0;
	tap_ok(l4_factory_info(rf, &rl, &ru) == 0 && rl == limit_of(L4_CAP_FACTORY) && ru == used_of(L4_CAP_FACTORY),
	       "info through the R-only copy works and shows the root's quota (limit %lu, used %lu)",
	       (unsigned long)rl, (unsigned long)ru);
	tap_eq(l4_factory_info(wf, &rl, &ru), -L4_EPERM, "info through a copy without R: EPERM");
	tap_eq(l4_factory_info(nf, &rl, &ru), -L4_EPERM, "info through a copy without any right: EPERM");
	tap_eq(l4_factory_create_endpoint(nf, slot), -L4_EPERM, "create through a copy without any right: EPERM");
	tap_eq(l4_factory_create_endpoint(wf, slot), 0, "create through a W-only copy (no R) works");
	tap_eq(l4_factory_destroy(rf, slot), -L4_EPERM, "destroy through a factory copy without W: EPERM");
	tap_ok(type_of(slot) == L4_OBJ_ENDPOINT, "... and the object is still there");
	tap_eq(l4_factory_destroy(wf, slot), 0, "destroy through the W-only copy works");
	cap_put(rf);
	cap_put(wf);
	cap_put(nf);

	tap_note("factory: bad destinations, types, arguments");
	tap_eq(l4_factory_create_endpoint(L4_CAP_FACTORY, 0), -L4_EBADCAP, "create into slot 0: EBADCAP");
	tap_eq(l4_factory_create_endpoint(L4_CAP_FACTORY, 1UL << L4_ROOTTASK_CAPS_LOG2), -L4_EBADCAP,
	       "create into slot 4096 (beyond the table): EBADCAP");
	tap_eq(l4_factory_create_endpoint(L4_CAP_FACTORY, 1UL << 63), -L4_EBADCAP, "create into slot 2^63: EBADCAP");
	tap_eq(l4_factory_create_endpoint(L4_CAP_FACTORY, L4_CAP_TASK), -L4_EEXIST,
	       "create into an occupied slot (the own task's): EEXIST");
	tap_ok(type_of(L4_CAP_TASK) == L4_OBJ_TASK && rights_of(L4_CAP_TASK) == L4_RIGHTS_ALL,
	       "... which still holds the own task");
	tap_eq(l4_factory_create_endpoint(L4_CAP_FACTORY, slot), 0, "create an endpoint into a fresh slot");
	tap_eq(l4_factory_create_notification(L4_CAP_FACTORY, slot), -L4_EEXIST,
	       "create into the slot just filled: EEXIST");
	tap_ok(type_of(slot) == L4_OBJ_ENDPOINT, "... which still holds the endpoint");
	l4_factory_destroy(L4_CAP_FACTORY, slot);

	tap_eq(l4_factory_create(L4_CAP_FACTORY, L4_OBJ_NONE, slot, 0), -L4_EINVAL, "create type 0 (none): EINVAL");
	tap_eq(l4_factory_create(L4_CAP_FACTORY, L4_OBJ_TYPE_COUNT, slot, 0), -L4_EINVAL,
	       "create type L4_OBJ_TYPE_COUNT (unknown): EINVAL");
	m = (struct l4_msg){ .mr = { (1UL << 32) | L4_OBJ_ENDPOINT, slot, 0 } };
	tap_eq(l4_call(L4_CAP_FACTORY, L4_FACTORY_CREATE, 3, &m), -L4_EINVAL,
	       "create type 2^32 + endpoint (type is the whole word): EINVAL");
	m = (struct l4_msg){ .mr = { ~0UL, slot, 0 } };
	tap_eq(l4_call(L4_CAP_FACTORY, L4_FACTORY_CREATE, 3, &m), -L4_EINVAL, "create type 2^64-1: EINVAL");
	tap_eq(l4_factory_create_task(L4_CAP_FACTORY, slot, L4_TASK_CAPS_MIN_LOG2 - 1), -L4_EINVAL,
	       "create a task with 2^3 slots (below the minimum): EINVAL");
	tap_eq(l4_factory_create_task(L4_CAP_FACTORY, slot, 0), -L4_EINVAL, "create a task with 2^0 slots: EINVAL");
	tap_eq(l4_factory_create_task(L4_CAP_FACTORY, slot, L4_TASK_CAPS_MAX_LOG2 + 1), -L4_EINVAL,
	       "create a task with 2^17 slots (above the maximum): EINVAL");
	tap_eq(l4_factory_create(L4_CAP_FACTORY, L4_OBJ_TASK, slot, (1UL << 32) | 8), -L4_EINVAL,
	       "create a task with log2 2^32 + 8 (the argument is the whole word): EINVAL");
	tap_eq(l4_factory_create_factory(L4_CAP_FACTORY, slot, 0), -L4_EINVAL, "create a sub-factory with quota 0: EINVAL");

	tap_note("factory: bad messages");
	tap_eq(raw_ipc(L4_CAP_FACTORY, L4_IPC_CALL, l4_tag(L4_FACTORY_CREATE, 2, 0), L4_OBJ_ENDPOINT, slot, 0),
	       -L4_EINVAL, "create with 2 words (needs 3): EINVAL");
	tap_eq(raw_ipc(L4_CAP_FACTORY, L4_IPC_CALL, l4_tag(L4_FACTORY_CREATE, 0, 0), L4_OBJ_ENDPOINT, slot, 0),
	       -L4_EINVAL, "create with 0 words: EINVAL");
	tap_eq(raw_ipc(L4_CAP_FACTORY, L4_IPC_CALL, l4_tag(L4_FACTORY_CREATE, 7, 0), L4_OBJ_ENDPOINT, slot, 0),
	       -L4_EINVAL, "create with 7 words (more than the 6 in registers): EINVAL");
	tap_eq(raw_ipc(L4_CAP_FACTORY, L4_IPC_CALL, l4_tag(L4_FACTORY_CREATE, 3, 1), L4_OBJ_ENDPOINT, slot, 0),
	       -L4_EINVAL, "create with a typed item: EINVAL");
	tap_eq(raw_ipc(L4_CAP_FACTORY, L4_IPC_CALL, l4_tag(L4_FACTORY_CREATE, 3, 0) | 1UL << 48, L4_OBJ_ENDPOINT, slot,
		       0),
	       -L4_EINVAL, "create with a tag whose bits 48..63 are not zero: EINVAL");
	tap_eq(raw_ipc(L4_CAP_FACTORY, L4_IPC_CALL, l4_tag(L4_FACTORY_DESTROY, 0, 0), L4_CAP_TASK, 0, 0), -L4_EINVAL,
	       "destroy with 0 words (needs 1): EINVAL");
	tap_eq(raw_ipc(L4_CAP_FACTORY, L4_IPC_CALL, l4_tag(L4_FACTORY_INFO, 0, 2), 0, 0, 0), -L4_EINVAL,
	       "info with typed items: EINVAL");
	tap_ok(raw_ipc(L4_CAP_FACTORY, L4_IPC_CALL, l4_tag(L4_FACTORY_INFO, 6, 0), 0, 0, 0) == (long)l4_tag(0, 2, 0),
	       "info with 6 (unneeded) words works; the reply tag has label 0 and 2 words");
	tap_eq(raw_ipc(L4_CAP_FACTORY, L4_IPC_SEND, l4_tag(L4_FACTORY_CREATE, 3, 0), L4_OBJ_ENDPOINT, slot, 0),
	       -L4_ETYPE, "create sent with SEND only (not a call): ETYPE (only calls reach kernel objects)");
	tap_eq(raw_ipc(L4_CAP_FACTORY, L4_IPC_RECV, l4_tag(L4_FACTORY_CREATE, 3, 0), L4_OBJ_ENDPOINT, slot, 0),
	       -L4_ETYPE, "create with RECV only: ETYPE (only calls reach kernel objects)");
	tap_eq(raw_ipc(L4_CAP_FACTORY, L4_IPC_REPLY_WAIT, l4_tag(L4_FACTORY_CREATE, 3, 0), L4_OBJ_ENDPOINT, slot, 0),
	       -L4_ETYPE, "create with REPLY|RECV: ETYPE (only calls reach kernel objects)");
	tap_eq(raw_ipc(L4_CAP_FACTORY, L4_IPC_CALL | L4_IPC_REPLY, l4_tag(L4_FACTORY_CREATE, 3, 0), L4_OBJ_ENDPOINT,
		       slot, 0),
	       -L4_EINVAL, "create with CALL|REPLY: EINVAL");
	tap_eq(raw_ipc(L4_CAP_FACTORY, 1UL << 7, l4_tag(L4_FACTORY_CREATE, 3, 0), L4_OBJ_ENDPOINT, slot, 0),
	       -L4_EINVAL, "create with an unknown flag bit: EINVAL");
	tap_ok(type_of(slot) == L4_OBJ_NONE && used_of(L4_CAP_FACTORY) == before,
	       "none of the failed creates filled the slot or used memory");
	cap_put(slot);
	cap_put(empty);
}

static void test_quota(void)
{
	static uint64_t eps[MAX_EPS];
	const uint64_t q = 16384;
	uint64_t before = used_of(L4_CAP_FACTORY), sub = cap_get(), limit = 0, used = 0;

	tap_note("factory: quotas");
	tap_eq(l4_factory_create_factory(L4_CAP_FACTORY, sub, q), 0, "create a sub-factory with a 16 KiB quota");
	tap_ok(l4_factory_info(sub, &limit, &used) == 0 && limit == q && used == 0,
	       "its info: limit 16384, used 0 (got %lu, %lu)", (unsigned long)limit, (unsigned long)used);
	uint64_t root_with_sub = used_of(L4_CAP_FACTORY);
	tap_ok(root_with_sub >= before + q, "the root factory is charged the whole quota at once (%lu more)",
	       (unsigned long)(root_with_sub - before));

	unsigned n = 0;
	long err = 0;
	bool within = true;
	uint64_t each = 0;
	while (n < MAX_EPS) {
		eps[n] = cap_get();
		err = l4_factory_create_endpoint(sub, eps[n]);
		if (err)
			break;
		l4_factory_info(sub, &limit, &used);
		if (n == 0)
			each = used;
		within &= used <= limit && used == each * (n + 1);
		n++;
	}
	tap_eq(err, -L4_ENOMEM, "creating endpoints from it ends with ENOMEM");
	tap_ok(n > 0 && each > 0 && n == q / each, "%u endpoints of %lu bytes fit in 16 KiB (quota / block size = %lu)",
	       n, (unsigned long)each, (unsigned long)(each ? q / each : 0));
	tap_ok(within, "used grew by one block per endpoint and never exceeded the limit");
	tap_ok(used_of(L4_CAP_FACTORY) == root_with_sub, "objects of the sub-factory do not charge the root again");
	uint64_t spare = eps[n < MAX_EPS ? n : MAX_EPS - 1];
	tap_ok(type_of(spare) == L4_OBJ_NONE, "the failed create left its slot empty");
	tap_eq(l4_factory_create_notification(sub, spare), -L4_ENOMEM, "a notification does not fit either: ENOMEM");
	tap_eq(l4_factory_create_thread(sub, spare), -L4_ENOMEM, "a thread does not fit: ENOMEM");
	tap_eq(l4_factory_create_task(sub, spare, L4_TASK_CAPS_MIN_LOG2), -L4_ENOMEM, "a task does not fit: ENOMEM");
	tap_eq(l4_factory_create_factory(sub, spare, 64), -L4_ENOMEM, "a sub-sub-factory does not fit: ENOMEM");
	l4_factory_info(sub, &limit, &used);
	tap_ok(used == q && type_of(spare) == L4_OBJ_NONE, "the failed creates changed nothing (used %lu)",
	       (unsigned long)used);
	if (n > 0) {
		tap_ok(l4_factory_destroy(sub, eps[n - 1]) == 0 && used_of(sub) == q - each,
		       "destroying one endpoint frees its block");
		tap_eq(l4_factory_create_endpoint(sub, eps[n - 1]), 0, "... and then one more fits");
	}
	/* A copy of one of them, so destroying the factory has more to empty. */
	uint64_t copy = cap_get();
	tap_eq(l4_task_cap_copy(L4_CAP_TASK, eps[0], copy, L4_RIGHT_R, 0), 0, "copy one of its endpoints");
	tap_eq(l4_factory_create_factory(L4_CAP_FACTORY, spare, ~0UL), -L4_ENOMEM,
	       "a sub-factory with a quota of 2^64-1 bytes: ENOMEM");
	tap_eq(l4_factory_create_factory(L4_CAP_FACTORY, spare, limit_of(L4_CAP_FACTORY)), -L4_ENOMEM,
	       "a sub-factory with the root's whole quota (part of it is used): ENOMEM");
	tap_ok(type_of(spare) == L4_OBJ_NONE && used_of(L4_CAP_FACTORY) == root_with_sub,
	       "... which changed nothing");

	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, sub), 0, "destroy the full sub-factory through the root");
	unsigned left = 0;
	for (unsigned i = 0; i < n; i++)
		left += type_of(eps[i]) != L4_OBJ_NONE;
	tap_ok(left == 0 && type_of(copy) == L4_OBJ_NONE && type_of(sub) == L4_OBJ_NONE,
	       "every capability to what it made (and to it, and the copy) is empty (%u left)", left);
	tap_ok(used_of(L4_CAP_FACTORY) == before, "the root factory's used is back to %lu (now %lu)",
	       (unsigned long)before, (unsigned long)used_of(L4_CAP_FACTORY));
	for (unsigned i = 0; i <= n && i < MAX_EPS; i++)
		cap_put(eps[i]);
	cap_put(copy);

	/* A sub-factory cannot give more than it has. */
	uint64_t s2 = cap_get(), s3 = cap_get();
	l4_factory_create_factory(L4_CAP_FACTORY, s2, q);
	tap_eq(l4_factory_create_factory(s2, s3, q + 1), -L4_ENOMEM,
	       "a sub-factory asked for more than its own quota: ENOMEM");
	tap_eq(l4_factory_create_factory(s2, s3, q), -L4_ENOMEM,
	       "... or for all of it (the new factory's own object must fit too): ENOMEM");
	tap_ok(used_of(s2) == 0 && type_of(s3) == L4_OBJ_NONE, "... leaving its used at 0");
	tap_eq(l4_factory_create_factory(s2, s3, q / 2), 0, "asked for half its quota it works");
	tap_ok(used_of(s2) > q / 2 && limit_of(s3) == q / 2 && used_of(s3) == 0,
	       "... charging the half and the object to it (used %lu)", (unsigned long)used_of(s2));
	l4_factory_destroy(L4_CAP_FACTORY, s2);
	tap_ok(type_of(s2) == L4_OBJ_NONE && type_of(s3) == L4_OBJ_NONE && used_of(L4_CAP_FACTORY) == before,
	       "destroying it (and its child) returns everything");
	cap_put(s2);
	cap_put(s3);

	/* Three levels deep, destroyed from the top. */
	uint64_t a = cap_get(), b = cap_get(), c = cap_get(), ea = cap_get(), eb = cap_get(), ec = cap_get(),
		 ec2 = cap_get();
	tap_ok(l4_factory_create_factory(L4_CAP_FACTORY, a, 65536) == 0 && l4_factory_create_factory(a, b, 32768) == 0 &&
	       l4_factory_create_factory(b, c, 16384) == 0 && l4_factory_create_endpoint(a, ea) == 0 &&
	       l4_factory_create_endpoint(b, eb) == 0 && l4_factory_create_endpoint(c, ec) == 0 &&
	       l4_factory_create_endpoint(c, ec2) == 0,
	       "nested sub-factories A (64 KiB) > B (32 KiB) > C (16 KiB), an endpoint from each");
	tap_ok(used_of(a) > 32768 && used_of(b) > 16384 && used_of(c) > 0, "each level's used holds its child's quota");
	tap_eq(l4_factory_destroy(c, ea), -L4_EPERM, "destroy A's endpoint through C (a descendant of A): EPERM");
	tap_eq(l4_factory_destroy(b, ea), -L4_EPERM, "destroy A's endpoint through B: EPERM");
	tap_eq(l4_factory_destroy(b, a), -L4_EPERM, "destroy A through B (its child): EPERM");
	tap_eq(l4_factory_destroy(b, b), -L4_EPERM, "a factory destroying itself: EPERM");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, L4_CAP_FACTORY), -L4_EPERM, "the root factory destroying itself: EPERM");
	uint64_t c_used = used_of(c);
	tap_eq(l4_factory_destroy(a, ec2), 0, "destroy C's endpoint through A (an ancestor of C) works");
	tap_ok(type_of(ec2) == L4_OBJ_NONE && used_of(c) < c_used, "... and C's used shrinks");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, a), 0, "destroy A through the root");
	tap_ok(type_of(a) == L4_OBJ_NONE && type_of(b) == L4_OBJ_NONE && type_of(c) == L4_OBJ_NONE &&
	       type_of(ea) == L4_OBJ_NONE && type_of(eb) == L4_OBJ_NONE && type_of(ec) == L4_OBJ_NONE,
	       "A, B, C and their endpoints are all gone");
	tap_ok(used_of(L4_CAP_FACTORY) == before, "the root factory's used is back (%lu)",
	       (unsigned long)used_of(L4_CAP_FACTORY));
	cap_put(a);
	cap_put(b);
	cap_put(c);
	cap_put(ea);
	cap_put(eb);
	cap_put(ec);
	cap_put(ec2);
}

/* A thread that receives on an endpoint and records what its receive returned. */
struct rcv {
	uint64_t ep;
	volatile long result;
};

static void receiver(void *arg)
{
	struct rcv *r = arg;
	struct l4_msg m = { 0 };

	r->result = l4_receive(r->ep, &m);
}

static uint64_t self_sel;
static volatile int self_after;

static void destroy_self(void *arg)
{
	(void)arg;
	l4_factory_destroy(L4_CAP_FACTORY, self_sel);
	self_after = 1;         /* never reached */
}

static uint8_t sub_stack[8192] __attribute__((aligned(16)));

static void test_destroy(void)
{
	uint64_t before = used_of(L4_CAP_FACTORY);
	uint64_t ep = cap_get(), c1 = cap_get(), c2 = cap_get(), c3 = cap_get(), sub = cap_get();

	tap_note("factory: destroying");
	l4_factory_create_endpoint(L4_CAP_FACTORY, ep);
	tap_ok(l4_task_cap_copy(L4_CAP_TASK, ep, c1, L4_RIGHTS_ALL & ~L4_RIGHT_D, 0) == 0 &&
	       l4_task_cap_copy(L4_CAP_TASK, ep, c2, L4_RIGHT_R, 0) == 0 &&
	       l4_task_cap_copy(L4_CAP_TASK, c1, c3, L4_RIGHTS_ALL, 7) == 0,
	       "an endpoint with three copies (no D; R only; a badged copy of the first)");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, c1), -L4_EPERM, "destroy through a copy without D: EPERM");
	tap_ok(type_of(ep) == L4_OBJ_ENDPOINT && type_of(c1) == L4_OBJ_ENDPOINT, "... the endpoint lives on");
	tap_ok(rights_of(c3) == (L4_RIGHTS_ALL & ~L4_RIGHT_D), "a copy of the no-D copy has no D either");
	tap_eq(l4_factory_create_factory(L4_CAP_FACTORY, sub, 8192), 0, "a sub-factory");
	tap_eq(l4_factory_destroy(sub, ep), -L4_EPERM, "destroy the root's endpoint through the sub-factory: EPERM");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, ep), 0, "destroy it through the root (which made it)");
	tap_ok(type_of(ep) == L4_OBJ_NONE && type_of(c1) == L4_OBJ_NONE && type_of(c2) == L4_OBJ_NONE &&
	       type_of(c3) == L4_OBJ_NONE, "the original and all three copies are empty");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, ep), -L4_EBADCAP, "destroying it again (empty selector): EBADCAP");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, 0), -L4_EBADCAP, "destroying selector 0: EBADCAP");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, 1UL << L4_ROOTTASK_CAPS_LOG2), -L4_EBADCAP,
	       "destroying selector 4096 (beyond the table): EBADCAP");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, ~0UL), -L4_EBADCAP, "destroying selector 2^64-1: EBADCAP");
	l4_factory_destroy(L4_CAP_FACTORY, sub);

	/* Threads blocked receiving on an endpoint that is destroyed. */
	static struct rcv r1, r2, r3;
	l4_factory_create_endpoint(L4_CAP_FACTORY, ep);
	r1 = (struct rcv){ .ep = ep, .result = SENTINEL };
	r2 = (struct rcv){ .ep = ep, .result = SENTINEL };
	uint64_t t1 = thread_spawn(receiver, &r1, 100), t2 = thread_spawn(receiver, &r2, 100);
	YIELD_UNTIL(state_of(t1) == L4_THREAD_BLOCKED && state_of(t2) == L4_THREAD_BLOCKED);
	tap_ok(t1 && t2 && state_of(t1) == L4_THREAD_BLOCKED && state_of(t2) == L4_THREAD_BLOCKED &&
	       r1.result == SENTINEL && r2.result == SENTINEL,
	       "two threads block receiving on an endpoint");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, ep), 0, "destroy the endpoint");
	YIELD_UNTIL(state_of(t1) == L4_THREAD_INACTIVE && state_of(t2) == L4_THREAD_INACTIVE);
	tap_eq(r1.result, -L4_ECANCELED, "the first receiver's receive returns ECANCELED");
	tap_eq(r2.result, -L4_ECANCELED, "the second receiver's receive returns ECANCELED");
	tap_ok(state_of(t1) == L4_THREAD_INACTIVE && state_of(t2) == L4_THREAD_INACTIVE,
	       "both ran on and stopped themselves");
	thread_del(t1);
	thread_del(t2);

	/* A thread destroyed while it waits: it never runs again, the endpoint
	 * does not remember it. */
	l4_factory_create_endpoint(L4_CAP_FACTORY, ep);
	r3 = (struct rcv){ .ep = ep, .result = SENTINEL };
	uint64_t t3 = thread_spawn(receiver, &r3, 100);
	YIELD_UNTIL(state_of(t3) == L4_THREAD_BLOCKED);
	tap_ok(t3 && state_of(t3) == L4_THREAD_BLOCKED, "a thread blocks receiving on an endpoint");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, t3), 0, "destroy the blocked thread");
	tap_ok(type_of(t3) == L4_OBJ_NONE, "... its slot is empty");
	yield_n(3);
	tap_ok(l4_factory_destroy(L4_CAP_FACTORY, ep) == 0 && r3.result == SENTINEL,
	       "destroying the endpoint afterwards works and the dead thread never returns from its receive");
	thread_del(t3);

	/* A thread destroying itself gets no reply. */
	self_after = 0;
	self_sel = thread_spawn(destroy_self, 0, 100);
	YIELD_UNTIL(type_of(self_sel) == L4_OBJ_NONE);
	tap_ok(self_sel && self_after == 0 && type_of(self_sel) == L4_OBJ_NONE,
	       "a thread that destroys itself is gone and never returns from the call");
	thread_del(self_sel);

	/* A task with a thread bound to it (READY at priority 0: it never runs). */
	uint64_t task = cap_get(), th = cap_get();
	struct l4_thread_config cfg = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_UTCB, .task = task,
					.utcb = 0x100000 };
	struct l4_exregs x = { .flags = L4_EXREGS_SET_PC | L4_EXREGS_SET_SP | L4_EXREGS_START, .pc = 0x100000,
			       .sp = 0x101000 };
	tap_ok(l4_factory_create_task(L4_CAP_FACTORY, task, L4_TASK_CAPS_MIN_LOG2) == 0 &&
	       l4_factory_create_thread(L4_CAP_FACTORY, th) == 0 && l4_thread_config(th, &cfg) == 0 &&
	       l4_thread_exregs(th, &x) == 0 && state_of(th) == L4_THREAD_READY,
	       "a new task with a thread bound to it (with a UTCB), started");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, task), 0, "destroy the task");
	tap_ok(type_of(task) == L4_OBJ_NONE && type_of(th) == L4_OBJ_THREAD, "the task's slot is empty, the thread's not");
	tap_eq(state_of(th), L4_THREAD_INACTIVE, "the thread was stopped (INACTIVE)");
	x = (struct l4_exregs){ .flags = L4_EXREGS_START };
	tap_eq(l4_thread_exregs(th, &x), -L4_EINVAL, "it has no task any more: START is EINVAL");
	cfg = (struct l4_thread_config){ .which = L4_THREAD_CFG_TASK, .task = L4_CAP_TASK };
	tap_eq(l4_thread_config(th, &cfg), 0, "it can be bound to another task");
	l4_factory_destroy(L4_CAP_FACTORY, th);
	cap_put(task);
	cap_put(th);

	/* A sub-factory destroyed while a thread it made waits on its endpoint. */
	uint64_t sep = cap_get(), sth = cap_get();
	static struct rcv r4;
	r4 = (struct rcv){ .ep = sep, .result = SENTINEL };
	cfg = (struct l4_thread_config){ .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO, .task = L4_CAP_TASK,
					 .prio = 100, .max_prio = 100 };
	tap_ok(l4_factory_create_factory(L4_CAP_FACTORY, sub, 65536) == 0 && l4_factory_create_endpoint(sub, sep) == 0 &&
	       l4_factory_create_thread(sub, sth) == 0 && l4_thread_config(sth, &cfg) == 0 &&
	       l4_thread_run(sth, receiver, &r4, sub_stack, sizeof(sub_stack)) == 0,
	       "a sub-factory's thread runs in the testroot's task");
	YIELD_UNTIL(state_of(sth) == L4_THREAD_BLOCKED);
	tap_eq(state_of(sth), L4_THREAD_BLOCKED, "... and blocks on the sub-factory's endpoint");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, sub), 0, "destroy the sub-factory");
	yield_n(3);
	tap_ok(type_of(sub) == L4_OBJ_NONE && type_of(sep) == L4_OBJ_NONE && type_of(sth) == L4_OBJ_NONE &&
	       r4.result == SENTINEL, "its thread and endpoint are gone; the thread did not run again");
	cap_put(sep);
	cap_put(sth);

	tap_ok(used_of(L4_CAP_FACTORY) == before, "after the destroy tests the root factory's used is back (%lu)",
	       (unsigned long)used_of(L4_CAP_FACTORY));
	cap_put(ep);
	cap_put(c1);
	cap_put(c2);
	cap_put(c3);
	cap_put(sub);
}

static void test_factory(void)
{
	uint64_t start = used_of(L4_CAP_FACTORY);

	tap_note("factory (root factory: limit %lu, used %lu)", (unsigned long)limit_of(L4_CAP_FACTORY),
		 (unsigned long)start);
	test_create();
	test_bad_input();
	test_quota();
	test_destroy();
	tap_ok(used_of(L4_CAP_FACTORY) == start, "factory tests leaked no kernel memory (used %lu, at start %lu)",
	       (unsigned long)used_of(L4_CAP_FACTORY), (unsigned long)start);
}

TEST_AREA(factory, 40, test_factory);
