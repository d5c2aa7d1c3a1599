/*
 * arch/layout.h - the kernel's virtual address space (Sv39, upper half).
 *
 *   0xffffffc000000000  DIRECT_MAP_BASE: physical address p is at DIRECT_MAP_BASE + p
 *                       (RAM only, 128 GiB of physical address space; root slots 256..383)
 *   0xffffffe000000000  IO_BASE: device registers, mapped on demand (1 GiB; root slot 384)
 *   0xffffffffc0000000  KERNEL_VBASE: the kernel image, at whatever 2 MiB-aligned
 *                       physical address it was loaded (root slot 511)
 *
 * The kernel is linked at KERNEL_VBASE; the physical base is found at boot (head.S).
 */
#pragma once

#define KERNEL_VBASE 0xffffffffc0000000UL
#define DIRECT_MAP_BASE 0xffffffc000000000UL
#define DIRECT_MAP_SIZE (128UL << 30)
#define IO_BASE 0xffffffe000000000UL
#define IO_SIZE (1UL << 30)

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12
#define MEGAPAGE_SIZE (2UL << 20)
#define GIGAPAGE_SIZE (1UL << 30)

#define KSTACK_SIZE 16384UL   /* per-hart kernel stack (tools/stackcheck.py: at most ~4.4 KiB used),
				 above a guard page: head.S, kstacks */
#define KSTACK_RED_SHIFT 13   /* sp within 2^13 of the guard's start (guard + the stack's lowest
				 page) is an overflow (trap.S) */
#define MAX_HARTS 32          /* = BOARD_MAX_HARTS */

#ifndef __ASSEMBLER__
#include <stdint.h>

extern uintptr_t kernel_pa_base;        /* physical address of KERNEL_VBASE */

static inline void *phys_to_virt(uintptr_t pa)
{
	return (void *)(DIRECT_MAP_BASE + pa);
}

static inline uintptr_t virt_to_phys(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	if (v >= KERNEL_VBASE)
		return v - KERNEL_VBASE + kernel_pa_base;
	return v - DIRECT_MAP_BASE;
}
#endif
