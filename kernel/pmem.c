/* pmem.c - the boot-time physical page allocator (pmem.h). */
#include <arch/layout.h>

#include <common/string.h>
#include "pmem.h"

struct memmap pmem_free;
static uint64_t win_lo, win_hi;

void pmem_set_window(uint64_t lo, uint64_t hi)
{
	win_lo = lo;
	win_hi = hi;
}

void *pmem_alloc_page_raw(void)
{
	uint64_t pa;

	if (win_hi) {
		/* Allocate from the part of the free map inside the window. */
		struct memmap w = pmem_free;
		memmap_remove(&w, 0, win_lo);
		memmap_remove(&w, win_hi, UINT64_MAX - win_hi);
		if (!memmap_alloc(&w, PAGE_SIZE, PAGE_SIZE, &pa))
			return NULL;
		memmap_remove(&pmem_free, pa, PAGE_SIZE);
	} else if (!memmap_alloc(&pmem_free, PAGE_SIZE, PAGE_SIZE, &pa)) {
		return NULL;
	}
	return phys_to_virt(pa);
}

void *pmem_alloc_page(void)
{
	void *p = pmem_alloc_page_raw();

	if (p)
		memset(p, 0, PAGE_SIZE);
	return p;
}
