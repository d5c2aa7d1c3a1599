/*
 * l4/malloc.h - the heap of a program started by the loader (l4/env.h):
 * malloc and friends on anonymous dataspaces from the program's memory
 * session (L4_ENV_CAP_MEM), attached through its region mapper
 * (L4_ENV_CAP_RM). Pages are taken from the memory server on first touch.
 *
 * Small blocks come from arenas (1 MiB dataspaces, more as needed; first
 * fit, neighbours merged on free); a block of L4_MALLOC_LARGE bytes or more
 * gets a dataspace of its own, which free() detaches and frees, so its
 * pages go back to the memory server at once. Blocks are 16-byte aligned.
 * Not thread-safe, and to be called from the main thread (its UTCB is used
 * for the calls). Without an environment (boot tasks) malloc returns NULL.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define L4_MALLOC_LARGE (128UL * 1024)
#define L4_MALLOC_ARENA (1UL << 20)

void *malloc(size_t n);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);

struct l4_malloc_stats {
	uint64_t arenas, arena_bytes;   /* arena dataspaces and their size */
	uint64_t large, large_bytes;    /* dataspaces of large blocks now */
	uint64_t in_use;                /* bytes of blocks handed out now (with headers) */
	uint64_t failures;              /* requests that found no memory */
};
void l4_malloc_stats(struct l4_malloc_stats *s);
