/*
 * memmap.c - sorted sets of physical ranges (see memmap.h).
 * Ranges are few (tens), so operations are linear and simple.
 */
#include "kassert.h"
#include "memmap.h"

/* End of a range, clipped: ranges never wrap (memmap_add clips them). */
static uint64_t end_of(uint64_t base, uint64_t size)
{
	return size > UINT64_MAX - base ? UINT64_MAX : base + size;
}

void memmap_init(struct memmap *m)
{
	m->n = 0;
}

static void insert_at(struct memmap *m, unsigned i, uint64_t base, uint64_t size)
{
	for (unsigned j = m->n; j > i; j--)
		m->r[j] = m->r[j - 1];
	m->r[i].base = base;
	m->r[i].size = size;
	m->n++;
}

static void delete_at(struct memmap *m, unsigned i)
{
	for (unsigned j = i; j + 1 < m->n; j++)
		m->r[j] = m->r[j + 1];
	m->n--;
}

int memmap_add(struct memmap *m, uint64_t base, uint64_t size)
{
	uint64_t end = end_of(base, size);
	unsigned i, j;

	if (end == base)
		return 0;
	/* First range that ends at or after base: it may merge with the new one. */
	for (i = 0; i < m->n && m->r[i].base + m->r[i].size < base; i++)
		;
	/* Ranges i..j-1 touch or overlap [base, end): merge them all. */
	for (j = i; j < m->n && m->r[j].base <= end; j++) {
		if (m->r[j].base < base)
			base = m->r[j].base;
		if (m->r[j].base + m->r[j].size > end)
			end = m->r[j].base + m->r[j].size;
	}
	if (j == i) {
		if (m->n == MEMMAP_MAX)
			return -1;
		insert_at(m, i, base, end - base);
	} else {
		m->r[i].base = base;
		m->r[i].size = end - base;
		while (j > i + 1) {
			delete_at(m, i + 1);
			j--;
		}
	}
	kassert(memmap_check(m));
	return 0;
}

int memmap_remove(struct memmap *m, uint64_t base, uint64_t size)
{
	uint64_t end = end_of(base, size);

	if (end == base)
		return 0;
	for (unsigned i = 0; i < m->n; i++) {
		uint64_t rb = m->r[i].base, re = rb + m->r[i].size;

		if (re <= base || rb >= end)
			continue;
		if (rb < base && re > end) {
			/* Split in two. */
			if (m->n == MEMMAP_MAX)
				return -1;
			m->r[i].size = base - rb;
			insert_at(m, i + 1, end, re - end);
			break;
		}
		if (rb < base) {
			m->r[i].size = base - rb;
		} else if (re > end) {
			m->r[i].base = end;
			m->r[i].size = re - end;
		} else {
			delete_at(m, i);
			i--;
		}
	}
	kassert(memmap_check(m));
	return 0;
}

bool memmap_alloc(struct memmap *m, uint64_t size, uint64_t align, uint64_t *out)
{
	kassert(align != 0 && (align & (align - 1)) == 0);
	if (size == 0)
		return false;
	for (unsigned i = 0; i < m->n; i++) {
		uint64_t rb = m->r[i].base, re = rb + m->r[i].size;
		uint64_t a = (rb + align - 1) & ~(align - 1);

		if (a < rb || a >= re || re - a < size)
			continue;
		/* Removing from within one range splits at most once; if the map is
		 * full and a split is needed, try the next range. */
		if (memmap_remove(m, a, size) != 0)
			continue;
		*out = a;
		return true;
	}
	return false;
}

bool memmap_contains(const struct memmap *m, uint64_t base, uint64_t size)
{
	uint64_t end = base + size;

	/* Not clipped: a range running past 2^64 - 1 is never all in the map. */
	if (size > UINT64_MAX - base)
		return false;
	for (unsigned i = 0; i < m->n; i++)
		if (m->r[i].base <= base && end <= m->r[i].base + m->r[i].size)
			return true;
	return size == 0;
}

uint64_t memmap_total(const struct memmap *m)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < m->n; i++)
		t += m->r[i].size;
	return t;
}

bool memmap_check(const struct memmap *m)
{
	if (m->n > MEMMAP_MAX)
		return false;
	for (unsigned i = 0; i < m->n; i++) {
		if (m->r[i].size == 0 || m->r[i].size > UINT64_MAX - m->r[i].base)
			return false;
		if (i + 1 < m->n && m->r[i].base + m->r[i].size >= m->r[i + 1].base)
			return false;
	}
	return true;
}
