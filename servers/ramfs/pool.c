/*
 * pool.c - the ramfs's pages (pool.h): one anonymous dataspace of the
 * memory server, as large as the limit, mapped page by page into the
 * server at POOL_VA when first needed (the memory server charges a page
 * when it is first mapped, so its ENOMEM is our ENOSPC too). Pages given
 * back go on a free list linked through their first word and are zeroed
 * when taken again; they stay charged (the server's memory does not
 * shrink, the tree's use does). Small blocks are carved from pages in five
 * size classes (16 .. 256 bytes) with a free list each.
 */
#include <stdint.h>

#include <l4/dataspace.h>
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/kip.h>
#include <l4/memsrv.h>
#include <l4/sys.h>
#include <l4/task.h>

#include <common/string.h>

#include "pool.h"
#include "ramfs.h"

static uint64_t ds;                     /* the pool dataspace (ADMIN) */
static uint32_t limit, mapped, used;    /* pages: the limit, mapped here (1..mapped), in use */
static uint32_t free_head;              /* free pages, linked through their first word */
static void *small_free[5];             /* 16, 32, 64, 128, 256 bytes */

_Static_assert(POOL_VA == 0x100000000UL, "pool_va (pool.h) names the pool's address");

long pool_init(uint64_t mem, uint64_t pages, uint64_t slot)
{
	if (!pages || pages > POOL_MAX_PAGES)
		return -L4_EINVAL;
	long r = l4_mem_alloc(mem, l4_utcb(), (pages + 1) * POOL_PAGE, 0, slot, 0);
	if (r)
		return r;
	ds = slot;
	limit = (uint32_t)pages;
	return 0;
}

long pool_get(uint32_t *idx)
{
	if (used >= limit)
		return -L4_ENOSPC;
	if (free_head) {
		uint32_t i = free_head;
		free_head = *(uint32_t *)pool_va(i);
		memset(pool_va(i), 0, POOL_PAGE);
		used++;
		*idx = i;
		return 0;
	}
	uint32_t i = mapped + 1;        /* index 0 is never used */
	long r = l4_ds_map(ds, l4_utcb(), (uint64_t)i * POOL_PAGE, (uint64_t)pool_va(i), L4_FP_R | L4_FP_W,
			   L4_FP_R | L4_FP_W);
	if (r < 0)
		return -L4_ENOSPC;      /* the memory server's limit (or its memory) */
	mapped = i;
	used++;
	*idx = i;
	return 0;
}

void pool_put(uint32_t idx)
{
	/* Whatever clients have of it goes (map items came from this mapping). */
	l4_task_unmap(L4_ENV_CAP_TASK, l4_fpage((uint64_t)pool_va(idx), 12, L4_FP_RWX), 0);
	*(uint32_t *)pool_va(idx) = free_head;
	free_head = idx;
	used--;
}

static unsigned small_class(unsigned bytes)
{
	unsigned c = 0;

	while ((16U << c) < bytes)
		c++;
	return c;
}

void *pool_small(unsigned bytes)
{
	if (!bytes || bytes > 256)
		return 0;
	unsigned c = small_class(bytes), size = 16U << c;
	if (!small_free[c]) {
		uint32_t idx;
		if (pool_get(&idx))
			return 0;
		uint8_t *p = pool_va(idx);
		for (unsigned off = 0; off < POOL_PAGE; off += size) {
			*(void **)(p + off) = small_free[c];
			small_free[c] = p + off;
		}
	}
	void *b = small_free[c];
	small_free[c] = *(void **)b;
	return b;
}

void pool_small_put(void *p, unsigned bytes)
{
	unsigned c = small_class(bytes);

	*(void **)p = small_free[c];
	small_free[c] = p;
}

uint64_t pool_used(void)
{
	return used;
}

uint64_t pool_limit(void)
{
	return limit;
}

uint64_t pool_now(void)
{
	uint64_t t, hz = l4_kip()->timebase_hz;

	__asm__ volatile("rdtime %0" : "=r"(t));
	return hz ? t / hz : 0;
}
