/*
 * l4/capalloc.h - allocating capability slots in the task's own table.
 * The kernel names slots, user code chooses them: this is a bitmap of the
 * slots from L4_CAP_FIRST_FREE up to the table's size. Not thread-safe.
 */
#pragma once

#include <stdint.h>

/* Use slots [first, first + count) (count <= L4_CAPALLOC_MAX; call once). */
void l4_capalloc_init(uint64_t first, uint64_t count);
/* A free slot, or 0 if none is left. */
uint64_t l4_cap_alloc(void);
/* Give back a slot from l4_cap_alloc (it should be empty again). */
void l4_cap_free(uint64_t sel);

#define L4_CAPALLOC_MAX 65536
