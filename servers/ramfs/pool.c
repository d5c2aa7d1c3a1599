/*
 * pool.c - the ramfs's pages (pool.h): one anonymous dataspace of the
 * memory server, as large as the limit, mapped page by page into the
 * server at POOL_VA when first needed (the memory server charges a page
 * when it is first mapped, so its ENOMEM is our ENOSPC too). Pages given
 * back go on a free list linked through their first word and are zeroed
 * when taken again; they stay charged (the server's memory does not
 * shrink, the tree's use does). Free lists are kept by colour (index mod
 * 16) so that a file's data pages can have the colour of their page
 * number: a file written in order then has each aligned 64 KiB of its
 * data in one aligned 64 KiB of the pool, which one map item sends. Small blocks are carved from pages in five
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
static uint32_t free_head[POOL_COLOURS]; /* free pages by colour (below) */
static void *small_free[5];             /* 16, 32, 64, 128, 256 bytes */

static uint32_t pool_any(void);

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

/*
 * Free pages: a doubly linked list per colour through the pages' first
 * two words (so that pool_get_at can take one out of the middle), and a
 * bit each in freebits.
 */
struct link {
	uint32_t prev, next;
};
static uint64_t freebits[POOL_MAX_PAGES / 64];

static struct link *link_of(uint32_t i)
{
	return (struct link *)pool_va(i);
}

static int is_free(uint32_t i)
{
	return i < POOL_MAX_PAGES && (freebits[i / 64] >> (i % 64) & 1);
}

/* Page i (free) off its list, zeroed. */
static void unlink_page(uint32_t i)
{
	struct link *l = link_of(i);
	unsigned c = i % POOL_COLOURS;

	if (l->prev)
		link_of(l->prev)->next = l->next;
	else
		free_head[c] = l->next;
	if (l->next)
		link_of(l->next)->prev = l->prev;
	freebits[i / 64] &= ~(1UL << (i % 64));
	memset(pool_va(i), 0, POOL_PAGE);
}

/* A free page of colour c, taken off its list and zeroed, or 0. */
static uint32_t take(unsigned c)
{
	uint32_t i = free_head[c];

	if (i)
		unlink_page(i);
	return i;
}

static void park(uint32_t i)
{
	unsigned c = i % POOL_COLOURS;
	struct link *l = link_of(i);

	l->prev = 0;
	l->next = free_head[c];
	if (free_head[c])
		link_of(free_head[c])->prev = i;
	free_head[c] = i;
	freebits[i / 64] |= 1UL << (i % 64);
}

/* The next page of the dataspace mapped here (fresh: zero), or 0 (no memory). */
static uint32_t fresh(void)
{
	uint32_t i = mapped + 1;        /* index 0 is never used */

	if (i >= POOL_MAX_PAGES || l4_ds_map(ds, l4_utcb(), (uint64_t)i * POOL_PAGE, (uint64_t)pool_va(i),
					     L4_FP_R | L4_FP_W, L4_FP_R | L4_FP_W) < 0)
		return 0;
	mapped = i;
	return i;
}

long pool_get_colour(unsigned c, uint32_t *idx)
{
	uint32_t i;

	if (used >= limit)
		return -L4_ENOSPC;
	c %= POOL_COLOURS;
	if (!(i = take(c))) {
		/* Fresh pages up to one of colour c; those before it wait on their lists. */
		while ((i = fresh()) && i % POOL_COLOURS != c)
			park(i);
		if (!i && !(i = pool_any()))
			return -L4_ENOSPC;      /* the memory server's limit (or its memory) */
	}
	used++;
	*idx = i;
	return 0;
}

/* A free page of any colour (from `rot` on, so no list is favoured), or 0. */
static uint32_t pool_any(void)
{
	static unsigned rot;

	for (unsigned k = 0; k < POOL_COLOURS; k++) {
		uint32_t i = take((rot + k) % POOL_COLOURS);
		if (i) {
			rot = (rot + k + 1) % POOL_COLOURS;
			return i;
		}
	}
	return 0;
}

long pool_get_at(uint32_t want, uint32_t *idx)
{
	uint32_t i = 0;

	if (used >= limit || !want || want >= POOL_MAX_PAGES)
		return -L4_ENOSPC;
	if (is_free(want)) {
		unlink_page(want);
		i = want;
	} else if (want > mapped) {
		/* Fresh up to it; those before it wait on their lists. */
		while ((i = fresh()) && i != want)
			park(i);
	}
	if (!i)
		return -L4_ENOSPC;
	used++;
	*idx = i;
	return 0;
}

long pool_get(uint32_t *idx)
{
	uint32_t i;

	if (used >= limit)
		return -L4_ENOSPC;
	if (!(i = pool_any()) && !(i = fresh()))
		return -L4_ENOSPC;      /* the memory server's limit (or its memory) */
	used++;
	*idx = i;
	return 0;
}

void pool_put(uint32_t idx)
{
	/* Whatever clients have of it goes (map items came from this mapping). */
	l4_task_unmap(L4_ENV_CAP_TASK, l4_fpage((uint64_t)pool_va(idx), 12, L4_FP_RWX), 0);
	park(idx);
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
	uint64_t hz = l4_kip()->timebase_hz;

	return hz ? l4_rdtime() / hz : 0;
}
