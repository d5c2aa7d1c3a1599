/*
 * pmem.h - physical memory at boot: the free map (RAM minus everything the
 * firmware, the device tree and the kernel image occupy) and a page
 * allocator on top of it. Kernel-memory quotas come later (kernel objects).
 */
#pragma once

#include <stdint.h>

#include "lib/memmap.h"

extern struct memmap pmem_free;

/* Until pmem_set_window(0, 0), allocations come only from [lo, hi)
 * (the part of RAM the boot page table maps). */
void pmem_set_window(uint64_t lo, uint64_t hi);
/* A zeroed 4 KiB page, by its direct-map address; NULL when none is left. */
void *pmem_alloc_page(void);
/* The same, not zeroed: for a page the caller overwrites whole. */
void *pmem_alloc_page_raw(void);
