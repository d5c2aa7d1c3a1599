/*
 * pool.h - the ramfs's memory (pool.c): pages for file data, page tables
 * and small blocks (names), counted against the server's limit, so that
 * running out is -L4_ENOSPC for the request that needed the page and
 * nothing else. tree.c uses only this interface; the host tests give it a
 * version on malloc.
 *
 * A page is named by a 32-bit index (0 = none); pool_va gives its address
 * in the server. A page handed to pool_put may have been mapped to clients
 * (a file attached as a dataspace): pool_put revokes those mappings first.
 */
#pragma once

#include <stdint.h>

#define POOL_PAGE 4096UL

#define POOL_COLOURS 16U                /* a page's colour: its index mod 16 */

/* A zeroed page: 0 and its index in *idx, or -L4_ENOSPC. */
long pool_get(uint32_t *idx);
/* The same, of colour c if there is one (for a file's page c mod 16). */
long pool_get_colour(unsigned c, uint32_t *idx);
/* Page `want` if it is free (or not yet used), else -L4_ENOSPC: the next
 * page of a file after its run's first (see pool.c). */
long pool_get_at(uint32_t want, uint32_t *idx);
/* Give the page back (revoked from every client it was mapped to). */
void pool_put(uint32_t idx);
/* Where page idx is mapped in the server (ramfs.h: POOL_VA). */
static inline void *pool_va(uint32_t idx)
{
	return (void *)(0x100000000UL + (uint64_t)idx * POOL_PAGE);
}
/* A block of 1..256 bytes (from pages of the pool), or 0 (no space). */
void *pool_small(unsigned bytes);
void pool_small_put(void *p, unsigned bytes);
/* Pages in use, and the limit. */
uint64_t pool_used(void);
uint64_t pool_limit(void);
/* Seconds (for mtime): since boot, or what the tree was loaded with. */
uint64_t pool_now(void);
