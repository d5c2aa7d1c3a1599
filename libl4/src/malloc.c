/*
 * malloc.c - the heap of a loaded program (l4/malloc.h).
 *
 * An arena is a dataspace attached read-write wherever the region mapper
 * finds room. Blocks in it carry a 16-byte header (word 0: size | flags);
 * a free block also keeps its size in its last word (the footer) and its
 * free-list links after the header, so a freed block can merge with either
 * neighbour:
 *
 *   | size|USED|PREV_USED | pad | payload ...                           |
 *   | size|     PREV_USED | pad | next | prev | ...            | size  |
 *
 * Each arena ends with a header of size 0 marked USED (the epilogue), and
 * its first block has PREV_USED set. A large block is a dataspace of its
 * own whose header has LARGE set.
 */
#include <l4/capalloc.h>
#include <l4/env.h>
#include <l4/malloc.h>
#include <l4/memsrv.h>
#include <l4/rm.h>
#include <l4/task.h>

#include <common/string.h>

#define HDR 16UL
#define MIN_BLOCK 32UL
#define F_USED 0x1UL
#define F_PREV_USED 0x2UL
#define F_LARGE 0x4UL
#define F_MASK 0xfUL

struct block {
	uint64_t word, pad;
	struct block *next, *prev;      /* free blocks only */
};

static struct block *free_list;
static struct l4_malloc_stats st;

static uint64_t bsize(const struct block *b) { return b->word & ~F_MASK; }
static struct block *at(const void *p, uint64_t off) { return (struct block *)((uint8_t *)p + off); }

static void list_add(struct block *b)
{
	b->prev = 0;
	b->next = free_list;
	if (free_list)
		free_list->prev = b;
	free_list = b;
}

static void list_del(struct block *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		free_list = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

static void set_footer(struct block *b)
{
	*(uint64_t *)((uint8_t *)b + bsize(b) - 8) = bsize(b);
}

/* A fresh anonymous dataspace of `size` bytes attached read-write: its address, or 0. */
static uint64_t new_ds(uint64_t size)
{
	const struct l4_env *e = l4_env();
	struct l4_utcb *utcb = (struct l4_utcb *)L4_ENV_UTCB_MAIN;
	uint64_t slot;
	long r;

	if (!e || !(e->flags & L4_ENV_F_RM) || !(slot = l4_cap_alloc()))
		return 0;
	/* The region mapper gets a copy; ours goes once it is attached (or freed). */
	r = l4_mem_alloc(L4_ENV_CAP_MEM, utcb, size, 0, slot, 0);
	if (!r) {
		r = l4_rm_attach(L4_ENV_CAP_RM, 0, size, 0, L4_RM_SEARCH | L4_FP_R | L4_FP_W, slot, 0);
		if (r < 0)
			l4_ds_free(slot);
		l4_task_cap_delete(L4_ENV_CAP_TASK, slot);
	}
	l4_cap_free(slot);
	return r > 0 ? (uint64_t)r : 0;
}

static int grow(uint64_t need)
{
	uint64_t size = L4_MALLOC_ARENA;

	if (need + 2 * HDR > size)
		size = (need + 2 * HDR + 0xfff) & ~0xfffUL;
	uint64_t a = new_ds(size);
	if (!a)
		return 0;
	struct block *b = at((void *)a, 0), *end = at((void *)a, size - HDR);
	b->word = (size - HDR) | F_PREV_USED;
	end->word = 0 | F_USED;
	set_footer(b);
	list_add(b);
	st.arenas++;
	st.arena_bytes += size;
	return 1;
}

static void *large_alloc(uint64_t n)
{
	uint64_t size = (n + HDR + 0xfff) & ~0xfffUL;
	uint64_t a = size > n ? new_ds(size) : 0;

	if (!a)
		return 0;
	struct block *b = at((void *)a, 0);
	b->word = size | F_LARGE | F_USED;
	st.large++;
	st.large_bytes += size;
	st.in_use += size;
	return (uint8_t *)b + HDR;
}

void *malloc(size_t n)
{
	if (n > (1UL << 40))
		goto fail;
	if (n >= L4_MALLOC_LARGE) {
		void *p = large_alloc(n);
		if (!p)
			goto fail;
		return p;
	}
	uint64_t size = (n + HDR + 15) & ~15UL;
	if (size < MIN_BLOCK)
		size = MIN_BLOCK;
	for (int tries = 0; tries < 2; tries++) {
		for (struct block *b = free_list; b; b = b->next) {
			if (bsize(b) < size)
				continue;
			list_del(b);
			uint64_t rest = bsize(b) - size;
			if (rest >= MIN_BLOCK) {
				struct block *r = at(b, size);
				r->word = rest | F_PREV_USED;
				set_footer(r);
				list_add(r);
				b->word = size | (b->word & F_PREV_USED) | F_USED;
			} else {
				b->word |= F_USED;
				at(b, bsize(b))->word |= F_PREV_USED;
			}
			st.in_use += bsize(b);
			return (uint8_t *)b + HDR;
		}
		if (!grow(size))
			break;
	}
fail:
	st.failures++;
	return 0;
}

void free(void *p)
{
	if (!p)
		return;
	struct block *b = (struct block *)((uint8_t *)p - HDR);
	if (b->word & F_LARGE) {
		st.large--;
		st.large_bytes -= bsize(b);
		st.in_use -= bsize(b);
		l4_rm_detach(L4_ENV_CAP_RM, (uint64_t)b, L4_RM_DETACH_FREE, 0);
		return;
	}
	st.in_use -= bsize(b);
	b->word &= ~F_USED;
	struct block *next = at(b, bsize(b));
	if (!(next->word & F_USED)) {
		list_del(next);
		b->word += bsize(next);
	} else {
		next->word &= ~F_PREV_USED;
	}
	if (!(b->word & F_PREV_USED)) {
		uint64_t psize = *(uint64_t *)((uint8_t *)b - 8);
		struct block *prev = (struct block *)((uint8_t *)b - psize);
		list_del(prev);
		prev->word += bsize(b);
		b = prev;
	}
	set_footer(b);
	list_add(b);
}

void *calloc(size_t n, size_t size)
{
	if (size && n > ~(size_t)0 / size)
		return 0;
	void *p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (!n) {
		free(p);
		return 0;
	}
	struct block *b = (struct block *)((uint8_t *)p - HDR);
	uint64_t have = bsize(b) - HDR;
	if (n <= have)
		return p;
	void *q = malloc(n);
	if (q) {
		memcpy(q, p, have);
		free(p);
	}
	return q;
}

void l4_malloc_stats(struct l4_malloc_stats *s)
{
	*s = st;
}
