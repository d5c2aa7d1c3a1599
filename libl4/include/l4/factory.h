/*
 * l4/factory.h - calls on a factory (protocol in l4/kobj.h). Each returns
 * 0 or -L4_Exxx.
 */
#pragma once

#include <stdint.h>

#include <l4/sys.h>
#include <l4/kobj.h>

/* Create an object of `type` into the empty slot `dst` of the caller's table. */
static inline long l4_factory_create(uint64_t factory, unsigned type, uint64_t dst, uint64_t arg)
{
	struct l4_msg m = { .mr = { type, dst, arg } };
	long r = l4_call(factory, L4_FACTORY_CREATE, 3, &m);
	return r < 0 ? r : 0;
}

static inline long l4_factory_create_task(uint64_t factory, uint64_t dst, unsigned caps_log2)
{
	return l4_factory_create(factory, L4_OBJ_TASK, dst, caps_log2);
}

static inline long l4_factory_create_thread(uint64_t factory, uint64_t dst)
{
	return l4_factory_create(factory, L4_OBJ_THREAD, dst, 0);
}

static inline long l4_factory_create_endpoint(uint64_t factory, uint64_t dst)
{
	return l4_factory_create(factory, L4_OBJ_ENDPOINT, dst, 0);
}

static inline long l4_factory_create_notification(uint64_t factory, uint64_t dst)
{
	return l4_factory_create(factory, L4_OBJ_NOTIFICATION, dst, 0);
}

/* A sub-factory with `quota` bytes taken from this factory's quota. */
static inline long l4_factory_create_factory(uint64_t factory, uint64_t dst, uint64_t quota)
{
	return l4_factory_create(factory, L4_OBJ_FACTORY, dst, quota);
}

/* Destroy the object named by `obj` (needs L4_RIGHT_D) that this factory or one below made. */
static inline long l4_factory_destroy(uint64_t factory, uint64_t obj)
{
	struct l4_msg m = { .mr = { obj } };
	long r = l4_call(factory, L4_FACTORY_DESTROY, 1, &m);
	return r < 0 ? r : 0;
}

/* The quota's limit and the bytes used of it. */
static inline long l4_factory_info(uint64_t factory, uint64_t *limit, uint64_t *used)
{
	struct l4_msg m = { 0 };
	long r = l4_call(factory, L4_FACTORY_INFO, 0, &m);
	if (r < 0)
		return r;
	*limit = m.mr[0];
	*used = m.mr[1];
	return 0;
}
