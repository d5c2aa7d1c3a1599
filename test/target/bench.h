/* bench.h - what the benchmark roottask's parts share (benchroot.c, blkbench.c). */
#pragma once

#include <stdint.h>

/* Print the row "bench: NAME instructions=median min= max= samples=" of n
 * samples (sorted here), each divided by ops_per_sample. */
void report(const char *name, uint64_t *s, unsigned n, unsigned ops_per_sample);
/* The cost of the measurement itself: two rdinstret back to back. */
uint64_t empty_cost(void);
/* The block benchmarks (blkbench.c), with memsrv's session `session`. */
void bench_blk(uint64_t session);
