/*
 * memmap.h - a set of physical address ranges, kept sorted, disjoint and
 * merged. The boot code builds the free-memory map with it (RAM minus
 * everything reserved) and carves page tables and boot pages out of it.
 *
 * Invariant (checked by memmap_check): r[i].base < r[i].base + r[i].size
 * <= r[i+1].base for all i (no empty, overlapping or touching ranges), and no
 * range wraps around the end of the 64-bit address space.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define MEMMAP_MAX 64

struct memmap {
	struct memmap_range {
		uint64_t base, size;
	} r[MEMMAP_MAX];
	unsigned n;
};

void memmap_init(struct memmap *m);
/* Add [base, base+size) (clipped at 2^64). Returns 0, or -1 if the map is full (unchanged then). */
int memmap_add(struct memmap *m, uint64_t base, uint64_t size);
/* Remove [base, base+size). Returns 0, or -1 if a split would overflow the map (unchanged then). */
int memmap_remove(struct memmap *m, uint64_t base, uint64_t size);
/* Take the lowest `size` bytes aligned to `align` (a power of two) out of the map.
 * Returns true and sets *out, or false if nothing fits (map unchanged). */
bool memmap_alloc(struct memmap *m, uint64_t size, uint64_t align, uint64_t *out);
/* True if all of [base, base+size) is in the map. */
bool memmap_contains(const struct memmap *m, uint64_t base, uint64_t size);
uint64_t memmap_total(const struct memmap *m);
/* True if the invariant above holds. */
bool memmap_check(const struct memmap *m);
