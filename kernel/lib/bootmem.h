/*
 * bootmem.h - the RAM the kernel may use at boot: the board's memory minus
 * what is reserved and what is in use (kmain's step 3). Hardware-free, so
 * host tests check it on the boards' device trees (test/host/test_board.c).
 */
#pragma once

#include <stdint.h>

#include "lib/board.h"
#include "lib/memmap.h"

/*
 * Fill `m` with every memory range of `b` below `limit` (the end of the
 * kernel's direct map), minus the board's reserved ranges (/memreserve/,
 * /reserved-memory) and the `nused` ranges of `used` (the kernel image, the
 * device tree). Returns 0, or -1 if the ranges did not fit in the map.
 */
int bootmem_free(struct memmap *m, const struct board *b, uint64_t limit,
		 const struct board_range *used, unsigned nused);
