/* bench.h - what the benchmark roottask's parts share (benchroot.c, blkbench.c). */
#pragma once

#include <stdint.h>

/* Print the row "bench: NAME instructions=median min= max= samples=" of n
 * samples (sorted here), each divided by ops_per_sample. */
void report(const char *name, uint64_t *s, unsigned n, unsigned ops_per_sample);
/* The same with the row's figures times mul (a sample that is a part of the row's unit). */
void report_scaled(const char *name, uint64_t *s, unsigned n, unsigned mul, unsigned ops_per_sample);
/* The cost of the measurement itself: two rdinstret back to back. */
uint64_t empty_cost(void);
/* Around sample i of row (bench.trace: the one at index `at` is traced, tools/itrace.py). */
void trace_begin(unsigned i, unsigned at, const char *row);
void trace_end(unsigned i, unsigned at, const char *row);
/* The block benchmarks (blkbench.c), with memsrv's session `session`; their rows. */
#define BLK_ROWS "blk_write_4k", "blk_read_4k", "blk_seq_read"
void bench_blk(uint64_t session);
/* The block driver's service (W G) once bench_blk started it, else 0. */
uint64_t bench_blk_service(void);
/* The file benchmarks (fsbench.c): the ramfs on memory session `session`, a
 * region mapper's endpoint `rm` (attaching files) and the block service. */
#define FS_ROWS "fs_read_4k", "fs_write_4k", "fs_create_unlink", "fs_attach_read_1m", "fs_sync_1m"
void bench_fs(uint64_t session, uint64_t rm, uint64_t blk_service);
