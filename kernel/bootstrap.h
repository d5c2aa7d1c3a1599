/*
 * bootstrap.h - creating the kernel pool, the root factory and the boot
 * tasks (sigma0, the roottask) from the boot modules; see bootstrap.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct board;

/* After mmu_init and sched_init: everything up to two READY threads. */
void bootstrap(const struct board *b, unsigned long boot_hart, uint64_t kernel_size, uint64_t dtb_pa,
	       uint64_t dtb_size, uint64_t instret0);
